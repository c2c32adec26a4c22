/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ECASD (src/euicc/ecasd.c, docs/ecasd.md): ECKA-DH against RFC 5903 /
 * RFC 7027 and against python3-cryptography (--oracle FILE, written by
 * ecka_oracle.py), the built-in identity against the committed veuicc-pki
 * chain and the SGP.26 keys, personalisation checks (all or nothing), and
 * GET DATA for every object through the APDU engine in T=0 and T=1.
 */
#include <stdlib.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "test_file.h"
#include "apdu/card_helpers.h"
#include "core/card.h"
#include "euicc/cert.h"
#include "euicc/ecasd.h"

#define DEFAULT_EID "89049032123451234512345678901235"
#define OTHER_EID   "89044000000000000000000000000039" /* mod 97 = 1 */
#define ECASD_AID   "A0000005591010FFFFFFFF8900000200"
#define SEL_ECASD   "00A4040C10" ECASD_AID

static const char *oracle_file;

/* ---- helpers ------------------------------------------------------------- */

static uint8_t *load(const char *rel, size_t *len)
{
	return test_load("VEUICC_TEST_DATA", rel, len);
}

static void eid_bytes(const char *digits, uint8_t out[16])
{
	assert_int_equal(veuicc_eid_from_digits(digits, out), VEUICC_OK);
}

/* Private scalar of an SGP.26 PEM key (mbedtls pk parser). */
static void pem_scalar(const char *rel, uint8_t sk[32])
{
	size_t len;
	uint8_t *pem = load(rel, &len);
	mbedtls_pk_context pk;
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_key(&pk, pem, len + 1, NULL, 0), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, sk, 32), 0);
	mbedtls_pk_free(&pk);
	free(pem);
}

static void pubkey_of_cert(const uint8_t *buf, size_t len, veuicc_cert_pubkey *out)
{
	veuicc_cert c;
	assert_int_equal(veuicc_cert_parse(buf, len, 0, &c, NULL), VEUICC_OK);
	*out = c.pubkey;
}

/* A chain from tests/data/cert/minted/<dir>/ with its SGP.26 private key. */
typedef struct chain {
	uint8_t *cert, *eum, *ci;
	size_t cert_len, eum_len, ci_len;
	uint8_t sk[32];
	veuicc_cert_pubkey ci_pk;
	veuicc_ecasd_identity id;
} chain;

static void chain_load(chain *c, const char *dir, const char *pem, uint8_t curve)
{
	char p[128];
	snprintf(p, sizeof(p), "cert/minted/%s/euicc.7f21", dir);
	c->cert = load(p, &c->cert_len);
	snprintf(p, sizeof(p), "cert/minted/%s/eum.7f21", dir);
	c->eum = load(p, &c->eum_len);
	snprintf(p, sizeof(p), "cert/minted/%s/ci.7f21", dir);
	c->ci = load(p, &c->ci_len);
	snprintf(p, sizeof(p), "cert/keys/%s", pem);
	pem_scalar(p, c->sk);
	pubkey_of_cert(c->ci, c->ci_len, &c->ci_pk);
	c->id = (veuicc_ecasd_identity){
	    .curve = curve,
	    .sk = c->sk,
	    .sk_len = 32,
	    .cert = c->cert,
	    .cert_len = c->cert_len,
	    .eum_cert = c->eum,
	    .eum_cert_len = c->eum_len,
	    .ci = &c->ci_pk,
	    .ci_count = 1,
	};
}

static void chain_free(chain *c)
{
	free(c->cert);
	free(c->eum);
	free(c->ci);
}

static void pk_from_hex(uint8_t curve, const char *x, const char *y, veuicc_cert_pubkey *pk)
{
	char hex[160];
	snprintf(hex, sizeof(hex), "04%s%s", x, y);
	pk->curve = curve;
	assert_int_equal(th_unhex(hex, pk->point, sizeof(pk->point)), 65);
}

/* ---- ECKA: published vectors --------------------------------------------- */

