/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applet plugins (docs/applets.md "Plugin ABI"): the hello example
 * (examples/hello_applet) loaded from the card's plugin directory through
 * GP INSTALL [for load] + LOAD, its storage kept in the card file; a plugin
 * of another ABI version refused with 6A80 and a log line; no plugin
 * directory, no plugin.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applet_helpers.h"
#include "veuicc/applet.h"

/* AP18: the services table of the first ABI 1 cards, as v1 plugins were
 * compiled against it; every member must keep its offset in today's table
 * (later revisions only append). */
typedef struct v1_services {
	uint32_t abi_version;
	int (*respond)(veuicc_applet_env *, const void *, size_t);
	long (*store_get)(veuicc_applet_env *, const char *, uint8_t *, size_t);
	int (*store_put)(veuicc_applet_env *, const char *, const void *, size_t);
	int (*store_del)(veuicc_applet_env *, const char *);
	int (*txn_begin)(veuicc_applet_env *);
	int (*txn_commit)(veuicc_applet_env *);
	int (*txn_abort)(veuicc_applet_env *);
	int (*proactive)(veuicc_applet_env *, uint8_t, uint8_t, uint8_t, const uint8_t *, size_t);
	int (*menu_text)(veuicc_applet_env *, size_t, const char *);
	int (*menu_title)(veuicc_applet_env *, const char *);
	void (*log)(veuicc_applet_env *, const char *);
} v1_services;
#define SAME_OFFSET(m)                                                                             \
	_Static_assert(offsetof(v1_services, m) == offsetof(veuicc_applet_services, m), #m " move" \
	                                                                                   "d")
SAME_OFFSET(abi_version);
SAME_OFFSET(respond);
SAME_OFFSET(store_get);
SAME_OFFSET(store_put);
SAME_OFFSET(store_del);
SAME_OFFSET(txn_begin);
SAME_OFFSET(txn_commit);
SAME_OFFSET(txn_abort);
SAME_OFFSET(proactive);
SAME_OFFSET(menu_text);
SAME_OFFSET(menu_title);
SAME_OFFSET(log);
_Static_assert(offsetof(veuicc_applet_services, file_select) >= sizeof(v1_services),
               "revision 1 members come after the first table");
_Static_assert(offsetof(veuicc_applet_services, timer_start) >
                   offsetof(veuicc_applet_services, file_increase),
               "revision 2 members come after revision 1");

#define HELLO_PKG     "F076657569636310"
#define HELLO_MOD     "F07665756963631001"
#define HELLO_AID     "F0766575696363100101"
#define BAD_PKG       "F0766575696363EE"
#define INSTALL_HELLO "80E60C00 24 08" HELLO_PKG "09" HELLO_MOD "0A" HELLO_AID "0100 02C900 00 00"

static const char *dir(void)
{
	const char *d = getenv("VEUICC_APPLET_DIR");
	assert_non_null(d);
	return d;
}

static void test_hello_plugin(void **state)
{
	(void)state;
	logbuf log = {{0}};
	veuicc_card *card = ap_card(dir());
	veuicc_set_log(card, log_sink, &log);
	th_xfer(card, INSTALL_LOAD(HELLO_PKG), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card, INSTALL_HELLO, OK0);
	assert_non_null(strstr(log.text, "applet hello: installed"));
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000A" HELLO_AID "00", "68656C6C6F 9000");
	th_xfer(card, "81500000 05 776F726C64 00", "68656C6C6F2C20776F726C64 9000");
	th_xfer(card, "8152000000", "00000001 9000");
	th_xfer(card, "8152000000", "00000002 9000");
	veuicc_card_free(card);
}

static void test_abi_mismatch(void **state)
{
	(void)state;
	logbuf log = {{0}};
	veuicc_card *card = ap_card(dir());
	veuicc_set_log(card, log_sink, &log);
	th_xfer(card, INSTALL_LOAD(BAD_PKG), "6A80");
	assert_non_null(strstr(log.text, "ABI version 2, this card supports 1: refused"));
	assert_non_null(strstr(log.text, "no native package provides it"));
	th_xfer(card, LOAD_LAST, "6985");
	veuicc_card_free(card);
}

/* A plugin directory with unusable entries: each is refused with a log
 * line naming it (or skipped, for a shared object that is no plugin) and
 * the package stays unknown (6A80); a folder that cannot be read is logged. */
