/* SPDX-License-Identifier: Apache-2.0 */
/* The DEVICENAME parser of the PC/SC reader (src/pcsc/devname.h): a table of
 * accepted and refused strings, one line each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pcsc/devname.h"

/* SGP.26 test EID. */
#define EID_SGP26 "89049032123451234512345678901235"

static const struct {
	const char *devname;
	int rc;
	const char *err_part; /* must appear in the error text */
} refused[] = {
    {"/dev/null", VEUICC_ERR_MALFORMED, "DEVICENAME must be"},
    {"veuiccx", VEUICC_ERR_MALFORMED, "DEVICENAME must be"},
    {"usb:1234/5678", VEUICC_ERR_MALFORMED, "DEVICENAME must be"},
    {"veuicc:name", VEUICC_ERR_MALFORMED, "not key=value"},
    {"veuicc:name=a,", VEUICC_ERR_MALFORMED, "not key=value"},
    {"veuicc:colour=blue", VEUICC_ERR_MALFORMED, "unknown key 'colour'"},
    {"veuicc:NAME=a", VEUICC_ERR_MALFORMED, "unknown key 'NAME'"},
    {"veuicc:name=a,name=b", VEUICC_ERR_MALFORMED, "given twice"},
    {"veuicc:name=", VEUICC_ERR_MALFORMED, "empty value"},
    {"veuicc:name=a b", VEUICC_ERR_MALFORMED, "may only hold"},
    {"veuicc:name=a/b", VEUICC_ERR_MALFORMED, "may only hold"},
    {"veuicc:name=abcdefghijabcdefghijabcdefghijabc", VEUICC_ERR_MALFORMED, "longer than"},
    {"veuicc:eid=8904903212345123451234567890123", VEUICC_ERR_MALFORMED, "32 digits"},
    {"veuicc:eid=890490321234512345123456789012355", VEUICC_ERR_MALFORMED, "32 digits"},
    {"veuicc:eid=8904903212345123451234567890123a", VEUICC_ERR_MALFORMED, "decimal digits"},
    {"veuicc:seed=-1", VEUICC_ERR_MALFORMED, "unsigned"},
    {"veuicc:seed=12x", VEUICC_ERR_MALFORMED, "unsigned"},
    {"veuicc:seed=99999999999999999999999", VEUICC_ERR_MALFORMED, "unsigned"},
    {"veuicc:atr=3B0", VEUICC_ERR_MALFORMED, "hex digits"},
    {"veuicc:atr=3B", VEUICC_ERR_MALFORMED, "hex digits"},
    {"veuicc:atr=3BZZ", VEUICC_ERR_MALFORMED, "not hex"},
    {"veuicc:atr=3B00000000000000000000000000000000000000000000000000000000000000000000",
     VEUICC_ERR_MALFORMED, "2..33 bytes"},
    {"veuicc:trace=relative.pcap", VEUICC_ERR_MALFORMED, "absolute"},
    {"veuicc:present=2", VEUICC_ERR_MALFORMED, "0 or 1"},
    {"veuicc:present=yes", VEUICC_ERR_MALFORMED, "0 or 1"},
    {"veuicc:testmode=on", VEUICC_ERR_MALFORMED, "0 or 1"},
    {"veuicc:testmode=1,testmode=1", VEUICC_ERR_MALFORMED, "twice"},
    {"veuicc:profile=", VEUICC_ERR_MALFORMED, "empty value"},
    {"veuicc:fault=bogus", VEUICC_ERR_MALFORMED, "not a fault spec"},
    {"veuicc:fault=sw:6A82:00A4;drop:0", VEUICC_ERR_MALFORMED, "not a fault spec"},
    {"veuicc:fault=latency:5;cut:3", VEUICC_ERR_MALFORMED, "needs a card file"},
    {"veuicc:fault=cut:3", VEUICC_ERR_MALFORMED, "needs a card file"},
    {"\"veuicc:name=a", VEUICC_ERR_MALFORMED, "DEVICENAME must be"},
    {"\"veuicc:name=a'", VEUICC_ERR_MALFORMED, "DEVICENAME must be"},
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		veuicc_pcsc_devcfg cfg;
		char err[160];
		int rc = veuicc_pcsc_devname_parse(refused[i].devname, &cfg, err, sizeof(err));
		if (rc != refused[i].rc || strstr(err, refused[i].err_part) == NULL)
			fail_msg("'%s': rc %d err '%s', expected rc %d and '%s'",
			         refused[i].devname, rc, err, refused[i].rc, refused[i].err_part);
	}
}

static void test_defaults(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc", &cfg, NULL, 0), VEUICC_OK);
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc:", &cfg, NULL, 0), VEUICC_OK);
	assert_string_equal(cfg.name, "");
	assert_string_equal(cfg.eid, "");
	assert_int_equal(cfg.has_seed, 0);
	assert_int_equal(cfg.atr_len, 0);
	assert_string_equal(cfg.trace, "");
	assert_int_equal(cfg.present, 1);

	veuicc_config c;
	veuicc_pcsc_devcfg_to_config(&cfg, &c);
	assert_null(c.eid);
	assert_null(c.atr);
	assert_int_equal(c.rng_deterministic, 0);
	assert_int_equal(c.test_mode, 0);
}

