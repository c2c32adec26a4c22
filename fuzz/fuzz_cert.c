/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/euicc/cert.c: the 7F21 certificate parser (strict
 * and with DER signatures allowed), signature verification under the SGP.26
 * NIST test CI key and under the certificate's own key, the date and key-usage
 * checks. Invariants: a parsed certificate's pointers stay inside the input,
 * the signed data ends where 5F37 starts, and a verified certificate parses
 * identically a second time.
 */
#include <stdlib.h>
#include <string.h>

#include "euicc/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* PK.CI.ECDSA of tests/data/cert/minted/nist/ci.7f21 (SGP.26 test CI, NIST P-256). */
static const veuicc_cert_pubkey ci_nist = {
    VEUICC_CERT_CURVE_P256,
    {0x04, 0x94, 0x06, 0x57, 0xA6, 0x73, 0xDC, 0x28, 0x8F, 0x89, 0xD5, 0x2E, 0xA8,
     0xA4, 0x77, 0x04, 0x99, 0x27, 0x91, 0xF9, 0xC3, 0x4B, 0x00, 0x36, 0xE6, 0x33,
     0xE2, 0xD0, 0xCB, 0xA9, 0x45, 0x4D, 0x65, 0xDB, 0x32, 0xEB, 0x17, 0x98, 0x17,
     0x99, 0xD2, 0xF2, 0x43, 0x88, 0xEE, 0x2B, 0x95, 0xC1, 0x09, 0x45, 0x46, 0xC9,
     0x79, 0x01, 0xCE, 0xAE, 0xBA, 0x96, 0x50, 0x91, 0x9A, 0x2E, 0x20, 0xD2, 0x29}};

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return !p || (p >= data && n <= size && (size_t)(p - data) <= size - n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned flags = 0; flags <= VEUICC_CERT_ALLOW_DER_SIG; flags++) {
		veuicc_cert c;
		veuicc_cert_reason why = VEUICC_CERT_REASON_COUNT;
		int rc = veuicc_cert_parse(data, size, flags, &c, &why);
		CHECK(veuicc_cert_reason_str(why) != NULL);
		if (rc != VEUICC_OK) {
			CHECK(why != VEUICC_CERT_OK && why < VEUICC_CERT_REASON_COUNT);
			continue;
		}
		CHECK(why == VEUICC_CERT_OK);
		CHECK(c.raw == data && c.raw_len == size);
		CHECK(inside(c.tbs, c.tbs_len, data, size) && inside(c.sig, c.sig_len, data, size));
		CHECK(inside(c.serial, c.serial_len, data, size));
		CHECK(inside(c.ca_id, c.ca_id_len, data, size));
		CHECK(inside(c.subject, c.subject_len, data, size));
		CHECK(inside(c.discretionary, c.discretionary_len, data, size));
		CHECK(inside(c.aki, c.aki_len, data, size));
		CHECK(c.tbs + c.tbs_len < c.sig);
		CHECK(c.sig_der || c.sig_len == VEUICC_CERT_RAW_SIG_LEN);

		int v1 = veuicc_cert_verify_signature(&c, &ci_nist, &why);
		CHECK(v1 == VEUICC_OK || why != VEUICC_CERT_OK);
		int v2 = veuicc_cert_verify_signature(&c, &c.pubkey, &why);
		if (v1 == VEUICC_OK || v2 == VEUICC_OK) {
			veuicc_cert again;
			CHECK(veuicc_cert_parse(data, size, flags, &again, &why) == VEUICC_OK);
			CHECK(again.tbs_len == c.tbs_len && again.pubkey.curve == c.pubkey.curve);
		}
		veuicc_cert_policy pol = {VEUICC_CERT_KU_VERIFICATION, VEUICC_CERT_ROLE_SMDP,
		                          20261125, true};
		(void)veuicc_cert_check(&c, &ci_nist, &pol, &why);
		(void)veuicc_cert_check_dates(&c, 20261125, &why);
		(void)veuicc_cert_has_key_usage(&c, VEUICC_CERT_KU_KEY_AGREEMENT);
	}
	return 0;
}
