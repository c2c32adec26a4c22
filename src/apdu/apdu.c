/* SPDX-License-Identifier: Apache-2.0 */
#include "apdu/apdu.h"

#include <string.h>

bool veuicc_cla_decode(uint8_t cla, veuicc_cla_info *out)
{
	memset(out, 0, sizeof(*out));
	if ((cla & 0xE0) == 0x00) {
		/* ISO 7816-4 §5.4.1 table 2: first interindustry 000x xxxx:
		 * b5 chaining, b4-b3 SM, b2-b1 channel 0..3 */
		out->chaining = (cla & 0x10) != 0;
		out->sm = (cla >> 2) & 0x03;
		out->channel = cla & 0x03;
		return true;
	}
	if ((cla & 0xC0) == 0x40) {
		/* ISO 7816-4 §5.4.1 table 3: further interindustry 01xx xxxx:
		 * b6 SM, b5 chaining, b4-b1 channel - 4 */
		out->sm = (cla & 0x20) ? 1 : 0;
		out->chaining = (cla & 0x10) != 0;
		out->channel = (uint8_t)(4 + (cla & 0x0F));
		return true;
	}
	out->proprietary = true;
	switch (cla & 0xF0) {
	case 0x80:
		/* TS 102 221 §10.1.1 / GP CS §11.1.4: 1000 xxxx, b4-b3 SM (GP '84'),
		 * b2-b1 channel 0..3 */
		out->sm = (cla >> 2) & 0x03;
		out->channel = cla & 0x03;
		return true;
	case 0xC0:
	case 0xE0:
		/* 11x0 xxxx: further proprietary class, b6 SM, b4-b1 channel - 4 */
		out->sm = (cla & 0x20) ? 1 : 0;
		out->channel = (uint8_t)(4 + (cla & 0x0F));
		return true;
	default:
		/* 20-3F RFU, 90-BF (incl. A0 GSM), D0-DF, F0-FF: not a UICC class */
		return false;
	}
}

int veuicc_capdu_parse(const uint8_t *buf, size_t len, veuicc_capdu *out)
{
	if (!buf || !out)
		return VEUICC_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (len < 4)
		return VEUICC_ERR_MALFORMED;
	out->cla = buf[0];
	out->ins = buf[1];
	out->p1 = buf[2];
	out->p2 = buf[3];
	if (len == 4) { /* case 1 */
		out->apdu_case = VEUICC_CASE_1;
		return VEUICC_OK;
	}
	size_t b1 = buf[4];
	if (len == 5) { /* case 2S: Le = b1, 00 means 256 */
		out->apdu_case = VEUICC_CASE_2;
		out->ne = b1 ? b1 : 256;
		return VEUICC_OK;
	}
	if (b1 != 0) { /* short Lc */
		if (len == 5 + b1) {
			out->apdu_case = VEUICC_CASE_3;
		} else if (len == 6 + b1) {
			out->apdu_case = VEUICC_CASE_4;
			out->ne = buf[len - 1] ? buf[len - 1] : 256;
		} else {
			return VEUICC_ERR_MALFORMED;
		}
		out->data = buf + 5;
		out->lc = b1;
		return VEUICC_OK;
	}
	/* b1 == 00 and more bytes follow: extended length (ISO 7816-3 §12.1.3) */
	if (len < 7)
		return VEUICC_ERR_MALFORMED;
	size_t b23 = ((size_t)buf[5] << 8) | buf[6];
	out->extended = true;
	if (len == 7) { /* case 2E */
		out->apdu_case = VEUICC_CASE_2;
		out->ne = b23 ? b23 : 65536;
		return VEUICC_OK;
	}
	if (b23 == 0)
		return VEUICC_ERR_MALFORMED; /* Nc = 0 cannot be coded extended */
	if (len == 7 + b23) {
		out->apdu_case = VEUICC_CASE_3;
	} else if (len == 9 + b23) {
		size_t le = ((size_t)buf[len - 2] << 8) | buf[len - 1];
		out->apdu_case = VEUICC_CASE_4;
		out->ne = le ? le : 65536;
	} else {
		return VEUICC_ERR_MALFORMED;
	}
	out->data = buf + 7;
	out->lc = b23;
	return VEUICC_OK;
}
