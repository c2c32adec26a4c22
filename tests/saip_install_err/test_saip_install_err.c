/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File attributes the SAIP installer refuses (docs/saip-install.md): the
 * TS.48 V7 profile with one member of a fileDescriptor (TCA eUICC Profile
 * Package §8.3.3 Fcp, coded as TS 102 221 §11.1.1.4) spoilt per case must
 * not install: nothing is returned, the result names the PE, the file and
 * the SAIP status (bad values, or feature not supported for the forms
 * veuicc does not implement). The unspoilt profile installs.
 * test_refused_values does the same for values of other PEs (file sizes,
 * SFIs, PIN/PUK counters and references, AKA keys, security domain
 * privileges, keys and parameters), whether the package validation or the
 * installer itself catches them.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "saip/install.h"
#include "saip/saip.h"
#include "saip_pe.h"

#define PROFILE "saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

/* PE 1 is the mf PE; its member \p file (an array of File elements) gets
 * \p key = \p value in its fileDescriptor. */
struct edit {
	const char *file;
	const char *key;
	const char *value;
	veuicc_saip_status status;
	int rc;
	const char *why;
};

static const struct edit edits[] = {
    /* TS 102 221 §11.1.1.4.9, Table 11.8: LCSI '02' is RFU */
    {"ef-pl", "lcsi", "\"02\"", VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
     "ef-pl: unsupported lcsi"},
    /* §11.1.1.4.7: the referenced forms of 1 and 3 bytes only; SE-ID forms not */
    {"ef-pl", "securityAttributesReferenced", "\"2F06\"", VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
     VEUICC_ERR_UNSUPPORTED, "ef-pl: securityAttributesReferenced of 2 bytes not supported"},
    /* §11.1.1.4.7.2: the EF.ARR of a reference cannot be the MF */
    {"ef-pl", "securityAttributesReferenced", "\"3F0001\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "ef-pl: bad EF.ARR reference"},
    /* §11.1.1.4.10: the PIN status template belongs to a DF or ADF */
    {"ef-pl", "pinStatusTemplateDO", "\"010A0B\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "ef-pl: pinStatusTemplateDO on an EF"},
    /* §11.1.1.4.3: EF structure bits '111' are none of transparent (001),
     * linear fixed (010) or cyclic (110) */
    {"ef-pl", "fileDescriptor", "\"4721\"", VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
     VEUICC_ERR_UNSUPPORTED, "ef-pl: file descriptor byte 47 not supported"},
};

static veuicc_saip_profile *spoilt(const char *text, const struct edit *ed)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	assert_non_null(root);
	if (ed) {
		json_t *mf = json_object_get(json_array_get(root, 1), "mf");
		assert_non_null(mf);
		json_t *file = json_object_get(mf, ed->file);
		assert_true(json_is_array(file));
		json_t *fd = json_object_get(json_array_get(file, 0), "fileDescriptor");
		assert_non_null(fd);
		json_t *v = json_loads(ed->value, JSON_DECODE_ANY, &je);
		assert_non_null(v);
		assert_int_equal(json_object_set_new(fd, ed->key, v), 0);
	}
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error e;
	if (veuicc_saip_from_json(s, strlen(s), &p, &e))
		fail_msg("from_json: %s", e.msg);
	free(s);
	return p;
}

/* One value of any PE replaced: \p path is "PE index/member/.../key" through
 * the JSON of veuicc_saip_to_json (array indexes as numbers). */
struct path_edit {
	const char *path;
	const char *value;
	veuicc_saip_status status;
	int rc;
	const char *why;
};

/* 130 bytes: more than VEUICC_SAIP_C9_MAX */
#define HEX130                                                                                     \
	"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567" \
	"89ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" \
	"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123"

static const struct path_edit path_edits[] = {
    /* the file control parameters of TS 102 221 §11.1.1.4 */
    {"1/mf/ef-pl/0/fileDescriptor/efFileSize", "\"0100000000\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "ef-pl: efFileSize too long"},
    {"1/mf/ef-pl/0/fileDescriptor/efFileSize", "\"010000\"", VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY,
     VEUICC_ERR_MALFORMED, "ef-pl: file size 65536 too large"},
    {"1/mf/ef-dir/0/fileDescriptor/efFileSize", "\"85\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "ef-dir: efFileSize 133 is not a multiple of the record length 33"},
    /* §11.1.1.4.8: the SFI sits in b8-b4, b3-b1 are 0 */
    {"1/mf/ef-iccid/0/fileDescriptor/shortEFID", "\"11\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "ef-iccid: bad shortEFID"},
    {"1/mf/mf/0/fileDescriptor/fileID", "\"3F01\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "MF with fileID 3F01"},
    /* PEDefinitions PUKConfiguration / PINConfiguration: maxNumOfAttemps
     * in b8-b5 (at least 1), retryNumLeft in b4-b1 (at most the maximum) */
    {"2/pukCodes/pukCodes/0/maxNumOfAttemps-retryNumLeft", "0", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "PUK 1: bad reference or counters"},
    {"2/pukCodes/pukCodes/1/keyReference", "\"pukAppl1\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "validation: PUK key reference 1 defined twice"},
    {"3/pinCodes/pinCodes/pinconfig/1/maxNumOfAttemps-retryNumLeft", "15",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
     "PIN 0A: bad maxNumOfAttemps-retryNumLeft 15"},
    /* a local PIN (b8 of the key reference) belongs to an ADF/DF context */
    {"3/pinCodes/pinCodes/pinconfig/0/keyReference", "\"secondPINAppl1\"",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
     "validation: local PIN 129 in the MF context"},
    {"3/pinCodes/pinCodes/pinconfig/2/keyReference", "\"adm1\"", VEUICC_SAIP_STATUS_BAD_VALUES,
     VEUICC_ERR_MALFORMED, "validation: PIN key reference 10 defined twice"},
    /* TS 35.206 Milenage needs r1..r5 and c1..c5; TS 35.231 TUAK a 256-bit TOP */
    {"10/akaParameter/algoConfiguration/algoParameter/key", "\"0001\"",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
     "validation: usim-test-algorithm needs a 16-byte K (got 2)"},
    /* GP privileges are 3 bytes (GP CS §11.1.2) */
    {"24/securityDomain/instance/applicationPrivileges", "\"82DC0000\"",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED, "applicationPrivileges too long"},
    {"24/securityDomain/keyList/0/keyCompontents/0/keyData",
     "\"000102030405060708090A0B0C0D0E0F000102030405060708090A0B0C0D0E0F00\"",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED, "key 0: key data longer than 32 bytes"},
    {"24/securityDomain/instance/applicationSpecificParametersC9", "\"" HEX130 "\"",
     VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED, "C9 parameters longer than 128 bytes"},
    {"24/securityDomain/instance/applicationParameters/"
     "uiccToolkitApplicationSpecificParametersField",
     "\"" HEX130 "\"", VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
     "toolkit parameters longer than 128 bytes"},
};

/* Set the value at \p path (see struct path_edit) in \p root. */
static void set_path(json_t *root, const char *path, json_t *v)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = root;
	char *save = NULL, *tok = strtok_r(buf, "/", &save);
	while (tok) {
		char *next = strtok_r(NULL, "/", &save);
		char *end;
		unsigned long idx = strtoul(tok, &end, 10);
		bool is_idx = *end == '\0' && json_is_array(cur);
		if (!next) {
			if (is_idx)
				assert_int_equal(json_array_set_new(cur, idx, v), 0);
			else
				assert_int_equal(json_object_set_new(cur, tok, v), 0);
			return;
		}
		cur = is_idx ? json_array_get(cur, idx) : json_object_get(cur, tok);
		if (!cur)
			fail_msg("%s: no %s", path, tok);
		tok = next;
	}
}

/* Values the SAIP decoder accepts but the installer refuses: nothing is
 * returned, the result names the PE and the reason. */
static void test_refused_values(void **state)
{
	(void)state;
	char *text = test_saip_json(PROFILE);
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	for (size_t i = 0; i < sizeof(path_edits) / sizeof(path_edits[0]); i++) {
		const struct path_edit *ed = &path_edits[i];
		json_error_t je;
		json_t *root = json_loads(text, 0, &je);
		assert_non_null(root);
		json_t *v = json_loads(ed->value, JSON_DECODE_ANY, &je);
		assert_non_null(v);
		set_path(root, ed->path, v);
		char *s = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		veuicc_saip_profile *p = NULL;
		veuicc_saip_error e;
		if (veuicc_saip_from_json(s, strlen(s), &p, &e))
			fail_msg("case %zu (%s): from_json: %s", i, ed->path, e.msg);
		free(s);
		veuicc_fs *fs = (veuicc_fs *)(uintptr_t)1;
		int rc = veuicc_saip_install(p, &fs, &gp, &res);
		if (rc != ed->rc || res.status != ed->status || !strstr(res.msg, ed->why))
			fail_msg("case %zu (%s = %s): rc %d status %d \"%s\"; want rc %d "
			         "status %d \"%s\"",
			         i, ed->path, ed->value, rc, (int)res.status, res.msg, ed->rc,
			         (int)ed->status, ed->why);
		assert_null(fs);
		assert_int_equal(res.pe_index, strtoul(ed->path, NULL, 10));
		veuicc_saip_gp_info_clear(&gp);
		veuicc_saip_free(p);
	}
	free(text);
}

static void test_refused_attributes(void **state)
{
	(void)state;
	char *text = test_saip_json(PROFILE);
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;

	/* the unspoilt profile installs */
	veuicc_saip_profile *p = spoilt(text, NULL);
	veuicc_fs *fs = NULL;
	assert_int_equal(veuicc_saip_install(p, &fs, &gp, &res), VEUICC_OK);
	assert_non_null(fs);
	veuicc_fs_free(fs);
	veuicc_saip_gp_info_clear(&gp);
	veuicc_saip_free(p);

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *ed = &edits[i];
		p = spoilt(text, ed);
		fs = (veuicc_fs *)(uintptr_t)1;
		int rc = veuicc_saip_install(p, &fs, &gp, &res);
		if (rc != ed->rc || res.status != ed->status || !strstr(res.msg, ed->why))
			fail_msg("case %zu (%s.%s = %s): rc %d status %d \"%s\"; want rc %d status "
			         "%d \"%s\"",
			         i, ed->file, ed->key, ed->value, rc, (int)res.status, res.msg,
			         ed->rc, (int)ed->status, ed->why);
		assert_null(fs);
		assert_int_equal(res.pe_index, 1);
		assert_int_equal(gp.nsd, 0);
		veuicc_saip_free(p);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused_attributes),
	    cmocka_unit_test(test_refused_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
