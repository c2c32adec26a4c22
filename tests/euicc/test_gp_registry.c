/* SPDX-License-Identifier: Apache-2.0 */
/* The GP registry and its STORE DATA block rules (GP CS v2.3 §11.11.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu/sw.h"
#include "gp/registry.h"

static veuicc_gp_entry entry(uint8_t last, veuicc_gp_kind kind)
{
	veuicc_gp_entry e;
	memset(&e, 0, sizeof(e));
	static const uint8_t base[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	                                 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x00, 0x00};
	memcpy(e.aid, base, 16);
	e.aid[14] = last;
	e.aid_len = 16;
	e.kind = kind;
	e.slot = -1;
	return e;
}

static void test_add_find_remove(void **state)
{
	(void)state;
	veuicc_gp_registry r;
	veuicc_gp_registry_init(&r);
	veuicc_gp_entry a = entry(0x01, VEUICC_GP_ISDR), b = entry(0x10, VEUICC_GP_ISDP),
	                c = entry(0x11, VEUICC_GP_ISDP);
	size_t i;
	assert_int_equal(veuicc_gp_registry_add(&r, &a, &i), VEUICC_OK);
	assert_int_equal(i, 0);
	b.lcs = VEUICC_GP_LCS_ENABLED;
	b.slot = 0;
	assert_int_equal(veuicc_gp_registry_add(&r, &b, &i), VEUICC_OK);
	c.fallback = true;
	c.slot = 1;
	assert_int_equal(veuicc_gp_registry_add(&r, &c, &i), VEUICC_OK);
	assert_int_equal(i, 2);
	/* duplicate AID and short AID are refused */
	assert_int_equal(veuicc_gp_registry_add(&r, &b, NULL), VEUICC_ERR_INVALID_ARG);
	veuicc_gp_entry s = entry(0x20, VEUICC_GP_ISDP);
	s.aid_len = 4;
	assert_int_equal(veuicc_gp_registry_add(&r, &s, NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_gp_registry_find(&r, c.aid, 16), 2);
	assert_int_equal(veuicc_gp_registry_find(&r, c.aid, 15), -1);
	assert_int_equal(veuicc_gp_registry_find_slot(&r, 1), 2);
	assert_int_equal(veuicc_gp_registry_enabled(&r), 1);
	assert_int_equal(veuicc_gp_registry_fallback(&r), 2);
	veuicc_gp_registry_remove(&r, 1);
	assert_int_equal(r.count, 2);
	assert_int_equal(veuicc_gp_registry_enabled(&r), -1);
	assert_int_equal(veuicc_gp_registry_find(&r, c.aid, 16), 1);
	veuicc_gp_registry_free(&r);
	assert_int_equal(r.count, 0);
}

static veuicc_capdu sd(uint8_t p1, uint8_t p2, const uint8_t *data, size_t len)
{
	veuicc_capdu c;
	memset(&c, 0, sizeof(c));
	c.cla = 0x80;
	c.ins = 0xE2;
	c.p1 = p1;
	c.p2 = p2;
	c.data = data;
	c.lc = len;
	return c;
}

static void test_rx_blocks(void **state)
{
	(void)state;
	veuicc_gp_rx rx;
	memset(&rx, 0, sizeof(rx));
	uint8_t d[3] = {1, 2, 3};
	bool last;
	veuicc_capdu c = sd(0x10, 0x00, d, 3);
	/* three blocks in order */
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_OK);
	assert_false(last);
	c.p2 = 1;
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_OK);
	c.p1 = 0x90;
	c.p2 = 2;
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_OK);
	assert_true(last);
	assert_int_equal(rx.len, 9);
	assert_memory_equal(rx.buf + 6, d, 3);
	veuicc_gp_rx_reset(&rx);
	/* a first block must be 00 */
	c = sd(0x10, 0x01, d, 3);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_WRONG_P1P2);
	/* a skipped block abandons the sequence */
	c = sd(0x10, 0x00, d, 3);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_OK);
	c.p2 = 2;
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_WRONG_P1P2);
	assert_false(rx.active);
	/* P1 format bits must not change inside a sequence */
	c = sd(0x10, 0x00, d, 3);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_OK);
	c = sd(0x88, 0x01, d, 3);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_WRONG_P1P2);
	/* no data: 6700; too much data: 6A84 */
	c = sd(0x90, 0x00, d, 0);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 100, &last), VEUICC_SW_WRONG_LENGTH);
	c = sd(0x10, 0x00, d, 3);
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 5, &last), VEUICC_SW_OK);
	c.p2 = 1;
	assert_int_equal(veuicc_gp_rx_block(&rx, &c, 5, &last), VEUICC_SW_NOT_ENOUGH_MEMORY);
	assert_false(rx.active);
	veuicc_gp_registry r;
	veuicc_gp_registry_init(&r);
	veuicc_gp_entry e = entry(0x10, VEUICC_GP_ISDP);
	e.rx = rx; /* ignored by add: the caller keeps its buffer */
	assert_int_equal(veuicc_gp_registry_add(&r, &e, NULL), VEUICC_OK);
	assert_null(r.e[0].rx.buf);
	veuicc_gp_registry_free(&r);
	free(rx.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_find_remove),
	    cmocka_unit_test(test_rx_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
