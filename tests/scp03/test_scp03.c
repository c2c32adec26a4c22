/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/scp/scp03 (GP CS v2.3 Amendment D, card side):
 *  - the nine pySim SCP03 traces (AES-128/192/256 × levels 11, 03, 33) from
 *    tests/data/scp03/pysim_scp03.txt, replayed against the card: INITIALIZE
 *    UPDATE response byte for byte, EXTERNAL AUTHENTICATE, unwrapping of the
 *    wrapped GET EID and cases 1-4, R-MAC / R-ENC of the GET EID response;
 *  - the derived session keys of AES128_11 (digest §6.1);
 *  - a negative catalogue with exact status words and session state.
 * Random sessions against an independent host: tests/scp03/host.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "scp/scp03.h"

#define HEX_MAX  128
#define MAX_SETS 9

typedef struct hexbuf {
	uint8_t b[HEX_MAX];
	size_t n;
} hexbuf;

/* One pySim class. */
typedef struct vset {
	char name[16];
	hexbuf enc, mac, dek, iu_cmd, iu_rsp, ea_cmd, eid_cmd, eid_rsp, cases[4];
} vset;

typedef struct vfile {
	hexbuf aid, eid_plain, eid_rsp_plain, case_plain[4];
	vset set[MAX_SETS];
	int nsets;
	hexbuf s_enc, s_mac, s_rmac, host_crypto; /* AES128_11 derived */
} vfile;

static vfile vf;

/* 0 bytes for bad hex: callers check the length they expect. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = test_hex_decode(h, out, cap);
	return n == TEST_HEX_BAD ? 0 : n;
}

static void put(hexbuf *hb, const char *hex)
{
	hb->n = unhex(hex, hb->b, sizeof(hb->b));
	assert_true(hb->n > 0);
}

/* Parse the vector file; every field is checked to be present. */
static int load(void **state)
{
	(void)state;
	const char *dir = getenv("VEUICC_TEST_DATA");
	char path[512];
	snprintf(path, sizeof(path), "%s/scp03/pysim_scp03.txt", dir ? dir : "tests/data");
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	memset(&vf, 0, sizeof(vf));
	char line[512], k[64], v[400], v2[400];
	vset *cur = NULL;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		int nf = sscanf(line, "%63s %399s %399s", k, v, v2);
		if (nf < 1)
			continue;
		if (!strcmp(k, "set")) {
			cur = &vf.set[vf.nsets++];
			snprintf(cur->name, sizeof(cur->name), "%.15s", v);
		} else if (!strcmp(k, "end")) {
			cur = NULL;
		} else if (!strcmp(k, "derived")) {
			/* derived AES128_11 <name> <hex> */
			sscanf(line, "%*s %*s %63s %399s", k, v);
			hexbuf *d = !strcmp(k, "s_enc")    ? &vf.s_enc
			            : !strcmp(k, "s_mac")  ? &vf.s_mac
			            : !strcmp(k, "s_rmac") ? &vf.s_rmac
			                                   : &vf.host_crypto;
			put(d, v);
		} else if (!cur) {
			hexbuf *d = !strcmp(k, "aid")                 ? &vf.aid
			            : !strcmp(k, "get_eid_plain")     ? &vf.eid_plain
			            : !strcmp(k, "get_eid_rsp_plain") ? &vf.eid_rsp_plain
			            : !strcmp(k, "case1_plain")       ? &vf.case_plain[0]
			            : !strcmp(k, "case2_plain")       ? &vf.case_plain[1]
			            : !strcmp(k, "case3_plain")       ? &vf.case_plain[2]
			                                              : &vf.case_plain[3];
			put(d, v);
		} else {
			hexbuf *d = !strcmp(k, "enc")            ? &cur->enc
			            : !strcmp(k, "mac")          ? &cur->mac
			            : !strcmp(k, "dek")          ? &cur->dek
			            : !strcmp(k, "init_upd_cmd") ? &cur->iu_cmd
			            : !strcmp(k, "init_upd_rsp") ? &cur->iu_rsp
			            : !strcmp(k, "ext_auth_cmd") ? &cur->ea_cmd
			            : !strcmp(k, "get_eid_cmd")  ? &cur->eid_cmd
			            : !strcmp(k, "get_eid_rsp")  ? &cur->eid_rsp
			            : !strcmp(k, "case1")        ? &cur->cases[0]
			            : !strcmp(k, "case2")        ? &cur->cases[1]
			            : !strcmp(k, "case3")        ? &cur->cases[2]
			                                         : &cur->cases[3];
			put(d, v);
		}
	}
	fclose(f);
	return vf.nsets == MAX_SETS && vf.aid.n == 16 && vf.s_rmac.n == 16 ? 0 : -1;
}

