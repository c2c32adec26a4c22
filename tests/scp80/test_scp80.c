/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP80 (ETSI TS 102 225 / 3GPP TS 31.115): the published vectors of
 * tests/data/scp80/packets.txt both ways, and the negative catalogue
 * (each case: exact status code, counter unchanged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "test_hex.h"
#include "scp/scp80.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = test_hex_decode(h, out, cap);
	assert_true(n != TEST_HEX_BAD);
	return n;
}

static uint8_t alg_of(const char *name)
{
	if (!strcmp(name, "aes"))
		return VEUICC_SCP80_ALG_AES;
	if (!strcmp(name, "3des2"))
		return VEUICC_SCP80_ALG_3DES2;
	if (!strcmp(name, "3des3"))
		return VEUICC_SCP80_ALG_3DES3;
	if (!strcmp(name, "des"))
		return VEUICC_SCP80_ALG_DES;
	fail_msg("unknown algorithm %s", name);
	return 0;
}

/* ---- a one-TAR, one-key-set card for the look-up callback ---------------- */

typedef struct card {
	uint8_t tar[3];
	veuicc_scp80_keyset ks;
	veuicc_scp80_counter cntr;
	int calls;
} card;

static int lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                  veuicc_scp80_counter **cntr)
{
	card *c = ctx;
	c->calls++;
	if (memcmp(tar, c->tar, 3))
		return VEUICC_SCP80_NO_TAR;
	if (kvn != c->ks.kvn)
		return VEUICC_SCP80_NO_KEYSET;
	*ks = &c->ks;
	*cntr = &c->cntr;
	return VEUICC_SCP80_FOUND;
}

static void set_keys(veuicc_scp80_keyset *ks, uint8_t kvn, const char *ca, const char *kc,
                     const char *da, const char *kd)
{
	memset(ks, 0, sizeof(*ks));
	ks->kvn = kvn;
	ks->kic_alg = alg_of(ca);
	ks->kid_alg = alg_of(da);
	ks->kic_len = (uint8_t)unhex(kc, ks->kic, sizeof(ks->kic));
	ks->kid_len = (uint8_t)unhex(kd, ks->kid, sizeof(ks->kid));
}

/* ---- the vector file ------------------------------------------------------ */

static FILE *open_vectors(void)
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	char path[1024];
	snprintf(path, sizeof(path), "%s/scp80/packets.txt", dir ? dir : "tests/data");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

static void vec_cmd(char **t)
{
	card c = {0};
	uint8_t data[256], pkt[512], out[512], built[512];
	uint8_t cntr[5];
	veuicc_scp80_host h = {0};
	veuicc_scp80_cmd cmd;

	unhex(t[6], c.tar, 3);
	unhex(t[7], h.spi, 2);
	unhex(t[8], &h.kic, 1);
	unhex(t[9], &h.kid, 1);
	set_keys(&c.ks, h.kid >> 4, t[2], t[3], t[4], t[5]);
	unhex(t[10], cntr, 5);
	size_t dl = unhex(t[11], data, sizeof(data));
	size_t pl = unhex(t[12], pkt, sizeof(pkt));

	/* card side */
	assert_int_equal(veuicc_scp80_unwrap(pkt, pl, lookup, &c, 0, out, sizeof(out), &cmd), 0);
	assert_int_equal(cmd.status, VEUICC_SCP80_POR_OK);
	assert_int_equal(cmd.data_len, dl);
	assert_memory_equal(cmd.data, data, dl);
	assert_memory_equal(cmd.tar, c.tar, 3);
	assert_memory_equal(cmd.cntr, cntr, 5);

	/* host side: the same bytes */
	memcpy(h.tar, c.tar, 3);
	memcpy(h.cntr, cntr, 5);
	h.kic_ks = h.kid_ks = &c.ks;
	size_t bl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&h, data, dl, built, sizeof(built), &bl), 0);
	assert_int_equal(bl, pl);
	assert_memory_equal(built, pkt, pl);
}

