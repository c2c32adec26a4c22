/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TS 102 226 §5 remote APDU formats: compact and expanded (definite AA/AB,
 * indefinite AE/AF). Golden templates from pySim tests/unittests/test_ota.py
 * (the AE/AF ones were captured from a live eUICC, see tests/data/scp80/SOURCES.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_hex.h"
#include "scp/remote_apdu.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = test_hex_decode(h, out, cap);
	assert_true(n != TEST_HEX_BAD);
	return n;
}

/* A scripted card: each call checks the C-APDU it gets and answers the next R-APDU. */
typedef struct fake {
	const char *const *capdu; /* expected C-APDUs */
	const char *const *rapdu; /* answers */
	size_t n, calls;
} fake;

static int exec(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t cap, size_t *rlen)
{
	fake *f = ctx;
	uint8_t want[300];
	assert_true(f->calls < f->n);
	size_t wl = unhex(f->capdu[f->calls], want, sizeof(want));
	assert_int_equal(len, wl);
	assert_memory_equal(c, want, wl);
	*rlen = unhex(f->rapdu[f->calls], r, cap);
	f->calls++;
	return 0;
}

static void run(bool expanded, const char *script, const char *const *capdu,
                const char *const *rapdu, size_t n, size_t calls, const char *resp)
{
	fake f = {capdu, rapdu, n, 0};
	uint8_t s[600], out[1200], want[1200];
	size_t sl = unhex(script, s, sizeof(s)), wl = unhex(resp, want, sizeof(want)), ol = 0;
	int rc = expanded ? veuicc_remote_run_expanded(s, sl, exec, &f, out, sizeof(out), &ol)
	                  : veuicc_remote_run_compact(s, sl, exec, &f, out, sizeof(out), &ol);
	assert_int_equal(rc, 0);
	assert_int_equal(f.calls, calls);
	assert_int_equal(ol, wl);
	assert_memory_equal(out, want, wl);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_compact(void **state)
{
	(void)state;
	/* pySim smpp2sim RFM script: SELECT EF.ICCID (case 3) then GET RESPONSE (case 2) */
	const char *c[] = {"00a40004022fe2", "00c000001d"};
	const char *r[] = {"611d",
	                   "621b8202412183022fe2a503d001408a01058b032f06038002000a88009000"};
	run(false, "00a40004022fe200c000001d", c, r, 2, 2,
	    "029000621b8202412183022fe2a503d001408a01058b032f06038002000a8800");
	/* stops at the first error status: the third command never runs */
	const char *c2[] = {"00a40004023f00", "00a40004026f99"};
	const char *r2[] = {"9000", "6a82"};
	run(false, "00a40004023f0000a40004026f9900b0000010", c2, r2, 2, 2, "026a82");
	/* case 1 at the end, warnings continue */
	const char *c3[] = {"00b0000002", "80e60000"};
	const char *r3[] = {"abcd6282", "9000"};
	run(false, "00b000000280e60000", c3, r3, 2, 2, "029000");
	/* a truncated last command ends the script */
	const char *c4[] = {"00a40004023f00"};
	const char *r4[] = {"9000"};
	run(false, "00a40004023f0000d6000004aabb", c4, r4, 1, 1, "019000");
}

static void test_expanded_definite(void **state)
{
	(void)state;
	/* pySim golden: GET STATUS, answered 6132 -> ab0780010123026132 */
	const char *c[] = {"80f24002024f0000", "00a40004023f0000"};
	const char *r[] = {"6132", "6f219000"};
	run(true, "aa0a220880f24002024f0000", c, r, 1, 1, "ab0780010123026132");
	run(true, "aa14220880f24002024f0000220800a40004023f0000", c, r, 2, 2,
	    "ab0d8001022302613223046f219000");
	/* a 200-byte R-APDU: two-byte lengths inside and outside (pySim registry golden) */
	char big[500] = "";
	for (int i = 0; i < 198; i++)
		snprintf(big + 2 * i, 3, "%02x", i);
	char rbig[520];
	snprintf(rbig, sizeof(rbig), "%s9000", big);
	const char *r2[] = {rbig};
	char resp[600];
	snprintf(resp, sizeof(resp), "ab81ce8001012381c8%s9000", big);
	run(true, "aa0a220880f24002024f0000", c, r2, 1, 1, resp);
	/* error status stops; error action and immediate action are accepted */
	const char *c3[] = {"00a40004023f00", "00a40004026f99"};
	const char *r3[] = {"9000", "6a82"};
	run(true, "aa1e820101810101220700a40004023f00220700a40004026f99220400b00000", c3, r3, 2, 2,
	    "ab0b800102230290002302"
	    "6a82");
}

static void test_expanded_indefinite(void **state)
{
	(void)state;
	/* pySim goldens (live eUICC over SCP81): AE commands, AF response without count */
	const char *c[] = {"00a4000c023f00", "00a4000c022fe2", "00b000000a"};
	const char *r[] = {"9000", "9000", "988812010000408608149000"};
	run(true, "ae80220700a4000c023f00220700a4000c022fe2220500b000000a0000", c, r, 3, 3,
	    "af80"
	    "23029000"
	    "23029000"
	    "230c988812010000408608149000"
	    "0000");
	const char *c2[] = {"80ca00e000"};
	const char *r2[] = {"e030c00403308810c00402308810c00401308810c00402408810c004014085"
	                    "10c00403018810c00402018810c004010188109000"};
	run(true, "ae80220580ca00e0000000", c2, r2, 1, 1,
	    "af802334e030c00403308810c00402308810c00401308810c00402408810c0040140"
	    "8510c00403018810c00402018810c004010188109000"
	    "0000");
}

static void test_expanded_bad_format(void **state)
{
	(void)state;
	const char *c[] = {"00a40004023f00"};
	const char *r[] = {"9000"};
	/* unknown tag after one command: its R-APDU, then 90 01 01 */
	run(true, "aa0c220700a40004023f00990100", c, r, 1, 1, "ab0a80010123029000900101");
	/* C-APDU length past the end of the template: 90 01 02 */
	run(true, "aa0d220700a40004023f002208aabb", c, r, 1, 1, "ab0a80010123029000900102");
	/* length octet missing at the end: 90 01 03 */
	run(true, "aa0a220700a40004023f0022", c, r, 1, 1, "ab0a80010123029000900103");
	/* C-APDU shorter than a header */
	run(true, "aa0c220700a40004023f002201aa", c, r, 1, 1, "ab0a80010123029000900102");
	/* outer template longer than the data: nothing runs */
	run(true, "aa20220700a40004023f00", c, r, 1, 0,
	    "ab0680010090010"
	    "2");
	/* bytes after the definite template */
	run(true, "aa09220700a40004023f0000", c, r, 1, 0, "ab06800100900102");
	/* indefinite: missing end-of-contents, wrong length form, nested error, tail */
	run(true, "ae80220700a40004023f00", c, r, 1, 1,
	    "af802302900090010"
	    "30000");
	run(true, "ae09220700a40004023f00", c, r, 1, 0, "af809001020000");
	run(true,
	    "ae80220700a40004023f00990100"
	    "0000",
	    c, r, 1, 1, "af80230290009001010000");
	run(true, "ae80220700a40004023f00000000", c, r, 1, 1, "af80230290009001020000");
	/* script chaining is not supported: 83 01 02 and stop */
	run(true, "aa0c220700a40004023f00830101", c, r, 1, 1, "ab0a80010123029000830102");
	/* not a command template at all */
	uint8_t s[] = {0x22, 0x00}, out[16];
	size_t ol;
	fake f = {c, r, 1, 0};
	assert_int_equal(veuicc_remote_run_expanded(s, sizeof(s), exec, &f, out, sizeof(out), &ol),
	                 VEUICC_ERR_MALFORMED);
	/* output too small */
	uint8_t s2[] = {0xAA, 0x09, 0x22, 0x07, 0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00};
	assert_int_equal(veuicc_remote_run_expanded(s2, sizeof(s2), exec, &f, out, 4, &ol),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compact),
	    cmocka_unit_test(test_expanded_definite),
	    cmocka_unit_test(test_expanded_indefinite),
	    cmocka_unit_test(test_expanded_bad_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
