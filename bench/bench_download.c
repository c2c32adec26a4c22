/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A full ES8 profile download in process (issue 9 item 7): CreateISDP,
 * EstablishISDPKeySet (SGP.02 §3.1.2; INSTALL [for personalization], 3A01
 * with CERT.DP.ECDSA, 3A02 signed by SK.DP.ECDSA over a fresh ephemeral
 * key) and DownloadAndInstallation in SCP03t (§4.1.3.3: 84, 85, then the
 * TS.48 package in 1024-byte 86 segments, one script = SELECT ISD-R +
 * INSTALL [for personalization] + a STORE DATA sequence of 240-byte blocks
 * per SCP03t command). The SM-DP side is computed here with mbedtls only
 * (ECDSA sign, ephemeral ECDH, X9.63 KDF, receipt check, SCP03 host: KDF,
 * cryptograms, C-MAC, C-DEC, R-MAC check, R-ENC decryption).
 *
 * Reported per download: the whole exchange, the card's share (the time
 * inside veuicc_transmit), and the mbedtls cost of the card's own crypto
 * operations measured alone in the same run on the same byte counts
 * (2 ECDSA-SHA256 verifications, 3 public-key validations, 1 ECDH with
 * blinding, the KDF, the receipt CMAC, 16 random bytes, the SCP03 session
 * KDFs and cryptograms, per segment one ICV, AES-CBC decryption, C-MAC and
 * R-MAC, and the R-ENC of the result). Ratio = card / crypto alone; target
 * <= 1.5 (PASS/FAIL). Then downloads per second on one core with many
 * cards in one process (each card gets the downloads in turn; every
 * profile is deleted after its download). A FNV-1a checksum over every
 * card response (challenges, receipts, SCP03t responses) is printed: runs
 * are deterministic (seeded card and SM-DP generators), so two runs with
 * the same arguments print the same checksum.
 *
 * Usage: bench_download [downloads] [cards] [profile.der]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "veuicc/veuicc.h"

#define PFX_HEX      "A0000005591010FFFFFFFF89"
#define SEG          1024
#define BLOCK        240
#define MAX_PROFILE  (1 << 20)
#define DEFAULT_PROF "/tests/data/saip/profiles/TS48V4-SAIP2-3-BERTLV-UNIQUE.der"

/* Phases of a download, for the time breakdown. */
enum { PH_ES5, PH_3A01, PH_3A02, PH_SESSION, PH_SEG, PH_LAST, PH_COUNT };
static const char *const ph_name[PH_COUNT] = {"SELECT, CreateISDP, INSTALL [perso]",
                                              "3A01 (CERT.DP.ECDSA)",
                                              "3A02 (ECKA, KDF, receipt)",
                                              "SCP03t 84 + 85",
                                              "86 segments but the last",
                                              "last 86 (decrypt + install)"};

static const uint8_t aid_isdr[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t aid_ecasd[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
/* WHTY's CRT (digest §4.1): three keys, KVN 30, scenario 09, AES-128 */
static const uint8_t crt[] = {0xA6, 0x15, 0x90, 0x02, 0x03, 0x09, 0x95, 0x01,
                              0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82,
                              0x01, 0x01, 0x83, 0x01, 0x30, 0x91, 0x00};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_download: %s\n", what);
	exit(1);
}

static uint8_t *load(const char *path, size_t *len, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	uint8_t *b = malloc(cap);
	if (!b)
		die("memory");
	*len = fread(b, 1, cap, f);
	fclose(f);
	return b;
}

/* ---- the SM-DP (mbedtls) ------------------------------------------------------- */

typedef struct smdp {
	mbedtls_ecp_group grp;
	mbedtls_pk_context sk_dp; /* SK.DP.ECDSA (SGP.26 DPauth, NIST) */
	mbedtls_ctr_drbg_context drbg;
	uint32_t seed_ctr;
	uint8_t *cert; /* CERT.DP.ECDSA (7F21) */
	size_t cert_len;
} smdp;

/* Fixed entropy: the SM-DP's generator is reproducible (checksums). */
static int fixed_entropy(void *ctx, unsigned char *b, size_t n)
{
	uint32_t *c = ctx;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(0x5A ^ (*c)++);
	return 0;
}

static int sys_rng(void *ctx, unsigned char *b, size_t n)
{
	(void)ctx;
	return getrandom(b, n, 0) == (ssize_t)n ? 0 : -1;
}

static void aes_cmac(const uint8_t key[16], const uint8_t *m, size_t n, uint8_t out[16])
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	if (mbedtls_cipher_cmac(ci, key, 128, m, n, out))
		die("cmac");
}