static void vec_por(char **t)
{
	veuicc_scp80_keyset ks;
	veuicc_scp80_cmd cmd = {0};
	uint8_t data[256], por[512], out[512], work[512];
	set_keys(&ks, 1, t[2], t[3], t[4], t[5]);
	unhex(t[6], cmd.tar, 3);
	unhex(t[7], cmd.spi, 2);
	unhex(t[8], cmd.cntr, 5);
	size_t dl = unhex(t[9], data, sizeof(data));
	size_t pl = unhex(t[10], por, sizeof(por));
	cmd.por_secured = true;
	cmd.kic_ks = cmd.kid_ks = &ks;

	size_t ol = 0;
	assert_int_equal(veuicc_scp80_wrap_por(&cmd, 0, data, dl, out, sizeof(out), &ol), 0);
	assert_int_equal(ol, pl);
	assert_memory_equal(out, por, pl);

	veuicc_scp80_host h = {0};
	memcpy(h.spi, cmd.spi, 2);
	memcpy(h.tar, cmd.tar, 3);
	memcpy(h.cntr, cmd.cntr, 5);
	h.kic_ks = h.kid_ks = &ks;
	uint8_t st = 0xFF;
	const uint8_t *d;
	size_t n;
	assert_int_equal(veuicc_scp80_unwrap_por(&h, por, pl, work, sizeof(work), &st, &d, &n), 0);
	assert_int_equal(st, 0);
	assert_int_equal(n, dl);
	assert_memory_equal(d, data, dl);
	/* one bit of the CC or the ciphertext off: the host must refuse it */
	if ((cmd.spi[1] & 0x0C) == VEUICC_SCP80_SPI2_POR_CC) {
		por[pl - 1] ^= 0x01;
		int rc = veuicc_scp80_unwrap_por(&h, por, pl, work, sizeof(work), &st, &d, &n);
		assert_true(rc == VEUICC_ERR_CRYPTO || rc == VEUICC_ERR_MALFORMED);
	}
}

static void vec_cc(char **t)
{
	veuicc_scp80_keyset ks;
	uint8_t msg[256], want[8], got[8];
	set_keys(&ks, 1, t[2], t[3], t[2], t[3]);
	size_t ml = unhex(t[4], msg, sizeof(msg));
	unhex(t[5], want, 8);
	assert_int_equal(veuicc_scp80_cc(&ks, msg, ml, got), 0);
	assert_memory_equal(got, want, 8);
}

static void test_vectors(void **state)
{
	(void)state;
	FILE *f = open_vectors();
	char line[2048];
	int n_cmd = 0, n_por = 0, n_cc = 0;
	while (fgets(line, sizeof(line), f)) {
		char *t[16];
		int n = 0;
		for (char *p = strtok(line, " \t\r\n"); p && n < 16; p = strtok(NULL, " \t\r\n"))
			t[n++] = p;
		if (n == 0 || t[0][0] == '#')
			continue;
		print_message("vector %s\n", t[1]);
		if (!strcmp(t[0], "cmd") && n == 13)
			vec_cmd(t), n_cmd++;
		else if (!strcmp(t[0], "por") && n == 11)
			vec_por(t), n_por++;
		else if (!strcmp(t[0], "cc") && n == 6)
			vec_cc(t), n_cc++;
		else
			fail_msg("bad record %s", t[0]);
	}
	fclose(f);
	assert_int_equal(n_cmd, 7);
	assert_int_equal(n_por, 7);
	assert_int_equal(n_cc, 6);
}

/* ---- negative catalogue --------------------------------------------------- */

static const uint8_t TAR[3] = {0x00, 0x00, 0x01};

static void aes_card(card *c, uint8_t kvn)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->tar, TAR, 3);
	set_keys(&c->ks, kvn, "aes", "0f0e0d0c0b0a09080706050403020100", "aes",
	         "101112131415161718191a1b1c1d1e1f");
	c->cntr.value[4] = 5; /* stored counter 5 */
}

static const uint8_t APDU[] = {0x80, 0xCA, 0x00, 0xE0, 0x00};

static size_t host_packet(const card *c, uint8_t spi1, uint8_t spi2, uint8_t cntr_lsb, uint8_t *out,
                          size_t cap)
{
	veuicc_scp80_host h = {0};
	h.spi[0] = spi1;
	h.spi[1] = spi2;
	h.kic = h.kid = (uint8_t)(c->ks.kvn << 4 | VEUICC_SCP80_ALG_AES);
	memcpy(h.tar, TAR, 3);
	h.cntr[4] = cntr_lsb;
	h.kic_ks = h.kid_ks = &c->ks;
	size_t n = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&h, APDU, sizeof(APDU), out, cap, &n), 0);
	return n;
}

