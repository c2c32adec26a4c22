/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/apdu/script.c, the APDU script parser and response matcher
 * (format: docs/apdu-script.md): hex with spaces, comments, wildcards, '*',
 * alternatives, captures, directives, line continuation, and the error
 * position (line:column) of every kind of syntax error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu/script.h"

/* Parse \p text, which must succeed. */
static void parse_ok(const char *text, veuicc_script *s)
{
	veuicc_script_error err;
	int rc = veuicc_script_parse(text, strlen(text), s, &err);
	if (rc != VEUICC_OK)
		fail_msg("parse failed at %u:%u: %s", err.line, err.col, err.msg);
}

/* Parse \p text, which must fail at \p line:\p col with \p msg_part in the message. */
static void parse_fails(const char *text, unsigned line, unsigned col, const char *msg_part)
{
	veuicc_script s;
	veuicc_script_error err;
	int rc = veuicc_script_parse(text, strlen(text), &s, &err);
	veuicc_script_free(&s);
	assert_int_equal(rc, VEUICC_ERR_MALFORMED);
	if (err.line != line || err.col != col || !strstr(err.msg, msg_part))
		fail_msg("'%s': got %u:%u '%s', want %u:%u '%s'", text, err.line, err.col, err.msg,
		         line, col, msg_part);
}

/* Match the expectation of step \p i against hex bytes. Returns 1/0. */
static int match_hex(const veuicc_script *s, size_t i, int *bind, const char *hex, size_t *diff)
{
	uint8_t r[64];
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(p, "%2x", &v), 1);
		assert_true(n < sizeof(r));
		r[n++] = (uint8_t)v;
		p += 2;
	}
	size_t d = 9999;
	int m =
	    veuicc_script_match(s, s->steps[i].alt_first, s->steps[i].alt_count, bind, r, n, &d);
	if (diff)
		*diff = d;
	return m;
}

static void test_parse_command_and_expectation(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 A4 04 00 10 A0000005591010FFFFFFFF8900000100 : 61 xx\n", &s);
	assert_int_equal(s.n_steps, 1);
	const veuicc_script_step *st = &s.steps[0];
	assert_int_equal(st->op, VEUICC_SCRIPT_OP_APDU);
	assert_int_equal(st->line, 1);
	assert_int_equal(st->cmd.len, 21);
	static const uint8_t want[21] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00,
	                                 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF,
	                                 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
	uint8_t cmd[32];
	size_t n = 0;
	assert_int_equal(veuicc_script_build_cmd(&s, st, NULL, cmd, sizeof(cmd), &n, NULL),
	                 VEUICC_OK);
	assert_int_equal(n, 21);
	assert_memory_equal(cmd, want, 21);
	assert_int_equal(st->alt_count, 1);
	const veuicc_script_range *alt = &s.alts[st->alt_first];
	assert_int_equal(alt->len, 2);
	assert_int_equal(s.units[alt->off].mask, 0xFF);
	assert_int_equal(s.units[alt->off].value, 0x61);
	assert_int_equal(s.units[alt->off + 1].mask, 0x00);
	/* the buffer must be big enough */
	assert_int_equal(veuicc_script_build_cmd(&s, st, NULL, cmd, 20, &n, NULL),
	                 VEUICC_ERR_BUFFER_TOO_SMALL);
	veuicc_script_free(&s);
}

static void test_comments_blank_lines_and_crlf(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("# a comment line\n"
	         "   # indented comment : 90 00\n"
	         "\n"
	         "00 B0 00 00 # trailing comment\r\n"
	         "00B0000000#glued comment\n"
	         "\t00 c0 00 00 1a : 90 00 # lower case hex\n"
	         "80 F2 00 00",
	         &s);
	assert_int_equal(s.n_steps, 4);
	assert_int_equal(s.steps[0].line, 4);
	assert_int_equal(s.steps[0].cmd.len, 4);
	assert_int_equal(s.steps[0].alt_count, 0);
	assert_int_equal(s.steps[1].line, 5);
	assert_int_equal(s.steps[1].cmd.len, 5);
	assert_int_equal(s.steps[2].cmd.len, 5);
	assert_int_equal(s.units[s.steps[2].cmd.off + 4].value, 0x1A);
	assert_int_equal(s.steps[2].alt_count, 1);
	assert_int_equal(s.steps[3].line, 7); /* last line without newline */
	veuicc_script_free(&s);

	/* an empty script and a comment-only script are valid and empty */
	parse_ok("", &s);
	assert_int_equal(s.n_steps, 0);
	veuicc_script_free(&s);
	parse_ok("# nothing\n\n   \n", &s);
	assert_int_equal(s.n_steps, 0);
	veuicc_script_free(&s);
}

