/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secured APDUs per second through the card-side secure channel code, each
 * against the raw mbedtls cost of the same cryptography (issue 8 item 7):
 *
 *  (a) SCP80, AES-128, SPI 16 19 (CC + ciphering + counter; PoR with CC,
 *      ciphered): veuicc_scp80_unwrap() of one command packet, the expanded
 *      remote APDU script inside run by veuicc_remote_run_expanded() (one
 *      GET STATUS answered by a fixed 29-byte R-APDU), veuicc_scp80_wrap_por().
 *      Floor: AES-CBC decryption of the packet's ciphered part, AES-CMAC over
 *      its CC input, AES-CMAC over the PoR's CC input, AES-CBC encryption of
 *      the PoR's ciphered part, with keys scheduled once.
 *  (b) SCP03 S8, AES-128, C-MAC + C-DEC + R-MAC + R-ENC: veuicc_scp03_unwrap()
 *      of a GET STATUS (2 data bytes, Le) and veuicc_scp03_wrap() of its
 *      31-byte R-APDU in an open session. Floor: the C-MAC, the command ICV
 *      (one AES block) and CBC decryption, the response ICV, CBC encryption
 *      and R-MAC on the same byte counts, keys scheduled once.
 *
 * The commands are made beforehand by a host side written here on mbedtls
 * (not timed). Each part prints secured APDUs/s, the floor, the ratio with
 * PASS/FAIL against the 1.5x target, and an FNV-1a checksum of every output
 * byte. Usage: bench_scp [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "scp/remote_apdu.h"
#include "scp/scp03.h"
#include "scp/scp80.h"

#define TARGET 1.5
/* Rounds: each runs every timed loop once (card, floor, ...) one after the
 * other, so that both see the same load; the best round of each counts
 * (other processes on the machine only ever add time). */
#define ROUNDS 5

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}
#define FNV0 1469598103934665603ull

/* A CMAC context keyed once; each MAC resets it. */
typedef struct cmac {
	mbedtls_cipher_context_t c;
} cmac;

static void cmac_init(cmac *m, const uint8_t *key)
{
	mbedtls_cipher_init(&m->c);
	if (mbedtls_cipher_setup(&m->c,
	                         mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB)) ||
	    mbedtls_cipher_cmac_starts(&m->c, key, 128)) {
		fprintf(stderr, "bench_scp: CMAC setup failed\n");
		exit(1);
	}
}

static void cmac_run(cmac *m, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                     uint8_t out[16])
{
	mbedtls_cipher_cmac_reset(&m->c);
	mbedtls_cipher_cmac_update(&m->c, a, an);
	if (bn)
		mbedtls_cipher_cmac_update(&m->c, b, bn);
	mbedtls_cipher_cmac_finish(&m->c, out);
}

static void cbc(mbedtls_aes_context *k, int mode, const uint8_t iv_in[16], const uint8_t *in,
                uint8_t *out, size_t n)
{
	uint8_t iv[16];
	memcpy(iv, iv_in, 16);
	mbedtls_aes_crypt_cbc(k, mode, n, iv, in, out);
}

static void report(const char *name, long iters, double t_card, double t_floor, uint64_t sum,
                   uint64_t floor_sum, unsigned errors, int *fails)
{
	double ratio = t_card / t_floor;
	if (*name)
		printf("%s\n", name);
	printf("  card:  %.3f s, %.0f secured APDUs/s, %.2f us each\n", t_card,
	       (double)iters / t_card, t_card / (double)iters * 1e6);
	printf("  floor: %.3f s, %.0f /s (the same mbedtls AES-CBC/CMAC, keys scheduled once), "
	       "%.2f us each\n",
	       t_floor, (double)iters / t_floor, t_floor / (double)iters * 1e6);
	printf("  ratio card/floor: %.2f x (target <= %.1f x): %s\n", ratio, TARGET,
	       ratio <= TARGET ? "PASS" : "FAIL");
	printf("  checksum: %016llx (floor %016llx), errors: %u\n", (unsigned long long)sum,
	       (unsigned long long)floor_sum, errors);
	if (ratio > TARGET || errors)
		(*fails)++;
}

/* ---- (a) SCP80 ----------------------------------------------------------- */