/* GP Amd D §6.2.1: SP 800-108 counter mode, AES-CMAC, 64 or 128 bits. */
static void scp03_kdf(const uint8_t key[16], uint8_t c, const uint8_t *ctx, size_t cl, uint8_t *out,
                      size_t bits)
{
	uint8_t in[16 + 64] = {0};
	in[11] = c;
	in[13] = (uint8_t)(bits >> 8);
	in[14] = (uint8_t)bits;
	in[15] = 1;
	memcpy(in + 16, ctx, cl);
	uint8_t m[16];
	aes_cmac(key, in, 16 + cl, m);
	memcpy(out, m, bits / 8);
}

static void aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	mbedtls_aes_context a;
	mbedtls_aes_init(&a);
	mbedtls_aes_setkey_enc(&a, key, 128);
	mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, in, out);
	mbedtls_aes_free(&a);
}

static void aes_cbc(const uint8_t key[16], int enc, const uint8_t iv0[16], const uint8_t *in,
                    size_t n, uint8_t *out)
{
	mbedtls_aes_context a;
	uint8_t iv[16];
	memcpy(iv, iv0, 16);
	mbedtls_aes_init(&a);
	if (enc)
		mbedtls_aes_setkey_enc(&a, key, 128);
	else
		mbedtls_aes_setkey_dec(&a, key, 128);
	mbedtls_aes_crypt_cbc(&a, enc ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, n, iv, in, out);
	mbedtls_aes_free(&a);
}