/* ---- card fixture ------------------------------------------------------- */

typedef struct card {
	veuicc_scp03_keyset ks[2];
	int nks;
	veuicc_scp03_ctx ctx;
	int lookups;
} card;

static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	card *c = arg;
	c->lookups++;
	for (int i = 0; i < c->nks; i++)
		if (kvn == 0 || c->ks[i].kvn == kvn)
			return &c->ks[i];
	return NULL;
}

static int fixed_rng(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(0xA0 + i);
	return 0;
}

static const vset *find(const char *name)
{
	for (int i = 0; i < vf.nsets; i++)
		if (!strcmp(vf.set[i].name, name))
			return &vf.set[i];
	fail_msg("no set %s", name);
	abort(); /* not reached: fail_msg() ends the test */
}

/* Card holding the key set of \p v, its counter one below the trace's. */
static void card_setup(card *c, const vset *v, bool random)
{
	memset(c, 0, sizeof(*c));
	veuicc_scp03_keyset *k = &c->ks[0];
	k->kvn = v->iu_cmd.b[2];
	k->key_len = (uint8_t)v->enc.n;
	memcpy(k->enc, v->enc.b, v->enc.n);
	memcpy(k->mac, v->mac.b, v->mac.n);
	memcpy(k->dek, v->dek.b, v->dek.n);
	const uint8_t *r = v->iu_rsp.b + 29;
	k->seq_counter = (((uint32_t)r[0] << 16) | ((uint32_t)r[1] << 8) | r[2]) - 1;
	c->nks = 1;
	veuicc_scp03_cfg cfg = {.sd_aid = vf.aid.b,
	                        .sd_aid_len = vf.aid.n,
	                        .random_challenge = random,
	                        .rng = fixed_rng};
	assert_int_equal(veuicc_scp03_init(&c->ctx, &cfg), VEUICC_OK);
}

static uint16_t iu(card *c, const uint8_t *cmd, size_t n, uint8_t *rsp, size_t *rl)
{
	uint16_t sw = 0;
	assert_int_equal(
	    veuicc_scp03_initialize_update(&c->ctx, lookup, c, cmd, n, rsp, 64, rl, &sw),
	    VEUICC_OK);
	return sw;
}

static uint16_t ea(card *c, const uint8_t *cmd, size_t n)
{
	uint16_t sw = 0;
	assert_int_equal(veuicc_scp03_external_authenticate(&c->ctx, cmd, n, &sw), VEUICC_OK);
	return sw;
}

static uint16_t unwrap(card *c, const uint8_t *cmd, size_t n, uint8_t *out, size_t *ol)
{
	uint16_t sw = 0;
	assert_int_equal(veuicc_scp03_unwrap(&c->ctx, cmd, n, out, 300, ol, &sw), VEUICC_OK);
	return sw;
}

