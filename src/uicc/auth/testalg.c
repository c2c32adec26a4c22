/* SPDX-License-Identifier: Apache-2.0 */
/* Test algorithm of the test USIM: 3GPP TS 34.108 §8.1.2. */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "uicc/auth/testalg.h"

/* XDOUT = K xor RAND (TS 34.108 §8.1.2.1, step 1). */
static void xdout(const uint8_t k[16], const uint8_t rand[16], uint8_t out[16])
{
	for (unsigned i = 0; i < 16; i++)
		out[i] = k[i] ^ rand[i];
}

int veuicc_testalg_f1(const uint8_t k[16], const uint8_t rand[16], const uint8_t sqn[6],
                      const uint8_t amf[2], uint8_t mac[8])
{
	if (!k || !rand || !sqn || !amf || !mac)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t x[16], cd[8];
	xdout(k, rand, x);
	memcpy(cd, sqn, 6); /* CDOUT = SQN || AMF */
	memcpy(cd + 6, amf, 2);
	for (unsigned i = 0; i < 8; i++)
		mac[i] = x[i] ^ cd[i];
	mbedtls_platform_zeroize(x, sizeof(x));
	return VEUICC_OK;
}

int veuicc_testalg_f2345(const uint8_t k[16], const uint8_t rand[16], uint8_t *res, size_t res_len,
                         uint8_t ck[16], uint8_t ik[16], uint8_t ak[6])
{
	if (!k || !rand)
		return VEUICC_ERR_INVALID_ARG;
	if (res && (res_len < VEUICC_TESTALG_RES_MIN_LEN || res_len > VEUICC_TESTALG_RES_MAX_LEN))
		return VEUICC_ERR_INVALID_ARG;
	uint8_t x[16];
	xdout(k, rand, x);
	if (res)
		memcpy(res, x, res_len);
	if (ck) { /* XDOUT[8..127] || XDOUT[0..7] */
		memcpy(ck, x + 1, 15);
		ck[15] = x[0];
	}
	if (ik) { /* XDOUT[16..127] || XDOUT[0..15] */
		memcpy(ik, x + 2, 14);
		memcpy(ik + 14, x, 2);
	}
	if (ak) /* XDOUT[24..71] */
		memcpy(ak, x + 3, 6);
	mbedtls_platform_zeroize(x, sizeof(x));
	return VEUICC_OK;
}
