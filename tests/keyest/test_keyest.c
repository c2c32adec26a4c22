/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EstablishISDPKeySet refusals (src/euicc/keyest.c, docs/keyest.md,
 * decisions K1-K16): each one answers its status word and leaves the ISD-P
 * SELECTABLE without a key set. The success path and every derived byte are
 * checked by the independent oracle (smdp_oracle.py); here the positive runs
 * only set up the state the negatives need. Certificates with a wrong key
 * usage, role or issuer are re-signed in the test with mbedtls from the
 * SGP.26 keys in tests/data/cert/keys.
 */
#include <stdlib.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "euicc/cert.h"
#include "euicc/keyest.h"
#include "keyest/keyest_host.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ELF      PFX "00000D00"
#define EM       PFX "00000E00"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define SEL_ISDR "00A4040C10" ISDR
/* a valid EID (MOD 97-10) that is not the built-in identity's */
#define OTHER_EID "89049032123451234512345678900071"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct rapdu {
	uint8_t d[VEUICC_RAPDU_MAX];
	size_t n;
	uint16_t sw;
} rapdu;

static void send(veuicc_card *card, const uint8_t *c, size_t cl, rapdu *r)
{
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r->d, sizeof(r->d), &rl), VEUICC_OK);
	assert_true(rl >= 2);
	r->n = rl - 2;
	r->sw = (uint16_t)(r->d[rl - 2] << 8 | r->d[rl - 1]);
}

/* C-APDU header ‖ Lc ‖ data ‖ Le 00 */
static uint16_t store(veuicc_card *card, uint8_t p1, uint8_t p2, const uint8_t *d, size_t n,
                      rapdu *r)
{
	uint8_t c[5 + 255 + 1] = {0x80, 0xE2, p1, p2, (uint8_t)n};
	assert_true(n <= 255);
	memcpy(c + 5, d, n);
	c[5 + n] = 0x00;
	send(card, c, 6 + n, r);
	return r->sw;
}

static veuicc_card *new_card(const char *eid)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1; /* plain ES5/ES8 APDUs */
	cfg.eid = eid;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

static void create_isdp(veuicc_card *card, const char *aid)
{
	char apdu[256];
	th_xfer(card, SEL_ISDR, "9000");
	snprintf(apdu, sizeof(apdu), "80E60C00 3F 10%s 10%s 10%s 0380C000 06C90481028100 00 00",
	         ELF, EM, aid);
	th_xfer(card, apdu, "009000");
}

static void install_perso(veuicc_card *card, const char *aid)
{
	char apdu[128];
	th_xfer(card, SEL_ISDR, "9000");
	snprintf(apdu, sizeof(apdu), "80E62000 16 000010%s000000 00", aid);
	th_xfer(card, apdu, "009000");
}

static uint8_t lcs(veuicc_card *card, const char *aid)
{
	char apdu[128];
	uint8_t c[64];
	rapdu r;
	th_xfer(card, SEL_ISDR, "9000");
	snprintf(apdu, sizeof(apdu), "80F24002 17 4F10%s 5C034F9F70 00", aid);
	send(card, c, th_unhex(apdu, c, sizeof(c)), &r);
	assert_int_equal(r.sw, 0x9000);
	assert_true(r.n >= 3);
	return r.d[r.n - 1]; /* ... 9F70 01 <LCS> */
}

static veuicc_scp03_keyset *keys_of(veuicc_card *card, const char *aid)
{
	uint8_t a[16];
	th_unhex(aid, a, sizeof(a));
	return veuicc_isdp_keyset(card, a, 16);
}

/* The ISD-P is untouched: SELECTABLE, no key set. */
static void untouched(veuicc_card *card, const char *aid)
{
	assert_null(keys_of(card, aid));
	assert_int_equal(lcs(card, aid), 0x07);
}

typedef keyest_blob blob;

static void load_cert(const char *curve, const char *name, blob *c)
{
	char p[128];
	size_t n;
	snprintf(p, sizeof(p), "cert/minted/%s/%s.7f21", curve, name);
	uint8_t *b = th_load("VEUICC_TEST_DATA", p, &n);
	assert_true(n <= sizeof(c->b));
	memcpy(c->b, b, n);
	c->n = n;
	free(b);
}

