/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: SCP03t command streams (src/scp/scp03t.c, SGP.02
 * §4.1.3.3). Each input starts a fresh session state and is a list of
 * records [ctl][len hi][len lo][len bytes], each one stream of TLVs given to
 * veuicc_scp03t_process().
 *   ctl bit 0: open a level-33 session first (84 then 85, built by the
 *              harness with the right host cryptogram and C-MAC);
 *   ctl bit 1: if the record is one 86 TLV, the harness puts the right C-MAC
 *              in its last 8 bytes so that deciphering, padding and the
 *              package sink are reached.
 * Invariants: the output fits; an error TLV from 85/86 closes the session;
 * the sink never holds more than the input brought.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "scp/scp03t.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Test key set (AES-128), the ISD-P AID of the first created ISD-P. */
static const uint8_t key[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};
static const uint8_t isdp_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};

typedef struct fz {
	veuicc_scp03_keyset ks;
	size_t held; /* bytes in the sink's package */
	size_t fed;  /* deciphered bytes the input produced */
} fz;

static veuicc_scp03_keyset *lookup(void *arg, uint8_t kvn)
{
	fz *f = arg;
	return kvn == 0 || kvn == f->ks.kvn ? &f->ks : NULL;
}

static int segment(void *arg, const uint8_t *p, size_t n, uint8_t *res, size_t cap, size_t *res_len)
{
	(void)p;
	fz *f = arg;
	f->held += n;
	f->fed += n;
	*res_len = 0;
	if (f->held > 4096 && cap >= 5) { /* a "package" ends: report a result */
		static const uint8_t ok[5] = {0x30, 0x03, 0x80, 0x01, 0x00};
		memcpy(res, ok, sizeof(ok));
		*res_len = sizeof(ok);
		f->held = 0;
	}
	return VEUICC_OK;
}

static void sink_abort(void *arg)
{
	((fz *)arg)->held = 0;
}

static void cmac(const uint8_t *k, const uint8_t *m, size_t n, uint8_t out[16])
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	if (mbedtls_cipher_cmac(ci, k, 128, m, n, out))
		abort();
}

static void open_session(veuicc_scp03_ctx *ctx, fz *f, const veuicc_scp03t_sink *sink)
{
	static uint8_t out[1024];
	size_t ol = 0;
	const uint8_t iu[12] = {0x84, 0x0A, 0x30, 0x01, 1, 2, 3, 4, 5, 6, 7, 8};
	if (f->ks.seq_counter >= 0xFFFFF0)
		f->ks.seq_counter = 0;
	if (veuicc_scp03t_process(ctx, lookup, f, sink, iu, sizeof(iu), out, sizeof(out), &ol) ||
	    ol != 34 || out[0] != 0x84)
		abort();
	/* host cryptogram = KDF(S-MAC, 01, host ‖ card challenge), C-MAC with MCV 0 */
	uint8_t c[16], ea[19] = {0x85, 0x11, 0x33}, m[16 + 11], mac[16];
	memcpy(c, ctx->host_challenge, 8);
	memcpy(c + 8, ctx->card_challenge, 8);
	if (veuicc_scp03_kdf(ctx->s_mac, 16, 0x01, c, 16, ea + 3, 8))
		abort();
	memset(m, 0, 16);
	memcpy(m + 16, ea, 11);
	cmac(ctx->s_mac, m, sizeof(m), mac);
	memcpy(ea + 11, mac, 8);
	if (veuicc_scp03t_process(ctx, lookup, f, sink, ea, sizeof(ea), out, sizeof(out), &ol) ||
	    ol != 2 || out[0] != 0x85 || !veuicc_scp03_is_open(ctx))
		abort();
}

/* One 86 TLV with a short or 81 length: write the right C-MAC. */
static void fix_mac(const veuicc_scp03_ctx *ctx, uint8_t *r, size_t n)
{
	if (n < 2 || r[0] != 0x86)
		return;
	size_t h = r[1] == 0x81 ? 3 : 2, l = r[1] == 0x81 && n > 2 ? r[2] : r[1];
	if (r[1] > 0x81 || h + l != n || l < 8)
		return;
	uint8_t m[16 + 3 + 255], mac[16];
	memcpy(m, ctx->mcv, 16);
	memcpy(m + 16, r, n - 8);
	cmac(ctx->s_mac, m, 16 + n - 8, mac);
	memcpy(r + n - 8, mac, 8);
}

/* Tag of the last response TLV (84, 85, 86 or 9F44..9F46), 0 if none;
 * aborts on a malformed response. */
static unsigned last_tag(const uint8_t *p, size_t n)
{
	unsigned tag = 0;
	for (size_t i = 0; i < n;) {
		tag = p[i++];
		if (tag == 0x9F) {
			if (i >= n || p[i] < 0x44 || p[i] > 0x46)
				abort();
			tag = tag << 8 | p[i++];
		}
		if (i >= n)
			abort();
		size_t l = p[i++];
		if (l == 0x81 && i < n)
			l = p[i++];
		else if (l == 0x82 && i + 1 < n) {
			l = (size_t)p[i] << 8 | p[i + 1];
			i += 2;
		} else if (l >= 0x80)
			abort();
		if (l > n - i)
			abort();
		i += l;
	}
	return tag;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[1 << 16], out[2 * (1 << 16) + 1024];
	veuicc_scp03_ctx ctx;
	fz f;
	memset(&f, 0, sizeof(f));
	f.ks.kvn = 0x30;
	f.ks.key_len = 16;
	memcpy(f.ks.enc, key, 16);
	memcpy(f.ks.mac, key, 16);
	memcpy(f.ks.dek, key, 16);
	veuicc_scp03_cfg cfg = {.sd_aid = isdp_aid, .sd_aid_len = sizeof(isdp_aid)};
	if (veuicc_scp03_init(&ctx, &cfg))
		abort();
	veuicc_scp03t_sink sink = {segment, sink_abort, &f};
	size_t pos = 0, total = 0;
	while (pos + 3 <= size) {
		uint8_t ctl = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		memcpy(rec, data + pos, len);
		pos += len;
		total += len;
		if (ctl & 1)
			open_session(&ctx, &f, &sink);
		if ((ctl & 2) && veuicc_scp03_is_open(&ctx))
			fix_mac(&ctx, rec, len);
		size_t ol = 0;
		int rc = veuicc_scp03t_process(&ctx, lookup, &f, &sink, rec, len, out,
		                               2 * len + 1024, &ol);
		if (rc && rc != VEUICC_ERR_MALFORMED)
			abort();
		if (ol > 2 * len + 1024 || (rc && ol))
			abort();
		/* an error TLV of 85 / 86 (always the last one) leaves no session */
		if (last_tag(out, ol) >= 0x9F45 && veuicc_scp03_is_open(&ctx))
			abort();
		if (f.fed > total)
			abort();
	}
	veuicc_scp03_reset(&ctx);
	return 0;
}
