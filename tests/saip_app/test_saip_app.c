/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PE-Application in a profile package (TCA eUICC Profile Package §8.8,
 * docs/saip-install.md): veuicc has no Java Card runtime, so a load file
 * cannot be executed. A mandated PE with a load block is refused with
 * runtime-not-supported and nothing is installed; a PE that is not mandated
 * is installed with a warning; the application instances are reported to
 * the GP layer (instance, class and package AIDs, life cycle state with
 * its DEFAULT '07', privileges of at most GP's 3 bytes).
 *
 * The PE is added to the JSON of the TS.48 V7 profile, before its end PE,
 * with the javacard service in the header's eUICC-Mandatory-services.
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

#include "saip/install.h"
#include "saip/saip.h"
#include "saip_pe.h"

#define PROFILE "saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define PKG     "A0000005591010FFFFFFFF8900000D00"
#define CLS     "A0000005591010FFFFFFFF8900000D01"
#define INST    "A0000005591010FFFFFFFF8900000D02"

static void assert_aid(const veuicc_saip_aid *a, const char *hex)
{
	char got[2 * VEUICC_SAIP_AID_MAX + 1];
	for (size_t i = 0; i < a->len; i++)
		snprintf(got + 2 * i, 3, "%02X", a->b[i]);
	got[2 * a->len] = '\0';
	assert_string_equal(got, hex);
}

static void test_mandated_load_file_refused(void **state)
{
	(void)state;
	char *text = test_saip_json(PROFILE);
	size_t idx;
	veuicc_saip_profile *p = test_saip_with_pe(
	    text,
	    "{\"application\": {\"app-Header\": {\"mandated\": null, \"identification\": 90}, "
	    "\"loadBlock\": {\"loadPackageAID\": \"" PKG "\", \"loadBlockObject\": \"C4020102\"}, "
	    "\"instanceList\": [{\"applicationLoadPackageAID\": \"" PKG "\", \"classAID\": \"" CLS
	    "\", \"instanceAID\": \"" INST "\", \"applicationPrivileges\": \"000000\", "
	    "\"applicationSpecificParametersC9\": \"\"}]}}",
	    &idx);
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	veuicc_fs *fs = (veuicc_fs *)(uintptr_t)1;
	assert_int_equal(veuicc_saip_install(p, &fs, &gp, &res), VEUICC_ERR_UNSUPPORTED);
	assert_null(fs);
	assert_int_equal(res.status, VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED);
	assert_int_equal(res.pe_index, (long)idx);
	assert_int_equal(res.identification, 90);
	assert_non_null(strstr(res.msg, "Java Card runtime"));
	assert_int_equal(gp.napp, 0);
	assert_int_equal(gp.nsd, 0);
	veuicc_saip_free(p);
	free(text);
}

static void test_application_instances(void **state)
{
	(void)state;
	char *text = test_saip_json(PROFILE);
	size_t idx;
	/* a load file that is not mandated, and two instances: the first with
	 * the DEFAULT life cycle state and 3 privilege bytes, the second with
	 * an explicit state and 4 privilege bytes (longer than GP's 3) */
	veuicc_saip_profile *p = test_saip_with_pe(
	    text,
	    "{\"application\": {\"app-Header\": {\"identification\": 91}, "
	    "\"loadBlock\": {\"loadPackageAID\": \"" PKG "\", \"loadBlockObject\": \"C4020102\"}, "
	    "\"instanceList\": [{\"applicationLoadPackageAID\": \"" PKG "\", \"classAID\": \"" CLS
	    "\", \"instanceAID\": \"" INST "\", \"applicationPrivileges\": \"800000\", "
	    "\"applicationSpecificParametersC9\": \"\"}, "
	    "{\"applicationLoadPackageAID\": \"" PKG "\", \"classAID\": \"" CLS
	    "\", \"instanceAID\": \"" CLS "\", \"applicationPrivileges\": \"00000000\", "
	    "\"lifeCycleState\": \"0F\", \"applicationSpecificParametersC9\": \"00\"}]}}",
	    &idx);
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	veuicc_fs *fs = NULL;
	int rc = veuicc_saip_install(p, &fs, &gp, &res);
	if (rc)
		fail_msg("install: %d %s", rc, res.msg);
	assert_non_null(fs);
	assert_int_equal(res.pe[idx].status, VEUICC_SAIP_STATUS_OK);
	bool warned = false;
	for (size_t w = 0; w < res.nwarnings && w < VEUICC_SAIP_INSTALL_MAX_WARNINGS; w++)
		warned |= strstr(res.warnings[w], "load file not executed") != NULL;
	assert_true(warned);
	assert_int_equal(gp.napp, 2);
	assert_aid(&gp.app[0].load_package_aid, PKG);
	assert_aid(&gp.app[0].class_aid, CLS);
	assert_aid(&gp.app[0].instance_aid, INST);
	assert_int_equal(gp.app[0].life_cycle_state, 0x07); /* DEFAULT '07' */
	assert_int_equal(gp.app[0].privileges_len, 3);
	assert_int_equal(gp.app[0].privileges[0], 0x80);
	assert_true(gp.app[0].has_load_block);
	assert_aid(&gp.app[1].instance_aid, CLS);
	assert_int_equal(gp.app[1].life_cycle_state, 0x0F);
	assert_int_equal(gp.app[1].privileges_len, 0); /* 4 bytes: not reported */
	veuicc_fs_free(fs);
	veuicc_saip_gp_info_clear(&gp);
	veuicc_saip_free(p);

	/* without a GP layer the same package installs too */
	p = test_saip_with_pe(text,
	                      "{\"application\": {\"app-Header\": {\"identification\": 92}, "
	                      "\"instanceList\": [{\"applicationLoadPackageAID\": \"" PKG
	                      "\", \"classAID\": \"" CLS "\", \"instanceAID\": \"" INST
	                      "\", \"applicationPrivileges\": \"000000\", "
	                      "\"applicationSpecificParametersC9\": \"\"}]}}",
	                      &idx);
	fs = NULL;
	assert_int_equal(veuicc_saip_install(p, &fs, NULL, &res), VEUICC_OK);
	assert_non_null(fs);
	veuicc_fs_free(fs);
	veuicc_saip_free(p);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mandated_load_file_refused),
	    cmocka_unit_test(test_application_instances),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
