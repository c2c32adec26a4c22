/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-record writer and reader (bytes.h). */
#include "core/bytes.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "veuicc/veuicc.h"

void veuicc_wbuf_put(veuicc_wbuf *w, const void *p, size_t n)
{
	if (w->err || !n)
		return;
	if (w->len + n > w->cap) {
		size_t c = w->cap ? w->cap : 256;
		while (c < w->len + n)
			c *= 2;
		/* not realloc: the old block may hold keys and is wiped first */
		uint8_t *b = malloc(c);
		if (!b) {
			w->err = VEUICC_ERR_NO_MEMORY;
			return;
		}
		if (w->len)
			memcpy(b, w->b, w->len);
		if (w->b)
			mbedtls_platform_zeroize(w->b, w->cap);
		free(w->b);
		w->b = b;
		w->cap = c;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

void veuicc_wbuf_u8(veuicc_wbuf *w, unsigned v)
{
	uint8_t b = (uint8_t)v;
	veuicc_wbuf_put(w, &b, 1);
}

void veuicc_wbuf_be(veuicc_wbuf *w, uint32_t v, int n)
{
	while (n-- > 0)
		veuicc_wbuf_u8(w, (v >> (8 * n)) & 0xFF);
}

void veuicc_wbuf_wipe(veuicc_wbuf *w)
{
	if (w->b)
		mbedtls_platform_zeroize(w->b, w->cap);
	free(w->b);
	w->b = NULL;
	w->len = w->cap = 0;
}

int veuicc_wbuf_take(veuicc_wbuf *w, uint8_t **out, size_t *len)
{
	if (w->err) {
		int err = w->err;
		veuicc_wbuf_wipe(w);
		return err;
	}
	*out = w->b;
	*len = w->len;
	w->b = NULL;
	w->len = w->cap = 0;
	return VEUICC_OK;
}

unsigned veuicc_rbuf_u8(veuicc_rbuf *r)
{
	if (r->pos >= r->len) {
		r->err = 1;
		return 0;
	}
	return r->b[r->pos++];
}

void veuicc_rbuf_get(veuicc_rbuf *r, void *p, size_t n, size_t max)
{
	if (n > max || r->len - r->pos < n) {
		r->err = 1;
		return;
	}
	memcpy(p, r->b + r->pos, n);
	r->pos += n;
}

uint32_t veuicc_rbuf_be(veuicc_rbuf *r, int n)
{
	uint32_t v = 0;
	while (n-- > 0)
		v = v << 8 | veuicc_rbuf_u8(r);
	return v;
}
