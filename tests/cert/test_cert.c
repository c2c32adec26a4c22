/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GP-format (7F21) certificates, src/euicc/cert.c: the chains minted by
 * veuicc-pki from the SGP.26 test keys (tests/data/cert/minted, checked
 * independently by cert_oracle.py) for NIST P-256 and brainpoolP256r1, and
 * negative cases. With `--pysigned DIR` the same chain checks run on
 * certificates that python3-cryptography built and signed (cert_oracle.py
 * mint), so the C verifier is checked against an independent signer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "euicc/cert.h"
#include "tlv/tlv.h"

#define MAXC 600

static const uint8_t test_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
                                     0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};

typedef struct blob {
	uint8_t b[MAXC];
	size_t n;
} blob;

/* \p base NULL: the minted reference set, $VEUICC_TEST_DATA/cert/minted. */
static void load(const char *base, const char *curve, const char *name, blob *out)
{
	char path[1024];
	const char *data = getenv("VEUICC_TEST_DATA");
	if (base)
		snprintf(path, sizeof path, "%s/%s/%s.7f21", base, curve, name);
	else
		snprintf(path, sizeof path, "%s/cert/minted/%s/%s.7f21", data ? data : "tests/data",
		         curve, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	out->n = fread(out->b, 1, sizeof out->b, f);
	fclose(f);
	assert_true(out->n > 0 && out->n < sizeof out->b);
}

static void parse_ok(const blob *b, unsigned flags, veuicc_cert *c)
{
	veuicc_cert_reason why = VEUICC_CERT_REASON_COUNT;
	int rc = veuicc_cert_parse(b->b, b->n, flags, c, &why);
	if (rc != VEUICC_OK)
		fail_msg("parse failed: %s", veuicc_cert_reason_str(why));
	assert_int_equal(why, VEUICC_CERT_OK);
}

static void parse_fails(const uint8_t *b, size_t n, veuicc_cert_reason want, int want_err)
{
	veuicc_cert c;
	veuicc_cert_reason why = VEUICC_CERT_OK;
	int rc = veuicc_cert_parse(b, n, 0, &c, &why);
	if (rc == VEUICC_OK || why != want)
		fail_msg("want reason %d (%s), got rc %d reason %d (%s)", want,
		         veuicc_cert_reason_str(want), rc, why, veuicc_cert_reason_str(why));
	assert_int_equal(rc, want_err);
}

static void verify_ok(const veuicc_cert *c, const veuicc_cert *issuer)
{
	veuicc_cert_reason why = VEUICC_CERT_REASON_COUNT;
	int rc = veuicc_cert_verify_signature(c, &issuer->pubkey, &why);
	if (rc != VEUICC_OK)
		fail_msg("verify failed: %s", veuicc_cert_reason_str(why));
	assert_int_equal(why, VEUICC_CERT_OK);
}

static void verify_fails(const veuicc_cert *c, const veuicc_cert_pubkey *issuer)
{
	veuicc_cert_reason why = VEUICC_CERT_OK;
	assert_int_equal(veuicc_cert_verify_signature(c, issuer, &why), VEUICC_ERR_CRYPTO);
	assert_int_equal(why, VEUICC_CERT_SIGNATURE_INVALID);
}

/* ---- positive: the whole chain of one curve ---- */

static void check_chain(const char *base, const char *curve, uint8_t ref)
{
	blob ci, eum, euicc, dp, sr;
	veuicc_cert cci, ceum, ceuicc, cdp, csr;
	veuicc_cert_reason why;

	load(base, curve, "ci", &ci);
	load(base, curve, "eum", &eum);
	load(base, curve, "euicc", &euicc);
	load(base, curve, "smdp", &dp);
	load(base, curve, "smsr", &sr);
	parse_ok(&ci, 0, &cci);
	parse_ok(&eum, 0, &ceum);
	parse_ok(&euicc, 0, &ceuicc);
	parse_ok(&dp, 0, &cdp);
	parse_ok(&sr, 0, &csr);

	/* CI self-signed; EUM <- CI; eUICC <- EUM; SM-DP <- CI; SM-SR <- CI */
	verify_ok(&cci, &cci);
	verify_ok(&ceum, &cci);
	verify_ok(&ceuicc, &ceum);
	verify_ok(&cdp, &cci);
	verify_ok(&csr, &cci);

	/* fields */
	const veuicc_cert *all[] = {&cci, &ceum, &ceuicc, &cdp, &csr};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(all[i]->pubkey.curve, ref);
		assert_int_equal(all[i]->pubkey.point[0], 0x04);
		assert_int_equal(all[i]->sig_len, VEUICC_CERT_RAW_SIG_LEN);
		assert_false(all[i]->sig_der);
		assert_int_equal(all[i]->serial_len, 1);
		assert_int_equal(all[i]->serial[0], i + 1);
		assert_non_null(all[i]->aki);
		/* 42 (CA id) and C9 (AKI) both name the issuer key */
		assert_int_equal(all[i]->aki_len, all[i]->ca_id_len);
		assert_memory_equal(all[i]->aki, all[i]->ca_id, all[i]->ca_id_len);
		/* the signed data ends right before 5F37 */
		assert_ptr_equal(all[i]->tbs + all[i]->tbs_len + 3, all[i]->sig);
	}
	/* issuer ids: EUM's and SM-DP's CA id is the CI subject id (its SKI) */
	assert_memory_equal(ceum.ca_id, cci.subject, cci.subject_len);
	assert_memory_equal(cdp.ca_id, cci.subject, cci.subject_len);
	assert_memory_equal(ceuicc.ca_id, ceum.subject, ceum.subject_len);
	/* key ids: SHA-1 of the point; C9 of each certificate selects its issuer key */
	uint8_t kid[VEUICC_CERT_KEY_ID_LEN];
	assert_int_equal(veuicc_cert_key_id(&cci.pubkey, kid), VEUICC_OK);
	assert_int_equal(cci.subject_len, VEUICC_CERT_KEY_ID_LEN);
	assert_memory_equal(kid, cci.subject, VEUICC_CERT_KEY_ID_LEN);
	assert_memory_equal(kid, cdp.aki, VEUICC_CERT_KEY_ID_LEN);
	assert_memory_equal(kid, csr.aki, VEUICC_CERT_KEY_ID_LEN);
	assert_int_equal(veuicc_cert_key_id(&ceum.pubkey, kid), VEUICC_OK);
	assert_memory_equal(kid, ceuicc.aki, VEUICC_CERT_KEY_ID_LEN);
	assert_memory_not_equal(kid, cdp.aki, VEUICC_CERT_KEY_ID_LEN);
	assert_int_equal(ceuicc.subject_len, 16);
	assert_memory_equal(ceuicc.subject, test_eid, 16);

	assert_int_equal(ceuicc.key_usage, VEUICC_CERT_KU_KEY_AGREEMENT);
	assert_int_equal(ceuicc.key_usage_len, 2);
	assert_int_equal(cdp.key_usage, 0x8200);
	assert_int_equal(cdp.role, VEUICC_CERT_ROLE_SMDP);
	assert_int_equal(csr.role, VEUICC_CERT_ROLE_SMSR);
	assert_int_equal(ceum.role, VEUICC_CERT_ROLE_NONE);
	assert_true(cdp.has_effective && cdp.has_expiry);
	assert_int_equal(cdp.effective, 20250101);
	assert_int_equal(cdp.expiry, 20491231);

	/* what the ECASD checks for EstablishISDPKeySet / EstablishISDRKeySet */
	veuicc_cert_policy dp_pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMDP, 0, true};
	veuicc_cert_policy sr_pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMSR, 0, true};
	veuicc_cert_policy ecka_pol = {VEUICC_CERT_KU_KEY_AGREEMENT, VEUICC_CERT_ROLE_NONE,
	                               20261125, true};
	assert_int_equal(veuicc_cert_check(&cdp, &cci.pubkey, &dp_pol, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check(&csr, &cci.pubkey, &sr_pol, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check(&ceuicc, &ceum.pubkey, &ecka_pol, &why), VEUICC_OK);
	/* an SM-SR certificate is not an SM-DP one and vice versa (digest §7 item 6) */
	assert_int_equal(veuicc_cert_check(&csr, &cci.pubkey, &dp_pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_WRONG_ROLE);
	assert_int_equal(veuicc_cert_check(&cdp, &cci.pubkey, &sr_pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_WRONG_ROLE);
	/* the eUICC certificate is not a signing certificate */
	assert_int_equal(veuicc_cert_check(&ceuicc, &ceum.pubkey, &dp_pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_KEY_USAGE);
}

static void test_chain_nist(void **state)
{
	const char *base = *state;
	check_chain(base, "nist", VEUICC_CERT_CURVE_P256);

	/* the CI key id equals the SKI of the SGP.26 X.509 CI certificate
	 * (shared/data/certs/sgp26/SOURCES.md: F5:41:72:BD:...:85:C3) */
	static const uint8_t sgp26_ci_ski[20] = {0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95,
	                                         0xD6, 0x5C, 0xBE, 0xB8, 0x8A, 0x38, 0xA1,
	                                         0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3};
	blob ci;
	veuicc_cert c;
	uint8_t kid[VEUICC_CERT_KEY_ID_LEN];
	load(base, "nist", "ci", &ci);
	parse_ok(&ci, 0, &c);
	assert_int_equal(veuicc_cert_key_id(&c.pubkey, kid), VEUICC_OK);
	assert_memory_equal(kid, sgp26_ci_ski, sizeof sgp26_ci_ski);
}

static void test_chain_brp(void **state)
{
	const char *base = *state;
	check_chain(base, "brp", VEUICC_CERT_CURVE_BP256R1);
}

/* ---- negative: signature ---- */

static void test_flipped_bytes(void **state)
{
	(void)state;
	static const char *const curves[] = {"nist", "brp"};
	for (int k = 0; k < 2; k++) {
		blob ci, dp;
		veuicc_cert cci, c;
		load(NULL, curves[k], "ci", &ci);
		load(NULL, curves[k], "smdp", &dp);
		parse_ok(&ci, 0, &cci);
		parse_ok(&dp, 0, &c);
		size_t sig_off = (size_t)(c.sig - dp.b);
		/* every signature byte */
		for (size_t i = 0; i < VEUICC_CERT_RAW_SIG_LEN; i++) {
			blob m = dp;
			m.b[sig_off + i] ^= 0x01;
			veuicc_cert cm;
			parse_ok(&m, 0, &cm);
			verify_fails(&cm, &cci.pubkey);
		}
		/* every byte of the certificate: never parses AND verifies */
		for (size_t i = 0; i < dp.n; i++) {
			blob m = dp;
			veuicc_cert cm;
			veuicc_cert_reason why;
			m.b[i] ^= 0x80;
			if (veuicc_cert_parse(m.b, m.n, 0, &cm, &why) != VEUICC_OK)
				continue;
			assert_int_not_equal(veuicc_cert_verify_signature(&cm, &cci.pubkey, &why),
			                     VEUICC_OK);
		}
	}
}

static void test_wrong_issuer(void **state)
{
	(void)state;
	blob ci, eum, euicc, dp, brpci;
	veuicc_cert cci, ceum, ceuicc, cdp, cbrp;
	load(NULL, "nist", "ci", &ci);
	load(NULL, "nist", "eum", &eum);
	load(NULL, "nist", "euicc", &euicc);
	load(NULL, "nist", "smdp", &dp);
	load(NULL, "brp", "ci", &brpci);
	parse_ok(&ci, 0, &cci);
	parse_ok(&eum, 0, &ceum);
	parse_ok(&euicc, 0, &ceuicc);
	parse_ok(&dp, 0, &cdp);
	parse_ok(&brpci, 0, &cbrp);
	verify_fails(&ceuicc, &cci.pubkey); /* eUICC is signed by the EUM, not the CI */
	verify_fails(&cdp, &ceum.pubkey);   /* SM-DP is signed by the CI, not the EUM */
	verify_fails(&ceum, &ceum.pubkey);  /* EUM is not self-signed */
	verify_fails(&cdp, &cbrp.pubkey);   /* another CI (brainpool) */

	/* issuer key with an invalid point or an unsupported curve */
	veuicc_cert_reason why;
	veuicc_cert_pubkey bad = cci.pubkey;
	bad.point[64] ^= 1;
	assert_int_equal(veuicc_cert_verify_signature(&cdp, &bad, &why), VEUICC_ERR_MALFORMED);
	assert_int_equal(why, VEUICC_CERT_BAD_PUBLIC_KEY);
	bad = cci.pubkey;
	bad.curve = 0x01; /* P-384: known to GP Amd E, not supported here */
	assert_int_equal(veuicc_cert_verify_signature(&cdp, &bad, &why), VEUICC_ERR_UNSUPPORTED);
	assert_int_equal(why, VEUICC_CERT_UNSUPPORTED_CURVE);
}

/* ---- negative: structure ---- */

/* The body objects of a certificate, for rebuilding variants. */
typedef struct items {
	const uint8_t *raw[16];
	size_t len[16];
	uint32_t tag[16];
	size_t n;
} items;

static void split(const blob *b, items *it)
{
	veuicc_tlv_reader r, body;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, b->b, b->n, VEUICC_TLV_DER);
	assert_int_equal(veuicc_tlv_next(&r, &t), 1);
	veuicc_tlv_enter(&r, &t, &body);
	it->n = 0;
	while (veuicc_tlv_next(&body, &t) == 1) {
		it->raw[it->n] = t.raw;
		it->len[it->n] = t.raw_len;
		it->tag[it->n] = t.tag;
		it->n++;
	}
	assert_int_equal(it->n, 9);
}

/* Wrap the items listed in \p order (indexes, -1 ends) into a new 7F21. */
static void rebuild(const items *it, const int *order, const uint8_t *extra, size_t extra_len,
                    blob *out)
{
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, out->b, sizeof out->b);
	veuicc_tlv_begin(&w, VEUICC_CERT_TAG_CERT);
	for (int i = 0; order[i] >= 0; i++) {
		if (order[i] == 99)
			veuicc_tlv_put_raw(&w, extra, extra_len);
		else
			veuicc_tlv_put_raw(&w, it->raw[order[i]], it->len[order[i]]);
	}
	veuicc_tlv_end(&w);
	assert_int_equal(veuicc_tlv_writer_finish(&w, &out->n), VEUICC_OK);
}

static void test_order_and_presence(void **state)
{
	(void)state;
	blob dp, ci, m;
	items it;
	veuicc_cert cci, c;
	veuicc_cert_reason why;
	load(NULL, "nist", "smdp", &dp);
	load(NULL, "nist", "ci", &ci);
	parse_ok(&ci, 0, &cci);
	split(&dp, &it);
	static const uint32_t want_tags[9] = {0x93,   0x42, 0x5F20, 0x95,  0x5F25,
	                                      0x5F24, 0x73, 0x7F49, 0x5F37};
	assert_memory_equal(it.tag, want_tags, sizeof want_tags);

	/* rebuilding unchanged gives the same bytes (sanity of the helper) */
	static const int same[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1};
	rebuild(&it, same, NULL, 0, &m);
	assert_int_equal(m.n, dp.n);
	assert_memory_equal(m.b, dp.b, dp.n);

	/* wrong order */
	static const int swap01[] = {1, 0, 2, 3, 4, 5, 6, 7, 8, -1};
	rebuild(&it, swap01, NULL, 0, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_MISSING_FIELD, VEUICC_ERR_MALFORMED);
	static const int swapdates[] = {0, 1, 2, 3, 5, 4, 6, 7, 8, -1};
	rebuild(&it, swapdates, NULL, 0, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_UNEXPECTED_TAG, VEUICC_ERR_MALFORMED);
	static const int sigfirst[] = {8, 0, 1, 2, 3, 4, 5, 6, 7, -1};
	rebuild(&it, sigfirst, NULL, 0, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_MISSING_FIELD, VEUICC_ERR_MALFORMED);
	static const int pk_after_sig[] = {0, 1, 2, 3, 4, 5, 6, 8, 7, -1};
	rebuild(&it, pk_after_sig, NULL, 0, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_MISSING_FIELD, VEUICC_ERR_MALFORMED);

	/* repeated object */
	static const int dup[] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, -1};
	rebuild(&it, dup, NULL, 0, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_UNEXPECTED_TAG, VEUICC_ERR_MALFORMED);

	/* each mandatory object missing */
	static const int mandatory[] = {0, 1, 2, 3, 6, 7, 8};
	for (size_t k = 0; k < sizeof mandatory / sizeof mandatory[0]; k++) {
		int order[10], n = 0;
		for (int i = 0; i < 9; i++)
			if (i != mandatory[k])
				order[n++] = i;
		order[n] = -1;
		rebuild(&it, order, NULL, 0, &m);
		parse_fails(m.b, m.n, VEUICC_CERT_MISSING_FIELD, VEUICC_ERR_MALFORMED);
	}
	/* optional date missing: parses, but the signature no longer matches */
	static const int nodate[] = {0, 1, 2, 3, 5, 6, 7, 8, -1};
	rebuild(&it, nodate, NULL, 0, &m);
	parse_ok(&m, 0, &c);
	assert_false(c.has_effective);
	verify_fails(&c, &cci.pubkey);

	/* unknown object inserted */
	static const uint8_t unknown[] = {0x99, 0x01, 0x00};
	static const int ins[] = {0, 1, 2, 3, 99, 4, 5, 6, 7, 8, -1};
	rebuild(&it, ins, unknown, sizeof unknown, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_UNEXPECTED_TAG, VEUICC_ERR_MALFORMED);
	static const int append[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 99, -1};
	rebuild(&it, append, unknown, sizeof unknown, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_UNEXPECTED_TAG, VEUICC_ERR_MALFORMED);

	/* non-minimal length (BER, not DER) in 93 */
	static const uint8_t serial_ber[] = {0x93, 0x81, 0x01, 0x04};
	static const int serial_swap[] = {99, 1, 2, 3, 4, 5, 6, 7, 8, -1};
	rebuild(&it, serial_swap, serial_ber, sizeof serial_ber, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_TLV, VEUICC_ERR_MALFORMED);
	/* lengths out of range */
	static const uint8_t serial_long[] = {0x93, 0x15, 1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
	                                      11,   12,   13, 14, 15, 16, 17, 18, 19, 20, 21};
	rebuild(&it, serial_swap, serial_long, sizeof serial_long, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_LENGTH, VEUICC_ERR_MALFORMED);
	static const uint8_t ku3[] = {0x95, 0x03, 0x82, 0x00, 0x00};
	static const int ku_swap[] = {0, 1, 2, 99, 4, 5, 6, 7, 8, -1};
	rebuild(&it, ku_swap, ku3, sizeof ku3, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_LENGTH, VEUICC_ERR_MALFORMED);
	/* malformed discretionary data */
	static const uint8_t dd_bad[] = {0x73, 0x03, 0xC8, 0x05, 0x01};
	static const int dd_swap[] = {0, 1, 2, 3, 4, 5, 99, 7, 8, -1};
	rebuild(&it, dd_swap, dd_bad, sizeof dd_bad, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_DISCRETIONARY, VEUICC_ERR_MALFORMED);
	static const uint8_t dd_c8x2[] = {0x73, 0x06, 0xC8, 0x01, 0x01, 0xC8, 0x01, 0x02};
	rebuild(&it, dd_swap, dd_c8x2, sizeof dd_c8x2, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_DISCRETIONARY, VEUICC_ERR_MALFORMED);
	/* empty discretionary data is allowed (no role, no AKI) */
	static const uint8_t dd_empty[] = {0x73, 0x00};
	rebuild(&it, dd_swap, dd_empty, sizeof dd_empty, &m);
	parse_ok(&m, 0, &c);
	assert_int_equal(c.role, VEUICC_CERT_ROLE_NONE);
	assert_null(c.aki);
	/* signature of a wrong length */
	uint8_t sig63[3 + 63] = {0x5F, 0x37, 63};
	static const int sig_swap[] = {0, 1, 2, 3, 4, 5, 6, 7, 99, -1};
	rebuild(&it, sig_swap, sig63, sizeof sig63, &m);
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_SIGNATURE_FORMAT, VEUICC_ERR_MALFORMED);

	/* outer level: trailing byte, other tag, empty input */
	m = dp;
	m.b[m.n++] = 0x00;
	parse_fails(m.b, m.n, VEUICC_CERT_TRAILING_DATA, VEUICC_ERR_MALFORMED);
	m = dp;
	m.b[1] = 0x4E; /* 7F4E: a CV certificate body, not 7F21 */
	parse_fails(m.b, m.n, VEUICC_CERT_NOT_A_CERT, VEUICC_ERR_MALFORMED);
	parse_fails(dp.b, 0, VEUICC_CERT_NOT_A_CERT, VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_cert_parse(NULL, 5, 0, &c, &why), VEUICC_ERR_INVALID_ARG);
}