/* IU + EA of the trace: the session is open at the trace's level. */
static void open_session(card *c, const vset *v)
{
	uint8_t rsp[64];
	size_t rl;
	card_setup(c, v, false);
	assert_int_equal(iu(c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	assert_int_equal(ea(c, v->ea_cmd.b, v->ea_cmd.n), 0x9000);
	assert_true(veuicc_scp03_is_open(&c->ctx));
}

/* ---- the nine traces ------------------------------------------------------ */

static void run_trace(const vset *v)
{
	card c;
	uint8_t rsp[300];
	size_t rl = 0;
	card_setup(&c, v, false);
	uint32_t seq0 = c.ks[0].seq_counter;

	/* INITIALIZE UPDATE: KDD, key info 3x 03 70, pseudo-random challenge,
	 * card cryptogram and the counter, byte for byte */
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	assert_int_equal(rl, v->iu_rsp.n);
	assert_memory_equal(rsp, v->iu_rsp.b, rl);
	assert_int_equal(c.ks[0].seq_counter, seq0 + 1);
	assert_false(veuicc_scp03_is_open(&c.ctx));

	/* EXTERNAL AUTHENTICATE at the trace's level */
	assert_int_equal(ea(&c, v->ea_cmd.b, v->ea_cmd.n), 0x9000);
	assert_true(veuicc_scp03_is_open(&c.ctx));
	assert_int_equal(c.ctx.level, v->ea_cmd.b[2]);

	/* GET EID: unwrap gives the plain command back */
	assert_int_equal(unwrap(&c, v->eid_cmd.b, v->eid_cmd.n, rsp, &rl), 0x9000);
	assert_int_equal(rl, vf.eid_plain.n);
	assert_memory_equal(rsp, vf.eid_plain.b, rl);

	/* its response: R-MAC (level 11), R-ENC + R-MAC (33), plain (03) */
	uint8_t rp[64], wr[128];
	memcpy(rp, vf.eid_rsp_plain.b, vf.eid_rsp_plain.n);
	rp[vf.eid_rsp_plain.n] = 0x90;
	rp[vf.eid_rsp_plain.n + 1] = 0x00;
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, rp, vf.eid_rsp_plain.n + 2, wr, sizeof(wr), &rl),
	                 VEUICC_OK);
	assert_int_equal(rl, v->eid_rsp.n + 2);
	assert_memory_equal(wr, v->eid_rsp.b, v->eid_rsp.n);
	assert_int_equal(wr[rl - 2], 0x90);
	assert_int_equal(wr[rl - 1], 0x00);

	/* cases 1-4, MAC chained from the GET EID C-MAC, counter 2..5 */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(unwrap(&c, v->cases[i].b, v->cases[i].n, rsp, &rl), 0x9000);
		assert_int_equal(rl, vf.case_plain[i].n);
		assert_memory_equal(rsp, vf.case_plain[i].b, rl);
	}
	assert_int_equal(c.ctx.enc_counter, 5);

	/* deselect: session closed, keys zeroised */
	veuicc_scp03_reset(&c.ctx);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	static const uint8_t zero[VEUICC_SCP03_KEY_MAX];
	assert_memory_equal(c.ctx.s_enc, zero, sizeof(zero));
	assert_memory_equal(c.ctx.s_mac, zero, sizeof(zero));
	assert_memory_equal(c.ctx.s_rmac, zero, sizeof(zero));
	assert_int_equal(unwrap(&c, v->cases[0].b, v->cases[0].n, rsp, &rl), 0x6982);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_pysim_traces(void **state)
{
	(void)state;
	for (int i = 0; i < vf.nsets; i++) {
		print_message("  %s\n", vf.set[i].name);
		run_trace(&vf.set[i]);
	}
}

static void test_derived_keys(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64];
	size_t rl;
	card_setup(&c, v, false);
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	assert_memory_equal(c.ctx.s_enc, vf.s_enc.b, 16);
	assert_memory_equal(c.ctx.s_mac, vf.s_mac.b, 16);
	assert_memory_equal(c.ctx.s_rmac, vf.s_rmac.b, 16);
	/* host cryptogram = KDF(S-MAC, 01, 64, host ‖ card challenge) */
	uint8_t context[16], hc[8];
	memcpy(context, v->iu_cmd.b + 5, 8);
	memcpy(context + 8, v->iu_rsp.b + 13, 8);
	assert_int_equal(veuicc_scp03_kdf(c.ctx.s_mac, 16, 0x01, context, 16, hc, 8), VEUICC_OK);
	assert_memory_equal(hc, vf.host_crypto.b, 8);
	/* the EXTERNAL AUTHENTICATE of the trace carries that cryptogram */
	assert_memory_equal(v->ea_cmd.b + 5, hc, 8);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

/* ---- negative catalogue -------------------------------------------------- */

/* AES-CMAC with mbedtls directly (the test's own MAC, for crafted commands). */
static void test_cmac(const uint8_t *key, size_t kl, const uint8_t *m, size_t n, uint8_t out[16])
{
	const mbedtls_cipher_info_t *ci =
	    mbedtls_cipher_info_from_values(MBEDTLS_CIPHER_ID_AES, (int)kl * 8, MBEDTLS_MODE_ECB);
	assert_non_null(ci);
	assert_int_equal(mbedtls_cipher_cmac(ci, key, kl * 8, m, n, out), 0);
}