static void test_ecka_rfc_vectors(void **state)
{
	(void)state;
	size_t len;
	char *txt = (char *)load("ecasd/ecka_rfc.txt", &len);
	int n = 0;
	for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char name[32], c[3], a[65], ax[65], ay[65], b[65], bx[65], by[65], z[65];
		assert_int_equal(sscanf(line, "%31s %2s %64s %64s %64s %64s %64s %64s %64s", name,
		                        c, a, ax, ay, b, bx, by, z),
		                 9);
		uint8_t curve = (uint8_t)strtoul(c, NULL, 16);
		uint8_t ska[32], skb[32], want[32], got[32];
		th_unhex(a, ska, 32);
		th_unhex(b, skb, 32);
		th_unhex(z, want, 32);
		veuicc_cert_pubkey pa, pb;
		pk_from_hex(curve, ax, ay, &pa);
		pk_from_hex(curve, bx, by, &pb);
		/* both directions give the published x-coordinate */
		assert_int_equal(veuicc_ecka(ska, &pb, got), VEUICC_OK);
		assert_memory_equal(got, want, 32);
		assert_int_equal(veuicc_ecka(skb, &pa, got), VEUICC_OK);
		assert_memory_equal(got, want, 32);
		/* a point off the curve is refused (invalid-curve attack) */
		veuicc_cert_pubkey bad = pb;
		bad.point[64] ^= 0x01;
		assert_int_equal(veuicc_ecka(ska, &bad, got), VEUICC_ERR_MALFORMED);
		bad = pb;
		bad.point[0] = 0x02; /* compressed form is not accepted */
		assert_int_equal(veuicc_ecka(ska, &bad, got), VEUICC_ERR_MALFORMED);
		/* the same point named as the other curve is not on it */
		bad = pb;
		bad.curve = curve == VEUICC_CERT_CURVE_P256 ? VEUICC_CERT_CURVE_BP256R1
		                                            : VEUICC_CERT_CURVE_P256;
		assert_int_equal(veuicc_ecka(ska, &bad, got), VEUICC_ERR_MALFORMED);
		n++;
	}
	assert_int_equal(n, 2);
	free(txt);
}

