/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-card curve-group cache (euicc/ec_cache.h, decision DL6): a
 * verification in a cached group gives exactly the answer of one in a
 * freshly loaded group, for valid signatures, every flipped signature byte,
 * an issuer key on the other curve, an invalid issuer point and an
 * unsupported curve, with the two curves alternating in one cache.
 */
#include "apdu/card_helpers.h"
#include "euicc/cert.h"
#include "euicc/ec_cache.h"

typedef struct blob {
	uint8_t b[300];
	size_t n;
} blob;

static void load(const char *curve, const char *name, blob *c, veuicc_cert *pc)
{
	char p[128];
	size_t n;
	snprintf(p, sizeof(p), "cert/minted/%s/%s.7f21", curve, name);
	uint8_t *b = th_load("VEUICC_TEST_DATA", p, &n);
	assert_true(n <= sizeof(c->b));
	memcpy(c->b, b, n);
	c->n = n;
	free(b);
	assert_int_equal(veuicc_cert_parse(c->b, c->n, 0, pc, NULL), VEUICC_OK);
}

/* Both ways must agree; returns the error. */
static int both(veuicc_ec_cache *cache, const veuicc_cert *c, const veuicc_cert_pubkey *issuer)
{
	veuicc_cert_reason r1 = VEUICC_CERT_OK, r2 = VEUICC_CERT_OK;
	int e1 = veuicc_cert_verify_signature(c, issuer, &r1);
	int e2 = veuicc_cert_verify_signature_cached(c, issuer, cache, &r2);
	assert_int_equal(e1, e2);
	assert_int_equal(r1, r2);
	return e2;
}

static void test_cached_equals_uncached(void **state)
{
	(void)state;
	static const char *const curves[2] = {"nist", "brp"};
	static const char *const names[4] = {"eum", "smdp", "smsr", "ci"};
	veuicc_ec_cache *cache = veuicc_ec_cache_new();
	assert_non_null(cache);
	blob cb[2], b;
	veuicc_cert ci[2], c;
	for (int k = 0; k < 2; k++)
		load(curves[k], "ci", &cb[k], &ci[k]);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 2; k++) { /* the curves alternate in one cache */
			for (int i = 0; i < 4; i++) {
				load(curves[k], names[i], &b, &c);
				assert_int_equal(both(cache, &c, &ci[k].pubkey), VEUICC_OK);
				/* the other curve's CI key */
				assert_int_not_equal(both(cache, &c, &ci[1 - k].pubkey), VEUICC_OK);
				/* every signature byte flipped */
				for (size_t j = 0; j < 64; j++) {
					b.b[b.n - 64 + j] ^= 0x01;
					assert_int_not_equal(both(cache, &c, &ci[k].pubkey),
					                     VEUICC_OK);
					b.b[b.n - 64 + j] ^= 0x01;
				}
			}
			/* an issuer point off the curve, an unsupported curve */
			load(curves[k], "smdp", &b, &c);
			veuicc_cert_pubkey bad = ci[k].pubkey;
			bad.point[64] ^= 0x01;
			assert_int_equal(both(cache, &c, &bad), VEUICC_ERR_MALFORMED);
			bad = ci[k].pubkey;
			bad.curve = 0x05;
			assert_int_equal(both(cache, &c, &bad), VEUICC_ERR_UNSUPPORTED);
		}
	}
	/* no cache: the plain path */
	load("nist", "smdp", &b, &c);
	veuicc_cert_reason r;
	assert_int_equal(veuicc_cert_verify_signature_cached(&c, &ci[0].pubkey, NULL, &r),
	                 VEUICC_OK);
	assert_null(veuicc_ec_cache_group(NULL, VEUICC_CERT_CURVE_P256));
	assert_null(veuicc_ec_cache_group(cache, 0x05));
	assert_non_null(veuicc_ec_cache_group(cache, VEUICC_CERT_CURVE_BP256R1));
	veuicc_ec_cache_free(cache);
	veuicc_ec_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cached_equals_uncached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
