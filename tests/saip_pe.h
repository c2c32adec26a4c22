/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file saip_pe.h
 * \brief SAIP test packages edited as JSON (the model of saip/saip.h):
 *        a TS.48 package from tests/data as JSON text, and the same with
 *        one more PE (an application, an SD) inserted before its end PE.
 */
#ifndef VEUICC_TESTS_SAIP_PE_H
#define VEUICC_TESTS_SAIP_PE_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "saip/saip.h"
#include "test_file.h"

/** The package \p rel (relative to $VEUICC_TEST_DATA) as JSON text (free()). */
static inline char *test_saip_json(const char *rel)
{
	size_t len;
	uint8_t *der = test_load("VEUICC_TEST_DATA", rel, &len);
	veuicc_saip_profile *p = NULL;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	free(der);
	char *text = NULL;
	assert_int_equal(veuicc_saip_to_json(p, &text), VEUICC_OK);
	veuicc_saip_free(p);
	return text;
}

/**
 * The package in JSON \p text with \p pe (JSON of one PE) inserted before
 * its end PE, whose index goes to *\p index (when not NULL). The header
 * then lists the javacard service, as the validator asks for an
 * application PE (TCA eUICC Profile Package §8.8).
 */
static inline veuicc_saip_profile *test_saip_with_pe(const char *text, const char *pe,
                                                     size_t *index)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	assert_non_null(root);
	json_t *ins = json_loads(pe, 0, &je);
	if (!ins)
		fail_msg("test PE: %s", je.text);
	size_t n = json_array_size(root);
	assert_non_null(json_object_get(json_array_get(root, n - 1), "end"));
	assert_int_equal(json_array_insert_new(root, n - 1, ins), 0);
	if (index)
		*index = n - 1;
	json_t *svc = json_object_get(json_object_get(json_array_get(root, 0), "header"),
	                              "eUICC-Mandatory-services");
	assert_non_null(svc);
	assert_int_equal(json_object_set_new(svc, "javacard", json_null()), 0);
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error e;
	if (veuicc_saip_from_json(s, strlen(s), &p, &e))
		fail_msg("from_json: %s", e.msg);
	free(s);
	return p;
}

/** test_saip_with_pe() on the package \p rel, as DER (free()). */
static inline uint8_t *test_saip_package_with_pe(const char *rel, const char *pe, size_t *len)
{
	char *text = test_saip_json(rel);
	veuicc_saip_profile *p = test_saip_with_pe(text, pe, NULL);
	free(text);
	uint8_t *der = NULL;
	assert_int_equal(veuicc_saip_encode(p, &der, len), VEUICC_OK);
	veuicc_saip_free(p);
	return der;
}

#endif /* VEUICC_TESTS_SAIP_PE_H */