static void test_ecka_bad_args(void **state)
{
	(void)state;
	uint8_t sk[32], out[32];
	veuicc_cert_pubkey pk;
	pk_from_hex(0x00, "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	            "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3", &pk);
	memset(sk, 0, sizeof(sk)); /* 0 is no private key */
	assert_int_equal(veuicc_ecka(sk, &pk, out), VEUICC_ERR_INVALID_ARG);
	memset(sk, 0xFF, sizeof(sk)); /* >= n */
	assert_int_equal(veuicc_ecka(sk, &pk, out), VEUICC_ERR_INVALID_ARG);
	sk[0] = 0x01;
	assert_int_equal(veuicc_ecka(NULL, &pk, out), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ecka(sk, NULL, out), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ecka(sk, &pk, NULL), VEUICC_ERR_INVALID_ARG);
	pk.curve = 0x01; /* a curve veuicc does not support */
	assert_int_equal(veuicc_ecka(sk, &pk, out), VEUICC_ERR_UNSUPPORTED);
}

/* ---- the built-in identity ------------------------------------------------ */

static void test_default_identity(void **state)
{
	(void)state;
	uint8_t eid[16];
	eid_bytes(DEFAULT_EID, eid);
	veuicc_ecasd *e;
	assert_int_equal(veuicc_ecasd_new(eid, &e), VEUICC_OK);
	assert_true(veuicc_ecasd_has_identity(e));
	assert_memory_equal(veuicc_ecasd_eid(e), eid, 16);

	/* CERT.ECASD.ECKA is the committed veuicc-pki eUICC certificate ... */
	chain nist;
	chain_load(&nist, "nist", "SK_EUICC_ECDSA_NIST.pem", VEUICC_CERT_CURVE_P256);
	size_t len;
	const uint8_t *cert = veuicc_ecasd_certificate(e, &len);
	assert_non_null(cert);
	assert_int_equal(len, nist.cert_len);
	assert_memory_equal(cert, nist.cert, len);
	const uint8_t *eum = veuicc_ecasd_eum_certificate(e, &len);
	assert_non_null(eum);
	assert_int_equal(len, nist.eum_len);
	assert_memory_equal(eum, nist.eum, len);

	/* ... its subject is the card's EID, it verifies with the EUM key, the EUM
	 * certificate with the CI key, and it is a key-agreement key */
	veuicc_cert c, ce, cc;
	assert_int_equal(veuicc_cert_parse(cert, nist.cert_len, 0, &c, NULL), VEUICC_OK);
	assert_int_equal(c.subject_len, 16);
	assert_memory_equal(c.subject, eid, 16);
	assert_int_equal(veuicc_cert_parse(nist.eum, nist.eum_len, 0, &ce, NULL), VEUICC_OK);
	assert_int_equal(veuicc_cert_parse(nist.ci, nist.ci_len, 0, &cc, NULL), VEUICC_OK);
	veuicc_cert_policy pol = {.key_usage = VEUICC_CERT_KU_KEY_AGREEMENT,
	                          .role = VEUICC_CERT_ROLE_NONE,
	                          .today = 0,
	                          .same_curve = true};
	veuicc_cert_reason why;
	assert_int_equal(veuicc_cert_check(&c, &ce.pubkey, &pol, &why), VEUICC_OK);
	assert_int_equal(veuicc_cert_verify_signature(&ce, &cc.pubkey, NULL), VEUICC_OK);
	/* the EUM did not sign itself: the chain check is meaningful */
	assert_int_equal(veuicc_cert_verify_signature(&c, &cc.pubkey, NULL), VEUICC_ERR_CRYPTO);

	/* the key pair: public key = cert key = public key of the SGP.26 PEM */
	veuicc_cert_pubkey pk;
	assert_int_equal(veuicc_ecasd_public_key(e, &pk), VEUICC_OK);
	assert_int_equal(pk.curve, VEUICC_CERT_CURVE_P256);
	assert_memory_equal(pk.point, c.pubkey.point, 65);
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
	assert_int_equal(mbedtls_mpi_read_binary(&d, nist.sk, 32), 0);
	assert_int_equal(mbedtls_ecp_mul(&grp, &q, &d, &grp.G, NULL, NULL), 0);
	uint8_t pt[65];
	size_t ol;
	assert_int_equal(mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &ol,
	                                                pt, sizeof(pt)),
	                 0);
	assert_memory_equal(pt, pk.point, 65);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);

	/* trusted CI keys: the SGP.26 CI on NIST P-256 and brainpoolP256r1 */
	chain brp;
	chain_load(&brp, "brp", "SK_EUICC_ECDSA_BRP.pem", VEUICC_CERT_CURVE_BP256R1);
	assert_int_equal(veuicc_ecasd_ci_count(e), 2);
	assert_memory_equal(veuicc_ecasd_ci_key(e, 0), &nist.ci_pk, sizeof(veuicc_cert_pubkey));
	assert_memory_equal(veuicc_ecasd_ci_key(e, 1), &brp.ci_pk, sizeof(veuicc_cert_pubkey));
	assert_null(veuicc_ecasd_ci_key(e, 2));
	/* picked by key id (73/C9 of the EUM certificates) */
	assert_ptr_equal(veuicc_ecasd_find_ci_key(e, ce.aki, ce.aki_len),
	                 veuicc_ecasd_ci_key(e, 0));
	veuicc_cert brp_eum;
	assert_int_equal(veuicc_cert_parse(brp.eum, brp.eum_len, 0, &brp_eum, NULL), VEUICC_OK);
	assert_ptr_equal(veuicc_ecasd_find_ci_key(e, brp_eum.aki, brp_eum.aki_len),
	                 veuicc_ecasd_ci_key(e, 1));
	assert_null(veuicc_ecasd_find_ci_key(e, c.aki, c.aki_len)); /* the EUM's id */

	/* SIN / SDIN for SharedInfo */
	const uint8_t *sin = veuicc_ecasd_sin(e, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(sin, "\x89\x04\x90\x32", 4);
	const uint8_t *sdin = veuicc_ecasd_sdin(e, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(sdin, eid, 16);

	chain_free(&nist);
	chain_free(&brp);
	veuicc_ecasd_free(e);
}

/* The ECASD checks CI-signed certificates (EstablishISDPKeySet step 1). */
static void test_check_cert(void **state)
{
	(void)state;
	uint8_t eid[16];
	eid_bytes(DEFAULT_EID, eid);
	veuicc_ecasd *e;
	assert_int_equal(veuicc_ecasd_new(eid, &e), VEUICC_OK);
	veuicc_cert_policy pol = {.key_usage = VEUICC_CERT_KU_VERIFICATION,
	                          .role = VEUICC_CERT_ROLE_SMDP,
	                          .today = 0,
	                          .same_curve = true};
	const char *dirs[] = {"nist", "brp"};
	for (int i = 0; i < 2; i++) {
		char p[64];
		size_t len;
		snprintf(p, sizeof(p), "cert/minted/%s/smdp.7f21", dirs[i]);
		uint8_t *smdp = load(p, &len);
		veuicc_cert c;
		veuicc_cert_reason why;
		assert_int_equal(veuicc_cert_parse(smdp, len, 0, &c, NULL), VEUICC_OK);
		assert_int_equal(veuicc_ecasd_check_cert(e, &c, &pol, &why), VEUICC_OK);
		/* an SM-SR certificate is no SM-DP certificate */
		snprintf(p, sizeof(p), "cert/minted/%s/smsr.7f21", dirs[i]);
		uint8_t *smsr = load(p, &len);
		assert_int_equal(veuicc_cert_parse(smsr, len, 0, &c, NULL), VEUICC_OK);
		assert_int_equal(veuicc_ecasd_check_cert(e, &c, &pol, &why), VEUICC_ERR_STATE);
		assert_int_equal(why, VEUICC_CERT_WRONG_ROLE);
		/* the eUICC certificate names the EUM key: not a trusted CI key */
		snprintf(p, sizeof(p), "cert/minted/%s/euicc.7f21", dirs[i]);
		uint8_t *eu = load(p, &len);
		assert_int_equal(veuicc_cert_parse(eu, len, 0, &c, NULL), VEUICC_OK);
		assert_int_equal(veuicc_ecasd_check_cert(e, &c, &pol, &why), VEUICC_ERR_NOT_FOUND);
		free(smdp);
		free(smsr);
		free(eu);
	}
	veuicc_ecasd_free(e);
}

static void test_other_eid_has_no_identity(void **state)
{
	(void)state;
	uint8_t eid[16];
	eid_bytes(OTHER_EID, eid);
	veuicc_ecasd *e;
	assert_int_equal(veuicc_ecasd_new(eid, &e), VEUICC_OK);
	assert_false(veuicc_ecasd_has_identity(e));
	assert_memory_equal(veuicc_ecasd_eid(e), eid, 16);
	size_t len = 99;
	assert_null(veuicc_ecasd_certificate(e, &len));
	assert_int_equal(len, 0);
	assert_int_equal(veuicc_ecasd_ci_count(e), 2);
	veuicc_cert_pubkey pk;
	uint8_t shs[32];
	assert_int_equal(veuicc_ecasd_public_key(e, &pk), VEUICC_ERR_STATE);
	assert_int_equal(veuicc_ecasd_ecka(e, veuicc_ecasd_ci_key(e, 0), shs), VEUICC_ERR_STATE);
	/* the built-in identity is for the default EID: refused here */
	assert_int_equal(veuicc_ecasd_set_identity(e, &veuicc_ecasd_default_identity),
	                 VEUICC_ERR_INVALID_ARG);
	assert_false(veuicc_ecasd_has_identity(e));
	veuicc_ecasd_free(e);
	assert_int_equal(veuicc_ecasd_new(NULL, &e), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ecasd_new(eid, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_ecasd_free(NULL);
}

/* Every inconsistent identity is refused and changes nothing. */
static void test_set_identity_rejects(void **state)
{
	(void)state;
	uint8_t eid[16];
	eid_bytes(DEFAULT_EID, eid);
	veuicc_ecasd *e;
	assert_int_equal(veuicc_ecasd_new(eid, &e), VEUICC_OK);
	size_t before_len;
	const uint8_t *before = veuicc_ecasd_certificate(e, &before_len);
	uint8_t saved[VEUICC_ECASD_CERT_MAX];
	memcpy(saved, before, before_len);
	veuicc_cert_pubkey pk_before;
	assert_int_equal(veuicc_ecasd_public_key(e, &pk_before), VEUICC_OK);

	chain brp, nist;
	chain_load(&brp, "brp", "SK_EUICC_ECDSA_BRP.pem", VEUICC_CERT_CURVE_BP256R1);
	chain_load(&nist, "nist", "SK_EUICC_ECDSA_NIST.pem", VEUICC_CERT_CURVE_P256);
	veuicc_ecasd_identity id;

	id = brp.id; /* private key of another key pair than the certificate's */
	id.sk = nist.sk;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id; /* curve does not match the certificate */
	id.curve = VEUICC_CERT_CURVE_P256;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id; /* unsupported curve */
	id.curve = 0x01;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_UNSUPPORTED);
	id = brp.id; /* the EUM certificate of the other chain did not sign it */
	id.eum_cert = nist.eum;
	id.eum_cert_len = nist.eum_len;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_CRYPTO);
	id = brp.id; /* the EUM is not signed by a trusted CI key */
	id.ci = &nist.ci_pk;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_CRYPTO);
	id = brp.id; /* a CI certificate in place of the card's certificate */
	id.cert = brp.ci;
	id.cert_len = brp.ci_len;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id; /* truncated certificate */
	id.cert_len--;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_MALFORMED);
	id = brp.id; /* bad EUM certificate */
	id.eum_cert_len--;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_MALFORMED);
	id = brp.id; /* a CI key that is not a point */
	veuicc_cert_pubkey bad_ci = brp.ci_pk;
	bad_ci.point[10] ^= 0x40;
	id.ci = &bad_ci;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id; /* lengths and counts */
	id.sk_len = 31;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id;
	id.ci_count = 0;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id.ci_count = VEUICC_ECASD_CI_MAX + 1;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	id = brp.id;
	uint8_t zero[32] = {0};
	id.sk = zero;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_ecasd_set_identity(e, NULL), VEUICC_ERR_INVALID_ARG);

	/* nothing changed */
	size_t len;
	const uint8_t *cert = veuicc_ecasd_certificate(e, &len);
	assert_int_equal(len, before_len);
	assert_memory_equal(cert, saved, len);
	veuicc_cert_pubkey pk;
	assert_int_equal(veuicc_ecasd_public_key(e, &pk), VEUICC_OK);
	assert_memory_equal(&pk, &pk_before, sizeof(pk));
	assert_int_equal(veuicc_ecasd_ci_count(e), 2);

	/* the consistent brainpool identity is taken, without the EUM too */
	assert_int_equal(veuicc_ecasd_set_identity(e, &brp.id), VEUICC_OK);
	cert = veuicc_ecasd_certificate(e, &len);
	assert_int_equal(len, brp.cert_len);
	assert_memory_equal(cert, brp.cert, len);
	assert_int_equal(veuicc_ecasd_ci_count(e), 1);
	id = nist.id;
	id.eum_cert = NULL;
	id.eum_cert_len = 0;
	assert_int_equal(veuicc_ecasd_set_identity(e, &id), VEUICC_OK);
	assert_null(veuicc_ecasd_eum_certificate(e, &len));
	assert_int_equal(veuicc_ecasd_public_key(e, &pk), VEUICC_OK);
	assert_memory_equal(&pk, &pk_before, sizeof(pk));

	chain_free(&brp);
	chain_free(&nist);
	veuicc_ecasd_free(e);
}