static void test_wildcards(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 00 : 6C xx\n"
	         "00 00 : 63 Cx\n"
	         "00 00 : ?? 9? 0X\n"
	         "00 00 : 61XX\n",
	         &s);
	size_t d;
	assert_true(match_hex(&s, 0, NULL, "6C 12", NULL));
	assert_true(match_hex(&s, 0, NULL, "6C FF", NULL));
	assert_false(match_hex(&s, 0, NULL, "6D 12", &d));
	assert_int_equal(d, 0);
	assert_false(match_hex(&s, 0, NULL, "6C", &d)); /* too short */
	assert_int_equal(d, 1);
	assert_false(match_hex(&s, 0, NULL, "6C 12 00", &d)); /* too long */
	assert_int_equal(d, 2);

	assert_true(match_hex(&s, 1, NULL, "63 C2", NULL));
	assert_true(match_hex(&s, 1, NULL, "63 CF", NULL));
	assert_false(match_hex(&s, 1, NULL, "63 82", &d));
	assert_int_equal(d, 1);

	assert_true(match_hex(&s, 2, NULL, "00 90 00", NULL));
	assert_true(match_hex(&s, 2, NULL, "FF 9A 0B", NULL));
	assert_false(match_hex(&s, 2, NULL, "FF 9A 1B", &d));
	assert_int_equal(d, 2);

	assert_true(match_hex(&s, 3, NULL, "61 1A", NULL));
	veuicc_script_free(&s);
}

static void test_star(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 : 6F * 90 00\n"
	         "00 : *\n"
	         "00 : 6F * * 90 00\n" /* consecutive stars are one */
	         "00 : 6F * 84 02 AA BB * 90 00\n"
	         "00 : * 90 00\n"
	         "00 : 6F *\n",
	         &s);
	size_t d;
	/* zero bytes, some bytes */
	assert_true(match_hex(&s, 0, NULL, "6F 90 00", NULL));
	assert_true(match_hex(&s, 0, NULL, "6F 01 02 03 90 00", NULL));
	/* tail anchored at the end: the wrong SW is the first difference */
	assert_false(match_hex(&s, 0, NULL, "6F 01 02 6A 82", &d));
	assert_int_equal(d, 3);
	/* head wrong */
	assert_false(match_hex(&s, 0, NULL, "6E 90 00", &d));
	assert_int_equal(d, 0);
	/* shorter than head + tail */
	assert_false(match_hex(&s, 0, NULL, "6F 90", &d));
	assert_int_equal(d, 2);

	assert_true(match_hex(&s, 1, NULL, "", NULL));
	assert_true(match_hex(&s, 1, NULL, "01 02", NULL));

	assert_int_equal(s.alts[s.steps[2].alt_first].len, 4);
	assert_true(match_hex(&s, 2, NULL, "6F AA 90 00", NULL));

	/* middle segment found anywhere between head and tail */
	assert_true(match_hex(&s, 3, NULL, "6F 84 02 AA BB 90 00", NULL));
	assert_true(match_hex(&s, 3, NULL, "6F 10 84 02 AA BB A5 00 90 00", NULL));
	/* middle segment wrong in its last byte: marked there */
	assert_false(match_hex(&s, 3, NULL, "6F 10 84 02 AA CC A5 00 90 00", &d));
	assert_int_equal(d, 5);
	/* the middle segment may not overlap the tail */
	assert_false(match_hex(&s, 3, NULL, "6F 84 02 AA 90 00", &d));

	assert_true(match_hex(&s, 4, NULL, "90 00", NULL));
	assert_false(match_hex(&s, 4, NULL, "90 00 00", &d));
	assert_int_equal(d, 1);
	assert_true(match_hex(&s, 5, NULL, "6F", NULL));
	assert_true(match_hex(&s, 5, NULL, "6F 00 01", NULL));
	veuicc_script_free(&s);
}