/* Unwrap and require \p status with the counter unchanged (unless OK). */
static veuicc_scp80_cmd expect(card *c, const uint8_t *pkt, size_t n, uint8_t msl, uint8_t status)
{
	veuicc_scp80_counter before = c->cntr;
	veuicc_scp80_cmd cmd;
	uint8_t out[512];
	assert_int_equal(veuicc_scp80_unwrap(pkt, n, lookup, c, msl, out, sizeof(out), &cmd), 0);
	assert_int_equal(cmd.status, status);
	if (status != VEUICC_SCP80_POR_OK) {
		assert_memory_equal(before.value, c->cntr.value, 5);
		assert_null(cmd.data);
	}
	return cmd;
}

#define SPI1_STD 0x16 /* CC, ciphering, counter higher */
#define SPI2_STD 0x39 /* PoR required, CC, ciphered, via SMS-SUBMIT */

static void test_accept_and_replay(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	size_t n = host_packet(&c, SPI1_STD, SPI2_STD, 6, p, sizeof(p));
	veuicc_scp80_cmd cmd = expect(&c, p, n, SPI1_STD, VEUICC_SCP80_POR_OK);
	assert_int_equal(c.cntr.value[4], 6);
	assert_int_equal(cmd.data_len, sizeof(APDU));
	assert_memory_equal(cmd.data, APDU, sizeof(APDU));
	assert_true(cmd.por_wanted && cmd.por_secured && cmd.por_via_submit);
	/* replay of the very same packet */
	expect(&c, p, n, 0, VEUICC_SCP80_CNTR_LOW);
	/* lower counter */
	n = host_packet(&c, SPI1_STD, SPI2_STD, 2, p, sizeof(p));
	expect(&c, p, n, 0, VEUICC_SCP80_CNTR_LOW);
	/* "exactly one higher": +2 is too high, +1 passes */
	n = host_packet(&c, 0x1E, SPI2_STD, 8, p, sizeof(p));
	expect(&c, p, n, 0, VEUICC_SCP80_CNTR_HIGH);
	n = host_packet(&c, 0x1E, SPI2_STD, 7, p, sizeof(p));
	expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
	assert_int_equal(c.cntr.value[4], 7);
	/* counter blocked */
	memset(c.cntr.value, 0xFF, 5);
	n = host_packet(&c, SPI1_STD, SPI2_STD, 9, p, sizeof(p));
	expect(&c, p, n, 0, VEUICC_SCP80_CNTR_BLOCKED);
	/* counter mode 01 (available, not checked): no check and no update */
	c.cntr.value[0] = 0;
	veuicc_scp80_counter before = c.cntr;
	n = host_packet(&c, 0x0E, SPI2_STD, 0, p, sizeof(p));
	expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
	assert_memory_equal(before.value, c.cntr.value, 5);
}

static void test_wrong_cc(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	/* ciphered: a flipped ciphertext bit garbles the CC or the data */
	size_t n = host_packet(&c, SPI1_STD, SPI2_STD, 6, p, sizeof(p));
	for (size_t i = 10; i < n; i++) {
		p[i] ^= 0x80;
		veuicc_scp80_cmd cmd = expect(&c, p, n, 0, VEUICC_SCP80_RC_CC_DS_FAILED);
		p[i] ^= 0x80;
		/* the CC failed after the keys were identified: a PoR can be secured */
		assert_true(cmd.por_wanted && cmd.por_secured);
	}
	/* CC only: each flipped bit of the header, CC or data */
	n = host_packet(&c, 0x12, 0x01, 6, p, sizeof(p));
	for (size_t i = 2; i < n; i++) {
		if (i == 2 || i == 3 || i == 7 || i == 8 || i == 9 || i == 5 || i == 6)
			continue; /* CHL, SPI1, TAR, KIc/KID change the path, tested below */
		p[i] ^= 0x01;
		expect(&c, p, n, 0, VEUICC_SCP80_RC_CC_DS_FAILED);
		p[i] ^= 0x01;
	}
	expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
}