/* ---- ECKA against python3-cryptography ------------------------------------ */

static void test_ecka_oracle(void **state)
{
	(void)state;
	assert_non_null(oracle_file);
	FILE *f = fopen(oracle_file, "r");
	assert_non_null(f);
	uint8_t eid[16];
	eid_bytes(DEFAULT_EID, eid);
	veuicc_ecasd *nist, *brpe;
	assert_int_equal(veuicc_ecasd_new(eid, &nist), VEUICC_OK); /* built-in identity */
	assert_int_equal(veuicc_ecasd_new(eid, &brpe), VEUICC_OK);
	chain brp;
	chain_load(&brp, "brp", "SK_EUICC_ECDSA_BRP.pem", VEUICC_CERT_CURVE_BP256R1);
	assert_int_equal(veuicc_ecasd_set_identity(brpe, &brp.id), VEUICC_OK);

	char c[3], pt[131], z[65];
	int n[2] = {0, 0};
	while (fscanf(f, "%2s %130s %64s", c, pt, z) == 3) {
		veuicc_cert_pubkey peer;
		peer.curve = (uint8_t)strtoul(c, NULL, 16);
		assert_int_equal(th_unhex(pt, peer.point, 65), 65);
		uint8_t want[32], got[32];
		th_unhex(z, want, 32);
		veuicc_ecasd *e = peer.curve == VEUICC_CERT_CURVE_P256 ? nist : brpe;
		assert_int_equal(veuicc_ecasd_ecka(e, &peer, got), VEUICC_OK);
		assert_memory_equal(got, want, 32);
		/* the other ECASD's key is on another curve: refused */
		veuicc_ecasd *o = e == nist ? brpe : nist;
		assert_int_equal(veuicc_ecasd_ecka(o, &peer, got), VEUICC_ERR_INVALID_ARG);
		n[peer.curve == VEUICC_CERT_CURVE_P256 ? 0 : 1]++;
	}
	fclose(f);
	assert_int_equal(n[0], 8);
	assert_int_equal(n[1], 8);
	chain_free(&brp);
	veuicc_ecasd_free(nist);
	veuicc_ecasd_free(brpe);
}