/* Re-sign a (patched) certificate with \p key: the raw signature is its
 * last 64 bytes, the signed data the TLVs 93..7F49 (cert.h). */
static void resign(blob *c, const char *key)
{
	veuicc_cert pc;
	assert_int_equal(veuicc_cert_parse(c->b, c->n, 0, &pc, NULL), VEUICC_OK);
	keyest_sign(key, pc.tbs, pc.tbs_len, c->b + c->n - 64);
}

static size_t find(const blob *c, const uint8_t *pat, size_t n)
{
	for (size_t i = 0; i + n <= c->n; i++)
		if (!memcmp(c->b + i, pat, n))
			return i;
	fail_msg("pattern not found");
	return 0;
}

static uint16_t send_cert(veuicc_card *card, const blob *cert, rapdu *r)
{
	blob d;
	keyest_dgi_wrap(VEUICC_KEYEST_DGI_CERT, cert->b, cert->n, &d);
	return store(card, 0x09, 0x00, d.b, d.n, r);
}

/* A card with ISD-P ...10 created and the INSTALL [for personalization]
 * done; \p rc gets the challenge of a valid 3A01. */
static veuicc_card *ready(uint8_t rc[16])
{
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	blob cert;
	rapdu r;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x9000);
	assert_int_equal(r.n, 18);
	assert_int_equal(r.d[0], 0x85);
	assert_int_equal(r.d[1], 0x10);
	memcpy(rc, r.d + 2, 16);
	return card;
}

/* ---- tests -------------------------------------------------------------------- */

/* The happy path sets the key set and PERSONALIZED (bytes: the oracle). */
static void test_success_sets_state(void **state)
{
	(void)state;
	uint8_t rc[16];
	veuicc_card *card = ready(rc);
	blob p;
	rapdu r;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x9000);
	assert_int_equal(r.n, 18); /* no DR asked: 86 10 receipt */
	assert_int_equal(r.d[0], 0x86);
	veuicc_scp03_keyset *k = keys_of(card, ISDP10);
	assert_non_null(k);
	assert_int_equal(k->kvn, 0x30);
	assert_int_equal(k->key_len, 16);
	assert_int_equal(k->seq_counter, 0);
	assert_memory_not_equal(k->enc, k->mac, 16); /* three distinct keys */
	assert_int_equal(lcs(card, ISDP10), 0x0F);
	/* GET DATA key information (GP CS §11.3.3.1) lists the new set: keys
	 * 1-3 of KVN 30, AES (88), 16 bytes */
	th_xfer(card, "00A4040C10" ISDP10, "9000");
	th_xfer(card, "80CA00E000", "E012 C004 01308810 C004 02308810 C004 03308810 9000");
	/* a second key establishment on the PERSONALIZED ISD-P: 6985 (K4) */
	install_perso(card, ISDP10);
	blob cert;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x6985);
	assert_int_equal(k->kvn, 0x30);
	veuicc_card_free(card);
}

/* Selecting the ISD-P and sending the STORE DATA to it directly also works. */
static void test_direct_selection(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	th_xfer(card, "00A4040C10" ISDP10, "9000");
	blob cert, p;
	rapdu r;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x9000);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), r.d + 2, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x9000);
	assert_non_null(keys_of(card, ISDP10));
	/* a power cycle between 3A01 and 3A02 forgets the challenge */
	create_isdp(card, ISDP11);
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	assert_int_equal(send_cert(card, &cert, &r), 0x9000);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), r.d + 2, NULL, &p);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "00A4040C10" ISDP11, "9000");
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP11);
	veuicc_card_free(card);
}