static void test_wrong_host_cryptogram(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64];
	size_t rl;
	card_setup(&c, v, false);
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	/* wrong cryptogram with a correct C-MAC over it (S-MAC from the digest) */
	uint8_t cmd[21], m[16 + 13], mac[16];
	memcpy(cmd, v->ea_cmd.b, 21);
	cmd[5] ^= 0x01;
	memset(m, 0, 16);
	memcpy(m + 16, cmd, 13);
	test_cmac(vf.s_mac.b, 16, m, sizeof(m), mac);
	memcpy(cmd + 13, mac, 8);
	assert_int_equal(ea(&c, cmd, 21), 0x6300);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	assert_int_equal(c.ctx.state, VEUICC_SCP03_IDLE);
	/* the genuine EXTERNAL AUTHENTICATE no longer works: IU needed again */
	assert_int_equal(ea(&c, v->ea_cmd.b, v->ea_cmd.n), 0x6985);
	/* control: the same MAC recipe reproduces the trace's C-MAC */
	memcpy(m + 16, v->ea_cmd.b, 13);
	test_cmac(vf.s_mac.b, 16, m, sizeof(m), mac);
	assert_memory_equal(mac, v->ea_cmd.b + 13, 8);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_wrong_ea_mac(void **state)
{
	(void)state;
	const vset *v = find("AES256_33");
	card c;
	uint8_t rsp[64], cmd[21];
	size_t rl;
	card_setup(&c, v, false);
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	memcpy(cmd, v->ea_cmd.b, 21);
	cmd[20] ^= 0x80;
	assert_int_equal(ea(&c, cmd, 21), 0x6982);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	/* a changed cryptogram under the old MAC is caught by the MAC first */
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	memcpy(cmd, v->ea_cmd.b, 21);
	cmd[6] ^= 0x01;
	assert_int_equal(ea(&c, cmd, 21), 0x6982);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_wrong_cmac_closes(void **state)
{
	(void)state;
	static const char *sets[] = {"AES128_11", "AES192_03", "AES256_33"};
	for (size_t s = 0; s < 3; s++) {
		const vset *v = find(sets[s]);
		card c;
		uint8_t out[300], cmd[64];
		size_t ol;
		open_session(&c, v);
		memcpy(cmd, v->eid_cmd.b, v->eid_cmd.n);
		cmd[v->eid_cmd.n - 2] ^= 0x01; /* last MAC byte */
		assert_int_equal(unwrap(&c, cmd, v->eid_cmd.n, out, &ol), 0x6982);
		assert_int_equal(ol, 0);
		assert_false(veuicc_scp03_is_open(&c.ctx));
		/* closed: even the genuine command is refused now */
		assert_int_equal(unwrap(&c, v->eid_cmd.b, v->eid_cmd.n, out, &ol), 0x6982);
		/* and no response protection is applied */
		uint8_t r[2] = {0x90, 0x00}, w[16];
		assert_int_equal(veuicc_scp03_wrap(&c.ctx, r, 2, w, sizeof(w), &ol), VEUICC_OK);
		assert_int_equal(ol, 2);
	}
}

static void test_cmd_without_sm(void **state)
{
	(void)state;
	const vset *v = find("AES128_33");
	card c;
	uint8_t out[300];
	size_t ol;
	open_session(&c, v);
	assert_int_equal(unwrap(&c, vf.eid_plain.b, vf.eid_plain.n, out, &ol), 0x6982);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	/* level 11 (C-MAC only on commands): a plain case 1 closes the
	 * session, the genuine wrapped GET EID that follows is refused */
	const vset *w = find("AES128_11");
	open_session(&c, w);
	assert_int_equal(unwrap(&c, vf.case_plain[0].b, vf.case_plain[0].n, out, &ol), 0x6982);
	assert_int_equal(unwrap(&c, w->eid_cmd.b, w->eid_cmd.n, out, &ol), 0x6982);
	/* ISO SM format (CLA 88) → 6882 */
	open_session(&c, w);
	uint8_t cmd[64];
	memcpy(cmd, w->eid_cmd.b, w->eid_cmd.n);
	cmd[0] = 0x88;
	assert_int_equal(unwrap(&c, cmd, w->eid_cmd.n, out, &ol), 0x6882);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	/* SM command before any session */
	card_setup(&c, w, false);
	assert_int_equal(unwrap(&c, w->eid_cmd.b, w->eid_cmd.n, out, &ol), 0x6982);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_unknown_kvn(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64], cmd[14];
	size_t rl;
	card_setup(&c, v, false);
	memcpy(cmd, v->iu_cmd.b, 14);
	cmd[2] = 0x3F;
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x6A88);
	assert_int_equal(rl, 0);
	assert_int_equal(c.ks[0].seq_counter, 1); /* unchanged */
	/* KVN 00 = default key set: answers with the real KVN 30 */
	cmd[2] = 0x00;
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x9000);
	assert_memory_equal(rsp, v->iu_rsp.b, rl);
	/* a key set with an invalid key length is not usable */
	c.ks[0].key_len = 20;
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x6A88);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_iu_errors(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64], cmd[32];
	size_t rl;
	card_setup(&c, v, false);
	memcpy(cmd, v->iu_cmd.b, 14);
	cmd[0] = 0x84; /* SM bit: IU is sent in clear */
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x6E00);
	cmd[0] = 0x00; /* ISO class */
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x6E00);
	cmd[0] = 0x81; /* channel 1: fine */
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x9000);
	cmd[0] = 0x80;
	cmd[3] = 0x01;
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x6A86);
	cmd[3] = 0x00;
	cmd[1] = 0x52;
	assert_int_equal(iu(&c, cmd, 14, rsp, &rl), 0x6D00);
	/* Lc 7 and Lc 16 (S16 not supported) */
	uint8_t c7[] = {0x80, 0x50, 0x30, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7, 0x00};
	assert_int_equal(iu(&c, c7, sizeof(c7), rsp, &rl), 0x6700);
	uint8_t c16[22] = {0x80, 0x50, 0x30, 0x00, 0x10};
	assert_int_equal(iu(&c, c16, sizeof(c16), rsp, &rl), 0x6700);
	/* truncated at every length: only the full case 3 / case 4 forms pass */
	for (size_t n = 0; n < v->iu_cmd.n; n++) {
		uint16_t sw = iu(&c, v->iu_cmd.b, n, rsp, &rl);
		assert_int_equal(sw, n == 13 ? 0x9000 : 0x6700);
	}
	/* too small output buffer */
	uint16_t sw;
	assert_int_equal(
	    veuicc_scp03_initialize_update(&c.ctx, lookup, &c, v->iu_cmd.b, 14, rsp, 31, &rl, &sw),
	    VEUICC_ERR_BUFFER_TOO_SMALL);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_sequence_counter(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64];
	size_t rl;
	card_setup(&c, v, false);
	c.ks[0].seq_counter = 0;
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
		assert_int_equal(rl, 32);
		assert_int_equal(rsp[29], 0);
		assert_int_equal(rsp[30], 0);
		assert_int_equal(rsp[31], i);
		assert_int_equal(c.ks[0].seq_counter, i);
	}
	/* counter 2 reproduces the trace's challenge whatever happened before */
	c.ks[0].seq_counter = 1;
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
	assert_memory_equal(rsp, v->iu_rsp.b, 32);
	/* last value, then exhausted */
	c.ks[0].seq_counter = VEUICC_SCP03_SEQ_MAX - 1;
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
	assert_int_equal(rsp[29] & rsp[30] & rsp[31], 0xFF);
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x6985);
	assert_int_equal(c.ks[0].seq_counter, VEUICC_SCP03_SEQ_MAX);
	assert_int_equal(c.ctx.state, VEUICC_SCP03_IDLE);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_random_challenge(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c;
	uint8_t rsp[64];
	size_t rl;
	card_setup(&c, v, true);
	uint32_t seq = c.ks[0].seq_counter;
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
	assert_int_equal(rl, 29);
	assert_int_equal(rsp[12], 0x60); /* i: R-MAC, R-ENC, random challenge */
	for (int i = 0; i < 8; i++)
		assert_int_equal(rsp[13 + i], 0xA0 + i); /* from the rng */
	assert_int_equal(c.ks[0].seq_counter, seq);
	/* random mode without rng is refused */
	veuicc_scp03_cfg cfg = {.random_challenge = true};
	assert_int_equal(veuicc_scp03_init(&c.ctx, &cfg), VEUICC_ERR_INVALID_ARG);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_replayed_ea(void **state)
{
	(void)state;
	const vset *v = find("AES128_03");
	card c;
	uint8_t rsp[64], out[300];
	size_t rl;
	open_session(&c, v);
	/* the same EXTERNAL AUTHENTICATE again in the open session */
	assert_int_equal(ea(&c, v->ea_cmd.b, v->ea_cmd.n), 0x6985);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	assert_int_equal(unwrap(&c, v->eid_cmd.b, v->eid_cmd.n, out, &rl), 0x6982);
	/* a new session (next counter → new challenge): the old EA fails */
	assert_int_equal(iu(&c, v->iu_cmd.b, v->iu_cmd.n, rsp, &rl), 0x9000);
	assert_memory_not_equal(rsp + 13, v->iu_rsp.b + 13, 8);
	assert_int_equal(ea(&c, v->ea_cmd.b, v->ea_cmd.n), 0x6982);
	assert_false(veuicc_scp03_is_open(&c.ctx));
	/* EA with no IU at all */
	card_setup(&c, v, false);
	assert_int_equal(ea(&c, v->ea_cmd.b, v->ea_cmd.n), 0x6985);
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_ea_levels_and_format(void **state)
{
	(void)state;
	const vset *v = find("AES128_11");
	card c = {0};
	uint8_t rsp[64], cmd[32];
	size_t rl;
	/* every P1: the five Amd D levels pass the P1 check (then only the
	 * trace's own 11 has a valid MAC); anything else is 6A86 */
	for (unsigned p1 = 0; p1 < 256; p1++) {
		veuicc_scp03_reset(&c.ctx); /* the previous round's session */
		card_setup(&c, v, false);
		assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
		memcpy(cmd, v->ea_cmd.b, 21);
		cmd[2] = (uint8_t)p1;
		bool legal = p1 == 0x01 || p1 == 0x03 || p1 == 0x11 || p1 == 0x13 || p1 == 0x33;
		uint16_t want = !legal ? 0x6A86 : p1 == 0x11 ? 0x9000 : 0x6982;
		assert_int_equal(ea(&c, cmd, 21), want);
		assert_int_equal(veuicc_scp03_is_open(&c.ctx), want == 0x9000);
	}
	/* P2 ≠ 00, no SM bit, wrong INS, Le appended (case 4 is accepted) */
	struct {
		uint8_t off, val;
		uint16_t sw;
	} m[] = {{3, 0x01, 0x6A86}, {0, 0x80, 0x6982}, {1, 0x84, 0x6D00}, {0, 0x00, 0x6E00}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		veuicc_scp03_reset(&c.ctx); /* the previous round's session */
		card_setup(&c, v, false);
		assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
		memcpy(cmd, v->ea_cmd.b, 21);
		cmd[m[i].off] = m[i].val;
		assert_int_equal(ea(&c, cmd, 21), m[i].sw);
		assert_int_equal(c.ctx.state, VEUICC_SCP03_IDLE);
	}
	veuicc_scp03_reset(&c.ctx);
	card_setup(&c, v, false);
	assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
	memcpy(cmd, v->ea_cmd.b, 21);
	cmd[21] = 0x00;
	assert_int_equal(ea(&c, cmd, 22), 0x9000);
	/* truncated EXTERNAL AUTHENTICATE at every length → 6700, no session */
	for (size_t n = 0; n < 21; n++) {
		veuicc_scp03_reset(&c.ctx); /* the previous round's session */
		card_setup(&c, v, false);
		assert_int_equal(iu(&c, v->iu_cmd.b, 14, rsp, &rl), 0x9000);
		assert_int_equal(ea(&c, v->ea_cmd.b, n), 0x6700);
		assert_int_equal(c.ctx.state, VEUICC_SCP03_IDLE);
	}
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
}

static void test_truncated_unwrap(void **state)
{
	(void)state;
	static const char *sets[] = {"AES128_11", "AES128_33"};
	for (size_t s = 0; s < 2; s++) {
		const vset *v = find(sets[s]);
		for (size_t n = 0; n < v->eid_cmd.n; n++) {
			card c;
			uint8_t out[300];
			size_t ol;
			open_session(&c, v);
			uint16_t sw = unwrap(&c, v->eid_cmd.b, n, out, &ol);
			/* 4, 5: no data field → no MAC → 6982; n-1: the Le
			 * dropped is a valid case 3 (Le is not MACed);
			 * others: length fields do not match → 6700 */
			uint16_t want = n == v->eid_cmd.n - 1 ? 0x9000
			                : (n == 4 || n == 5)  ? 0x6982
			                                      : 0x6700;
			assert_int_equal(sw, want);
			assert_int_equal(veuicc_scp03_is_open(&c.ctx), want == 0x9000);
			if (want == 0x9000) {
				/* same plain command without Le */
				assert_int_equal(ol, vf.eid_plain.n - 1);
				assert_memory_equal(out, vf.eid_plain.b, ol);
			}
			veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
		}
	}
}

/* Level-03 session of the trace, then a command whose plaintext is padded
 * as given, encrypted and MACed by the test itself (mbedtls AES / CMAC with
 * the session keys; the recipe is checked by the good-padding control). */
static uint16_t send_padded(const uint8_t *pt, size_t ptl, size_t cut)
{
	const vset *v = find("AES128_03");
	card c;
	uint8_t out[300];
	size_t ol;
	open_session(&c, v);
	uint8_t blk[16] = {0}, icv[16], ct[64];
	blk[15] = 1; /* first command after EXTERNAL AUTHENTICATE: counter 1 */
	mbedtls_aes_context a;
	mbedtls_aes_init(&a);
	assert_int_equal(mbedtls_aes_setkey_enc(&a, c.ctx.s_enc, 128), 0);
	assert_int_equal(mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, blk, icv), 0);
	assert_int_equal(mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_ENCRYPT, ptl, icv, pt, ct), 0);
	mbedtls_aes_free(&a);
	size_t dl = ptl - cut;
	uint8_t cmd[80] = {0x84, 0xF2, 0x20, 0x02, (uint8_t)(dl + 8)};
	memcpy(cmd + 5, ct, dl);
	uint8_t m[16 + 5 + 64], mac[16];
	memcpy(m, c.ctx.mcv, 16);
	memcpy(m + 16, cmd, 5 + dl);
	test_cmac(c.ctx.s_mac, 16, m, 16 + 5 + dl, mac);
	memcpy(cmd + 5 + dl, mac, 8);
	uint16_t sw = unwrap(&c, cmd, 5 + dl + 8, out, &ol);
	if (sw == 0x9000) {
		assert_true(veuicc_scp03_is_open(&c.ctx));
		assert_int_equal(ol, 5 + 2);
		assert_int_equal(out[4], 2);
		assert_int_equal(out[5], 0x4F);
		assert_int_equal(out[6], 0x00);
	} else {
		assert_int_equal(ol, 0);
		assert_false(veuicc_scp03_is_open(&c.ctx));
	}
	veuicc_scp03_reset(&c.ctx); /* releases its prepared keys */
	return sw;
}