static void smdp_init(smdp *s)
{
	memset(s, 0, sizeof(*s));
	mbedtls_ecp_group_init(&s->grp);
	mbedtls_ecp_group_load(&s->grp, MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_pk_init(&s->sk_dp);
	if (mbedtls_pk_parse_keyfile(
	        &s->sk_dp, VEUICC_SOURCE_DIR "/tests/data/cert/keys/SK_S_SM_DPauth_ECDSA_NIST.pem",
	        NULL))
		die("SK.DP.ECDSA");
	mbedtls_ctr_drbg_init(&s->drbg);
	static const char pers[] = "bench_download smdp";
	if (mbedtls_ctr_drbg_seed(&s->drbg, fixed_entropy, &s->seed_ctr,
	                          (const unsigned char *)pers, sizeof(pers) - 1))
		die("drbg");
	s->cert =
	    load(VEUICC_SOURCE_DIR "/tests/data/cert/minted/nist/smdp.7f21", &s->cert_len, 512);
}

static void smdp_free(smdp *s)
{
	mbedtls_ecp_group_free(&s->grp);
	mbedtls_pk_free(&s->sk_dp);
	mbedtls_ctr_drbg_free(&s->drbg);
	free(s->cert);
}

/* ---- the card ---------------------------------------------------------------- */

typedef struct bcard {
	veuicc_card *card;
	mbedtls_ecp_point pk_ecasd; /* PK.ECASD.ECKA from its certificate */
	double busy;                /* seconds inside veuicc_transmit */
	int phase;                  /* PH_*: where xfer() books the time */
	double ph[PH_COUNT];        /* seconds inside veuicc_transmit per phase */
	uint64_t sum;               /* checksum of the card's responses */
	unsigned apdus;
	size_t bytes; /* C-APDU + R-APDU bytes */
} bcard;

static uint8_t rbuf[VEUICC_RAPDU_MAX];

/* One APDU; returns the SW, response data in rbuf[0..*n). */
static uint16_t xfer(bcard *b, const uint8_t *c, size_t cl, size_t *n)
{
	size_t rl = 0;
	double t0 = now();
	int rc = veuicc_transmit(b->card, c, cl, rbuf, sizeof(rbuf), &rl);
	double dt = now() - t0;
	b->busy += dt;
	b->ph[b->phase] += dt;
	if (rc || rl < 2)
		die("transmit");
	b->apdus++;
	b->bytes += cl + rl;
	*n = rl - 2;
	b->sum = fnv(b->sum, rbuf, rl);
	return (uint16_t)(rbuf[rl - 2] << 8 | rbuf[rl - 1]);
}

static void expect(bcard *b, const uint8_t *c, size_t cl, uint16_t sw, const char *what)
{
	size_t n;
	if (xfer(b, c, cl, &n) != sw)
		die(what);
}

static size_t apdu(uint8_t *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *d,
                   size_t n)
{
	c[0] = cla;
	c[1] = ins;
	c[2] = p1;
	c[3] = p2;
	c[4] = (uint8_t)n;
	memcpy(c + 5, d, n);
	c[5 + n] = 0x00;
	return 6 + n;
}

static void select_aid(bcard *b, const uint8_t aid[16])
{
	uint8_t c[32];
	expect(b, c, apdu(c, 0x00, 0xA4, 0x04, 0x0C, aid, 16) - 1, 0x9000, "SELECT");
}

static void bcard_init(bcard *b, uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* the SM-SR's ES5 part in plain APDUs */
	cfg.rng_deterministic = 1;
	cfg.rng_seed = seed;
	if (veuicc_card_new(&cfg, &b->card) ||
	    veuicc_reset(b->card, VEUICC_RESET_COLD, NULL, NULL) ||
	    veuicc_set_protocol(b->card, VEUICC_PROTO_T1))
		die("card");
	/* PK.ECASD.ECKA: B0 of the ECASD's certificate (GET DATA 7F21) */
	select_aid(b, aid_ecasd);
	static const uint8_t gd[] = {0x80, 0xCA, 0x7F, 0x21, 0x00};
	size_t n;
	if (xfer(b, gd, sizeof(gd), &n) != 0x9000)
		die("GET DATA 7F21");
	mbedtls_ecp_point_init(&b->pk_ecasd);
	mbedtls_ecp_group g;
	mbedtls_ecp_group_init(&g);
	mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
	size_t i = 0;
	while (i + 67 <= n && !(rbuf[i] == 0xB0 && rbuf[i + 1] == 0x41 && rbuf[i + 2] == 0x04))
		i++;
	if (i + 67 > n || mbedtls_ecp_point_read_binary(&g, &b->pk_ecasd, rbuf + i + 2, 65))
		die("PK.ECASD.ECKA");
	mbedtls_ecp_group_free(&g);
	b->busy = 0;
	memset(b->ph, 0, sizeof(b->ph));
	b->apdus = 0;
	b->bytes = 0;
}

static void bcard_free(bcard *b)
{
	mbedtls_ecp_point_free(&b->pk_ecasd);
	veuicc_card_free(b->card);
}

/* ---- one download ------------------------------------------------------------- */

typedef struct session {
	uint8_t s_enc[16], s_mac[16], s_rmac[16], mcv[16];
	uint32_t ctr;
} session;

static void perso(bcard *b, const uint8_t aid[16])
{
	uint8_t d[22] = {0x00, 0x00, 0x10};
	memcpy(d + 3, aid, 16);
	uint8_t c[40];
	select_aid(b, aid_isdr);
	expect(b, c, apdu(c, 0x80, 0xE6, 0x20, 0x00, d, sizeof(d)), 0x9000, "INSTALL perso");
}

/* One script: INSTALL [for personalization] + the STORE DATA sequence of
 * \p s; the response data of the last block are in rbuf[0..*n). */
static void script(bcard *b, const uint8_t aid[16], const uint8_t *s, size_t len, size_t *n)
{
	int ph = b->phase;
	b->phase = PH_ES5;
	perso(b, aid);
	b->phase = ph;
	uint8_t c[5 + BLOCK + 1];
	for (size_t off = 0, blk = 0; off < len; off += BLOCK, blk++) {
		size_t k = len - off < BLOCK ? len - off : BLOCK;
		int last = off + k == len;
		uint16_t sw = xfer(
		    b, c, apdu(c, 0x80, 0xE2, last ? 0x90 : 0x10, (uint8_t)blk, s + off, k), n);
		if (sw != 0x9000 || (!last && *n)) {
			fprintf(stderr, "STORE DATA block %zu: SW %04X\n", blk, sw);
			die("STORE DATA");
		}
	}
}

static void download(bcard *b, smdp *dp, const uint8_t *der, size_t der_len, uint32_t num)
{
	uint8_t aid[16];
	memcpy(aid, aid_isdr, 12);
	aid[12] = (uint8_t)(num >> 16);
	aid[13] = (uint8_t)(num >> 8);
	aid[14] = (uint8_t)num;
	aid[15] = 0x00;
	uint8_t c[5 + 255 + 1], d[255];
	size_t n;

	/* ES5.CreateISDP (the SM-SR) */
	b->phase = PH_ES5;
	select_aid(b, aid_isdr);
	static const uint8_t elf[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	                                0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00};
	static const uint8_t em[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	                               0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00};
	static const uint8_t tail[] = {0x03, 0x80, 0xC0, 0x00, 0x06, 0xC9,
	                               0x04, 0x81, 0x02, 0x81, 0x00, 0x00};
	size_t dl = 0;
	d[dl++] = 0x10;
	memcpy(d + dl, elf, 16);
	dl += 16;
	d[dl++] = 0x10;
	memcpy(d + dl, em, 16);
	dl += 16;
	d[dl++] = 0x10;
	memcpy(d + dl, aid, 16);
	dl += 16;
	memcpy(d + dl, tail, sizeof(tail));
	dl += sizeof(tail);
	expect(b, c, apdu(c, 0x80, 0xE6, 0x0C, 0x00, d, dl), 0x9000, "CreateISDP");

	/* EstablishISDPKeySet: 3A01 CERT.DP.ECDSA -> 85 10 RC */
	perso(b, aid);
	d[0] = 0x3A;
	d[1] = 0x01;
	d[2] = (uint8_t)dp->cert_len;
	memcpy(d + 3, dp->cert, dp->cert_len);
	b->phase = PH_3A01;
	if (xfer(b, c, apdu(c, 0x80, 0xE2, 0x09, 0x00, d, 3 + dp->cert_len), &n) != 0x9000 ||
	    n != 18)
		die("3A01");
	uint8_t rc[16];
	memcpy(rc, rbuf + 2, 16);

	/* 3A02 { A6 } 7F49 { B0 ePK F0 01 00 } 5F37 sig(SK.DP.ECDSA) */
	mbedtls_mpi e_d, r, s, z;
	mbedtls_ecp_point e_q;
	mbedtls_mpi_init(&e_d);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_mpi_init(&z);
	mbedtls_ecp_point_init(&e_q);
	if (mbedtls_ecp_gen_keypair(&dp->grp, &e_d, &e_q, mbedtls_ctr_drbg_random, &dp->drbg))
		die("ephemeral key");
	uint8_t m[200];
	size_t ml = 0, pl;
	m[ml++] = 0x3A;
	m[ml++] = 0x02;
	m[ml++] = sizeof(crt);
	memcpy(m + ml, crt, sizeof(crt));
	ml += sizeof(crt);
	static const uint8_t epk_hdr[] = {0x7F, 0x49, 0x46, 0xB0, 0x41};
	memcpy(m + ml, epk_hdr, sizeof(epk_hdr));
	ml += sizeof(epk_hdr);
	mbedtls_ecp_point_write_binary(&dp->grp, &e_q, MBEDTLS_ECP_PF_UNCOMPRESSED, &pl, m + ml,
	                               65);
	ml += 65;
	m[ml++] = 0xF0;
	m[ml++] = 0x01;
	m[ml++] = 0x00;
	size_t body = ml;
	m[ml++] = 0x00;
	m[ml++] = 0x85;
	m[ml++] = 0x10;
	memcpy(m + ml, rc, 16);
	ml += 16;
	uint8_t h[32];
	mbedtls_sha256_ret(m, ml, h, 0);
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(dp->sk_dp);
	if (mbedtls_ecdsa_sign_det_ext(&dp->grp, &r, &s, &kp->d, h, 32, MBEDTLS_MD_SHA256,
	                               mbedtls_ctr_drbg_random, &dp->drbg))
		die("sign");
	memcpy(d, m, body);
	d[body] = 0x5F;
	d[body + 1] = 0x37;
	d[body + 2] = 0x40;
	mbedtls_mpi_write_binary(&r, d + body + 3, 32);
	mbedtls_mpi_write_binary(&s, d + body + 35, 32);
	b->phase = PH_3A02;
	if (xfer(b, c, apdu(c, 0x80, 0xE2, 0x89, 0x01, d, body + 67), &n) != 0x9000 || n != 18)
		die("3A02");
	uint8_t receipt[16];
	memcpy(receipt, rbuf + 2, 16);

	/* ShS = x(eSK.DP.ECKA · PK.ECASD.ECKA); X9.63 KDF, SharedInfo 10 88 10 */
	uint8_t shs[32], kd[64], in[32 + 4 + 3];
	if (mbedtls_ecdh_compute_shared(&dp->grp, &z, &b->pk_ecasd, &e_d, mbedtls_ctr_drbg_random,
	                                &dp->drbg))
		die("ECDH");
	mbedtls_mpi_write_binary(&z, shs, 32);
	memcpy(in, shs, 32);
	in[36] = 0x10;
	in[37] = 0x88;
	in[38] = 0x10;
	for (uint8_t k = 0; k < 2; k++) {
		in[32] = in[33] = in[34] = 0;
		in[35] = (uint8_t)(k + 1);
		mbedtls_sha256_ret(in, sizeof(in), kd + 32 * k, 0);
	}
	uint8_t want[16];
	aes_cmac(kd, crt, sizeof(crt), want);
	if (memcmp(want, receipt, 16))
		die("receipt");
	const uint8_t *enc = kd + 16, *mac = kd + 32;
	mbedtls_mpi_free(&e_d);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&z);
	mbedtls_ecp_point_free(&e_q);

	/* SCP03t: 84 -> 84 20 { KDD KVN 03 70 card challenge cryptogram counter } */
	uint8_t t[12] = {0x84, 0x0A, 0x30, 0x01};
	mbedtls_ctr_drbg_random(&dp->drbg, t + 4, 8);
	b->phase = PH_SESSION;
	script(b, aid, t, sizeof(t), &n);
	if (n != 34 || rbuf[0] != 0x84)
		die("84");
	uint8_t ctx[16];
	memcpy(ctx, t + 4, 8);
	memcpy(ctx + 8, rbuf + 2 + 13, 8);
	session se;
	memset(&se, 0, sizeof(se));
	scp03_kdf(enc, 0x04, ctx, 16, se.s_enc, 128);
	scp03_kdf(mac, 0x06, ctx, 16, se.s_mac, 128);
	scp03_kdf(mac, 0x07, ctx, 16, se.s_rmac, 128);
	uint8_t cc[8];
	scp03_kdf(se.s_mac, 0x00, ctx, 16, cc, 64);
	if (memcmp(cc, rbuf + 2 + 21, 8))
		die("card cryptogram");
	/* 85 { 33 host cryptogram C-MAC } -> 85 00 */
	uint8_t ea[2 + 17] = {0x85, 0x11, 0x33};
	scp03_kdf(se.s_mac, 0x01, ctx, 16, ea + 3, 64);
	uint8_t mi[16 + 19];
	memcpy(mi + 16, ea, 11);
	memset(mi, 0, 16);
	aes_cmac(se.s_mac, mi, 16 + 11, se.mcv);
	memcpy(ea + 11, se.mcv, 8);
	script(b, aid, ea, 19, &n);
	if (n != 2 || rbuf[0] != 0x85)
		die("85");

	/* 86 segments: C-DEC + C-MAC; the response: R-MAC, the last R-ENC */
	static uint8_t seg[4 + SEG + 16 + 8], macin[16 + 4 + SEG + 16];
	for (size_t off = 0; off < der_len; off += SEG) {
		size_t k = der_len - off < SEG ? der_len - off : SEG;
		size_t el = (k / 16 + 1) * 16;
		uint8_t pad[SEG + 16], ctrb[16] = {0}, icv[16];
		memcpy(pad, der + off, k);
		pad[k] = 0x80;
		memset(pad + k + 1, 0, el - k - 1);
		se.ctr++;
		ctrb[12] = (uint8_t)(se.ctr >> 24);
		ctrb[13] = (uint8_t)(se.ctr >> 16);
		ctrb[14] = (uint8_t)(se.ctr >> 8);
		ctrb[15] = (uint8_t)se.ctr;
		aes_ecb(se.s_enc, ctrb, icv);
		size_t L = el + 8, hl;
		seg[0] = 0x86;
		if (L < 0x80) {
			seg[1] = (uint8_t)L;
			hl = 2;
		} else if (L < 0x100) {
			seg[1] = 0x81;
			seg[2] = (uint8_t)L;
			hl = 3;
		} else {
			seg[1] = 0x82;
			seg[2] = (uint8_t)(L >> 8);
			seg[3] = (uint8_t)L;
			hl = 4;
		}
		aes_cbc(se.s_enc, 1, icv, pad, el, seg + hl);
		memcpy(macin, se.mcv, 16);
		memcpy(macin + 16, seg, hl + el);
		aes_cmac(se.s_mac, macin, 16 + hl + el, se.mcv);
		memcpy(seg + hl + el, se.mcv, 8);
		b->phase = off + k < der_len ? PH_SEG : PH_LAST;
		script(b, aid, seg, hl + el + 8, &n);
		/* R-MAC over MCV ‖ 86 L ‖ data (S3-6) */
		if (n < 10 || rbuf[0] != 0x86)
			die("86 response");
		size_t rh = rbuf[1] < 0x80 ? 2 : 3, rd = n - rh - 8;
		uint8_t rm[16];
		memcpy(macin, se.mcv, 16);
		memcpy(macin + 16, rbuf, rh + rd);
		aes_cmac(se.s_rmac, macin, 16 + rh + rd, rm);
		if (memcmp(rm, rbuf + rh + rd, 8))
			die("R-MAC");
		if (off + k < der_len) {
			if (rd)
				die("result before the end");
			continue;
		}
		/* R-ENC: ICV = E(S-ENC, 80 ‖ counter) */
		uint8_t res[64];
		ctrb[0] = 0x80;
		aes_ecb(se.s_enc, ctrb, icv);
		if (rd > sizeof(res) || rd % 16)
			die("result length");
		aes_cbc(se.s_enc, 0, icv, rbuf + rh, rd, res);
		static const uint8_t ok[] = {0x30, 0x03, 0x80, 0x01, 0x00, 0x80};
		if (rd != 16 || memcmp(res, ok, sizeof(ok)))
			die("installation result");
	}
	b->phase = PH_ES5;
	mbedtls_platform_zeroize(kd, sizeof(kd));
	mbedtls_platform_zeroize(&se, sizeof(se));
}