/* factory/default.json ISD-R key set 1 (TEST KEYS ONLY) */
static const uint8_t k_kic[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t k_kid[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                  0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};

/* The ISD-R's GET STATUS answer (tests/cat/test_envelope.c) */
static const uint8_t status_rapdu[31] = {
    0xE3, 0x1B, 0x4F, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89,
    0x00, 0x00, 0x01, 0x00, 0x9F, 0x70, 0x01, 0x0F, 0xC5, 0x03, 0x80, 0xC0, 0x00, 0x90, 0x00};

struct s80 {
	veuicc_scp80_keyset ks;
	veuicc_scp80_counter cntr;
};

static int s80_lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                      veuicc_scp80_counter **cntr)
{
	struct s80 *s = ctx;
	if (tar[0] || tar[1] || tar[2] != 1)
		return VEUICC_SCP80_NO_TAR;
	if (kvn != s->ks.kvn)
		return VEUICC_SCP80_NO_KEYSET;
	*ks = &s->ks;
	*cntr = &s->cntr;
	return VEUICC_SCP80_FOUND;
}

static int exec_status(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                       size_t *rlen)
{
	(void)ctx;
	if (len < 4 || capdu[1] != 0xF2 || cap < sizeof(status_rapdu))
		return VEUICC_ERR_INVALID_ARG;
	memcpy(rapdu, status_rapdu, sizeof(status_rapdu));
	*rlen = sizeof(status_rapdu);
	return VEUICC_OK;
}

/* Everything one SCP80 measurement needs. */
struct s80_run {
	struct s80 s;
	long iters;
	uint8_t pkt[256], work[256], rsp[512], por[600];
	size_t pn, rn, porn;
	veuicc_scp80_cmd bc; /* for the breakdown */
	/* floor */
	mbedtls_aes_context kdec, kenc;
	cmac kid;
	uint8_t plain[600], out[600], mac[16];
	uint64_t sum, floor_sum, ref_sum;
	unsigned errors;
};

static const uint8_t zero_iv[16] = {0};

/* The card side: unwrap, run the script, PoR. */
static double s80_card(struct s80_run *x)
{
	x->sum = FNV0;
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		memset(x->s.cntr.value, 0, 5); /* the same packet is new again */
		veuicc_scp80_cmd cmd;
		if (veuicc_scp80_unwrap(x->pkt, x->pn, s80_lookup, &x->s, 0x16, x->work,
		                        sizeof(x->work), &cmd) ||
		    cmd.status != VEUICC_SCP80_POR_OK ||
		    veuicc_remote_run_expanded(cmd.data, cmd.data_len, exec_status, NULL, x->rsp,
		                               sizeof(x->rsp), &x->rn) ||
		    veuicc_scp80_wrap_por(&cmd, VEUICC_SCP80_POR_OK, x->rsp, x->rn, x->por,
		                          sizeof(x->por), &x->porn)) {
			x->errors++;
			continue;
		}
		x->sum = fnv(x->sum, x->por, x->porn);
	}
	return now() - t;
}

/* Each stage alone (the clock_gettime breakdown). */
static void s80_stages(struct s80_run *x, double tb[3])
{
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		memset(x->s.cntr.value, 0, 5);
		veuicc_scp80_unwrap(x->pkt, x->pn, s80_lookup, &x->s, 0x16, x->work,
		                    sizeof(x->work), &x->bc);
	}
	tb[0] = now() - t;
	t = now();
	for (long i = 0; i < x->iters; i++)
		veuicc_remote_run_expanded(x->bc.data, x->bc.data_len, exec_status, NULL, x->rsp,
		                           sizeof(x->rsp), &x->rn);
	tb[1] = now() - t;
	t = now();
	for (long i = 0; i < x->iters; i++)
		veuicc_scp80_wrap_por(&x->bc, VEUICC_SCP80_POR_OK, x->rsp, x->rn, x->por,
		                      sizeof(x->por), &x->porn);
	tb[2] = now() - t;
}

/* The floor: the same AES operations on the same byte counts, keys scheduled once. */
static double s80_floor(struct s80_run *x)
{
	const size_t body = x->pn - 10;       /* CNTR .. padding, ciphered */
	const size_t cc_in = x->pn - 8;       /* CPL..PCNTR ‖ data ‖ padding */
	const size_t por_body = x->porn - 9;  /* CNTR .. padding of the PoR */
	const size_t por_cc_in = x->porn - 8; /* UDH..status ‖ data ‖ padding */
	x->floor_sum = FNV0;
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		cbc(&x->kdec, MBEDTLS_AES_DECRYPT, zero_iv, x->pkt + 10, x->work, body);
		cmac_run(&x->kid, x->plain, 16, x->work + 14, cc_in - 16, x->mac);
		cmac_run(&x->kid, x->out, 16, x->out + 24, por_cc_in - 16, x->mac);
		cbc(&x->kenc, MBEDTLS_AES_ENCRYPT, zero_iv, x->work, x->out + 9, por_body);
		x->floor_sum = fnv(x->floor_sum, x->out, x->porn);
		x->floor_sum = fnv(x->floor_sum, x->mac, 8);
	}
	return now() - t;
}