static void test_bad_padding(void **state)
{
	(void)state;
	uint8_t p[32];
	/* control: 4F 00 80 00.. is correct */
	memset(p, 0, 32);
	p[0] = 0x4F;
	p[2] = 0x80;
	assert_int_equal(send_padded(p, 16, 0), 0x9000);
	/* no 80 at all */
	memset(p, 0x11, 32);
	assert_int_equal(send_padded(p, 16, 0), 0x6982);
	/* an all-zero block */
	memset(p, 0, 32);
	assert_int_equal(send_padded(p, 16, 0), 0x6982);
	/* 80 followed by a non-zero byte */
	memset(p, 0, 32);
	p[0] = 0x4F;
	p[2] = 0x80;
	p[15] = 0x01;
	assert_int_equal(send_padded(p, 16, 0), 0x6982);
	/* padding longer than one block: 4F 00 80 ... then 16 × 00 */
	memset(p, 0, 32);
	p[0] = 0x4F;
	p[14] = 0x80;
	assert_int_equal(send_padded(p, 32, 0), 0x6982);
	/* ciphertext not a multiple of the block */
	memset(p, 0, 32);
	p[0] = 0x4F;
	p[2] = 0x80;
	assert_int_equal(send_padded(p, 16, 1), 0x6982);
}

