/* SPDX-License-Identifier: Apache-2.0 */
/* quirk= in the DEVICENAME of the PC/SC reader (src/pcsc/devname.h,
 * docs/quirks.md): repeatable, parsed into veuicc_quirks, handed to the
 * card's configuration; bad items refused with the quirk's own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pcsc/devname.h"

static void test_quirk_accepted(void **state)
{
	(void)state;
	veuicc_pcsc_devcfg dc;
	char err[256];
	assert_int_equal(veuicc_pcsc_devname_parse("\"veuicc:name=q,quirk=atr-ta1=95,"
	                                           "quirk=atr-protocols=t0,quirk=fcp-no-pin-status,"
	                                           "quirk=t0-case4=data,quirk=refresh=04\"",
	                                           &dc, err, sizeof(err)),
	                 VEUICC_OK);
	assert_string_equal(dc.name, "q");
	assert_int_equal(dc.quirks.atr_ta1, 0x95);
	assert_int_equal(dc.quirks.atr_protocols, VEUICC_QUIRK_PROTO_T0);
	assert_int_equal(dc.quirks.fcp_no_pin_status, 1);
	assert_int_equal(dc.quirks.t0_case4, VEUICC_QUIRK_T0_CASE4_DATA);
	assert_int_equal(dc.quirks.refresh_force, 1);
	assert_int_equal(dc.quirks.refresh_qualifier, 4);
	veuicc_config cfg;
	veuicc_pcsc_devcfg_to_config(&dc, &cfg);
	assert_memory_equal(&cfg.quirks, &dc.quirks, sizeof(dc.quirks));
	/* the card it makes has that ATR */
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n = 0;
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	static const uint8_t want[] = {0x3B, 0x9B, 0x95, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0,
	                               0x73, 0xFE, 0x21, 0x9F, 0x83, 0x00, 0x90, 0x00, 0x27};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(atr, want, n);
	veuicc_card_free(card);
	/* no quirk=: all default */
	assert_int_equal(veuicc_pcsc_devname_parse("veuicc:name=a", &dc, err, sizeof(err)),
	                 VEUICC_OK);
	static const veuicc_quirks zero;
	assert_memory_equal(&dc.quirks, &zero, sizeof(zero));
}

static void test_quirk_refused(void **state)
{
	(void)state;
	static const struct {
		const char *devname, *err;
	} bad[] = {
	    {"veuicc:quirk=frob", "quirk=: unknown quirk 'frob' (docs/quirks.md)"},
	    {"veuicc:quirk=atr-ta1=99",
	     "quirk=: quirk atr-ta1: bad value '99': takes 11, 13, 18, 94, 95, 96 or 97 (hex)"},
	    {"veuicc:quirk=t0-le00", "quirk=: quirk t0-le00: bad value '': takes 256 or exact"},
	    {"veuicc:quirk=", "key 'quirk' has an empty value"},
	    {"veuicc:atr=3B00,quirk=atr-classes=C",
	     "atr= and the ATR quirks (quirk=atr-...) exclude each other"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		veuicc_pcsc_devcfg dc;
		char err[256];
		assert_int_equal(veuicc_pcsc_devname_parse(bad[i].devname, &dc, err, sizeof(err)),
		                 VEUICC_ERR_MALFORMED);
		assert_string_equal(err, bad[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quirk_accepted),
	    cmocka_unit_test(test_quirk_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
