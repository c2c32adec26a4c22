/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry record (docs/store.md "Card state"):
 *   version (1 byte, 01) | count (2 bytes) | count x { length (2) | fields }
 * fields: tag (1) | length (1) | value, big-endian integers:
 *   01 AID  02 kind  03 LCS  04 privileges (3)  05 associated SD AID
 *   06 attributes (b1 Fall-Back, b2 Emergency)  07 POL1
 *   08 profile reference (8, absent: no profile)  09 quota (4)  0A used (8)
 *   0B del_seq (2)  0C flags (b1 emergency_prev, b2 fallback_return)
 *   0D notif_seq (2)  0E one pending notification, repeated, oldest first:
 *      seq (2) | type (1) | retries (4) | AID (0..16)
 *   0F SM-SR addressing parameters (A3 value, absent: never set)
 *   10 ISD-P key set (euicc/keyest.c, absent: none): KVN (1) | first key id (1) |
 *      key usage (1) | key length (1) | sequence counter (4) | ENC | MAC | DEK
 *   11 flags (b1 Test Profile, b2 test_prev)
 *   12 connectivity parameters (3A07 value, absent: never set)
 *   13 one ISD-P key set, repeated: type (1) | KVN (1) | KIc algo (1) |
 *      KID algo (1) | 3 x { length (1) | key }
 *   14 SD identification (DGI 0070, absent: none given): the stored values
 *      as BER-TLVs 42 L SIN | 45 L SDIN | 5F20 L application provider id,
 *      each only when given (euicc/isdp_ident.c)
 * A reader skips tags it does not know; a field added to veuicc_gp_entry
 * gets the next free tag.
 */
#include "gp/registry_store.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "euicc/isdp_ident.h"
#include "veuicc/veuicc.h"

#define REC_VERSION 0x01
#define F_AID       0x01
#define F_KIND      0x02
#define F_LCS       0x03
#define F_PRIV      0x04
#define F_ASSOC     0x05
#define F_ATTR      0x06
#define F_POL1      0x07
#define F_PROFILE   0x08
#define F_QUOTA     0x09
#define F_USED      0x0A
#define F_DEL_SEQ   0x0B
#define F_FLAGS2    0x0C
#define F_NOTIF_SEQ 0x0D
#define F_NOTIF     0x0E
#define F_SMSR_ADDR 0x0F
#define F_SD_KEYS   0x10
#define F_TEST      0x11
#define F_CONN      0x12
#define F_KEYSET    0x13
#define F_IDENT     0x14
#define F_LAST      F_IDENT
#define FL_TEST     0x01
#define FL_TST_PRV  0x02
#define FL_EM_PREV  0x01
#define FL_FB_RET   0x02
#define ATTR_FB     0x01
#define ATTR_EM     0x02
#define SD_KEYS_MAX (2 + 8 + 3 * VEUICC_SCP03_KEY_MAX)
#define KEYSET_REC  (4 + 3 * 33)
#define IDENT_REC   (VEUICC_SD_IDENT_COUNT * (3 + VEUICC_SD_IDENT_MAX))
#define ENTRY_MAX                                                                                  \
	(128 + VEUICC_NOTIF_MAX * 25 + VEUICC_SMSR_ADDR_MAX + 2 + SD_KEYS_MAX + 2 + 3 +            \
	 VEUICC_CONN_PARAMS_MAX + 2 + VEUICC_ISDP_KEYSETS_MAX * (KEYSET_REC + 2) + IDENT_REC + 2)

static size_t put_field(uint8_t *p, uint8_t tag, const uint8_t *v, size_t n)
{
	p[0] = tag;
	p[1] = (uint8_t)n;
	memcpy(p + 2, v, n);
	return 2 + n;
}

static size_t put_uint(uint8_t *p, uint8_t tag, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return put_field(p, tag, b, n);
}