static void test_alternatives(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 : 61 xx | 6F * 90 00 | 6A 82\n", &s);
	assert_int_equal(s.steps[0].alt_count, 3);
	size_t d;
	assert_true(match_hex(&s, 0, NULL, "61 1A", NULL));
	assert_true(match_hex(&s, 0, NULL, "6F 00 90 00", NULL));
	assert_true(match_hex(&s, 0, NULL, "6A 82", NULL));
	/* the furthest difference over all alternatives is reported */
	assert_false(match_hex(&s, 0, NULL, "6F 00 90 01", &d));
	assert_int_equal(d, 3);
	assert_false(match_hex(&s, 0, NULL, "6A 83", &d));
	assert_int_equal(d, 1);
	veuicc_script_free(&s);
}

static void test_captures(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 A4 04 00 02 3F00 : 61 $len\n"
	         "00 C0 00 00 $len : 6F $len2 * $sw1 $sw2\n"
	         "00 C0 00 00 $len2 : $len * 90 00\n",
	         &s);
	assert_int_equal(s.n_vars, 4);
	int bind[4];
	veuicc_script_unbind_all(&s, bind);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bind[i], -1);

	/* $len not bound yet: building the second command fails */
	uint8_t cmd[16];
	size_t n = 0, unbound = 99;
	assert_int_equal(
	    veuicc_script_build_cmd(&s, &s.steps[1], bind, cmd, sizeof(cmd), &n, &unbound),
	    VEUICC_ERR_STATE);
	assert_int_equal(unbound, 0);

	assert_true(match_hex(&s, 0, bind, "61 1C", NULL));
	assert_int_equal(bind[0], 0x1C);
	assert_int_equal(veuicc_script_build_cmd(&s, &s.steps[1], bind, cmd, sizeof(cmd), &n, NULL),
	                 VEUICC_OK);
	static const uint8_t want[5] = {0x00, 0xC0, 0x00, 0x00, 0x1C};
	assert_int_equal(n, 5);
	assert_memory_equal(cmd, want, 5);

	/* captures after a '*' bind to the bytes the tail is anchored on */
	assert_true(match_hex(&s, 1, bind, "6F 05 01 02 03 91 10", NULL));
	assert_int_equal(bind[1], 0x05);
	assert_int_equal(bind[2], 0x91);
	assert_int_equal(bind[3], 0x10);

	/* a bound variable is compared, not captured again */
	size_t d;
	assert_false(match_hex(&s, 2, bind, "1D 90 00", &d));
	assert_int_equal(d, 0);
	assert_true(match_hex(&s, 2, bind, "1C AA 90 00", NULL));

	/* a failed match binds nothing */
	veuicc_script_unbind_all(&s, bind);
	assert_false(match_hex(&s, 1, bind, "6E 05 01 02 03 91 10", NULL));
	assert_int_equal(bind[1], -1);
	assert_int_equal(bind[2], -1);

	/* canonical form shows bound values */
	bind[0] = 0x1C;
	char buf[128];
	size_t len = veuicc_script_format_pattern(&s, s.steps[2].alt_first, s.steps[2].alt_count,
	                                          bind, buf, sizeof(buf));
	assert_string_equal(buf, "$len=1C * 90 00");
	assert_int_equal(len, strlen(buf));
	veuicc_script_free(&s);
}

static void test_format_pattern(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("00 : 6f * 8410 | 61 cX ?? $n\n", &s);
	char buf[64];
	size_t len = veuicc_script_format_pattern(&s, s.steps[0].alt_first, s.steps[0].alt_count,
	                                          NULL, buf, sizeof(buf));
	assert_string_equal(buf, "6F * 84 10 | 61 Cx xx $n");
	assert_int_equal(len, strlen(buf));
	/* truncation still reports the full length and terminates the buffer */
	char small[8];
	len = veuicc_script_format_pattern(&s, s.steps[0].alt_first, s.steps[0].alt_count, NULL,
	                                   small, sizeof(small));
	assert_int_equal(len, strlen("6F * 84 10 | 61 Cx xx $n"));
	assert_string_equal(small, "6F * 84");
	veuicc_script_free(&s);
}