/* ---- GET DATA through the card -------------------------------------------- */

static veuicc_card *card_new(const char *eid, veuicc_protocol proto)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.eid = eid;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	if (proto == VEUICC_PROTO_T1)
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

static void cert_hex(char *out)
{
	size_t len;
	uint8_t *c = load("cert/minted/nist/euicc.7f21", &len);
	assert_int_equal(len, 230);
	th_hex(c, len, out);
	free(c);
}

#define KEY_INFO "E018 C0060101B120F001 C0060201B041F001 C0060301B041F001"
#define CPLC                                                                                       \
	"9F7F2A 0000 0000 5645 0000 0000 0000 78901235"                                            \
	" 0000 0000 0000 0000 0000 0000 0000 00000000 0000 0000 00000000"

static void test_get_data_t1(void **state)
{
	(void)state;
	veuicc_card *card = card_new(NULL, VEUICC_PROTO_T1);
	assert_non_null(veuicc_ecasd_of(card));
	char cert[2 * 230 + 8], want[2 * 230 + 16];
	cert_hex(cert);
	th_xfer(card, SEL_ECASD, "9000");
	th_xfer(card, "80CA005A00", "5A10" DEFAULT_EID "9000");
	snprintf(want, sizeof(want), "%s9000", cert);
	th_xfer(card, "80CA7F2100", want);
	th_xfer(card, "80CA004200", "420489049032 9000");
	th_xfer(card, "80CA004500", "4510" DEFAULT_EID "9000");
	th_xfer(card, "80CA00E000", KEY_INFO "9000");
	th_xfer(card, "80CA9F7F00", CPLC "9000");
	/* interindustry class too (public tools send 00 CA ...) */
	th_xfer(card, "00CA005A00", "5A10" DEFAULT_EID "9000");
	/* extended Le in T=1 */
	snprintf(want, sizeof(want), "%s9000", cert);
	th_xfer(card, "80CA7F21000000", want);

	/* objects the ECASD does not hold: 6A88 (GP CS §11.3.3) */
	static const char *const unknown[] = {"0066", "9F70", "00FF", "7F49", "5F20", "0067",
	                                      "00C1", "FF21", "2F00", "BF30", "0040", "0100"};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		char apdu[16];
		snprintf(apdu, sizeof(apdu), "80CA%s00", unknown[i]);
		th_xfer(card, apdu, "6A88");
	}
	/* P1-P2 0000-003F are RFU for GET DATA (ISO 7816-4 §7.4.2): 6A86 */
	th_xfer(card, "80CA000000", "6A86");
	th_xfer(card, "80CA003F00", "6A86");
	/* a data field: 6700; case 3 too */
	th_xfer(card, "80CA005A01 00 00", "6700");
	th_xfer(card, "80CA005A01 5A", "6700");
	/* other instructions: 6D00 */
	th_xfer(card, "80E2900000", "6D00");
	th_xfer(card, "80F2400000", "6D00");
	/* secure messaging class without a secure channel: 6882 (engine) */
	th_xfer(card, "84CA005A00", "6882");
	veuicc_card_free(card);
}