static void test_wrap_rules(void **state)
{
	(void)state;
	const vset *v = find("AES128_33");
	card c;
	uint8_t out[300], w[300];
	size_t ol, wl;
	open_session(&c, v);
	/* error SW: returned bare, no R-MAC, data dropped */
	assert_int_equal(unwrap(&c, v->eid_cmd.b, v->eid_cmd.n, out, &ol), 0x9000);
	uint8_t r[] = {0x01, 0x02, 0x6A, 0x88};
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, r, 4, w, sizeof(w), &wl), VEUICC_OK);
	assert_int_equal(wl, 2);
	assert_int_equal(w[0], 0x6A);
	assert_int_equal(w[1], 0x88);
	/* a second wrap without an unwrapped command is a copy */
	uint8_t ok[] = {0x90, 0x00};
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, ok, 2, w, sizeof(w), &wl), VEUICC_OK);
	assert_int_equal(wl, 2);
	/* 9000 without data: R-MAC only (8 + 2) */
	assert_int_equal(unwrap(&c, v->cases[0].b, v->cases[0].n, out, &ol), 0x9000);
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, ok, 2, w, sizeof(w), &wl), VEUICC_OK);
	assert_int_equal(wl, 10);
	/* 6310 is a warning: protected; output buffer too small */
	assert_int_equal(unwrap(&c, v->cases[1].b, v->cases[1].n, out, &ol), 0x9000);
	uint8_t warn[] = {0xAA, 0x63, 0x10};
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, warn, 3, w, 25, &wl),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(unwrap(&c, v->cases[2].b, v->cases[2].n, out, &ol), 0x9000);
	assert_int_equal(veuicc_scp03_wrap(&c.ctx, warn, 3, w, sizeof(w), &wl), VEUICC_OK);
	assert_int_equal(wl, 16 + 8 + 2);
	assert_int_equal(w[24], 0x63);
	/* IU during the open session closes it */
	assert_int_equal(veuicc_scp03_initialize_update(&c.ctx, lookup, &c, v->iu_cmd.b, 3, out, 64,
	                                                &ol, &(uint16_t){0}),
	                 VEUICC_OK);
	assert_false(veuicc_scp03_is_open(&c.ctx));
}