static size_t encode_entry(const veuicc_gp_entry *e, uint64_t ref, uint8_t *p)
{
	size_t n = 0;
	n += put_field(p + n, F_AID, e->aid, e->aid_len);
	n += put_uint(p + n, F_KIND, (uint64_t)e->kind, 1);
	n += put_uint(p + n, F_LCS, e->lcs, 1);
	n += put_field(p + n, F_PRIV, e->priv, 3);
	n += put_field(p + n, F_ASSOC, e->assoc, e->assoc_len);
	n += put_uint(p + n, F_ATTR,
	              (uint64_t)((e->fallback ? ATTR_FB : 0) | (e->emergency ? ATTR_EM : 0)), 1);
	n += put_uint(p + n, F_POL1, e->pol1, 1);
	if (ref)
		n += put_uint(p + n, F_PROFILE, ref, 8);
	n += put_uint(p + n, F_QUOTA, e->quota, 4);
	n += put_uint(p + n, F_USED, (uint64_t)e->used, 8);
	/* notifications, Emergency Profile, SM-SR addressing (notif.c) */
	if (e->del_seq)
		n += put_uint(p + n, F_DEL_SEQ, e->del_seq, 2);
	if (e->emergency_prev || e->fallback_return)
		n += put_uint(p + n, F_FLAGS2,
		              (uint64_t)((e->emergency_prev ? FL_EM_PREV : 0) |
		                         (e->fallback_return ? FL_FB_RET : 0)),
		              1);
	if (e->notif_seq)
		n += put_uint(p + n, F_NOTIF_SEQ, e->notif_seq, 2);
	for (size_t i = 0; i < e->notif_count && i < VEUICC_NOTIF_MAX; i++) {
		const veuicc_gp_notif *nf = &e->notif[i];
		uint8_t b[7 + 16];
		b[0] = (uint8_t)(nf->seq >> 8);
		b[1] = (uint8_t)nf->seq;
		b[2] = nf->type;
		for (int k = 0; k < 4; k++)
			b[3 + k] = (uint8_t)(nf->retries >> (24 - 8 * k));
		size_t al = nf->aid_len <= 16 ? nf->aid_len : 16;
		memcpy(b + 7, nf->aid, al);
		n += put_field(p + n, F_NOTIF, b, 7 + al);
	}
	if (e->smsr_addr_len && e->smsr_addr_len <= VEUICC_SMSR_ADDR_MAX)
		n += put_field(p + n, F_SMSR_ADDR, e->smsr_addr, e->smsr_addr_len);
	if (e->sd_keys.kvn && e->sd_keys.key_len <= VEUICC_SCP03_KEY_MAX) {
		const veuicc_scp03_keyset *k = &e->sd_keys;
		uint8_t b[SD_KEYS_MAX];
		b[0] = k->kvn;
		b[1] = e->sd_kid;
		b[2] = e->sd_usage;
		b[3] = k->key_len;
		for (int i = 0; i < 4; i++)
			b[4 + i] = (uint8_t)(k->seq_counter >> (24 - 8 * i));
		memcpy(b + 8, k->enc, k->key_len);
		memcpy(b + 8 + k->key_len, k->mac, k->key_len);
		memcpy(b + 8 + 2 * k->key_len, k->dek, k->key_len);
		n += put_field(p + n, F_SD_KEYS, b, 8 + 3 * (size_t)k->key_len);
		mbedtls_platform_zeroize(b, sizeof(b));
	}
	/* Test Profile, connectivity parameters, ISD-P key sets */
	if (e->test || e->test_prev)
		n += put_uint(p + n, F_TEST,
		              (uint64_t)((e->test ? FL_TEST : 0) | (e->test_prev ? FL_TST_PRV : 0)),
		              1);
	if (e->conn_len && e->conn_len <= VEUICC_CONN_PARAMS_MAX)
		n += put_field(p + n, F_CONN, e->conn, e->conn_len);
	for (size_t i = 0; i < e->nkeys && i < VEUICC_ISDP_KEYSETS_MAX; i++) {
		const veuicc_keyset *k = &e->keys[i];
		uint8_t b[KEYSET_REC];
		size_t m = 0;
		b[m++] = (uint8_t)k->type;
		b[m++] = k->kvn;
		b[m++] = k->kic_algo;
		b[m++] = k->kid_algo;
		const uint8_t *kk[3] = {k->key1, k->key2, k->key3};
		const size_t kl[3] = {k->key1_len, k->key2_len, k->key3_len};
		for (int j = 0; j < 3; j++) {
			size_t l = kl[j] <= 32 ? kl[j] : 0;
			b[m++] = (uint8_t)l;
			memcpy(b + m, kk[j], l);
			m += l;
		}
		n += put_field(p + n, F_KEYSET, b, m);
		mbedtls_platform_zeroize(b, sizeof(b));
	}
	/* SD identification (DGI 0070) */
	uint8_t id[IDENT_REC];
	size_t m = 0;
	for (int i = 0; i < VEUICC_SD_IDENT_COUNT; i++) {
		size_t l = e->sd_ident_len[i];
		uint32_t tag = veuicc_sd_ident_tag(i);
		if (!l || l > VEUICC_SD_IDENT_MAX)
			continue;
		if (tag > 0xFF)
			id[m++] = (uint8_t)(tag >> 8);
		id[m++] = (uint8_t)tag;
		id[m++] = (uint8_t)l;
		memcpy(id + m, e->sd_ident[i], l);
		m += l;
	}
	if (m)
		n += put_field(p + n, F_IDENT, id, m);
	return n;
}