static void test_get_data_t0(void **state)
{
	(void)state;
	veuicc_card *card = card_new(NULL, VEUICC_PROTO_T0);
	char cert[2 * 230 + 8], want[2 * 230 + 16];
	cert_hex(cert);
	th_xfer(card, SEL_ECASD, "9000");
	/* case 2 in T=0: Le 00 (256) with 230 bytes available → 6CE6, then exact */
	th_xfer(card, "80CA7F2100", "6CE6");
	snprintf(want, sizeof(want), "%s9000", cert);
	th_xfer(card, "80CA7F21E6", want);
	th_xfer(card, "80CA00E000", "6C1A");
	th_xfer(card, "80CA00E01A", KEY_INFO "9000");
	th_xfer(card, "80CA9F7F00", "6C2D");
	th_xfer(card, "80CA9F7F2D", CPLC "9000");
	th_xfer(card, "80CA004206", "420489049032 9000");
	th_xfer(card, "80CA004512", "4510" DEFAULT_EID "9000");
	th_xfer(card, "80CA006600", "6A88");
	th_xfer(card, "80CA000000", "6A86");
	/* on logical channel 1 (GP class 81) */
	th_xfer(card, "0070000001", "0190 00");
	th_xfer(card, "01A4040C10" ECASD_AID, "9000");
	th_xfer(card, "81CA005A12", "5A10" DEFAULT_EID "9000");
	th_xfer(card, "81CA7F21E6", want);
	veuicc_card_free(card);
}