static void test_every_key(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	char err[160];
	const char *s = "veuicc:name=card-1.x_y,eid=" EID_SGP26 ",seed=0x10,atr=3b9F96,"
	                "trace=/tmp/a.pcap,present=0,state=/tmp/c.db,profile=/tmp/p.der,testmode=1";
	assert_int_equal(veuicc_pcsc_devname_parse(s, &cfg, err, sizeof(err)), VEUICC_OK);
	assert_string_equal(err, "");
	assert_string_equal(cfg.name, "card-1.x_y");
	assert_string_equal(cfg.eid, EID_SGP26);
	assert_int_equal(cfg.has_seed, 1);
	assert_int_equal(cfg.seed, 16);
	assert_int_equal(cfg.atr_len, 3);
	static const uint8_t atr[] = {0x3B, 0x9F, 0x96};
	assert_memory_equal(cfg.atr, atr, sizeof(atr));
	assert_string_equal(cfg.trace, "/tmp/a.pcap");
	assert_int_equal(cfg.present, 0);
	assert_string_equal(cfg.state, "/tmp/c.db");
	assert_string_equal(cfg.profile, "/tmp/p.der");
	assert_string_equal(cfg.fault, "");
	/* fault= (docs/testbench.md): cut: with state= */
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc:state=/tmp/c.db,fault=cut:3;"
	                                           "sw:6A82:xxA4:2;latency:10;drop:1;ota:2:5",
	                                           &cfg, err, sizeof(err)),
	                 VEUICC_OK);
	assert_string_equal(cfg.fault, "cut:3;sw:6A82:xxA4:2;latency:10;drop:1;ota:2:5");
	assert_int_equal(veuicc_pcsc_devname_parse(s, &cfg, err, sizeof(err)), VEUICC_OK);

	veuicc_config c;
	veuicc_pcsc_devcfg_to_config(&cfg, &c);
	assert_string_equal(c.eid, EID_SGP26);
	assert_ptr_equal(c.atr, cfg.atr);
	assert_int_equal(c.atr_len, 3);
	assert_int_equal(c.rng_deterministic, 1);
	assert_int_equal(c.rng_seed, 16);
	assert_int_equal(c.test_mode, 1);
	assert_null(c.applet_dir);
	/* appletdir= (docs/applets.md): an absolute path, given to the card */
	assert_int_equal(
	    veuicc_pcsc_devname_parse("veuicc:appletdir=/opt/applets", &cfg, err, sizeof(err)),
	    VEUICC_OK);
	veuicc_pcsc_devcfg_to_config(&cfg, &c);
	assert_string_equal(c.applet_dir, "/opt/applets");
	assert_int_equal(
	    veuicc_pcsc_devname_parse("veuicc:appletdir=applets", &cfg, err, sizeof(err)),
	    VEUICC_ERR_MALFORMED);
}

/* reader.conf gives the value with its quotes (pcsc-lite configfile.l) */
static void test_quoted(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	assert_int_equal(veuicc_pcsc_devname_parse("\"veuicc:name=q,seed=3\"", &cfg, NULL, 0),
	                 VEUICC_OK);
	assert_string_equal(cfg.name, "q");
	assert_int_equal(cfg.seed, 3);
	assert_int_equal(veuicc_pcsc_devname_parse("'veuicc:name=s'", &cfg, NULL, 0), VEUICC_OK);
	assert_string_equal(cfg.name, "s");
	assert_int_equal(veuicc_pcsc_devname_parse("\"veuicc\"", &cfg, NULL, 0), VEUICC_OK);
}

static void test_lengths(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	char err[160];
	char s[VEUICC_PCSC_DEVNAME_MAX + 8];
	/* exactly the limit: a trace path filling the rest */
	const char *head = "veuicc:trace=/";
	memset(s, 'x', sizeof(s));
	memcpy(s, head, strlen(head));
	s[VEUICC_PCSC_DEVNAME_MAX] = '\0';
	assert_int_equal(veuicc_pcsc_devname_parse(s, &cfg, err, sizeof(err)), VEUICC_OK);
	assert_int_equal(strlen(cfg.trace), VEUICC_PCSC_DEVNAME_MAX - strlen("veuicc:trace="));
	s[VEUICC_PCSC_DEVNAME_MAX] = 'x';
	s[VEUICC_PCSC_DEVNAME_MAX + 1] = '\0';
	assert_int_equal(veuicc_pcsc_devname_parse(s, &cfg, err, sizeof(err)),
	                 VEUICC_ERR_MALFORMED);
	assert_non_null(strstr(err, "longer than 255"));
}

static void test_seed_forms(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc:seed=0", &cfg, NULL, 0), VEUICC_OK);
	assert_int_equal(cfg.has_seed, 1);
	assert_int_equal(cfg.seed, 0);
	assert_int_equal(
	    veuicc_pcsc_devname_parse("veuicc:seed=18446744073709551615", &cfg, NULL, 0),
	    VEUICC_OK);
	assert_true(cfg.seed == UINT64_MAX);
}

static void test_null(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg cfg;
	char err[8];
	assert_int_equal(veuicc_pcsc_devname_parse(NULL, &cfg, err, sizeof(err)),
	                 VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc", NULL, NULL, 0),
	                 VEUICC_ERR_INVALID_ARG);
	/* a short error buffer is cut, not overrun */
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc:colour=blue", &cfg, err, sizeof(err)),
	                 VEUICC_ERR_MALFORMED);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused),   cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_key), cmocka_unit_test(test_seed_forms),
	    cmocka_unit_test(test_null),      cmocka_unit_test(test_quoted),
	    cmocka_unit_test(test_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
