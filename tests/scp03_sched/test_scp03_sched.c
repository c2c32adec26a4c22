/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP03 sessions keep their S-ENC key schedules (veuicc_scp03_ctx.keyed_at,
 * bench/bench_scp.c): a context copied to another address (and the original
 * overwritten) schedules them again and still unwraps the next command;
 * veuicc_scp03_reset() forgets them. Commands are made here by a host side
 * on mbedtls (GP Amd D §6.2.4-6.2.6), independent of src/scp/scp03.c.
 */
#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "apdu/card_helpers.h"
#include "scp/scp03.h"

static const uint8_t k_enc[16] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
                                  0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F};
static const uint8_t k_mac[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                  0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};

/* command n (counter n) of a C-MAC + C-DEC session: 84 F2 40 02 18 enc(4F00) C-MAC 00 */
static void host_cmd(unsigned n, uint8_t mcv[16], uint8_t c[30])
{
	mbedtls_aes_context a;
	mbedtls_aes_init(&a);
	assert_int_equal(mbedtls_aes_setkey_enc(&a, k_enc, 128), 0);
	uint8_t blk[16] = {0}, icv[16], pt[16] = {0x4F, 0x00, 0x80};
	blk[15] = (uint8_t)n;
	assert_int_equal(mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, blk, icv), 0);
	c[0] = 0x84, c[1] = 0xF2, c[2] = 0x40, c[3] = 0x02, c[4] = 24;
	assert_int_equal(mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_ENCRYPT, 16, icv, pt, c + 5), 0);
	mbedtls_aes_free(&a);
	uint8_t m[16 + 21];
	memcpy(m, mcv, 16);
	memcpy(m + 16, c, 21);
	assert_int_equal(
	    mbedtls_cipher_cmac(mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB), k_mac,
	                        128, m, sizeof(m), mcv),
	    0);
	memcpy(c + 21, mcv, 8);
	c[29] = 0x00;
}

static void open_ctx(veuicc_scp03_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->state = VEUICC_SCP03_AUTHENTICATED;
	ctx->level = VEUICC_SCP03_C_MAC | VEUICC_SCP03_C_DEC;
	ctx->key_len = 16;
	memcpy(ctx->s_enc, k_enc, 16);
	memcpy(ctx->s_mac, k_mac, 16);
}

static void unwrap_ok(veuicc_scp03_ctx *ctx, const uint8_t c[30])
{
	uint8_t out[64];
	size_t n = 0;
	uint16_t sw = 0;
	assert_int_equal(veuicc_scp03_unwrap(ctx, c, 30, out, sizeof(out), &n, &sw), VEUICC_OK);
	assert_int_equal(sw, 0x9000);
	char hex[200];
	th_hex(out, n, hex);
	assert_string_equal(hex, "80F24002024F0000");
}

static void test_copied_context(void **state)
{
	(void)state;
	uint8_t mcv[16] = {0}, c1[30], c2[30], c3[30];
	host_cmd(1, mcv, c1);
	host_cmd(2, mcv, c2);
	host_cmd(3, mcv, c3);
	veuicc_scp03_ctx *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	open_ctx(a);
	unwrap_ok(a, c1);
	assert_ptr_equal(a->keyed_at, a);
	memcpy(b, a, sizeof(*a));
	memset(a, 0xA5, sizeof(*a)); /* the original's schedules are gone */
	free(a);
	unwrap_ok(b, c2);
	assert_ptr_equal(b->keyed_at, b);
	veuicc_scp03_reset(b);
	assert_null(b->keyed_at);
	/* a closed session refuses, whatever schedules it had */
	uint8_t out[64];
	size_t n = 0;
	uint16_t sw = 0;
	assert_int_equal(veuicc_scp03_unwrap(b, c3, 30, out, sizeof(out), &n, &sw), VEUICC_OK);
	assert_int_equal(sw, 0x6982);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_copied_context)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