/* A card with another EID has no certificate until personalised. */
static void test_get_data_other_eid(void **state)
{
	(void)state;
	veuicc_card *card = card_new(OTHER_EID, VEUICC_PROTO_T1);
	th_xfer(card, SEL_ECASD, "9000");
	th_xfer(card, "80CA005A00", "5A10" OTHER_EID "9000");
	th_xfer(card, "80CA7F2100", "6A88");
	th_xfer(card, "80CA00E000", "6A88");
	th_xfer(card, "80CA004500", "4510" OTHER_EID "9000");
	th_xfer(card, "80CA004200", "420489044000 9000");
	veuicc_ecasd *e = veuicc_ecasd_of(card);
	assert_non_null(e);
	assert_false(veuicc_ecasd_has_identity(e));
	veuicc_card_free(card);
}

/* After personalisation the card answers with the new certificate, and ECKA
 * through the card's ECASD uses the new key. */
static void test_card_personalised(void **state)
{
	(void)state;
	veuicc_card *card = card_new(NULL, VEUICC_PROTO_T1);
	veuicc_ecasd *e = veuicc_ecasd_of(card);
	assert_non_null(e);
	chain brp;
	chain_load(&brp, "brp", "SK_EUICC_ECDSA_BRP.pem", VEUICC_CERT_CURVE_BP256R1);
	assert_int_equal(veuicc_ecasd_set_identity(e, &brp.id), VEUICC_OK);
	char want[2 * VEUICC_ECASD_CERT_MAX + 8];
	th_hex(brp.cert, brp.cert_len, want);
	strcat(want, "9000");
	th_xfer(card, SEL_ECASD, "9000");
	th_xfer(card, "80CA7F2100", want);
	th_xfer(card, "80CA00E000", "E010 C0060101B120F001 C0060201B041F001 9000");
	/* RFC 7027 QB as the peer: the card's ECKA equals the primitive's */
	veuicc_cert_pubkey peer;
	pk_from_hex(VEUICC_CERT_CURVE_BP256R1,
	            "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B",
	            "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A", &peer);
	uint8_t a[32], b[32];
	assert_int_equal(veuicc_ecasd_ecka(e, &peer, a), VEUICC_OK);
	assert_int_equal(veuicc_ecka(brp.sk, &peer, b), VEUICC_OK);
	assert_memory_equal(a, b, 32);
	chain_free(&brp);
	veuicc_card_free(card);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--oracle"))
			oracle_file = argv[i + 1];
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ecka_rfc_vectors),
	    cmocka_unit_test(test_ecka_bad_args),
	    cmocka_unit_test(test_default_identity),
	    cmocka_unit_test(test_check_cert),
	    cmocka_unit_test(test_other_eid_has_no_identity),
	    cmocka_unit_test(test_set_identity_rejects),
	    cmocka_unit_test(test_get_data_t1),
	    cmocka_unit_test(test_get_data_t0),
	    cmocka_unit_test(test_get_data_other_eid),
	    cmocka_unit_test(test_card_personalised),
	};
	/* with --oracle (ctest test_ecasd_oracle): only the python3-cryptography
	 * comparison, whose vectors the fixture test_ecasd_oracle_gen writes */
	const struct CMUnitTest oracle_tests[] = {cmocka_unit_test(test_ecka_oracle)};
	if (oracle_file)
		return cmocka_run_group_tests(oracle_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
