/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP JSON import errors (docs/saip.md "JSON"): the TS.48 V7 profile as
 * `veuicc saip dump` prints it, with one member spoilt per case, must be
 * refused with the SAIP status the card would report (TCA eUICC Profile
 * Package §8.3 / SGP.02 §5.4.1 EUICCResponse: invalid request format for
 * the wrong JSON kind, bad values for an out-of-range value, PE not
 * supported for an unknown PE type) and an error naming the JSON path. The
 * unspoilt JSON goes back to the same DER, so each refusal is the spoilt
 * member's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "saip/saip.h"

#define PROFILE "saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

/* One case: at path (keys and array indexes separated by '/'; the last
 * element is replaced, or deleted when value is NULL), the status, and parts
 * of the message (the JSON path and the reason). */
struct edit {
	const char *path;
	const char *value;
	veuicc_saip_status status;
	const char *where;
	const char *why;
};

static const struct edit edits[] = {
    {"0/header/major-version", "\"two\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     "$[0].header.major-version", "\"two\" is not a name of"},
    {"0/header/major-version", "2.5", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[0].header.major-version", "expected an integer"},
    {"0/header/major-version", "100000", VEUICC_SAIP_STATUS_BAD_VALUES, "$[0].header.major-version",
     "100000 outside"},
    {"0/header/iccid", "5", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[0].header.iccid",
     "expected a hex string"},
    {"0/header/iccid", "\"8900\"", VEUICC_SAIP_STATUS_BAD_VALUES, "$[0].header.iccid",
     "size 2 outside"},
    {"0/header/profileType", "7", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[0].header.profileType", "expected a string"},
    {"0/header/eUICC-Mandatory-services/usim", "1", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[0].header.eUICC-Mandatory-services", "expected null"},
    {"0/header/eUICC-Mandatory-GFSTEList/0", "\"2.x.3\"", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[0].header.eUICC-Mandatory-GFSTEList[0]", "expected a dotted OBJECT IDENTIFIER"},
    {"0/header/eUICC-Mandatory-GFSTEList", "{}", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[0].header.eUICC-Mandatory-GFSTEList", "expected an array"},
    {"0/header/iccid", NULL, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[0].header",
     "mandatory field iccid missing"},
    {"0/header/colour", "1", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[0].header",
     "unknown field \"colour\""},
    {"0/header", "[]", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[0].header",
     "expected an object"},
    {"1/mf/mf/0", "{\"fileDescriptor\": {}, \"fillFileContent\": \"00\"}",
     VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[1].mf.mf[0]",
     "a CHOICE is an object with exactly one key"},
    {"1/mf/mf/0", "{\"fileDescripter\": {}}", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[1].mf.mf[0]", "\"fileDescripter\" is not an alternative of"},
    {"1/mf/mf/0", "{\"_unknown\": \"0102\"}", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[1].mf.mf[0]", "_unknown is not DER TLV"},
    {"2/pukCodes/pukCodes", "[]", VEUICC_SAIP_STATUS_BAD_VALUES, "$[2].pukCodes.pukCodes",
     "0 elements, SIZE is 1.."},
    {"1/mf/mf", NULL, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[1].mf",
     "mandatory File field mf missing"},
    {"1/mf/_extensions", "\"A0\"", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[1].mf",
     "_extensions is not DER TLV"},
    {"1/mf/mf-header/mandated", "true", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
     "$[1].mf.mf-header", "expected null"},
    {"1", "{\"mf\": {}, \"usim\": {}}", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[1]",
     "a ProfileElement is an object with one key"},
    {"1", "{\"telefax\": {}}", VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED, "$[1]",
     "\"telefax\" is not a ProfileElement type"},
    {"1", "{\"_unknown\": \"A1\"}", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "$[1]",
     "_unknown is not DER TLV"},
};

static uint8_t *load(const char *rel, size_t *len)
{
	const char *d = getenv("VEUICC_TEST_DATA");
	assert_non_null(d);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", d, rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[1 << 16];
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(*len > 0 && *len < sizeof(buf));
	return buf;
}

/* Replace (or delete) the member at \p path of \p root. */
static void apply(json_t *root, const char *path, const char *value)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *node = root;
	char *save = NULL, *tok = strtok_r(buf, "/", &save);
	while (tok) {
		char *next = strtok_r(NULL, "/", &save);
		json_t *nv = NULL;
		if (value) {
			json_error_t je;
			nv = json_loads(value, JSON_DECODE_ANY, &je);
			assert_non_null(nv);
		}
		if (json_is_array(node)) {
			size_t i = strtoul(tok, NULL, 10);
			if (!next) {
				assert_non_null(nv);
				assert_int_equal(json_array_set_new(node, i, nv), 0);
				return;
			}
			node = json_array_get(node, i);
		} else {
			assert_true(json_is_object(node));
			if (!next) {
				if (nv)
					assert_int_equal(json_object_set_new(node, tok, nv), 0);
				else
					assert_int_equal(json_object_del(node, tok), 0);
				return;
			}
			node = json_object_get(node, tok);
		}
		json_decref(nv);
		assert_non_null(node);
		tok = next;
	}
}

static void test_json_errors(void **state)
{
	(void)state;
	size_t len;
	const uint8_t *der = load(PROFILE, &len);
	veuicc_saip_profile *p = NULL;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	char *text = NULL;
	assert_int_equal(veuicc_saip_to_json(p, &text), VEUICC_OK);
	veuicc_saip_free(p);

	/* the unspoilt JSON comes back as the same package */
	veuicc_saip_error e;
	assert_int_equal(veuicc_saip_from_json(text, strlen(text), &p, &e), VEUICC_OK);
	uint8_t *back = NULL;
	size_t back_len = 0;
	assert_int_equal(veuicc_saip_encode(p, &back, &back_len), VEUICC_OK);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, der, len);
	free(back);
	veuicc_saip_free(p);

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *ed = &edits[i];
		json_error_t je;
		json_t *root = json_loads(text, 0, &je);
		assert_non_null(root);
		apply(root, ed->path, ed->value);
		char *bad = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		assert_non_null(bad);
		p = NULL;
		int rc = veuicc_saip_from_json(bad, strlen(bad), &p, &e);
		free(bad);
		if (rc != VEUICC_ERR_MALFORMED || e.status != ed->status ||
		    !strstr(e.msg, ed->where) || !strstr(e.msg, ed->why))
			fail_msg("case %zu (%s = %s): rc %d status %d \"%s\"; want status %d, "
			         "\"%s\" and \"%s\"",
			         i, ed->path, ed->value ? ed->value : "(deleted)", rc,
			         (int)e.status, e.msg, (int)ed->status, ed->where, ed->why);
		assert_null(p);
		/* the PE index is the spoilt one */
		assert_int_equal(e.pe_index, (long)strtol(ed->path, NULL, 10));
	}

	/* the whole document */
	assert_int_equal(veuicc_saip_from_json("{}", 2, &p, &e), VEUICC_ERR_MALFORMED);
	assert_int_equal(e.status, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	assert_non_null(strstr(e.msg, "expected an array of ProfileElements"));
	assert_int_equal(veuicc_saip_from_json(NULL, 0, &p, &e), VEUICC_ERR_INVALID_ARG);
	free(text);
	print_message("spoilt JSON documents refused: %zu\n", sizeof(edits) / sizeof(edits[0]) + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