static void test_unknown_tar_and_keys(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	size_t n = host_packet(&c, SPI1_STD, SPI2_STD, 6, p, sizeof(p));
	/* unknown TAR: status 09, PoR unsecured */
	p[9] ^= 0x01;
	veuicc_scp80_cmd cmd = expect(&c, p, n, 0, VEUICC_SCP80_TAR_UNKNOWN);
	assert_true(cmd.por_wanted);
	assert_false(cmd.por_secured);
	uint8_t por[64];
	size_t pl;
	assert_int_equal(veuicc_scp80_wrap_por(&cmd, cmd.status, NULL, 0, por, sizeof(por), &pl),
	                 0);
	static const uint8_t clear_por[] = {0x02, 0x71, 0x00, 0x00, 0x0B, 0x0A, 0x00, 0x00,
	                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
	uint8_t want[sizeof(clear_por)];
	memcpy(want, clear_por, sizeof(want));
	memcpy(want + 6, cmd.tar, 3);
	assert_int_equal(pl, sizeof(want));
	assert_memory_equal(por, want, pl);
	p[9] ^= 0x01;
	/* unknown KID key set (KVN 2) */
	p[6] = 0x22;
	cmd = expect(&c, p, n, 0, VEUICC_SCP80_SECURITY_ERROR);
	assert_false(cmd.por_secured);
	/* unknown KIc key set */
	p[6] = 0x12;
	p[5] = 0x32;
	expect(&c, p, n, 0, VEUICC_SCP80_SECURITY_ERROR);
	/* KIc algorithm that does not match the key set (3DES for an AES key) */
	p[5] = 0x15;
	expect(&c, p, n, 0, VEUICC_SCP80_SECURITY_ERROR);
	/* KID algorithm mismatch */
	p[5] = 0x12;
	p[6] = 0x19;
	expect(&c, p, n, 0, VEUICC_SCP80_SECURITY_ERROR);
	/* implicit algorithm (nibble 0) is the key set's */
	p[6] = 0x10;
	p[5] = 0x10;
	expect(&c, p, n, 0, VEUICC_SCP80_RC_CC_DS_FAILED); /* KIc/KID are in the CC */
	/* digital signature requested: not supported */
	p[5] = p[6] = 0x12;
	p[3] = 0x17;
	expect(&c, p, n, 0, VEUICC_SCP80_SECURITY_ERROR);
}

static void test_msl(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	struct {
		uint8_t spi1, msl, status;
	} cases[] = {
	    {0x12, 0x16, VEUICC_SCP80_INSUFFICIENT_SECURITY}, /* no ciphering */
	    {0x06, 0x16, VEUICC_SCP80_INSUFFICIENT_SECURITY}, /* no counter */
	    {0x0E, 0x16, VEUICC_SCP80_INSUFFICIENT_SECURITY}, /* counter not checked */
	    {0x14, 0x16, VEUICC_SCP80_INSUFFICIENT_SECURITY}, /* no CC */
	    {0x1E, 0x16, VEUICC_SCP80_POR_OK},                /* stronger counter mode */
	    {0x16, 0x16, VEUICC_SCP80_POR_OK},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = host_packet(&c, cases[i].spi1, SPI2_STD, (uint8_t)(c.cntr.value[4] + 1),
		                       p, sizeof(p));
		expect(&c, p, n, cases[i].msl, cases[i].status);
	}
}

/* Packet with a chosen PCNTR and a valid CC, built with mbedtls directly. */
static size_t raw_packet(const card *c, bool cipher, uint8_t pcntr, size_t pad, uint8_t *p)
{
	const size_t data_len = sizeof(APDU) + pad;
	size_t body = 6 + 8 + data_len;
	if (cipher)
		assert_int_equal(body % 16, 0);
	size_t total = 10 + body;
	p[0] = 0;
	p[1] = (uint8_t)(total - 2);
	p[2] = 0x15;
	p[3] = cipher ? 0x16 : 0x12;
	p[4] = 0x01;
	p[5] = p[6] = 0x12;
	memcpy(p + 7, TAR, 3);
	memset(p + 10, 0, 5);
	p[14] = (uint8_t)(c->cntr.value[4] + 1);
	p[15] = pcntr;
	memcpy(p + 24, APDU, sizeof(APDU));
	memset(p + 24 + sizeof(APDU), 0, pad);
	uint8_t mac[16], msg[256];
	memcpy(msg, p, 16);
	memcpy(msg + 16, p + 24, data_len);
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	assert_int_equal(mbedtls_cipher_cmac(ci, c->ks.kid, 128, msg, 16 + data_len, mac), 0);
	memcpy(p + 16, mac, 8);
	if (cipher) {
		mbedtls_aes_context a;
		uint8_t iv[16] = {0};
		mbedtls_aes_init(&a);
		mbedtls_aes_setkey_enc(&a, c->ks.kic, 128);
		mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_ENCRYPT, body, iv, p + 10, p + 10);
		mbedtls_aes_free(&a);
	}
	return total;
}

