/* SPDX-License-Identifier: Apache-2.0 */
/* DGI records (dgi.h; GP CS v2.3 §11.11.2.2). */
#include "tlv/dgi.h"

int veuicc_dgi_next(const uint8_t *b, size_t len, size_t *pos, uint16_t *tag, const uint8_t **v,
                    size_t *vlen)
{
	size_t p = *pos;
	if (p > len || len - p < 3)
		return -1;
	uint16_t t = (uint16_t)(b[p] << 8 | b[p + 1]);
	size_t l = b[p + 2];
	p += 3;
	if (l == 0xFF) {
		if (len - p < 2)
			return -1;
		l = (size_t)b[p] << 8 | b[p + 1];
		p += 2;
	}
	if (l > len - p)
		return -1;
	*tag = t;
	*v = b + p;
	*vlen = l;
	*pos = p + l;
	return 0;
}