static void test_bad_plugin_dir(void **state)
{
	(void)state;
	const char *bad = getenv("VEUICC_APPLET_BAD_DIR");
	assert_non_null(bad);
	char tmp[256], p[600], target[600];
	test_tmp_template(tmp, sizeof(tmp), "plugins");
	assert_non_null(mkdtemp(tmp));
	for (int kind = 1; kind <= 2; kind++) {
		snprintf(target, sizeof(target), "%s/bad_desc%d_plugin.so", bad, kind);
		snprintf(p, sizeof(p), "%s/bad_desc%d_plugin.so", tmp, kind);
		assert_int_equal(symlink(target, p), 0);
	}
	snprintf(p, sizeof(p), "%s/junk.so", tmp);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("not a shared object\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/notes.txt", tmp); /* not *.so: not even opened */
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);

	logbuf log = {{0}};
	veuicc_card *card = ap_card(tmp);
	veuicc_set_log(card, log_sink, &log);
	th_xfer(card, INSTALL_LOAD("F076657569636377"), "6A80");
	assert_non_null(strstr(log.text, "bad_desc1_plugin.so: module 0 malformed: refused"));
	assert_non_null(strstr(log.text, "bad_desc2_plugin.so: malformed descriptor: refused"));
	assert_non_null(strstr(log.text, "junk.so: "));
	assert_null(strstr(log.text, "notes.txt"));
	assert_non_null(strstr(log.text, "no native package provides it"));
	veuicc_card_free(card);

	/* the folder is gone: logged, the package unknown */
	const char *names[] = {"bad_desc1_plugin.so", "bad_desc2_plugin.so", "junk.so",
	                       "notes.txt"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmp, names[i]);
		assert_int_equal(unlink(p), 0);
	}
	assert_int_equal(rmdir(tmp), 0);
	memset(&log, 0, sizeof(log));
	card = ap_card(tmp);
	veuicc_set_log(card, log_sink, &log);
	th_xfer(card, INSTALL_LOAD(HELLO_PKG), "6A80");
	snprintf(p, sizeof(p), "applet plugin directory %s: cannot be read", tmp);
	assert_non_null(strstr(log.text, p));
	veuicc_card_free(card);
}

static void test_no_plugin_dir(void **state)
{
	(void)state;
	logbuf log = {{0}};
	veuicc_card *card = ap_card(NULL);
	veuicc_set_log(card, log_sink, &log);
	th_xfer(card, INSTALL_LOAD(HELLO_PKG), "6A80");
	assert_non_null(strstr(log.text, HELLO_PKG));
	veuicc_card_free(card);
}

/* The counter is the instance's storage: it survives the card file. */
static void test_plugin_card_file(void **state)
{
	(void)state;
	char path[128];
	ap_card_file(path, sizeof(path), "plugin");
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = getenv("VEUICC_FACTORY");
	cfg.test_mode = 1;
	cfg.applet_dir = dir();
	veuicc_card *card;
	for (int round = 0; round < 2; round++) {
		card = ap_file_card(path, dir());
		if (round == 0) {
			th_xfer(card, INSTALL_LOAD(HELLO_PKG), "9000");
			th_xfer(card, LOAD_LAST, OK0);
			th_xfer(card, INSTALL_HELLO, OK0);
		}
		th_xfer(card, "0070000001", "019000");
		th_xfer(card, "01A404000A" HELLO_AID "00", "68656C6C6F 9000");
		th_xfer(card, "8152000000", round == 0 ? "00000001 9000" : "00000002 9000");
		veuicc_card_free(card);
	}
	/* without the plugin directory the card file cannot be opened */
	cfg.applet_dir = NULL;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_ERR_UNSUPPORTED);
	test_rm_card_file(path);
}

/* Storage services: applet transactions and limits (AP10), through a
 * test plugin (txn_plugin.c). */
static void test_storage_services(void **state)
{
	(void)state;
	veuicc_card *card = ap_card(dir());
	th_xfer(card, INSTALL_LOAD("F076657569636311"), "9000");
	th_xfer(card, LOAD_LAST, OK0);
	th_xfer(card,
	        "80E60C00 24 08F076657569636311 09F07665756963631101 0AF0766575696363110101 "
	        "0100 02C900 00 00",
	        OK0);
	th_xfer(card, "0070000001", "019000");
	th_xfer(card, "01A404000AF0766575696363110101", "9000");
	th_xfer(card, "8136000000", "6A88");
	th_xfer(card, "8134070000", "9000"); /* committed */
	th_xfer(card, "8136000000", "07 9000");
	th_xfer(card, "8130080000", "9000"); /* aborted */
	th_xfer(card, "8136000000", "07 9000");
	th_xfer(card, "8132090000", "9000"); /* left open: aborted by the runtime */
	th_xfer(card, "8136000000", "07 9000");
	/* 64 values at most: "v" and 63 more */
	th_xfer(card, "8138500000", "3F 9000");
	th_xfer(card, "813A000000", "9000");
	veuicc_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello_plugin),     cmocka_unit_test(test_abi_mismatch),
	    cmocka_unit_test(test_no_plugin_dir),    cmocka_unit_test(test_plugin_card_file),
	    cmocka_unit_test(test_storage_services), cmocka_unit_test(test_bad_plugin_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