static void cert_refused(blob *cert, uint16_t sw)
{
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	rapdu r;
	assert_int_equal(send_cert(card, cert, &r), sw);
	assert_int_equal(r.n, 0);
	/* no challenge was issued: a 3A02 now finds none */
	uint8_t rc[16] = {0};
	blob p;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

static void test_cert_other_ci(void **state)
{
	(void)state;
	blob c;
	/* signed by the EUM key instead of the CI (same C9): signature fails */
	load_cert("nist", "smdp", &c);
	resign(&c, "SK_EUM_ECDSA_NIST.pem");
	cert_refused(&c, 0x6982);
	/* an authority key id no trusted CI has */
	load_cert("nist", "smdp", &c);
	veuicc_cert pc;
	assert_int_equal(veuicc_cert_parse(c.b, c.n, 0, &pc, NULL), VEUICC_OK);
	assert_non_null(pc.aki);
	c.b[pc.aki - c.b] ^= 0x01;
	resign(&c, "SK_EUM_ECDSA_NIST.pem");
	cert_refused(&c, 0x6982);
	/* one flipped bit of the signature */
	load_cert("nist", "smdp", &c);
	c.b[c.n - 1] ^= 0x01;
	cert_refused(&c, 0x6982);
}

static void test_cert_key_usage_role_curve(void **state)
{
	(void)state;
	blob c;
	/* key usage 95 01 82 -> 95 01 40 (computation only), re-signed by the CI */
	load_cert("nist", "smdp", &c);
	static const uint8_t ku[] = {0x95, 0x01, 0x82};
	c.b[find(&c, ku, 3) + 2] = 0x40;
	resign(&c, "SK_CI_ECDSA_NIST.pem");
	cert_refused(&c, 0x6A80);
	/* role C8 01 01 -> 02: an SM-SR certificate */
	load_cert("nist", "smsr", &c);
	cert_refused(&c, 0x6A80);
	/* a brainpool SM-DP certificate on a NIST ECASD */
	load_cert("brp", "smdp", &c);
	cert_refused(&c, 0x6A80);
	/* the CI's own certificate (no role) */
	load_cert("nist", "ci", &c);
	cert_refused(&c, 0x6A80);
}

static void test_cert_malformed(void **state)
{
	(void)state;
	blob c;
	load_cert("nist", "smdp", &c);
	c.n -= 1; /* truncated */
	cert_refused(&c, 0x6A80);
	/* 3A01 followed by another DGI */
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	load_cert("nist", "smdp", &c);
	blob d;
	rapdu r;
	keyest_dgi_wrap(VEUICC_KEYEST_DGI_CERT, c.b, c.n, &d);
	memcpy(d.b + d.n, "\x3A\x01\x00", 3);
	assert_int_equal(store(card, 0x09, 0x00, d.b, d.n + 3, &r), 0x6A80);
	/* encryption bits */
	assert_int_equal(store(card, 0x29, 0x00, d.b, d.n, &r), 0x6A86);
	/* other DGIs are not key establishment: they go to the ISD-P's own
	 * STORE DATA (isdp_es8.c), which buffers a non-last block (P1 b8 = 0)
	 * and then refuses a repeated block number */
	assert_int_equal(store(card, 0x09, 0x00, (const uint8_t *)"\x3A\x07\x00", 3, &r), 0x9000);
	assert_int_equal(store(card, 0x09, 0x00, (const uint8_t *)"\x3A", 1, &r), 0x6A86);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

/* A certificate with an expiry in the past passes: the card has no clock. */
static void test_cert_no_clock(void **state)
{
	(void)state;
	blob c;
	load_cert("nist", "smdp", &c);
	static const uint8_t exp[] = {0x5F, 0x24, 0x04, 0x20, 0x49, 0x12, 0x31};
	size_t i = find(&c, exp, sizeof(exp));
	c.b[i + 4] = 0x20; /* 2049-12-31 -> 2020-12-31 */
	resign(&c, "SK_CI_ECDSA_NIST.pem");
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	rapdu r;
	assert_int_equal(send_cert(card, &c, &r), 0x9000);
	veuicc_card_free(card);
}

static void params_refused(const uint8_t *crt, size_t crt_len, uint16_t sw)
{
	uint8_t rc[16];
	veuicc_card *card = ready(rc);
	blob p;
	rapdu r;
	keyest_params(crt, crt_len, rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), sw);
	assert_int_equal(r.n, 0);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

static void test_params_bad_crt(void **state)
{
	(void)state;
	uint8_t c[64];
	struct {
		size_t off;
		uint8_t v;
	} patch[] = {
	    {4, 0x02},  /* scenario #2 */
	    {5, 0x19},  /* unknown parameter bit */
	    {8, 0x11},  /* key usage qualifier */
	    {11, 0x80}, /* key type DES */
	    {14, 0x20}, /* key length 32 */
	    {17, 0x00}, /* key id 00 */
	    {20, 0x00}, /* KVN 00 */
	    {20, 0xFF}, /* KVN FF */
	    {9, 0x87},  /* unknown tag */
	    {12, 0x80}, /* duplicated tag (80 twice) */
	    {5, 0x0D},  /* HostID asked, not present */
	};
	for (size_t i = 0; i < sizeof(patch) / sizeof(patch[0]); i++) {
		memcpy(c, keyest_crt_whty, sizeof(keyest_crt_whty));
		c[patch[i].off] = patch[i].v;
		params_refused(c, sizeof(keyest_crt_whty), 0x6A80);
	}
	/* a mandatory tag missing (83 KVN dropped) */
	memcpy(c, keyest_crt_whty, 18);
	memcpy(c + 18, keyest_crt_whty + 21, 2);
	c[1] = 0x12;
	params_refused(c, 20, 0x6A80);
	/* 91 with 2 bytes, an SDIN that is not the card's */
	static const uint8_t ctr2[] = {0xA6, 0x16, 0x90, 0x02, 0x03, 0x09, 0x95, 0x01,
	                               0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82,
	                               0x01, 0x01, 0x83, 0x01, 0x30, 0x91, 0x01, 0x00};
	params_refused(ctr2, sizeof(ctr2), 0x6A80);
	static const uint8_t sdin[] = {0xA6, 0x18, 0x90, 0x02, 0x03, 0x09, 0x95, 0x01, 0x10,
	                               0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82, 0x01, 0x01,
	                               0x83, 0x01, 0x30, 0x91, 0x00, 0x45, 0x01, 0x89};
	params_refused(sdin, sizeof(sdin), 0x6A80);
	/* trailing byte after the CRT inside 3A02 */
	memcpy(c, keyest_crt_whty, sizeof(keyest_crt_whty));
	c[sizeof(keyest_crt_whty)] = 0x00;
	params_refused(c, sizeof(keyest_crt_whty) + 1, 0x6A80);
}

static void test_params_bad_layout(void **state)
{
	(void)state;
	uint8_t rc[16];
	veuicc_card *card = ready(rc);
	blob p;
	rapdu r;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	/* ePK moved off the curve */
	size_t epk = 3 + sizeof(keyest_crt_whty) + 5;
	p.b[epk + 64] ^= 0x01;
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6A80);
	untouched(card, ISDP10);
	veuicc_card_free(card);
	/* every truncation of the message */
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	for (size_t n = 3; n < p.n; n += 7) {
		card = ready(rc);
		assert_int_equal(store(card, 0x89, 0x01, p.b, n, &r), 0x6A80);
		untouched(card, ISDP10);
		veuicc_card_free(card);
	}
}

static void test_params_bad_signature(void **state)
{
	(void)state;
	uint8_t rc[16];
	veuicc_card *card = ready(rc);
	blob p;
	rapdu r;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	p.b[p.n - 1] ^= 0x01;
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6982);
	untouched(card, ISDP10);
	/* the challenge is used up: the correct message now finds none */
	p.b[p.n - 1] ^= 0x01;
	install_perso(card, ISDP10);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP10);
	veuicc_card_free(card);
	/* signed by the CI, not by SK.DP.ECDSA */
	card = ready(rc);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, "SK_CI_ECDSA_NIST.pem", &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6982);
	untouched(card, ISDP10);
	veuicc_card_free(card);
	/* DER signature refused without the option */
	card = ready(rc);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	p.b[p.n - 65] = 0x41;
	p.b[p.n++] = 0x00;
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6A80);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