static void test_kdf_args(void **state)
{
	(void)state;
	uint8_t k[16] = {0}, o[32];
	assert_int_equal(veuicc_scp03_kdf(k, 15, 0, NULL, 0, o, 8), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_scp03_kdf(k, 16, 0, NULL, 0, o, 33), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_scp03_kdf(k, 16, 0, NULL, 0, o, 0), VEUICC_ERR_INVALID_ARG);
	/* 24-byte output: second block uses i = 2 → differs from a rerun with
	 * 16 bytes only in length field, so just check prefix independence */
	uint8_t a[24], b[16];
	assert_int_equal(veuicc_scp03_kdf(k, 16, 4, k, 16, a, 24), VEUICC_OK);
	assert_int_equal(veuicc_scp03_kdf(k, 16, 4, k, 16, b, 16), VEUICC_OK);
	assert_memory_not_equal(a, b, 16); /* L is part of every PRF input */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pysim_traces),
	    cmocka_unit_test(test_derived_keys),
	    cmocka_unit_test(test_wrong_host_cryptogram),
	    cmocka_unit_test(test_wrong_ea_mac),
	    cmocka_unit_test(test_wrong_cmac_closes),
	    cmocka_unit_test(test_cmd_without_sm),
	    cmocka_unit_test(test_unknown_kvn),
	    cmocka_unit_test(test_iu_errors),
	    cmocka_unit_test(test_sequence_counter),
	    cmocka_unit_test(test_random_challenge),
	    cmocka_unit_test(test_replayed_ea),
	    cmocka_unit_test(test_ea_levels_and_format),
	    cmocka_unit_test(test_truncated_unwrap),
	    cmocka_unit_test(test_bad_padding),
	    cmocka_unit_test(test_wrap_rules),
	    cmocka_unit_test(test_kdf_args),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
