/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file card_io.h
 * \brief The pieces every line-driven card helper of the tests shares
 *        (dl_io, keyest_io, scp03_io, sd_io): splitting a command line into
 *        words, the "A APDU" transmit and the "K AID" ISD-P key set dump.
 *        The Python oracles that drive them read exactly this output.
 */
#ifndef VEUICC_TESTS_CARD_IO_H
#define VEUICC_TESTS_CARD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/card.h"
#include "euicc/keyest.h"
#include "test_hex.h"

/** Cut \p line into at most \p max words separated by spaces; \returns their count. */
static inline int card_io_split(char *line, char **tok, int max)
{
	int nt = 0;
	for (char *t = strtok(line, " \r\n"); t && nt < max; t = strtok(NULL, " \r\n"))
		tok[nt++] = t;
	return nt;
}

/** "A APDU": veuicc_transmit and print the R-APDU; \returns 0, -100 on bad hex or the error. */
static inline int card_io_transmit(veuicc_card *card, const char *hex, uint8_t *in, uint8_t *out,
                                   size_t cap)
{
	size_t n = hex ? test_hex_decode(hex, in, cap) : TEST_HEX_BAD, ol = 0;
	if (n == TEST_HEX_BAD)
		return -100;
	int rc = veuicc_transmit(card, in, n, out, cap, &ol);
	if (!rc) {
		test_hex_print(out, ol);
		putchar('\n');
	}
	return rc;
}

/** "K AID": print "KVN KEYLEN ENC MAC DEK SEQ" of the ISD-P's key set, or NONE. */
static inline int card_io_print_isdp_keyset(veuicc_card *card, const char *aid_hex)
{
	uint8_t aid[16];
	size_t al = aid_hex ? test_hex_decode(aid_hex, aid, sizeof(aid)) : TEST_HEX_BAD;
	if (al == TEST_HEX_BAD)
		return -100;
	const veuicc_scp03_keyset *k = veuicc_isdp_keyset(card, aid, al);
	if (!k) {
		puts("NONE");
		return 0;
	}
	printf("%02x %02x ", k->kvn, k->key_len);
	test_hex_print(k->enc, k->key_len);
	putchar(' ');
	test_hex_print(k->mac, k->key_len);
	putchar(' ');
	test_hex_print(k->dek, k->key_len);
	printf(" %06x\n", (unsigned)k->seq_counter);
	return 0;
}

#endif /* VEUICC_TESTS_CARD_IO_H */