static void test_params_without_cert(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	uint8_t rc[16] = {0};
	blob p;
	rapdu r;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	assert_int_equal(store(card, 0x89, 0x00, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

static void test_stale_challenge(void **state)
{
	(void)state;
	uint8_t rc1[16];
	veuicc_card *card = ready(rc1);
	/* a second 3A01 replaces the challenge: the 3A02 for the first one fails */
	blob cert, p;
	rapdu r;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x9000);
	assert_memory_not_equal(r.d + 2, rc1, 16);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc1, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6982);
	untouched(card, ISDP10);
	veuicc_card_free(card);
	/* wrong block number: 6A86, challenge gone */
	card = ready(rc1);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc1, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x02, p.b, p.n, &r), 0x6A86);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP10);
	veuicc_card_free(card);
	/* a power cycle, another command or re-selecting the ISD-R in between */
	for (int k = 0; k < 3; k++) {
		card = ready(rc1);
		if (k == 0) {
			assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL),
			                 VEUICC_OK);
			assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
			install_perso(card, ISDP10);
		} else if (k == 1) {
			uint8_t c[8];
			assert_int_equal(th_sw(card, c, th_unhex("80CAFF2100", c, sizeof(c))),
			                 0x9000); /* GET DATA FF21 on the ISD-R */
			install_perso(card, ISDP10);
		} else {
			th_xfer(card, SEL_ISDR, "9000");
			install_perso(card, ISDP10);
		}
		keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc1, NULL, &p);
		assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
		untouched(card, ISDP10);
		veuicc_card_free(card);
	}
}