int veuicc_gp_registry_serialise(const veuicc_gp_registry *r, veuicc_gp_slot_ref_fn slot_ref,
                                 void *ctx, uint8_t **out, size_t *out_len)
{
	uint8_t *b = malloc(3 + r->count * (2 + ENTRY_MAX));
	if (!b)
		return VEUICC_ERR_NO_MEMORY;
	size_t n = 0;
	b[n++] = REC_VERSION;
	b[n++] = (uint8_t)(r->count >> 8);
	b[n++] = (uint8_t)r->count;
	for (size_t i = 0; i < r->count; i++) {
		const veuicc_gp_entry *e = &r->e[i];
		uint64_t ref = e->slot >= 0 ? slot_ref(ctx, e->slot) : 0;
		size_t len = encode_entry(e, ref, b + n + 2);
		b[n] = (uint8_t)(len >> 8);
		b[n + 1] = (uint8_t)len;
		n += 2 + len;
	}
	*out = b;
	*out_len = n;
	return VEUICC_OK;
}

static uint64_t get_uint(const uint8_t *v, size_t n)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | v[i];
	return x;
}

static int decode_entry(const uint8_t *p, size_t len, veuicc_gp_entry *e,
                        veuicc_gp_ref_slot_fn ref_slot, void *ctx)
{
	unsigned seen = 0;
	memset(e, 0, sizeof(*e));
	e->slot = -1;
	size_t pos = 0;
	while (pos < len) {
		if (len - pos < 2 || p[pos + 1] > len - pos - 2)
			return VEUICC_ERR_MALFORMED;
		uint8_t tag = p[pos], n = p[pos + 1];
		const uint8_t *v = p + pos + 2;
		pos += 2u + n;
		if (tag >= 1 && tag <= F_LAST && tag != F_NOTIF && tag != F_KEYSET) {
			if (seen & (1u << tag))
				return VEUICC_ERR_MALFORMED;
			seen |= 1u << tag;
		}
		switch (tag) {
		case F_AID:
			if (n < 5 || n > sizeof(e->aid))
				return VEUICC_ERR_MALFORMED;
			memcpy(e->aid, v, n);
			e->aid_len = n;
			break;
		case F_KIND:
			if (n != 1 || v[0] > VEUICC_GP_ISDP)
				return VEUICC_ERR_MALFORMED;
			e->kind = (veuicc_gp_kind)v[0];
			break;
		case F_LCS:
			if (n != 1)
				return VEUICC_ERR_MALFORMED;
			e->lcs = v[0];
			break;
		case F_PRIV:
			if (n != 3)
				return VEUICC_ERR_MALFORMED;
			memcpy(e->priv, v, 3);
			break;
		case F_ASSOC:
			if (n > sizeof(e->assoc))
				return VEUICC_ERR_MALFORMED;
			memcpy(e->assoc, v, n);
			e->assoc_len = n;
			break;
		case F_ATTR:
			if (n != 1)
				return VEUICC_ERR_MALFORMED;
			e->fallback = (v[0] & ATTR_FB) != 0;
			e->emergency = (v[0] & ATTR_EM) != 0;
			break;
		case F_POL1:
			if (n != 1)
				return VEUICC_ERR_MALFORMED;
			e->pol1 = v[0];
			break;
		case F_PROFILE:
			if (n != 8 || (e->slot = ref_slot(ctx, get_uint(v, 8))) < 0)
				return VEUICC_ERR_MALFORMED;
			break;
		case F_QUOTA:
			if (n != 4)
				return VEUICC_ERR_MALFORMED;
			e->quota = (uint32_t)get_uint(v, 4);
			break;
		case F_USED:
			if (n != 8 || get_uint(v, 8) > SIZE_MAX)
				return VEUICC_ERR_MALFORMED;
			e->used = (size_t)get_uint(v, 8);
			break;
		case F_DEL_SEQ:
			if (n != 2)
				return VEUICC_ERR_MALFORMED;
			e->del_seq = (uint16_t)get_uint(v, 2);
			break;
		case F_FLAGS2:
			if (n != 1)
				return VEUICC_ERR_MALFORMED;
			e->emergency_prev = (v[0] & FL_EM_PREV) != 0;
			e->fallback_return = (v[0] & FL_FB_RET) != 0;
			break;
		case F_NOTIF_SEQ:
			if (n != 2)
				return VEUICC_ERR_MALFORMED;
			e->notif_seq = (uint16_t)get_uint(v, 2);
			break;
		case F_NOTIF: {
			if (n < 7 || n > 7 + 16 || e->notif_count >= VEUICC_NOTIF_MAX)
				return VEUICC_ERR_MALFORMED;
			veuicc_gp_notif *nf = &e->notif[e->notif_count++];
			nf->seq = (uint16_t)get_uint(v, 2);
			nf->type = v[2];
			nf->retries = (uint32_t)get_uint(v + 3, 4);
			nf->aid_len = (uint8_t)(n - 7);
			memcpy(nf->aid, v + 7, nf->aid_len);
			break;
		}
		case F_SMSR_ADDR:
			if (n == 0 || n > VEUICC_SMSR_ADDR_MAX)
				return VEUICC_ERR_MALFORMED;
			memcpy(e->smsr_addr, v, n);
			e->smsr_addr_len = n;
			break;
		case F_SD_KEYS: {
			size_t kl = n >= 8 ? v[3] : 0;
			if (n < 8 || (kl != 16 && kl != 24 && kl != 32) || n != 8 + 3 * kl || !v[0])
				return VEUICC_ERR_MALFORMED;
			veuicc_scp03_keyset *k = &e->sd_keys;
			k->kvn = v[0];
			e->sd_kid = v[1];
			e->sd_usage = v[2];
			k->key_len = (uint8_t)kl;
			k->seq_counter = (uint32_t)get_uint(v + 4, 4);
			memcpy(k->enc, v + 8, kl);
			memcpy(k->mac, v + 8 + kl, kl);
			memcpy(k->dek, v + 8 + 2 * kl, kl);
			break;
		}
		case F_TEST:
			if (n != 1)
				return VEUICC_ERR_MALFORMED;
			e->test = (v[0] & FL_TEST) != 0;
			e->test_prev = (v[0] & FL_TST_PRV) != 0;
			break;
		case F_CONN:
			if (n == 0 || n > VEUICC_CONN_PARAMS_MAX)
				return VEUICC_ERR_MALFORMED;
			memcpy(e->conn, v, n);
			e->conn_len = n;
			break;
		case F_KEYSET: {
			if (n < 7 || e->nkeys >= VEUICC_ISDP_KEYSETS_MAX ||
			    v[0] > VEUICC_KEYSET_TOKEN)
				return VEUICC_ERR_MALFORMED;
			veuicc_keyset *k = &e->keys[e->nkeys++];
			k->type = (veuicc_keyset_type)v[0];
			k->kvn = v[1];
			k->kic_algo = v[2];
			k->kid_algo = v[3];
			uint8_t *kk[3] = {k->key1, k->key2, k->key3};
			size_t *kl[3] = {&k->key1_len, &k->key2_len, &k->key3_len};
			size_t q = 4;
			for (int j = 0; j < 3; j++) {
				if (q >= n || v[q] > 32 || v[q] > n - q - 1)
					return VEUICC_ERR_MALFORMED;
				*kl[j] = v[q];
				memcpy(kk[j], v + q + 1, v[q]);
				q += 1u + v[q];
			}
			if (q != n)
				return VEUICC_ERR_MALFORMED;
			break;
		}
		case F_IDENT:
			if (!n || veuicc_isdp_store_ident(e, v, n) != VEUICC_SW_OK)
				return VEUICC_ERR_MALFORMED;
			break;
		default: break; /* a later field: skipped */
		}
	}
	unsigned need = 1u << F_AID | 1u << F_KIND | 1u << F_LCS | 1u << F_PRIV;
	return (seen & need) == need ? VEUICC_OK : VEUICC_ERR_MALFORMED;
}