static void delete_profile(bcard *b, uint32_t num)
{
	uint8_t d[18] = {0x4F, 0x10};
	memcpy(d + 2, aid_isdr, 12);
	d[14] = (uint8_t)(num >> 16);
	d[15] = (uint8_t)(num >> 8);
	d[16] = (uint8_t)num;
	d[17] = 0x00;
	uint8_t c[32];
	select_aid(b, aid_isdr);
	double busy = b->busy, es5 = b->ph[PH_ES5];
	expect(b, c, apdu(c, 0x80, 0xE4, 0x00, 0x40, d, 18), 0x9000, "DeleteProfile");
	b->busy = busy; /* not part of the download */
	b->ph[PH_ES5] = es5;
}

/* ---- the card's crypto alone (mbedtls) --------------------------------------------- */

typedef struct baseline_in {
	size_t tbs_len, signed_len; /* ECDSA messages: certificate body, 3A02 ‖ 7F49 ‖ 0085 RC */
	size_t nseg;
	size_t seg_enc[1024]; /* ciphertext bytes of each 86 */
	size_t seg_hdr[1024];
} baseline_in;

/* The state of the baseline: keys loaded once, group kept (mbedtls keeps
 * its precomputed multiples of G in it, as a long-lived key context does). */
typedef struct bl_ctx {
	const baseline_in *bi;
	mbedtls_ecp_group g;
	mbedtls_ecp_point q_ci, q_dp, q_e;
	mbedtls_mpi r, s, d, z;
	mbedtls_ecp_keypair *kp;
	mbedtls_ctr_drbg_context drbg;
	uint32_t ec;
	uint8_t msg[2][512], sig[2][64], pt[3][65];
	uint8_t buf[4 + SEG + 64], out[4 + SEG + 64];
	uint64_t acc;
} bl_ctx;