/* For reference: the same floor when every operation schedules its key
 * (what the stateless veuicc_scp80_* API pays per packet). */
static double s80_ref(struct s80_run *x)
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	const size_t body = x->pn - 10, cc_in = x->pn - 8, por_body = x->porn - 9,
	             por_cc_in = x->porn - 8;
	x->ref_sum = FNV0;
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		mbedtls_aes_context k;
		mbedtls_aes_init(&k);
		mbedtls_aes_setkey_dec(&k, k_kic, 128);
		cbc(&k, MBEDTLS_AES_DECRYPT, zero_iv, x->pkt + 10, x->work, body);
		mbedtls_aes_free(&k);
		memcpy(x->plain + 16, x->work + 14, cc_in - 16);
		mbedtls_cipher_cmac(ci, k_kid, 128, x->plain, cc_in, x->mac);
		mbedtls_cipher_cmac(ci, k_kid, 128, x->out, por_cc_in, x->mac);
		mbedtls_aes_init(&k);
		mbedtls_aes_setkey_enc(&k, k_kic, 128);
		cbc(&k, MBEDTLS_AES_ENCRYPT, zero_iv, x->work, x->out + 9, por_body);
		mbedtls_aes_free(&k);
		x->ref_sum = fnv(x->ref_sum, x->out, x->porn);
	}
	return now() - t;
}

static void bench_scp80(long iters, int *fails)
{
	struct s80_run *x = calloc(1, sizeof(*x));
	if (!x) {
		fprintf(stderr, "bench_scp: out of memory\n");
		exit(1);
	}
	x->iters = iters;
	x->s.ks.kvn = 1;
	x->s.ks.kic_alg = x->s.ks.kid_alg = VEUICC_SCP80_ALG_AES;
	x->s.ks.kic_len = x->s.ks.kid_len = 16;
	memcpy(x->s.ks.kic, k_kic, 16);
	memcpy(x->s.ks.kid, k_kid, 16);
	x->s.ks.cc_len = 8;
	veuicc_scp80_host h = {{0x16, 0x19},    0x12,     0x12,    {0, 0, 1},
	                       {0, 0, 0, 0, 1}, &x->s.ks, &x->s.ks};
	static const uint8_t script[] = {0xAA, 0x0A, 0x22, 0x08, 0x80, 0xF2,
	                                 0x80, 0x02, 0x02, 0x4F, 0x00, 0x00};
	if (veuicc_scp80_wrap_cmd(&h, script, sizeof(script), x->pkt, sizeof(x->pkt), &x->pn)) {
		fprintf(stderr, "bench_scp: wrap_cmd failed\n");
		exit(1);
	}
	/* the card prepares its own key sets' schedules once (cat/envelope.c
	 * isdr_keyset); the packet above was built with per-packet schedules */
	if (veuicc_scp80_keyset_prepare(&x->s.ks)) {
		fprintf(stderr, "bench_scp: keyset_prepare failed\n");
		exit(1);
	}
	mbedtls_aes_init(&x->kdec);
	mbedtls_aes_init(&x->kenc);
	mbedtls_aes_setkey_dec(&x->kdec, k_kic, 128);
	mbedtls_aes_setkey_enc(&x->kenc, k_kic, 128);
	cmac_init(&x->kid, k_kid);

	double t_card = 1e30, t_floor = 1e30, t_ref = 1e30, tb[3] = {1e30, 1e30, 1e30};
	for (int r = 0; r < ROUNDS; r++) {
		double t = s80_card(x), b[3];
		t_card = t < t_card ? t : t_card;
		if (r == 0) { /* the floor works on the card's packet and PoR sizes */
			memcpy(x->plain, x->pkt, x->pn);
			memcpy(x->out, x->por, x->porn);
		}
		t = s80_floor(x);
		t_floor = t < t_floor ? t : t_floor;
		t = s80_ref(x);
		t_ref = t < t_ref ? t : t_ref;
		s80_stages(x, b);
		for (int k = 0; k < 3; k++)
			tb[k] = b[k] < tb[k] ? b[k] : tb[k];
	}
	/* the last PoR must be the right one */
	uint8_t st = 0xFF;
	const uint8_t *d;
	size_t dn;
	x->s.cntr.value[4] = 0;
	s80_card(x);
	if (veuicc_scp80_unwrap_por(&h, x->por, x->porn, x->work, sizeof(x->work), &st, &d, &dn) ||
	    st || dn != x->rn || memcmp(d, x->rsp, x->rn))
		x->errors++;
	printf("(a) SCP80 AES-128, SPI 1619: unwrap (%zu-byte packet) + expanded script "
	       "(1 C-APDU) + PoR (%zu bytes), %ld times, best of %d rounds\n",
	       x->pn, x->porn, iters, ROUNDS);
	report("", iters, t_card, t_floor, x->sum, x->floor_sum, x->errors, fails);
	printf("  breakdown: unwrap %.0f ns, remote script %.0f ns, PoR %.0f ns\n",
	       tb[0] / (double)iters * 1e9, tb[1] / (double)iters * 1e9,
	       tb[2] / (double)iters * 1e9);
	printf("  reference: the floor with a key schedule per operation %.2f us, card/that "
	       "%.2f x (checksum %016llx)\n",
	       t_ref / (double)iters * 1e6, t_card / t_ref, (unsigned long long)x->ref_sum);
	mbedtls_aes_free(&x->kdec);
	mbedtls_aes_free(&x->kenc);
	mbedtls_cipher_free(&x->kid.c);
	veuicc_scp80_keyset_wipe(&x->s.ks);
	free(x);
}