static void test_truncated(void **state)
{
	(void)state;
	static const char *const curves[] = {"nist", "brp"};
	static const char *const names[] = {"ci", "eum", "euicc", "smdp", "smsr"};
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < 5; j++) {
			blob b, m;
			veuicc_cert c;
			veuicc_cert_reason why;
			load(NULL, curves[k], names[j], &b);
			/* every prefix */
			for (size_t n = 0; n < b.n; n++) {
				assert_int_equal(veuicc_cert_parse(b.b, n, 0, &c, &why),
				                 VEUICC_ERR_MALFORMED);
				assert_int_not_equal(why, VEUICC_CERT_OK);
			}
			/* every prefix of the body, re-wrapped with a matching 7F21 length */
			size_t hdr = b.b[2] == 0x81 ? 4 : 3;
			for (size_t n = 0; n < b.n - hdr; n++) {
				veuicc_tlv_writer w;
				veuicc_tlv_writer_init(&w, m.b, sizeof m.b);
				veuicc_tlv_put(&w, VEUICC_CERT_TAG_CERT, b.b + hdr, n);
				assert_int_equal(veuicc_tlv_writer_finish(&w, &m.n), VEUICC_OK);
				assert_int_equal(veuicc_cert_parse(m.b, m.n, 0, &c, &why),
				                 VEUICC_ERR_MALFORMED);
				assert_true(why == VEUICC_CERT_BAD_TLV ||
				            why == VEUICC_CERT_MISSING_FIELD ||
				            why == VEUICC_CERT_BAD_SIGNATURE_FORMAT ||
				            why == VEUICC_CERT_BAD_LENGTH);
			}
		}
}