/* A replay of a successful 3A02 (new INSTALL, same bytes) */
static void test_replay(void **state)
{
	(void)state;
	uint8_t rc[16];
	veuicc_card *card = ready(rc);
	blob p;
	rapdu r;
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x9000);
	veuicc_scp03_keyset before = *keys_of(card, ISDP10);
	install_perso(card, ISDP10);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	/* ... also on a second, fresh ISD-P */
	create_isdp(card, ISDP11);
	install_perso(card, ISDP11);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
	untouched(card, ISDP11);
	assert_memory_equal(keys_of(card, ISDP10), &before, sizeof(before));
	veuicc_card_free(card);
}

static void test_wrong_state(void **state)
{
	(void)state;
	/* an installed profile's ISD-P (DISABLED) */
	veuicc_card *card = new_card(NULL);
	size_t len, idx;
	uint8_t *der = th_load("VEUICC_TEST_DATA",
	                       "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der", &len);
	assert_int_equal(veuicc_card_install_profile(card, der, len, &idx, NULL, 0), VEUICC_OK);
	free(der);
	install_perso(card, ISDP10);
	blob cert;
	rapdu r;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x6985);
	assert_null(keys_of(card, ISDP10));
	veuicc_card_free(card);
	/* an ECASD without identity (another EID) */
	card = new_card(OTHER_EID);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	assert_int_equal(send_cert(card, &cert, &r), 0x6985);
	untouched(card, ISDP10);
	veuicc_card_free(card);
}

/* SGP.02 §3.1.2 over ES5: 3A01 and 3A02 come in two scripts, each opened by
 * INSTALL [for personalization] of the same ISD-P: the challenge survives a
 * new INSTALL of that ISD-P, not one of another ISD-P or a failed one (SM1). */
/* INSTALL [for personalization] on the ISD-R already selected (as the next
 * command of an OTA script would be), answering \p sw. */
static void install_again(veuicc_card *card, const char *aid, const char *sw)
{
	char apdu[128];
	snprintf(apdu, sizeof(apdu), "80E62000 16 000010%s000000 00", aid);
	th_xfer(card, apdu, sw);
}

/* SGP.02 §3.1.2 over ES5: 3A01 and 3A02 come in two scripts, each opened by
 * INSTALL [for personalization] of the same ISD-P: the challenge survives a
 * new INSTALL of that ISD-P, not one of another ISD-P or a failed one (SM1). */
