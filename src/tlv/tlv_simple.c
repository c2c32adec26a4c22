/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIMPLE-TLV (ISO/IEC 7816-4 §5.2.1) and COMPACT-TLV (ISO/IEC 7816-4 §8.1.1.2,
 * the historical bytes after category indicator 80) readers and writers.
 */
#include "tlv/tlv.h"

#include <string.h>

/* ISO 7816-4 §5.2.1: tag 01..FE; 00 and FF are invalid. */
#define STLV_TAG_INVALID_LO 0x00u
#define STLV_TAG_INVALID_HI 0xFFu
/* ISO 7816-4 §5.2.1: length 00..FE in one byte, or FF then two bytes. */
#define STLV_LEN_3BYTES 0xFFu
#define STLV_LEN_MAX    0xFFFFu
/* ISO 7816-4 §8.1.1.2: COMPACT-TLV byte = tag nibble, length nibble. */
#define CTLV_NIBBLE_MAX 0x0Fu

int veuicc_stlv_next(const uint8_t *buf, size_t len, size_t *pos, veuicc_stlv *out)
{
	size_t p = *pos;

	if (p >= len)
		return p == len ? 0 : VEUICC_ERR_INVALID_ARG;
	out->offset = p;
	const uint8_t tag = buf[p];
	if (tag == STLV_TAG_INVALID_LO || tag == STLV_TAG_INVALID_HI)
		return VEUICC_ERR_MALFORMED;
	if (++p == len) {
		out->offset = p;
		return VEUICC_ERR_MALFORMED;
	}
	const size_t lp = p;
	size_t vlen = buf[p++];
	if (vlen == STLV_LEN_3BYTES) {
		if (len - p < 2) {
			out->offset = len;
			return VEUICC_ERR_MALFORMED;
		}
		vlen = ((size_t)buf[p] << 8) | buf[p + 1];
		p += 2;
	}
	if (vlen > len - p) {
		out->offset = lp;
		return VEUICC_ERR_MALFORMED;
	}
	out->tag = tag;
	out->len = vlen;
	out->value = buf + p;
	*pos = p + vlen;
	return 1;
}

int veuicc_stlv_put(uint8_t *buf, size_t cap, size_t *pos, uint8_t tag, const uint8_t *value,
                    size_t len)
{
	const size_t p = *pos;
	const size_t hdr = len < STLV_LEN_3BYTES ? 2 : 4;

	if (tag == STLV_TAG_INVALID_LO || tag == STLV_TAG_INVALID_HI || len > STLV_LEN_MAX ||
	    (len && !value) || p > cap)
		return VEUICC_ERR_INVALID_ARG;
	if (hdr + len > cap - p)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	buf[p] = tag;
	if (hdr == 2) {
		buf[p + 1] = (uint8_t)len;
	} else {
		buf[p + 1] = STLV_LEN_3BYTES;
		buf[p + 2] = (uint8_t)(len >> 8);
		buf[p + 3] = (uint8_t)len;
	}
	if (len)
		memcpy(buf + p + hdr, value, len);
	*pos = p + hdr + len;
	return VEUICC_OK;
}

int veuicc_ctlv_next(const uint8_t *buf, size_t len, size_t *pos, veuicc_ctlv *out)
{
	const size_t p = *pos;

	if (p >= len)
		return p == len ? 0 : VEUICC_ERR_INVALID_ARG;
	const uint8_t b = buf[p];
	out->offset = p;
	if ((size_t)(b & CTLV_NIBBLE_MAX) > len - p - 1)
		return VEUICC_ERR_MALFORMED;
	out->tag = (uint8_t)(b >> 4);
	out->len = (uint8_t)(b & CTLV_NIBBLE_MAX);
	out->value = buf + p + 1;
	*pos = p + 1 + out->len;
	return 1;
}

int veuicc_ctlv_put(uint8_t *buf, size_t cap, size_t *pos, uint8_t tag, const uint8_t *value,
                    size_t len)
{
	const size_t p = *pos;

	if (tag > CTLV_NIBBLE_MAX || len > CTLV_NIBBLE_MAX || (len && !value) || p > cap)
		return VEUICC_ERR_INVALID_ARG;
	if (1 + len > cap - p)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	buf[p] = (uint8_t)(tag << 4 | len);
	if (len)
		memcpy(buf + p + 1, value, len);
	*pos = p + 1 + len;
	return VEUICC_OK;
}