static size_t find(const blob *b, const uint8_t *pat, size_t n)
{
	for (size_t i = 0; i + n <= b->n; i++)
		if (!memcmp(b->b + i, pat, n))
			return i;
	fail_msg("pattern not found");
	return 0;
}

static void test_curve_reference(void **state)
{
	(void)state;
	blob dp, m;
	veuicc_cert c;
	load(NULL, "nist", "smdp", &dp);
	static const uint8_t f0[] = {0xF0, 0x01, 0x00};
	size_t at = find(&dp, f0, sizeof f0);

	/* F0 03 on a P-256 point: not a point of brainpoolP256r1 */
	m = dp;
	m.b[at + 2] = VEUICC_CERT_CURVE_BP256R1;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_PUBLIC_KEY, VEUICC_ERR_MALFORMED);
	/* known to GP Amd E but not supported here: P-384, brainpoolP256t1, FRP256V1 */
	static const uint8_t unsupported[] = {0x01, 0x02, 0x04, 0x40, 0x7E};
	for (size_t i = 0; i < sizeof unsupported; i++) {
		m = dp;
		m.b[at + 2] = unsupported[i];
		parse_fails(m.b, m.n, VEUICC_CERT_UNSUPPORTED_CURVE, VEUICC_ERR_UNSUPPORTED);
	}
	/* point: compressed form, not on the curve */
	static const uint8_t b0[] = {0xB0, 0x41, 0x04};
	size_t pt = find(&dp, b0, sizeof b0);
	m = dp;
	m.b[pt + 2] = 0x02;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_PUBLIC_KEY, VEUICC_ERR_MALFORMED);
	m = dp;
	m.b[pt + 2 + 64] ^= 0x01;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_PUBLIC_KEY, VEUICC_ERR_MALFORMED);

	/* the CI signed F0 00: changing it to another P-256 alias is impossible, but
	 * the parsed key must be the one the certificate carries */
	parse_ok(&dp, 0, &c);
	assert_int_equal(c.pubkey.curve, VEUICC_CERT_CURVE_P256);
	assert_memory_equal(c.pubkey.point, dp.b + pt + 2, VEUICC_CERT_POINT_LEN);
}

