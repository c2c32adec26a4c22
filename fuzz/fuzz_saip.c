/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/saip. DER input: decode; whatever the decoder
 * accepts must validate without crashing, re-encode byte for byte (DER has
 * one encoding, X.690 §10, and extensions are kept raw), and survive the
 * JSON dump -> build round trip byte for byte. JSON input (starting with
 * '['): build, and if that works, encode and decode again.
 */
#include <stdlib.h>
#include <string.h>

#include "saip/saip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void fuzz_json(const uint8_t *data, size_t size)
{
	veuicc_saip_profile *p, *q;
	veuicc_saip_error e;
	uint8_t *der;
	size_t n;

	if (veuicc_saip_from_json((const char *)data, size, &p, &e) != VEUICC_OK)
		return;
	if (veuicc_saip_encode(p, &der, &n) == VEUICC_OK) {
		if (veuicc_saip_decode(der, n, &q, &e) == VEUICC_OK) {
			veuicc_saip_report rep;
			veuicc_saip_validate(q, NULL, &rep);
			veuicc_saip_free(q);
		}
		free(der);
	}
	veuicc_saip_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	veuicc_saip_profile *p = NULL, *q = NULL;
	veuicc_saip_error e;
	veuicc_saip_report rep;
	uint8_t *der;
	size_t n;
	char *json;

	if (size && data[0] == '[') {
		fuzz_json(data, size);
		return 0;
	}
	if (veuicc_saip_decode(data, size, &p, &e) != VEUICC_OK) {
		CHECK(p == NULL && e.err != VEUICC_OK && e.offset <= size && e.msg[0]);
		return 0;
	}
	veuicc_saip_validate(p, NULL, &rep);
	CHECK(rep.count <= VEUICC_SAIP_MAX_ISSUES);

	CHECK(veuicc_saip_encode(p, &der, &n) == VEUICC_OK);
	CHECK(n == size && memcmp(der, data, size) == 0);
	free(der);

	CHECK(veuicc_saip_to_json(p, &json) == VEUICC_OK);
	CHECK(veuicc_saip_from_json(json, strlen(json), &q, &e) == VEUICC_OK);
	CHECK(veuicc_saip_encode(q, &der, &n) == VEUICC_OK);
	CHECK(n == size && memcmp(der, data, size) == 0);
	free(der);
	free(json);
	veuicc_saip_free(q);
	veuicc_saip_free(p);
	return 0;
}