int veuicc_gp_registry_deserialise(veuicc_gp_registry *r, const uint8_t *b, size_t len,
                                   veuicc_gp_ref_slot_fn ref_slot, void *ctx)
{
	if (len < 3)
		return VEUICC_ERR_MALFORMED;
	if (b[0] != REC_VERSION)
		return VEUICC_ERR_UNSUPPORTED;
	size_t count = (size_t)b[1] << 8 | b[2], pos = 3;
	for (size_t i = 0; i < count; i++) {
		if (len - pos < 2)
			return VEUICC_ERR_MALFORMED;
		size_t n = (size_t)b[pos] << 8 | b[pos + 1];
		pos += 2;
		if (n > len - pos)
			return VEUICC_ERR_MALFORMED;
		veuicc_gp_entry e;
		int rc = decode_entry(b + pos, n, &e, ref_slot, ctx);
		if (!rc)
			rc = veuicc_gp_registry_add(r, &e, NULL);
		mbedtls_platform_zeroize(&e, sizeof(e)); /* ISD-P key sets */
		if (rc)
			return rc == VEUICC_ERR_INVALID_ARG ? VEUICC_ERR_MALFORMED : rc;
		pos += n;
	}
	return pos == len ? VEUICC_OK : VEUICC_ERR_MALFORMED;
}