/* ---- (b) SCP03 ----------------------------------------------------------- */

static const uint8_t s_enc[16] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
                                  0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F};
static const uint8_t s_mac[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                  0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};
static const uint8_t s_rmac[16] = {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
                                   0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F};

#define S03_CMD_LEN (5 + 16 + 8 + 1) /* 84 F2 40 02 Lc | enc(4F00 80..) | C-MAC | Le */

/* The host side (Amd D §6.2.4-6.2.6): command i (counter i+1) of the session. */
static void host_commands(long n, uint8_t *cmds)
{
	mbedtls_aes_context kenc;
	mbedtls_aes_init(&kenc);
	mbedtls_aes_setkey_enc(&kenc, s_enc, 128);
	cmac km;
	cmac_init(&km, s_mac);
	uint8_t mcv[16] = {0};
	for (long i = 0; i < n; i++) {
		uint8_t *c = cmds + i * S03_CMD_LEN;
		uint8_t blk[16] = {0}, icv[16], pt[16] = {0x4F, 0x00, 0x80};
		uint64_t ctr = (uint64_t)i + 1;
		for (int k = 15; k >= 8; k--, ctr >>= 8)
			blk[k] = (uint8_t)ctr;
		mbedtls_aes_crypt_ecb(&kenc, MBEDTLS_AES_ENCRYPT, blk, icv);
		c[0] = 0x84;
		c[1] = 0xF2;
		c[2] = 0x40;
		c[3] = 0x02;
		c[4] = 16 + 8;
		cbc(&kenc, MBEDTLS_AES_ENCRYPT, icv, pt, c + 5, 16);
		uint8_t m[16];
		cmac_run(&km, mcv, 16, c, 5 + 16, m);
		memcpy(mcv, m, 16);
		memcpy(c + 21, m, 8);
		c[29] = 0x00; /* Le */
	}
	mbedtls_aes_free(&kenc);
	mbedtls_cipher_free(&km.c);
}

/* The state EXTERNAL AUTHENTICATE leaves (Amd D §7.1.2) at level 33, with
 * the command counter and MCV at their start. */
static void s03_open(veuicc_scp03_ctx *ctx)
{
	veuicc_scp03_reset(ctx);
	ctx->state = VEUICC_SCP03_AUTHENTICATED;
	ctx->level =
	    VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC | VEUICC_SCP03_R_MAC | VEUICC_SCP03_R_ENC;
	ctx->key_len = 16;
	memcpy(ctx->s_enc, s_enc, 16);
	memcpy(ctx->s_mac, s_mac, 16);
	memcpy(ctx->s_rmac, s_rmac, 16);
}

struct s03_run {
	long iters;
	uint8_t *cmds;
	veuicc_scp03_ctx ctx;
	uint8_t plain[64], out[128];
	size_t pl, ol;
	mbedtls_aes_context kenc, kdec;
	cmac km, kr;
	uint64_t sum, floor_sum;
	unsigned errors;
};