static void test_directives(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("# header\n"
	         ".eid 89049032123451234512345678901235\n"
	         ".seed 0x10\n"
	         ".reset\n"
	         ".reset warm\n"
	         ".RESET Cold\n"
	         ".protocol T=1\n"
	         ".protocol t=0\n"
	         ".get-response auto\n"
	         ".get-response manual\n"
	         ".expect-atr 3B 9B * 0B | 3B xx\n"
	         ".expect-atr : 3B *\n",
	         &s);
	assert_true(s.has_eid);
	assert_string_equal(s.eid, "89049032123451234512345678901235");
	assert_true(s.has_seed);
	assert_int_equal(s.seed, 16);
	assert_int_equal(s.n_steps, 9);
	assert_int_equal(s.steps[0].op, VEUICC_SCRIPT_OP_RESET);
	assert_int_equal(s.steps[0].arg, VEUICC_RESET_COLD);
	assert_int_equal(s.steps[0].line, 4);
	assert_int_equal(s.steps[1].arg, VEUICC_RESET_WARM);
	assert_int_equal(s.steps[2].arg, VEUICC_RESET_COLD);
	assert_int_equal(s.steps[3].op, VEUICC_SCRIPT_OP_PROTOCOL);
	assert_int_equal(s.steps[3].arg, VEUICC_PROTO_T1);
	assert_int_equal(s.steps[4].arg, VEUICC_PROTO_T0);
	assert_int_equal(s.steps[5].op, VEUICC_SCRIPT_OP_GET_RESPONSE);
	assert_int_equal(s.steps[5].arg, 1);
	assert_int_equal(s.steps[6].arg, 0);
	assert_int_equal(s.steps[7].op, VEUICC_SCRIPT_OP_EXPECT_ATR);
	assert_int_equal(s.steps[7].alt_count, 2);
	assert_true(match_hex(&s, 7, NULL, "3B 9B 96 0B", NULL));
	assert_true(match_hex(&s, 8, NULL, "3B 9B 96 0B", NULL));
	veuicc_script_free(&s);
}

static void test_line_continuation(void **state)
{
	(void)state;
	veuicc_script s;
	parse_ok("# long command\n"
	         "00 A4 04 00 10 \\\n"
	         "   A0000005591010FFFFFFFF8900000100 \\ # comment after the backslash\n"
	         "   : 61 xx\n"
	         "00 70 00 00 01\\\n"
	         ": 01 90 00\n",
	         &s);
	assert_int_equal(s.n_steps, 2);
	assert_int_equal(s.steps[0].line, 2);
	assert_int_equal(s.steps[0].cmd.len, 21);
	assert_int_equal(s.steps[0].alt_count, 1);
	assert_int_equal(s.steps[1].cmd.len, 5);
	assert_int_equal(s.steps[1].alt_count, 1);
	veuicc_script_free(&s);
}

static void test_errors_hex(void **state)
{
	(void)state;
	/* bad hex digit: column of the digit */
	parse_fails("00 A4 0G 00\n", 1, 8, "invalid character 'G'");
	parse_fails("# x\n\n  00 A4 04 00 : 6Z 82\n", 3, 18, "invalid character 'Z'");
	parse_fails("00 A4 =4 00\n", 1, 7, "invalid character '='");
	/* odd number of digits: column of the lonely digit */
	parse_fails("00 A4 040\n", 1, 9, "odd number of hex digits in '040'");
	parse_fails("00 A4 04 00 : 6\n", 1, 15, "odd number of hex digits");
	parse_fails("00 A4 04 00 : 61 xxx\n", 1, 20, "odd number of hex digits");
	/* wildcards and '*' only in expected responses */
	parse_fails("00 A4 xx 00\n", 1, 7, "wildcards are only allowed");
	parse_fails("00 A4 0x 00\n", 1, 8, "wildcards are only allowed");
	parse_fails("00 A4 * 00\n", 1, 7, "'*' is only allowed");
	parse_fails("00 A4 | 00\n", 1, 7, "'|' is only allowed");
	/* a NUL byte in the text */
	veuicc_script s;
	veuicc_script_error err;
	static const char nul[] = "00 A4\0 00\n";
	assert_int_equal(veuicc_script_parse(nul, sizeof(nul) - 1, &s, &err), VEUICC_ERR_MALFORMED);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 6);
	veuicc_script_free(&s);
	/* non-printable bytes are named by value */
	parse_fails("00 \x01"
	            "4\n",
	            1, 4, "invalid byte 0x01");
}