static void test_padding_counter(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	/* ciphered, 19 data bytes + pad 13 = 32: the right PCNTR passes */
	size_t n = raw_packet(&c, true, 13, 13, p);
	veuicc_scp80_cmd cmd = expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
	assert_int_equal(cmd.data_len, sizeof(APDU));
	/* PCNTR larger than the secured data */
	n = raw_packet(&c, true, 19, 13, p);
	expect(&c, p, n, 0, VEUICC_SCP80_CIPHERING_ERROR);
	n = raw_packet(&c, true, 0xFF, 13, p);
	expect(&c, p, n, 0, VEUICC_SCP80_CIPHERING_ERROR);
	/* without ciphering there is no padding: PCNTR must be 0 */
	n = raw_packet(&c, false, 2, 0, p);
	expect(&c, p, n, 0, VEUICC_SCP80_CIPHERING_ERROR);
	n = raw_packet(&c, false, 0, 0, p);
	expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
}

static void test_truncated(void **state)
{
	(void)state;
	card c;
	uint8_t p[256], q[256];
	aes_card(&c, 1);
	size_t n = host_packet(&c, SPI1_STD, SPI2_STD, 6, p, sizeof(p));
	for (size_t len = 0; len < n; len++) {
		veuicc_scp80_counter before = c.cntr;
		veuicc_scp80_cmd cmd;
		uint8_t out[256];
		/* CPL no longer matches: discarded, no PoR */
		assert_int_equal(veuicc_scp80_unwrap(p, len, lookup, &c, 0, out, sizeof(out), &cmd),
		                 VEUICC_ERR_MALFORMED);
		assert_memory_equal(before.value, c.cntr.value, 5);
		/* CPL patched to the cut length: never accepted */
		if (len >= 10) {
			memcpy(q, p, len);
			q[0] = (uint8_t)((len - 2) >> 8);
			q[1] = (uint8_t)(len - 2);
			cmd.status = 0xEE;
			veuicc_scp80_unwrap(q, len, lookup, &c, 0, out, sizeof(out), &cmd);
			uint8_t want = (len - 10) % 16 || len == 10 ? VEUICC_SCP80_CIPHERING_ERROR
			                                            : VEUICC_SCP80_RC_CC_DS_FAILED;
			assert_int_equal(cmd.status, want);
			assert_memory_equal(before.value, c.cntr.value, 5);
		}
	}
	/* unciphered CC packet cut inside CNTR/PCNTR/CC with CPL patched: malformed */
	n = host_packet(&c, 0x12, 0x01, 6, p, sizeof(p));
	for (size_t len = 10; len < 24; len++) {
		veuicc_scp80_cmd cmd;
		uint8_t out[256];
		memcpy(q, p, len);
		q[1] = (uint8_t)(len - 2);
		assert_int_equal(veuicc_scp80_unwrap(q, len, lookup, &c, 0, out, sizeof(out), &cmd),
		                 VEUICC_ERR_MALFORMED);
	}
	/* a CHL that does not fit the SPI */
	n = host_packet(&c, SPI1_STD, SPI2_STD, 6, p, sizeof(p));
	p[2] = 0x0D;
	veuicc_scp80_cmd cmd;
	uint8_t out[256];
	assert_int_equal(veuicc_scp80_unwrap(p, n, lookup, &c, 0, out, sizeof(out), &cmd),
	                 VEUICC_ERR_MALFORMED);
	/* a too small output buffer: insufficient memory, counter kept */
	p[2] = 0x15;
	veuicc_scp80_counter before = c.cntr;
	assert_int_equal(veuicc_scp80_unwrap(p, n, lookup, &c, 0, out, 16, &cmd), 0);
	assert_int_equal(cmd.status, VEUICC_SCP80_NO_MEMORY);
	assert_memory_equal(before.value, c.cntr.value, 5);
}

