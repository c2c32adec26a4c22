/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quirks from the factory configuration ($.quirks, docs/factory.md): string
 * and array forms, the caller's quirks on top, bad values with their JSON
 * path, and the quirks kept in the card file's factory record.
 */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "test_tmp.h"

#define EID "89049032123451234512345678901235"

typedef struct tmp {
	char dir[64];
	char factory[128];
	char card[128];
} tmp;

static void tmp_init(tmp *t)
{
	test_tmp_template(t->dir, sizeof(t->dir), "quirks");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->factory, sizeof(t->factory), "%s/factory.json", t->dir);
	snprintf(t->card, sizeof(t->card), "%s/card.db", t->dir);
}

static void tmp_free(tmp *t)
{
	unlink(t->factory);
	test_rm_card_file(t->card);
	rmdir(t->dir);
}

/* A factory file with the given $.quirks JSON value (NULL: none). */
static void write_factory(const tmp *t, const char *quirks)
{
	FILE *f = fopen(t->factory, "w");
	assert_non_null(f);
	fprintf(f, "{\"version\": 1, \"eid\": \"%s\", \"isdr\": {}%s%s}\n", EID,
	        quirks ? ", \"quirks\": " : "", quirks ? quirks : "");
	fclose(f);
}

static void atr_hex(veuicc_card *card, char *hex)
{
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n = 0;
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	th_hex(atr, n, hex);
}

static void test_factory_quirks(void **state)
{
	(void)state;
	tmp t;
	tmp_init(&t);
	char hex[2 * VEUICC_ATR_MAX + 1];
	veuicc_config cfg;
	veuicc_card *card;
	veuicc_quirks q;

	/* string form */
	write_factory(&t, "\"atr-ta1=95,atr-protocols=t0,fcp-no-pin-status\"");
	veuicc_config_init(&cfg);
	cfg.factory = t.factory;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	atr_hex(card, hex);
	assert_string_equal(hex, "3B9B95801FC78031E073FE219F8300900027");
	assert_int_equal(veuicc_card_get_quirks(card, &q), VEUICC_OK);
	assert_int_equal(q.fcp_no_pin_status, 1);
	veuicc_card_free(card);

	/* array form, and the caller's quirks on top of the factory's */
	write_factory(&t, "[\"atr-ta1=95\", \"t0-le00=exact\"]");
	cfg.quirks.atr_ta1 = 0x97;
	cfg.quirks.atr_classes = 3;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	atr_hex(card, hex);
	assert_string_equal(hex, "3B9B978091FE1FC38031E073FE21DF830090000E");
	assert_int_equal(veuicc_card_get_quirks(card, &q), VEUICC_OK);
	assert_int_equal(q.t0_le00, VEUICC_QUIRK_T0_LE00_EXACT);
	veuicc_card_free(card);

	/* the card file keeps the factory's quirks (its factory record) */
	write_factory(&t, "\"atr-protocols=t1,refresh=09\"");
	char msg[300];
	assert_int_equal(veuicc_card_create(t.card, t.factory, msg, sizeof(msg)), VEUICC_OK);
	assert_int_equal(veuicc_card_open(t.card, NULL, &card), VEUICC_OK);
	atr_hex(card, hex);
	assert_string_equal(hex, "3B9B968191FE1FC78031E073FE21DF830090000A");
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T1);
	assert_int_equal(veuicc_card_get_quirks(card, &q), VEUICC_OK);
	assert_int_equal(q.refresh_force, 1);
	assert_int_equal(q.refresh_qualifier, 9);
	veuicc_card_free(card);
	/* reopened with quirks of the caller: both */
	veuicc_config_init(&cfg);
	cfg.quirks.sfi_unsupported = 1;
	cfg.quirks.atr_ta1 = 0x11;
	assert_int_equal(veuicc_card_open(t.card, &cfg, &card), VEUICC_OK);
	atr_hex(card, hex);
	assert_string_equal(hex, "3B9B118191FE1FC78031E073FE21DF830090008D");
	assert_int_equal(veuicc_card_get_quirks(card, &q), VEUICC_OK);
	assert_int_equal(q.sfi_unsupported, 1);
	assert_int_equal(q.refresh_qualifier, 9);
	veuicc_card_free(card);
	unlink(t.card);

	/* bad values: the JSON path and the reason */
	static const struct {
		const char *json, *why;
	} bad[] = {
	    {"\"atr-ta1=12\"", "$.quirks: quirk atr-ta1: bad value '12': takes 11, 13, 18, 94, "
	                       "95, 96 or 97 (hex)"},
	    {"\"sfi-off\"", "$.quirks: unknown quirk 'sfi-off' (docs/quirks.md)"},
	    {"5", "$.quirks: must be a string or an array of strings"},
	    {"[\"fcp-no-sfi\", 3]", "$.quirks[1]: must be a string"},
	    {"[\"fcp-no-sfi\", \"refresh=02\"]",
	     "$.quirks[1]: quirk refresh: bad value '02': takes 00, 03, 04, 05, 06, 09 (hex "
	     "qualifier, TS 102 223 §8.6) or default"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_factory(&t, bad[i].json);
		assert_int_equal(veuicc_card_create(t.card, t.factory, msg, sizeof(msg)),
		                 VEUICC_ERR_MALFORMED);
		char want[400];
		snprintf(want, sizeof(want), "%s: %s", t.factory, bad[i].why);
		assert_string_equal(msg, want);
		assert_int_equal(access(t.card, F_OK), -1);
	}
	tmp_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_factory_quirks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
