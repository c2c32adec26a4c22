/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP03t (SGP.02 §4.1.3.3, digest sgp02-euicc.md §4.2): SCP03 with TLVs
 * instead of APDUs, on the shared core of scp03.c. See scp03t.h.
 */
#include "scp/scp03t.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "tlv/tlv.h"

#define IU_VALUE_LEN 10   /* KVN, key id, host challenge */
#define EA_VALUE_LEN 17   /* level, host cryptogram, C-MAC */
#define KEY_ID_ENC   0x01 /* Key-ENC, the first key of the set (Amd D §6.1) */
#define HDR_MAX      4    /* tag + 82 xx xx */
#define RESULT_MAX   256  /* EUICCResponse of one package */

/* BER length at p (ISO 7816-4 §5.2: 1, 81 xx or 82 xx xx). Returns the
 * number of length bytes, 0 on error. */
static size_t ber_len(const uint8_t *p, size_t avail, size_t *len)
{
	if (avail < 1)
		return 0;
	if (p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (p[0] == 0x81 && avail >= 2 && p[1] >= 0x80) {
		*len = p[1];
		return 2;
	}
	if (p[0] == 0x82 && avail >= 3 && (p[1] || p[2] >= 0x80)) {
		*len = (size_t)p[1] << 8 | p[2];
		return 3;
	}
	return 0;
}

int veuicc_scp03t_is_stream(const uint8_t *in, size_t len)
{
	return in && len >= 1 &&
	       (in[0] == VEUICC_SCP03T_TAG_IU || in[0] == VEUICC_SCP03T_TAG_EA ||
	        in[0] == VEUICC_SCP03T_TAG_DATA);
}

typedef struct outbuf {
	uint8_t *b;
	size_t cap, len;
} outbuf;

static int put(outbuf *o, const void *p, size_t n)
{
	if (n > o->cap - o->len)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	memcpy(o->b + o->len, p, n);
	o->len += n;
	return VEUICC_OK;
}

static int put_error(outbuf *o, uint16_t tag, uint8_t v)
{
	const uint8_t e[4] = {(uint8_t)(tag >> 8), (uint8_t)tag, 0x01, v};
	return put(o, e, sizeof(e));
}

static void sink_abort(const veuicc_scp03t_sink *sink)
{
	if (sink && sink->abort)
		sink->abort(sink->arg);
}

/* 84: INITIALIZE UPDATE equivalent (Amd D §7.1.1). Returns 1 when an
 * error TLV ended the stream. */
static int do_iu(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup, void *arg,
                 const veuicc_scp03t_sink *sink, const uint8_t *v, size_t vlen, outbuf *o, int *rc)
{
	sink_abort(sink); /* a new session: a partial package is gone */
	if (vlen != IU_VALUE_LEN) {
		veuicc_scp03_reset(ctx);
		*rc = put_error(o, VEUICC_SCP03T_ERR_IU, VEUICC_SCP03T_ERR_LENGTH);
		return 1;
	}
	if (v[1] != 0x00 && v[1] != KEY_ID_ENC) {
		veuicc_scp03_reset(ctx);
		*rc = put_error(o, VEUICC_SCP03T_ERR_IU, VEUICC_SCP03T_ERR_NO_KEYSET);
		return 1;
	}
	uint8_t r[2 + VEUICC_SCP03_IU_RSP_MAX];
	size_t n = 0;
	uint16_t sw = 0;
	*rc =
	    veuicc_scp03_open_session(ctx, lookup, arg, v[0], v + 2, r + 2, sizeof(r) - 2, &n, &sw);
	if (*rc)
		return 1;
	if (sw != VEUICC_SW_OK) {
		/* 6A88 key set not found, 6985 counter exhausted (S3-6) */
		*rc = put_error(o, VEUICC_SCP03T_ERR_IU, VEUICC_SCP03T_ERR_NO_KEYSET);
		return 1;
	}
	r[0] = VEUICC_SCP03T_TAG_IU;
	r[1] = (uint8_t)n;
	*rc = put(o, r, 2 + n);
	return *rc != VEUICC_OK;
}

/* 85: EXTERNAL AUTHENTICATE equivalent, level 33 (Amd D §7.1.2). */
static int do_ea(veuicc_scp03_ctx *ctx, const uint8_t *hdr, size_t hl, const uint8_t *v,
                 size_t vlen, outbuf *o, int *rc)
{
	if (vlen != EA_VALUE_LEN || v[0] != VEUICC_SCP03T_LEVEL) {
		veuicc_scp03_reset(ctx);
		*rc = put_error(o, VEUICC_SCP03T_ERR_EA, VEUICC_SCP03T_ERR_LENGTH);
		return 1;
	}
	uint16_t sw = 0;
	*rc = veuicc_scp03_authenticate(ctx, v[0], hdr, hl, v, v + 1, &sw);
	if (*rc)
		return 1;
	if (sw != VEUICC_SW_OK) {
		/* no INITIALIZE UPDATE before, C-MAC or host cryptogram wrong */
		*rc = put_error(o, VEUICC_SCP03T_ERR_EA, VEUICC_SCP03T_ERR_SECURITY);
		return 1;
	}
	static const uint8_t ok[2] = {VEUICC_SCP03T_TAG_EA, 0x00};
	*rc = put(o, ok, sizeof(ok));
	return *rc != VEUICC_OK;
}

/* 86: one C-DEC + C-MAC profile segment; the response carries the result
 * of the package when it is complete, R-ENC and R-MAC (Amd D §6.2.4-6.2.8). */
static int do_data(veuicc_scp03_ctx *ctx, const veuicc_scp03t_sink *sink, const uint8_t *hdr,
                   size_t hl, const uint8_t *v, size_t vlen, outbuf *o, int *rc)
{
	uint16_t sw = 0;
	size_t n = 0;
	if (!veuicc_scp03_is_open(ctx) || ctx->level != VEUICC_SCP03T_LEVEL) {
		veuicc_scp03_reset(ctx);
		sink_abort(sink);
		*rc = put_error(o, VEUICC_SCP03T_ERR_DATA, VEUICC_SCP03T_ERR_SECURITY);
		return 1;
	}
	if (vlen < VEUICC_SCP03_S8) {
		veuicc_scp03_reset(ctx);
		sink_abort(sink);
		*rc = put_error(o, VEUICC_SCP03T_ERR_DATA, VEUICC_SCP03T_ERR_LENGTH);
		return 1;
	}
	/* the segment is deciphered in place of the output's free room: the
	 * response (at most RESULT_MAX) is written after it */
	size_t room = o->cap - o->len;
	if (room < vlen + RESULT_MAX + 16 + VEUICC_SCP03_S8 + HDR_MAX) {
		*rc = VEUICC_ERR_BUFFER_TOO_SMALL;
		return 1;
	}
	uint8_t *plain = o->b + o->cap - vlen;
	*rc = veuicc_scp03_unwrap_body(ctx, hdr, hl, v, vlen, plain, vlen, &n, &sw);
	if (*rc)
		return 1;
	if (sw != VEUICC_SW_OK) {
		sink_abort(sink);
		*rc = put_error(o, VEUICC_SCP03T_ERR_DATA, VEUICC_SCP03T_ERR_SECURITY);
		return 1;
	}
	uint8_t res[RESULT_MAX];
	size_t res_len = 0;
	int src = sink && sink->segment
	              ? sink->segment(sink->arg, plain, n, res, sizeof(res), &res_len)
	              : VEUICC_ERR_INVALID_ARG;
	mbedtls_platform_zeroize(plain, vlen);
	if (src) {
		veuicc_scp03_reset(ctx);
		sink_abort(sink);
		*rc = put_error(o, VEUICC_SCP03T_ERR_DATA, VEUICC_SCP03T_ERR_LENGTH);
		return 1;
	}
	/* 86 L { R-ENC(result) ‖ R-MAC over MCV ‖ 86 ‖ L ‖ R-ENC(result) } */
	uint8_t *t = o->b + o->len;
	uint8_t enc[RESULT_MAX + 16];
	size_t elen = 0;
	*rc = veuicc_scp03_rsp_encrypt(ctx, res, res_len, enc, sizeof(enc), &elen);
	mbedtls_platform_zeroize(res, sizeof(res));
	if (*rc)
		return 1;
	t[0] = VEUICC_SCP03T_TAG_DATA;
	size_t th = 1 + veuicc_tlv_put_len(t + 1, elen + VEUICC_SCP03_S8);
	memcpy(t + th, enc, elen);
	*rc = veuicc_scp03_rsp_mac(ctx, t, th + elen, NULL, 0, t + th + elen);
	if (*rc)
		return 1;
	o->len += th + elen + VEUICC_SCP03_S8;
	return 0;
}

int veuicc_scp03t_process(veuicc_scp03_ctx *ctx, veuicc_scp03_lookup_fn lookup, void *lookup_arg,
                          const veuicc_scp03t_sink *sink, const uint8_t *in, size_t len,
                          uint8_t *out, size_t out_cap, size_t *out_len)
{
	if (!ctx || !lookup || !in || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	*out_len = 0;
	/* the whole stream first: 84/85/86 TLVs that fill it exactly */
	for (size_t p = 0, l = 0, h = 0; p < len; p += 1 + h + l) {
		if (!veuicc_scp03t_is_stream(in + p, len - p) ||
		    !(h = ber_len(in + p + 1, len - p - 1, &l)) || l > len - p - 1 - h)
			return VEUICC_ERR_MALFORMED;
	}
	outbuf o = {out, out_cap, 0};
	int rc = VEUICC_OK;
	for (size_t p = 0; p < len;) {
		size_t l = 0, h = ber_len(in + p + 1, len - p - 1, &l);
		const uint8_t *hdr = in + p, *v = in + p + 1 + h;
		size_t hl = 1 + h;
		int stop;
		switch (in[p]) {
		case VEUICC_SCP03T_TAG_IU:
			stop = do_iu(ctx, lookup, lookup_arg, sink, v, l, &o, &rc);
			break;
		case VEUICC_SCP03T_TAG_EA: stop = do_ea(ctx, hdr, hl, v, l, &o, &rc); break;
		default: stop = do_data(ctx, sink, hdr, hl, v, l, &o, &rc); break;
		}
		if (stop || rc)
			break;
		p += hl + l;
	}
	if (rc) {
		mbedtls_platform_zeroize(out, out_cap);
		return rc;
	}
	*out_len = o.len;
	return VEUICC_OK;
}