static void test_por_rules(void **state)
{
	(void)state;
	card c;
	uint8_t p[256];
	aes_card(&c, 1);
	/* PoR on error only: none for success, one for a failure */
	size_t n = host_packet(&c, SPI1_STD, 0x3A, 6, p, sizeof(p));
	veuicc_scp80_cmd cmd = expect(&c, p, n, 0, VEUICC_SCP80_POR_OK);
	assert_false(cmd.por_wanted);
	cmd = expect(&c, p, n, 0, VEUICC_SCP80_CNTR_LOW);
	assert_true(cmd.por_wanted);
	/* no PoR */
	n = host_packet(&c, SPI1_STD, 0x00, 6, p, sizeof(p));
	cmd = expect(&c, p, n, 0, VEUICC_SCP80_CNTR_LOW);
	assert_false(cmd.por_wanted);
	assert_false(cmd.por_via_submit);
	/* secured error PoR round trip through the host side */
	n = host_packet(&c, SPI1_STD, SPI2_STD, 3, p, sizeof(p));
	cmd = expect(&c, p, n, 0, VEUICC_SCP80_CNTR_LOW);
	uint8_t por[128], work[128];
	size_t pl;
	assert_int_equal(veuicc_scp80_wrap_por(&cmd, cmd.status, NULL, 0, por, sizeof(por), &pl),
	                 0);
	veuicc_scp80_host h = {.spi = {SPI1_STD, SPI2_STD}, .kic_ks = &c.ks, .kid_ks = &c.ks};
	memcpy(h.tar, TAR, 3);
	h.cntr[4] = 3;
	uint8_t st;
	const uint8_t *d;
	size_t dl;
	assert_int_equal(veuicc_scp80_unwrap_por(&h, por, pl, work, sizeof(work), &st, &d, &dl), 0);
	assert_int_equal(st, VEUICC_SCP80_CNTR_LOW);
	assert_int_equal(dl, 0);
}

static void test_keyset_wipe(void **state)
{
	(void)state;
	card c;
	aes_card(&c, 1);
	veuicc_scp80_keyset_wipe(&c.ks);
	static const uint8_t zero[sizeof(veuicc_scp80_keyset)];
	assert_memory_equal(&c.ks, zero, sizeof(zero));
}

/* A card whose key set is prepared once (veuicc_scp80_keyset_prepare, as
 * the card's ISD-R key sets are) gives the same results as per-packet keying:
 * same plaintext, same PoR bytes, same refusals; wipe releases it. */
static void test_prepared_keyset(void **state)
{
	(void)state;
	card plain, prep;
	uint8_t p[256];
	aes_card(&plain, 1);
	aes_card(&prep, 1);
	assert_int_equal(veuicc_scp80_keyset_prepare(&prep.ks), 0);
	assert_non_null(prep.ks.prepared);
	for (uint8_t cntr = 6; cntr < 9; cntr++) {
		size_t n = host_packet(&plain, SPI1_STD, SPI2_STD, cntr, p, sizeof(p));
		veuicc_scp80_cmd a = expect(&plain, p, n, SPI1_STD, VEUICC_SCP80_POR_OK);
		veuicc_scp80_cmd b = expect(&prep, p, n, SPI1_STD, VEUICC_SCP80_POR_OK);
		assert_int_equal(a.data_len, b.data_len);
		assert_int_equal(b.data_len, sizeof(APDU));
		uint8_t pa[128], pb[128];
		size_t na = 0, nb = 0;
		static const uint8_t rsp[] = {0x01, 0x90, 0x00};
		assert_int_equal(
		    veuicc_scp80_wrap_por(&a, 0, rsp, sizeof(rsp), pa, sizeof(pa), &na), 0);
		assert_int_equal(
		    veuicc_scp80_wrap_por(&b, 0, rsp, sizeof(rsp), pb, sizeof(pb), &nb), 0);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na);
	}
	/* a flipped bit anywhere after the header: CC failure, counter kept */
	size_t n = host_packet(&plain, SPI1_STD, SPI2_STD, 20, p, sizeof(p));
	for (size_t i = 10; i < n; i++) {
		p[i] ^= 0x04;
		expect(&prep, p, n, 0, VEUICC_SCP80_RC_CC_DS_FAILED);
		p[i] ^= 0x04;
	}
	/* preparing again replaces the schedules; wipe releases them (ASan) */
	assert_int_equal(veuicc_scp80_keyset_prepare(&prep.ks), 0);
	veuicc_scp80_keyset_wipe(&prep.ks);
	assert_null(prep.ks.prepared);
	/* 3DES key sets need nothing prepared */
	card d;
	memset(&d, 0, sizeof(d));
	set_keys(&d.ks, 1, "3des2", "0123456789abcdeffedcba9876543210", "3des2",
	         "0123456789abcdeffedcba9876543210");
	assert_int_equal(veuicc_scp80_keyset_prepare(&d.ks), 0);
	assert_null(d.ks.prepared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prepared_keyset),
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_accept_and_replay),
	    cmocka_unit_test(test_wrong_cc),
	    cmocka_unit_test(test_unknown_tar_and_keys),
	    cmocka_unit_test(test_msl),
	    cmocka_unit_test(test_padding_counter),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_por_rules),
	    cmocka_unit_test(test_keyset_wipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