static void test_errors_structure(void **state)
{
	(void)state;
	parse_fails(": 90 00\n", 1, 1, "expected response without a command");
	parse_fails("00 A4 04 00 :\n", 1, 14, "expected response is empty");
	parse_fails("00 A4 04 00 : 90 00 |\n", 1, 21, "empty alternative after '|'");
	parse_fails("00 A4 04 00 : | 90 00\n", 1, 15, "empty alternative");
	parse_fails("00 A4 04 00 : 90 00 : 90 00\n", 1, 21, "unexpected ':'");
	parse_fails("00 A4 \\ 04 00\n", 1, 7, "continues a line only");
	parse_fails("00 C0 00 00 $len\n", 1, 13, "used before a pattern captures it");
	parse_fails("00 : 61 $a $a\n", 1, 12, "appears twice in one pattern");
	parse_fails("00 : $\n", 1, 6, "variable name expected");
	parse_fails("00 : $1a\n", 1, 7, "invalid character in variable name");
	parse_fails(".frobnicate\n", 1, 1, "unknown directive '.frobnicate'");
	parse_fails(".reset hot\n", 1, 8, ".reset takes 'cold' or 'warm'");
	parse_fails(".reset cold warm\n", 1, 13, "unexpected argument");
	parse_fails(".protocol T=2\n", 1, 11, ".protocol takes");
	parse_fails(".protocol\n", 1, 10, "needs an argument");
	parse_fails(".get-response sometimes\n", 1, 15, ".get-response takes");
	parse_fails(".expect-atr\n", 1, 12, "expected response is empty");
	/* .eid: 32 digits, valid check digits, before everything else, once */
	parse_fails(".eid 8904903212345123451234567890123\n", 1, 6, "32 decimal digits");
	parse_fails(".eid 8904903212345123451234567890123A\n", 1, 37, "decimal digits only");
	parse_fails(".eid 89049032123451234512345678901234\n", 1, 36, "check digits are wrong");
	parse_fails("00 A4 04 00\n.eid 89049032123451234512345678901235\n", 2, 1,
	            "must come before the first command");
	parse_fails(
	    ".eid 89049032123451234512345678901235\n.eid 89049032123451234512345678901235\n", 2, 1,
	    "given twice");
	parse_fails(".seed -1\n", 1, 7, "unsigned");
	parse_fails(".seed 12ab\n", 1, 9, "must be a number");
	parse_fails(".reset\n.seed 1\n", 2, 1, "must come before");
}

static void test_command_too_long(void **state)
{
	(void)state;
	size_t bytes = VEUICC_CAPDU_MAX + 1;
	char *text = malloc(2 * bytes + 2);
	assert_non_null(text);
	memset(text, 'A', 2 * bytes);
	text[2 * bytes] = '\n';
	text[2 * bytes + 1] = '\0';
	parse_fails(text, 1, 1, "command longer than");
	/* exactly the maximum is accepted */
	text[2 * bytes - 2] = '\n';
	text[2 * bytes - 1] = '\0';
	veuicc_script s;
	parse_ok(text, &s);
	assert_int_equal(s.steps[0].cmd.len, VEUICC_CAPDU_MAX);
	veuicc_script_free(&s);
	free(text);
}

static void test_invalid_args(void **state)
{
	(void)state;
	veuicc_script s;
	assert_int_equal(veuicc_script_parse(NULL, 3, &s, NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_script_parse("00", 2, NULL, NULL), VEUICC_ERR_INVALID_ARG);
	/* no error struct: still reports the failure */
	assert_int_equal(veuicc_script_parse("0", 1, &s, NULL), VEUICC_ERR_MALFORMED);
	veuicc_script_free(&s);
	veuicc_script_free(NULL);
	/* an expectation-free step matches anything */
	parse_ok("00 A4\n", &s);
	assert_true(match_hex(&s, 0, NULL, "6A 82", NULL));
	veuicc_script_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_command_and_expectation),
	    cmocka_unit_test(test_comments_blank_lines_and_crlf),
	    cmocka_unit_test(test_wildcards),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_alternatives),
	    cmocka_unit_test(test_captures),
	    cmocka_unit_test(test_format_pattern),
	    cmocka_unit_test(test_directives),
	    cmocka_unit_test(test_line_continuation),
	    cmocka_unit_test(test_errors_hex),
	    cmocka_unit_test(test_errors_structure),
	    cmocka_unit_test(test_command_too_long),
	    cmocka_unit_test(test_invalid_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