static void test_install_perso_again(void **state)
{
	(void)state;
	uint8_t rc[16];
	blob p, cert;
	rapdu r;
	veuicc_card *card = ready(rc);
	install_again(card, ISDP10, "009000");
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x9000);
	assert_non_null(keys_of(card, ISDP10));
	veuicc_card_free(card);
	load_cert("nist", "smdp", &cert);
	for (int k = 0; k < 2; k++) {
		card = new_card(NULL);
		create_isdp(card, ISDP10);
		create_isdp(card, ISDP11);
		install_perso(card, ISDP10);
		assert_int_equal(send_cert(card, &cert, &r), 0x9000);
		memcpy(rc, r.d + 2, 16);
		if (k == 0) /* another ISD-P in between */
			install_again(card, ISDP11, "009000");
		else /* a failed INSTALL [for personalization] (P2 01) */
			th_xfer(card, "80E62001 16 000010" ISDP10 "000000 00", "6A86");
		install_again(card, ISDP10, "009000");
		keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), rc, NULL, &p);
		assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x6985);
		untouched(card, ISDP10);
		veuicc_card_free(card);
	}
}

static void test_install_perso_errors(void **state)
{
	(void)state;
	veuicc_card *card = new_card(NULL);
	create_isdp(card, ISDP10);
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E62000 16 000010" ISDP11 "000000 00", "6A88");   /* no such ISD-P */
	th_xfer(card, "80E62000 16 000010" ISDR "000000 00", "6A88");     /* not an ISD-P */
	th_xfer(card, "80E62001 16 000010" ISDP10 "000000 00", "6A86");   /* P2 */
	th_xfer(card, "80E62000 16 000110" ISDP10 "000000 00", "6A80");   /* a load file AID */
	th_xfer(card, "80E62000 17 000010" ISDP10 "00000000 00", "6A80"); /* trailing */
	th_xfer(card, "80E62000 15 000010" ISDP10 "0000 00", "6A80");     /* short */
	/* without a target a 3A01 is the ISD-R's own EstablishISDRKeySet
	 * (smsr_change.c): this card has no factory identity to hold key sets */
	th_xfer(card, "80E28900 03 3A0100 00", "6985");
	veuicc_card_free(card);
}

/* The ISD-P key set survives a card file reopen. */
static void test_persistent(void **state)
{
	(void)state;
	char path[512];
	test_tmp_template(path, sizeof(path), "keyest");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.test_mode = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	create_isdp(card, ISDP10);
	install_perso(card, ISDP10);
	blob cert, p;
	rapdu r;
	load_cert("nist", "smdp", &cert);
	assert_int_equal(send_cert(card, &cert, &r), 0x9000);
	keyest_params(keyest_crt_whty, sizeof(keyest_crt_whty), r.d + 2, NULL, &p);
	assert_int_equal(store(card, 0x89, 0x01, p.b, p.n, &r), 0x9000);
	veuicc_scp03_keyset before = *keys_of(card, ISDP10);
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	assert_non_null(keys_of(card, ISDP10));
	assert_memory_equal(keys_of(card, ISDP10), &before, sizeof(before));
	assert_int_equal(lcs(card, ISDP10), 0x0F);
	/* deleting the ISD-P deletes its keys */
	th_xfer(card, SEL_ISDR, "9000");
	th_xfer(card, "80E40000 12 4F10" ISDP10 " 00", "009000");
	assert_null(keys_of(card, ISDP10));
	veuicc_card_free(card);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_success_sets_state),
	    cmocka_unit_test(test_direct_selection),
	    cmocka_unit_test(test_cert_other_ci),
	    cmocka_unit_test(test_cert_key_usage_role_curve),
	    cmocka_unit_test(test_cert_malformed),
	    cmocka_unit_test(test_cert_no_clock),
	    cmocka_unit_test(test_params_bad_crt),
	    cmocka_unit_test(test_params_bad_layout),
	    cmocka_unit_test(test_params_bad_signature),
	    cmocka_unit_test(test_params_without_cert),
	    cmocka_unit_test(test_stale_challenge),
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_wrong_state),
	    cmocka_unit_test(test_install_perso_again),
	    cmocka_unit_test(test_install_perso_errors),
	    cmocka_unit_test(test_persistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
