/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: SCP03 command unwrapping and response wrapping
 * (src/scp/scp03.c) in a session opened with the pySim AES-128 level-33 trace
 * (tests/data/scp03/pysim_scp03.txt, set AES128_33).
 * Input: records [ctl][len][len bytes], each one wrapped C-APDU.
 *   ctl bit 0: the harness rewrites the last 8 data bytes with the correct
 *              C-MAC (MCV ‖ CLA' INS P1 P2 Lc ‖ data'), so that decryption,
 *              padding and APDU rebuilding are reached;
 *   ctl bit 1: the response to wrap carries data (else SW only);
 *   ctl bit 2: reopen the session first.
 * Invariants: a refused command closes the session; an accepted one gives a
 * plain APDU no longer than the wrapped one, without the SM bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "scp/scp03.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pySim SCP03_Test_AES128_33 (GPL-2.0+ test data, see tests/data/scp03/SOURCES.md) */
static const uint8_t key_enc[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t key_mac[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t isdr_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t iu_cmd[14] = {0x80, 0x50, 0x30, 0x00, 0x08, 0xfd, 0xf3,
                                   0x82, 0x59, 0xa1, 0xe0, 0xde, 0x44, 0x00};
static const uint8_t ea_cmd[21] = {0x84, 0x82, 0x33, 0x00, 0x10, 0x8c, 0x36, 0xf9, 0x6b, 0xcc, 0x00,
                                   0x72, 0x4a, 0x4e, 0x13, 0xad, 0x59, 0x1d, 0x7d, 0xa3, 0xf0};

static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	veuicc_scp03_keyset *ks = arg;
	return kvn == 0 || kvn == ks->kvn ? ks : NULL;
}

static void open_session(veuicc_scp03_ctx *ctx, veuicc_scp03_keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
	ks->kvn = 0x30;
	ks->key_len = 16;
	memcpy(ks->enc, key_enc, 16);
	memcpy(ks->mac, key_mac, 16);
	ks->seq_counter = 2; /* the trace's counter is 3 */
	veuicc_scp03_cfg cfg = {.sd_aid = isdr_aid, .sd_aid_len = sizeof(isdr_aid)};
	uint8_t rsp[64];
	size_t rl;
	uint16_t sw = 0;
	if (veuicc_scp03_init(ctx, &cfg) ||
	    veuicc_scp03_initialize_update(ctx, lookup, ks, iu_cmd, sizeof(iu_cmd), rsp,
	                                   sizeof(rsp), &rl, &sw) ||
	    sw != 0x9000 || veuicc_scp03_external_authenticate(ctx, ea_cmd, sizeof(ea_cmd), &sw) ||
	    sw != 0x9000)
		abort();
}

/* Put the correct C-MAC into a short wrapped APDU, if it has room for one. */
static void fix_mac(const veuicc_scp03_ctx *ctx, uint8_t *c, size_t n)
{
	if (n < 13 || c[4] < 8 || (size_t)c[4] + 5 > n)
		return;
	size_t dl = (size_t)c[4] - 8;
	uint8_t m[16 + 5 + 255], mac[16];
	memcpy(m, ctx->mcv, 16);
	memcpy(m + 16, c, 5 + dl);
	m[16] = (uint8_t)(c[0] & ((c[0] & 0x40) ? 0xF0 : 0xFC));
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	if (mbedtls_cipher_cmac(ci, ctx->s_mac, 128, m, 16 + 5 + dl, mac))
		abort();
	memcpy(c + 5 + dl, mac, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	veuicc_scp03_ctx ctx;
	veuicc_scp03_keyset ks;
	static uint8_t cmd[300], out[300], w[300];
	static const uint8_t rsp_data[40] = {0xbf, 0x3e, 0x12, 0x5a, 0x10, 0x89};
	open_session(&ctx, &ks);
	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos];
		size_t len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		memcpy(cmd, data + pos, len);
		pos += len;
		if ((ctl & 4) || !veuicc_scp03_is_open(&ctx))
			open_session(&ctx, &ks);
		if (ctl & 1)
			fix_mac(&ctx, cmd, len);
		size_t ol = 0;
		uint16_t sw = 0;
		if (veuicc_scp03_unwrap(&ctx, cmd, len, out, sizeof(out), &ol, &sw))
			abort();
		if (sw != 0x9000) {
			if (veuicc_scp03_is_open(&ctx) || ol)
				abort();
			continue;
		}
		if (ol > len || ol < 4 || (out[0] & ((out[0] & 0x40) ? 0x20 : 0x04)))
			abort();
		size_t rl = (ctl & 2) ? (size_t)(ctl >> 3) + 2 : 2;
		uint8_t r[42];
		memcpy(r, rsp_data, rl - 2);
		r[rl - 2] = 0x90;
		r[rl - 1] = 0x00;
		size_t wl = 0;
		if (veuicc_scp03_wrap(&ctx, r, rl, w, sizeof(w), &wl) || wl < rl + 8)
			abort();
	}
	veuicc_scp03_reset(&ctx);
	return 0;
}