/* The card side: unwrap every command of the session, wrap its response. */
static double s03_card(struct s03_run *x)
{
	s03_open(&x->ctx);
	x->sum = FNV0;
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		uint16_t sw = 0;
		if (veuicc_scp03_unwrap(&x->ctx, x->cmds + i * S03_CMD_LEN, S03_CMD_LEN, x->plain,
		                        sizeof(x->plain), &x->pl, &sw) ||
		    sw != 0x9000 || x->pl != 8 ||
		    veuicc_scp03_wrap(&x->ctx, status_rapdu, sizeof(status_rapdu), x->out,
		                      sizeof(x->out), &x->ol)) {
			x->errors++;
			break;
		}
		x->sum = fnv(x->sum, x->plain, x->pl);
		x->sum = fnv(x->sum, x->out, x->ol);
	}
	t = now() - t;
	veuicc_scp03_reset(&x->ctx);
	return t;
}

/* The floor: the same operations with keys scheduled once. */
static double s03_floor(struct s03_run *x)
{
	uint8_t mcv[16] = {0}, icv[16], blk[16] = {0}, mac[16], rsp[48];
	x->floor_sum = FNV0;
	double t = now();
	for (long i = 0; i < x->iters; i++) {
		const uint8_t *c = x->cmds + i * S03_CMD_LEN;
		cmac_run(&x->km, mcv, 16, c, 5 + 16, mac); /* C-MAC */
		memcpy(mcv, mac, 16);
		blk[15] = (uint8_t)i;
		mbedtls_aes_crypt_ecb(&x->kenc, MBEDTLS_AES_ENCRYPT, blk, icv); /* command ICV */
		cbc(&x->kdec, MBEDTLS_AES_DECRYPT, icv, c + 5, x->plain, 16);
		blk[0] = 0x80;
		mbedtls_aes_crypt_ecb(&x->kenc, MBEDTLS_AES_ENCRYPT, blk, icv); /* response ICV */
		blk[0] = 0;
		memcpy(rsp, status_rapdu, 29);
		rsp[29] = 0x80;
		rsp[30] = rsp[31] = 0;
		cbc(&x->kenc, MBEDTLS_AES_ENCRYPT, icv, rsp, rsp, 32); /* R-ENC */
		rsp[32] = 0x90;
		rsp[33] = 0x00;
		cmac_run(&x->kr, mcv, 16, rsp, 34, mac); /* R-MAC over data' ‖ SW */
		x->floor_sum = fnv(x->floor_sum, x->plain, 2);
		x->floor_sum = fnv(x->floor_sum, rsp, 32);
		x->floor_sum = fnv(x->floor_sum, mac, 8);
	}
	return now() - t;
}

static void bench_scp03(long iters, int *fails)
{
	struct s03_run *x = calloc(1, sizeof(*x));
	if (x)
		x->cmds = malloc((size_t)iters * S03_CMD_LEN);
	if (!x || !x->cmds) {
		fprintf(stderr, "bench_scp: out of memory\n");
		exit(1);
	}
	x->iters = iters;
	host_commands(iters, x->cmds);
	mbedtls_aes_init(&x->kenc);
	mbedtls_aes_init(&x->kdec);
	mbedtls_aes_setkey_enc(&x->kenc, s_enc, 128);
	mbedtls_aes_setkey_dec(&x->kdec, s_enc, 128);
	cmac_init(&x->km, s_mac);
	cmac_init(&x->kr, s_rmac);
	double t_card = 1e30, t_floor = 1e30;
	for (int r = 0; r < ROUNDS; r++) {
		double t = s03_card(x);
		t_card = t < t_card ? t : t_card;
		t = s03_floor(x);
		t_floor = t < t_floor ? t : t_floor;
	}
	printf("(b) SCP03 S8 AES-128, C-MAC+C-DEC+R-MAC+R-ENC: unwrap (%d-byte command) + wrap "
	       "(%zu-byte response), %ld times, best of %d rounds\n",
	       S03_CMD_LEN, x->ol, iters, ROUNDS);
	report("", iters, t_card, t_floor, x->sum, x->floor_sum, x->errors, fails);
	mbedtls_aes_free(&x->kenc);
	mbedtls_aes_free(&x->kdec);
	mbedtls_cipher_free(&x->km.c);
	mbedtls_cipher_free(&x->kr.c);
	free(x->cmds);
	free(x);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	if (iters <= 0)
		iters = 1;
	int fails = 0;
	printf("bench_scp: secured APDUs through the card-side code vs the raw mbedtls cost\n");
	bench_scp80(iters, &fails);
	bench_scp03(iters, &fails);
	return fails ? 1 : 0;
}