static void bl_init(bl_ctx *c, const baseline_in *bi, smdp *dp)
{
	memset(c, 0, sizeof(*c));
	c->bi = bi;
	mbedtls_ecp_group_init(&c->g);
	mbedtls_ecp_group_load(&c->g, MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_ecp_point_init(&c->q_ci);
	mbedtls_ecp_point_init(&c->q_dp);
	mbedtls_ecp_point_init(&c->q_e);
	mbedtls_mpi_init(&c->r);
	mbedtls_mpi_init(&c->s);
	mbedtls_mpi_init(&c->d);
	mbedtls_mpi_init(&c->z);
	/* real signatures so that the verifications succeed: over messages of
	 * the card's lengths, by the DP key (a verification costs the same
	 * whoever signed) */
	c->kp = mbedtls_pk_ec(dp->sk_dp);
	size_t ol;
	for (int i = 0; i < 2; i++) {
		uint8_t h[32];
		memset(c->msg[i], i + 1, sizeof(c->msg[i]));
		mbedtls_sha256_ret(c->msg[i], i ? bi->signed_len : bi->tbs_len, h, 0);
		mbedtls_ecdsa_sign_det_ext(&c->g, &c->r, &c->s, &c->kp->d, h, 32, MBEDTLS_MD_SHA256,
		                           mbedtls_ctr_drbg_random, &dp->drbg);
		mbedtls_mpi_write_binary(&c->r, c->sig[i], 32);
		mbedtls_mpi_write_binary(&c->s, c->sig[i] + 32, 32);
	}
	for (int i = 0; i < 2; i++)
		mbedtls_ecp_point_write_binary(&c->g, &c->kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &ol,
		                               c->pt[i], 65);
	mbedtls_ecp_gen_keypair(&c->g, &c->d, &c->q_e, mbedtls_ctr_drbg_random, &dp->drbg);
	mbedtls_ecp_point_write_binary(&c->g, &c->q_e, MBEDTLS_ECP_PF_UNCOMPRESSED, &ol, c->pt[2],
	                               65);
	mbedtls_ctr_drbg_init(&c->drbg);
	c->ec = 1;
	mbedtls_ctr_drbg_seed(&c->drbg, fixed_entropy, &c->ec, NULL, 0);
	memset(c->buf, 0x33, sizeof(c->buf));
}

static void bl_free(bl_ctx *c)
{
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_ecp_point_free(&c->q_ci);
	mbedtls_ecp_point_free(&c->q_dp);
	mbedtls_ecp_point_free(&c->q_e);
	mbedtls_mpi_free(&c->r);
	mbedtls_mpi_free(&c->s);
	mbedtls_mpi_free(&c->d);
	mbedtls_mpi_free(&c->z);
	mbedtls_ecp_group_free(&c->g);
}

/* Every crypto operation the card performs in one download, on the same
 * byte counts; adds the time of each phase to \p ph. */
static void bl_run(bl_ctx *c, double ph[PH_COUNT])
{
	const baseline_in *bi = c->bi;
	uint8_t key[16] = {1}, mo[16], h[32], iv[16] = {0};
	double t1, t2;
	/* 3A01: RC; CERT.DP's and the CI's keys read and validated; the
	 * certificate's ECDSA-SHA256 verification */
	t1 = now();
	mbedtls_ctr_drbg_random(&c->drbg, c->out, 16);
	mbedtls_ecp_point *qs[3] = {&c->q_ci, &c->q_dp, &c->q_e};
	for (int i = 0; i < 3; i++) {
		if (i == 2) { /* 3A02 from here: ePK validated, its signature */
			t2 = now();
			ph[PH_3A01] += t2 - t1;
			t1 = t2;
		}
		if (mbedtls_ecp_point_read_binary(&c->g, qs[i], c->pt[i], 65) ||
		    mbedtls_ecp_check_pubkey(&c->g, qs[i]))
			die("baseline point");
		if (i == 0)
			continue;
		int k = i - 1;
		mbedtls_sha256_ret(c->msg[k], k ? bi->signed_len : bi->tbs_len, h, 0);
		mbedtls_mpi_read_binary(&c->r, c->sig[k], 32);
		mbedtls_mpi_read_binary(&c->s, c->sig[k] + 32, 32);
		if (mbedtls_ecdsa_verify(&c->g, h, 32, k ? &c->q_dp : &c->q_ci, &c->r, &c->s))
			die("baseline verify");
	}
	/* ECDH with blinding (as the ECASD), X9.63 KDF (2 blocks), receipt */
	if (mbedtls_ecdh_compute_shared(&c->g, &c->z, &c->q_e, &c->kp->d, sys_rng, NULL))
		die("baseline ECDH");
	mbedtls_mpi_write_binary(&c->z, c->out, 32);
	mbedtls_sha256_ret(c->out, 39, h, 0);
	mbedtls_sha256_ret(c->out, 39, h, 0);
	aes_cmac(h, c->buf, sizeof(crt), mo);
	t2 = now();
	ph[PH_3A02] += t2 - t1;
	t1 = t2;
	/* SCP03 session: card challenge, S-ENC, S-MAC, S-RMAC, card and host
	 * cryptograms (KDF CMACs), the 85's C-MAC */
	scp03_kdf(key, 0x02, c->buf, 19, mo, 64);
	for (int i = 0; i < 5; i++)
		scp03_kdf(key, (uint8_t)i, c->buf, 16, mo, 128);
	aes_cmac(key, c->buf, 16 + 11, mo);
	t2 = now();
	ph[PH_SESSION] += t2 - t1;
	t1 = t2;
	/* per 86: ICV, AES-CBC decryption, C-MAC, R-MAC */
	for (size_t k = 0; k < bi->nseg; k++) {
		aes_ecb(key, c->buf, iv);
		aes_cbc(key, 0, iv, c->buf, bi->seg_enc[k], c->out);
		aes_cmac(key, c->buf, 16 + bi->seg_hdr[k] + bi->seg_enc[k], mo);
		aes_cmac(key, c->buf, 16 + 2 + (k + 1 == bi->nseg ? 18 : 0), mo);
		if (k + 2 == bi->nseg) {
			t2 = now();
			ph[PH_SEG] += t2 - t1;
			t1 = t2;
		}
	}
	/* R-ENC of the result: ICV + one block */
	aes_ecb(key, c->buf, iv);
	aes_cbc(key, 1, iv, c->buf, 16, c->out);
	ph[PH_LAST] += now() - t1;
	c->acc = fnv(c->acc, mo, 16);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 40;
	long ncards = argc > 2 ? atol(argv[2]) : 50;
	if (iters < 1)
		iters = 1;
	if (ncards < 1)
		ncards = 1;
	size_t der_len;
	uint8_t *der =
	    load(argc > 3 ? argv[3] : VEUICC_SOURCE_DIR DEFAULT_PROF, &der_len, MAX_PROFILE);
	smdp dp;
	smdp_init(&dp);

	/* the card's crypto operations, for the baseline */
	baseline_in bi;
	memset(&bi, 0, sizeof(bi));
	bi.tbs_len = dp.cert_len - 4 - 67; /* 7F21 81 L … without 5F37 40 r‖s */
	bi.signed_len = 3 + sizeof(crt) + 5 + 65 + 3 + 3 + 16;
	for (size_t off = 0; off < der_len && bi.nseg < 1024; off += SEG, bi.nseg++) {
		size_t k = der_len - off < SEG ? der_len - off : SEG;
		bi.seg_enc[bi.nseg] = (k / 16 + 1) * 16;
		bi.seg_hdr[bi.nseg] = bi.seg_enc[bi.nseg] + 8 < 0x80    ? 2
		                      : bi.seg_enc[bi.nseg] + 8 < 0x100 ? 3
		                                                        : 4;
	}
	bl_ctx *bl = malloc(sizeof(*bl));
	if (!bl)
		die("memory");
	bl_init(bl, &bi, &dp);

	/* 1. downloads into one card, each followed by one run of the same
	 * crypto alone (interleaved: both see the same machine load) */
	bcard one;
	bcard_init(&one, 1);
	one.sum = 1469598103934665603ull;
	double *v_total = malloc(sizeof(double) * (size_t)iters);
	double *v_card = malloc(sizeof(double) * (size_t)iters);
	double *v_base = malloc(sizeof(double) * (size_t)iters);
	if (!v_total || !v_card || !v_base)
		die("memory");
	double bph[PH_COUNT] = {0}, s_card = 0, s_base = 0;
	unsigned apdus = 0;
	size_t bytes = 0;
	for (long i = 0; i < iters; i++) {
		double b0 = one.busy, t0 = now();
		unsigned a0 = one.apdus;
		size_t y0 = one.bytes;
		download(&one, &dp, der, der_len, 0x1000 + (uint32_t)i);
		v_total[i] = now() - t0;
		v_card[i] = one.busy - b0;
		apdus += one.apdus - a0;
		bytes += one.bytes - y0;
		delete_profile(&one, 0x1000 + (uint32_t)i); /* not part of the download */
		double p0[PH_COUNT] = {0};
		t0 = now();
		bl_run(bl, p0);
		v_base[i] = now() - t0;
		for (int k = 0; k < PH_COUNT; k++)
			bph[k] += p0[k] / (double)iters;
		s_card += v_card[i];
		s_base += v_base[i];
	}
	double cph[PH_COUNT];
	for (int i = 0; i < PH_COUNT; i++)
		cph[i] = one.ph[i] / (double)iters;
	uint64_t sum = one.sum, bsum = bl->acc;
	bcard_free(&one);
	bl_free(bl);
	free(bl);
	double total = median(v_total, iters), card = median(v_card, iters);
	double base = median(v_base, iters), ratio = card / base;

	/* 3. many cards in one process, downloads in turn */
	bcard *cards = calloc((size_t)ncards, sizeof(*cards));
	if (!cards)
		die("memory");
	for (long c = 0; c < ncards; c++)
		bcard_init(&cards[c], 100 + (uint64_t)c);
	long rounds = iters / ncards > 0 ? iters / ncards : 1;
	double m_busy = 0, m_wall = 0;
	uint64_t msum = 1469598103934665603ull;
	for (long k = 0; k < rounds; k++) {
		for (long c = 0; c < ncards; c++) {
			cards[c].sum = msum;
			double b0 = cards[c].busy, w0 = now();
			download(&cards[c], &dp, der, der_len, 0x1000 + (uint32_t)k);
			m_wall += now() - w0;
			m_busy += cards[c].busy - b0;
			msum = cards[c].sum;
			delete_profile(&cards[c], 0x1000 + (uint32_t)k);
		}
	}
	long mdl = rounds * ncards;
	for (long c = 0; c < ncards; c++)
		bcard_free(&cards[c]);
	free(cards);

	printf("profile %zu bytes, %zu segments of %d, %u APDUs and %zu APDU bytes per download\n",
	       der_len, bi.nseg, SEG, apdus / (unsigned)iters, bytes / (size_t)iters);
	printf("%-44s %10.3f ms (medians of %ld)\n", "download (SM-DP + card), one card",
	       total * 1e3, iters);
	printf("%-44s %10.3f ms\n", "  card share (inside veuicc_transmit)", card * 1e3);
	printf("%-44s %10.3f ms\n", "  card crypto alone (mbedtls, same ops)", base * 1e3);
	printf("%-44s %10.2fx  target <= 1.50x  %s  (ratio of the sums %.2fx)\n",
	       "  ratio card / crypto alone (medians)", ratio, ratio <= 1.5 ? "PASS" : "FAIL",
	       s_card / s_base);
	printf("  %-42s %10s %10s %7s\n", "breakdown per download (means)", "card", "crypto",
	       "ratio");
	for (int i = 0; i < PH_COUNT; i++)
		printf("    %-40s %8.3fms %8.3fms %6.2fx\n", ph_name[i], cph[i] * 1e3, bph[i] * 1e3,
		       bph[i] > 0 ? cph[i] / bph[i] : 0.0);
	printf("%-44s %10.1f /s per core (card only %.1f /s)\n", "many cards: downloads",
	       (double)mdl / m_wall, (double)mdl / m_busy);
	printf("%-44s %10ld cards x %ld rounds\n", "", ncards, rounds);
	printf("checksum one card %016llx  many cards %016llx  baseline %016llx\n",
	       (unsigned long long)sum, (unsigned long long)msum, (unsigned long long)bsum);
	free(v_total);
	free(v_card);
	free(v_base);
	smdp_free(&dp);
	free(der);
	return ratio <= 1.5 ? 0 : 2;
}