static void test_dates(void **state)
{
	(void)state;
	blob dp, ci, m;
	veuicc_cert c, cci;
	veuicc_cert_reason why;
	load(NULL, "nist", "smdp", &dp);
	load(NULL, "nist", "ci", &ci);
	parse_ok(&dp, 0, &c);
	parse_ok(&ci, 0, &cci);

	/* no clock: nothing checked (digest §8 item 16) */
	assert_int_equal(veuicc_cert_check_dates(&c, 0, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check_dates(&c, 20261125, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check_dates(&c, 20250101, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check_dates(&c, 20491231, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_check_dates(&c, 20500101, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_EXPIRED);
	assert_int_equal(veuicc_cert_check_dates(&c, 20241231, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_NOT_YET_VALID);

	/* through the full check, after a valid signature */
	veuicc_cert_policy pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMDP, 20500101,
	                          true};
	assert_int_equal(veuicc_cert_check(&c, &cci.pubkey, &pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_EXPIRED);
	pol.today = 0;
	assert_int_equal(veuicc_cert_check(&c, &cci.pubkey, &pol, &why), VEUICC_OK);

	/* not BCD / impossible month in 5F25 */
	static const uint8_t eff[] = {0x5F, 0x25, 0x04, 0x20, 0x25, 0x01, 0x01};
	size_t at = find(&dp, eff, sizeof eff);
	m = dp;
	m.b[at + 5] = 0x13;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_DATE, VEUICC_ERR_MALFORMED);
	m = dp;
	m.b[at + 4] = 0x2A;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_DATE, VEUICC_ERR_MALFORMED);
	m = dp;
	m.b[at + 6] = 0x00;
	parse_fails(m.b, m.n, VEUICC_CERT_BAD_DATE, VEUICC_ERR_MALFORMED);
	uint32_t d;
	static const uint8_t leap[4] = {0x20, 0x28, 0x02, 0x29};
	assert_true(veuicc_cert_parse_date(leap, &d));
	assert_int_equal(d, 20280229);
}

static void test_key_usage(void **state)
{
	(void)state;
	blob eum, euicc, dp;
	veuicc_cert ceum, ceuicc, cdp;
	veuicc_cert_reason why;
	load(NULL, "brp", "eum", &eum);
	load(NULL, "brp", "euicc", &euicc);
	load(NULL, "brp", "smdp", &dp);
	parse_ok(&eum, 0, &ceum);
	parse_ok(&euicc, 0, &ceuicc);
	parse_ok(&dp, 0, &cdp);
	assert_true(veuicc_cert_has_key_usage(&ceuicc, VEUICC_CERT_KU_KEY_AGREEMENT));
	assert_false(veuicc_cert_has_key_usage(&ceuicc, VEUICC_CERT_KU_VERIFICATION));
	assert_true(veuicc_cert_has_key_usage(&cdp, VEUICC_CERT_KU_VERIFICATION |
	                                                VEUICC_CERT_KU_DIGITAL_SIGNATURE));
	assert_false(veuicc_cert_has_key_usage(&cdp, VEUICC_CERT_KU_KEY_AGREEMENT));
	assert_false(veuicc_cert_has_key_usage(&cdp, VEUICC_CERT_KU_COMPUTATION));
	assert_true(veuicc_cert_has_key_usage(&cdp, 0));

	veuicc_cert_policy pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_NONE, 0, true};
	assert_int_equal(veuicc_cert_check(&ceuicc, &ceum.pubkey, &pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_KEY_USAGE);
	pol.key_usage = VEUICC_CERT_KU_KEY_AGREEMENT;
	assert_int_equal(veuicc_cert_check(&ceuicc, &ceum.pubkey, &pol, &why), VEUICC_OK);
}

static void test_reason_strings(void **state)
{
	(void)state;
	for (int i = 0; i < VEUICC_CERT_REASON_COUNT; i++) {
		const char *s = veuicc_cert_reason_str((veuicc_cert_reason)i);
		assert_non_null(s);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(s, veuicc_cert_reason_str((veuicc_cert_reason)j));
	}
	assert_string_equal(veuicc_cert_reason_str(VEUICC_CERT_REASON_COUNT),
	                    "unknown certificate error");
}

/* ---- python-signed certificates (--pysigned DIR) ---- */

static void check_py_variants(const char *base, const char *curve, const char *other)
{
	blob ci, eum, b, oci;
	veuicc_cert cci, ceum, c, coci;
	veuicc_cert_reason why;
	load(base, curve, "ci", &ci);
	load(base, curve, "eum", &eum);
	load(base, other, "ci", &oci);
	parse_ok(&ci, 0, &cci);
	parse_ok(&eum, 0, &ceum);
	parse_ok(&oci, 0, &coci);

	/* valid CI signature, but the SM-DP key is on the other curve */
	load(base, curve, "smdp_othercurve", &b);
	parse_ok(&b, 0, &c);
	verify_ok(&c, &cci);
	veuicc_cert_policy pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMDP, 0, true};
	assert_int_equal(veuicc_cert_check(&c, &cci.pubkey, &pol, &why), VEUICC_ERR_STATE);
	assert_int_equal(why, VEUICC_CERT_CURVE_MISMATCH);
	pol.same_curve = false;
	assert_int_equal(veuicc_cert_check(&c, &cci.pubkey, &pol, &why), VEUICC_OK);

	/* DER signature: refused by default, accepted with the Njiwa flag */
	load(base, curve, "smdp_dersig", &b);
	parse_fails(b.b, b.n, VEUICC_CERT_BAD_SIGNATURE_FORMAT, VEUICC_ERR_MALFORMED);
	parse_ok(&b, VEUICC_CERT_ALLOW_DER_SIG, &c);
	assert_true(c.sig_der);
	verify_ok(&c, &cci);
	verify_fails(&c, &ceum.pubkey);
	b.b[b.n - 1] ^= 0x01; /* last byte of s */
	parse_ok(&b, VEUICC_CERT_ALLOW_DER_SIG, &c);
	verify_fails(&c, &cci.pubkey);

	/* no dates: parses, verifies, any clock accepted */
	load(base, curve, "smdp_nodates", &b);
	parse_ok(&b, 0, &c);
	assert_false(c.has_effective);
	assert_false(c.has_expiry);
	verify_ok(&c, &cci);
	assert_int_equal(veuicc_cert_check_dates(&c, 99991231, &why), VEUICC_OK);

	/* signed by the EUM: a DP certificate from another issuer */
	load(base, curve, "smdp_by_eum", &b);
	parse_ok(&b, 0, &c);
	verify_fails(&c, &cci.pubkey);
	verify_fails(&c, &coci.pubkey);
	verify_ok(&c, &ceum);
}

static void test_py_variants(void **state)
{
	check_py_variants(*state, "nist", "brp");
	check_py_variants(*state, "brp", "nist");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--pysigned")) {
		const struct CMUnitTest py[] = {
		    cmocka_unit_test_prestate(test_chain_nist, argv[2]),
		    cmocka_unit_test_prestate(test_chain_brp, argv[2]),
		    cmocka_unit_test_prestate(test_py_variants, argv[2]),
		};
		return cmocka_run_group_tests_name("cert_pysigned", py, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain_nist),         cmocka_unit_test(test_chain_brp),
	    cmocka_unit_test(test_flipped_bytes),      cmocka_unit_test(test_wrong_issuer),
	    cmocka_unit_test(test_order_and_presence), cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_curve_reference),    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_key_usage),          cmocka_unit_test(test_reason_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
