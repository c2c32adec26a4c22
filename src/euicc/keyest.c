/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES8.EstablishISDPKeySet, card side (SGP.02 §3.1.2, §4.1.3.1; GP CS v2.2
 * Amendment E Scenario#3; project digest sgp02-euicc.md §4.1, §9, §10).
 * docs/keyest.md has the bytes, docs/spec-decisions.md "K" the choices.
 *
 *   ISD-R  INSTALL [for personalization] 80 E6 20 00 .. 00 00 L <ISD-P AID> 00 00 00
 *   ISD-P  STORE DATA 80 E2 09 00 3A01 { 7F21 CERT.DP.ECDSA }          -> 85 10 RC
 *   ISD-P  STORE DATA 80 E2 89 01 3A02 { A6 CRT } 7F49 ePK 5F37 sig    -> [85 10 DR] 86 10 receipt
 *
 * The random challenge lives from the 3A01 to the next 3A02 of the same
 * STORE DATA sequence (block number + 1) and is used up by that 3A02 whatever
 * its outcome: a replayed or late 3A02 finds none (6985).
 */
#include "euicc/keyest.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "apdu/sw.h"
#include "euicc/ec_cache.h"
#include "euicc/ecasd.h"
#include "euicc/euicc.h"
#include "tlv/dgi.h"
#include "tlv/tlv.h"

/* STORE DATA P1 (GP CS v2.3 §11.11.2.1) */
#define P1_LAST        0x80
#define P1_ENC_MASK    0x60
#define P1_STRUCT_MASK 0x18
#define P1_STRUCT_DGI  0x08
#define P1_RFU_MASK    0x06

/* CRT A6 and its data objects (GP Amd A/E key agreement CRT; digest §4.1 [I]) */
#define TAG_CRT        0xA6
#define TAG_SCENARIO   0x90
#define TAG_KEY_USAGE  0x95
#define TAG_KEY_ACCESS 0x96
#define TAG_KEY_TYPE   0x80
#define TAG_KEY_LEN    0x81
#define TAG_KID        0x82
#define TAG_KVN        0x83
#define TAG_COUNTER    0x91
#define TAG_SDIN       0x45
#define TAG_HOSTID     0x84
#define TAG_EPK        0x7F49
#define TAG_POINT      0xB0
#define TAG_CURVE      0xF0
#define TAG_SIG        0x5F37
#define TAG_RC         0x85 /* response: random challenge / DR */
#define TAG_RECEIPT    0x86
#define SCENARIO_3     0x03
#define KEY_TYPE_AES   0x88
#define KEY_LEN_AES128 0x10
#define SP_KNOWN       0x0F
#define KEYDATA_MAX    (16 * 4)
#define SHAREDINFO_MAX (3 + VEUICC_KEYEST_DR_LEN + 3 * (1 + 32))

struct veuicc_keyest {
	unsigned opts;
	uint8_t perso_aid[16]; /* INSTALL [for personalization] target */
	uint8_t perso_len;     /* 0: none */
	bool pending;          /* a 3A01 was accepted, its 3A02 is expected */
	uint8_t aid[16];       /* ... on this ISD-P */
	uint8_t aid_len;
	uint8_t next_block; /* P2 the 3A02 must carry */
	uint8_t rc[VEUICC_KEYEST_RC_LEN];
	veuicc_cert_pubkey pk_dp; /* PK.DP.ECDSA of the accepted certificate */
};

static struct veuicc_keyest *state(veuicc_card *card)
{
	if (!card->keyest)
		card->keyest = calloc(1, sizeof(*card->keyest));
	return card->keyest;
}

static void drop_pending(struct veuicc_keyest *k)
{
	if (!k)
		return;
	k->pending = false;
	k->aid_len = 0;
	k->next_block = 0;
	mbedtls_platform_zeroize(k->rc, sizeof(k->rc));
	memset(&k->pk_dp, 0, sizeof(k->pk_dp));
}

void veuicc_keyest_free(struct veuicc_keyest *ks)
{
	if (!ks)
		return;
	mbedtls_platform_zeroize(ks, sizeof(*ks));
	free(ks);
}

int veuicc_keyest_set_options(veuicc_card *card, unsigned opts)
{
	struct veuicc_keyest *k = card ? state(card) : NULL;
	if (!k)
		return VEUICC_ERR_NO_MEMORY;
	k->opts = opts;
	return VEUICC_OK;
}

/* ---- parsing ----------------------------------------------------------------- */

int veuicc_keyest_parse_cert(const uint8_t *buf, size_t len, unsigned cert_flags, veuicc_cert *cert)
{
	if (!buf || !cert)
		return VEUICC_ERR_INVALID_ARG;
	uint16_t tag;
	const uint8_t *v;
	size_t vlen, pos = 0;
	if (veuicc_dgi_next(buf, len, &pos, &tag, &v, &vlen) || pos != len ||
	    tag != VEUICC_KEYEST_DGI_CERT)
		return VEUICC_ERR_MALFORMED;
	return veuicc_cert_parse(v, vlen, cert_flags, cert, NULL);
}

/* One-byte CRT value. */
static int crt_u8(const veuicc_tlv *t, uint8_t *out)
{
	if (t->len != 1)
		return -1;
	*out = t->value[0];
	return 0;
}

static int parse_crt(const veuicc_tlv_reader *parent, const veuicc_tlv *crt,
                     veuicc_keyest_params *p)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;
	unsigned seen = 0;
	veuicc_tlv_enter(parent, crt, &r);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		unsigned bit;
		switch (t.tag) {
		case TAG_SCENARIO: bit = 1u << 0; break;
		case TAG_KEY_USAGE: bit = 1u << 1; break;
		case TAG_KEY_ACCESS: bit = 1u << 2; break;
		case TAG_KEY_TYPE: bit = 1u << 3; break;
		case TAG_KEY_LEN: bit = 1u << 4; break;
		case TAG_KID: bit = 1u << 5; break;
		case TAG_KVN: bit = 1u << 6; break;
		case TAG_COUNTER: bit = 1u << 7; break;
		case TAG_SDIN: bit = 1u << 8; break;
		case TAG_HOSTID: bit = 1u << 9; break;
		default: return -1; /* no other data object in this CRT */
		}
		if (seen & bit)
			return -1;
		seen |= bit;
		uint8_t u = 0;
		switch (t.tag) {
		case TAG_SCENARIO:
			if (t.len != 2 || t.value[0] != SCENARIO_3 || (t.value[1] & ~SP_KNOWN))
				return -1;
			p->scenario = t.value[1];
			break;
		case TAG_KEY_USAGE:
			if (crt_u8(&t, &p->key_usage) || (p->key_usage != VEUICC_KEYEST_KU_3KEYS &&
			                                  p->key_usage != VEUICC_KEYEST_KU_1KEY))
				return -1;
			break;
		case TAG_KEY_ACCESS:
			if (crt_u8(&t, &u))
				return -1;
			break;
		case TAG_KEY_TYPE:
			if (crt_u8(&t, &p->key_type) || p->key_type != KEY_TYPE_AES)
				return -1;
			break;
		case TAG_KEY_LEN:
			if (crt_u8(&t, &p->key_len) || p->key_len != KEY_LEN_AES128)
				return -1;
			break;
		case TAG_KID:
			if (crt_u8(&t, &p->kid) || p->kid == 0x00 || p->kid == 0xFF)
				return -1;
			break;
		case TAG_KVN:
			if (crt_u8(&t, &p->kvn) || p->kvn == 0x00 || p->kvn == 0xFF)
				return -1;
			break;
		case TAG_COUNTER:
			/* empty: default; 3 bytes: the SCP03 sequence counter (Amd D §6.2.2.1) */
			if (t.len != 0 && t.len != 3)
				return -1;
			p->counter = 0;
			for (size_t i = 0; i < t.len; i++)
				p->counter = p->counter << 8 | t.value[i];
			break;
		case TAG_SDIN:
			if (t.len == 0 || t.len > 32)
				return -1;
			p->sdin = t.value;
			p->sdin_len = t.len;
			break;
		case TAG_HOSTID:
			if (t.len == 0 || t.len > VEUICC_KEYEST_HOSTID_MAX)
				return -1;
			p->host_id = t.value;
			p->host_id_len = t.len;
			break;
		default: return -1;
		}
	}
	const unsigned need = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6;
	if (rc < 0 || (seen & need) != need)
		return -1;
	/* HostID is in SharedInfo exactly when PP says so (digest §4.1 / §9 [I]) */
	if (!!(p->scenario & VEUICC_KEYEST_SP_HOSTID) != (p->host_id != NULL))
		return -1;
	return 0;
}

/* A valid point of its curve (mbedtls_ecp_check_pubkey): invalid-curve
 * points never reach the ECASD. */
static bool point_valid(const veuicc_cert_pubkey *pk)
{
	mbedtls_ecp_group_id id = pk->curve == VEUICC_CERT_CURVE_P256 ? MBEDTLS_ECP_DP_SECP256R1
	                          : pk->curve == VEUICC_CERT_CURVE_BP256R1 ? MBEDTLS_ECP_DP_BP256R1
	                                                                   : MBEDTLS_ECP_DP_NONE;
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	bool ok = id != MBEDTLS_ECP_DP_NONE && pk->point[0] == 0x04 &&
	          mbedtls_ecp_group_load(&grp, id) == 0 &&
	          mbedtls_ecp_point_read_binary(&grp, &q, pk->point, sizeof(pk->point)) == 0 &&
	          mbedtls_ecp_check_pubkey(&grp, &q) == 0;
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ok;
}

static int parse_epk(const veuicc_tlv_reader *parent, const veuicc_tlv *t, uint8_t curve,
                     veuicc_cert_pubkey *out)
{
	out->curve = curve;
	if (t->len == VEUICC_CERT_POINT_LEN - 1) {
		/* raw X||Y (a WHTY vector, digest §4.1 [I]) */
		out->point[0] = 0x04;
		memcpy(out->point + 1, t->value, t->len);
	} else {
		veuicc_tlv_reader r;
		veuicc_tlv b0, f0, extra;
		veuicc_tlv_enter(parent, t, &r);
		if (veuicc_tlv_next(&r, &b0) != 1 || b0.tag != TAG_POINT ||
		    b0.len != VEUICC_CERT_POINT_LEN)
			return -1;
		int rc = veuicc_tlv_next(&r, &f0);
		if (rc < 0)
			return -1;
		if (rc == 1 && (f0.tag != TAG_CURVE || f0.len != 1 || f0.value[0] != curve ||
		                veuicc_tlv_next(&r, &extra) != 0))
			return -1;
		memcpy(out->point, b0.value, VEUICC_CERT_POINT_LEN);
	}
	return point_valid(out) ? 0 : -1;
}

int veuicc_keyest_parse_params(const uint8_t *buf, size_t len, uint8_t curve,
                               veuicc_keyest_params *out)
{
	if (!buf || !out)
		return VEUICC_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	uint16_t tag;
	const uint8_t *v;
	size_t vlen, pos = 0;
	if (veuicc_dgi_next(buf, len, &pos, &tag, &v, &vlen) || tag != VEUICC_KEYEST_DGI_PARAMS)
		return VEUICC_ERR_MALFORMED;
	out->dgi = buf;
	out->dgi_len = pos;
	/* 3A02 = exactly one A6 */
	veuicc_tlv_reader r;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&r, v, vlen, VEUICC_TLV_DER);
	if (veuicc_tlv_next(&r, &t) != 1 || t.tag != TAG_CRT || t.raw_len != vlen ||
	    parse_crt(&r, &t, out))
		return VEUICC_ERR_MALFORMED;
	out->crt = t.raw;
	out->crt_len = t.raw_len;
	/* then 7F49 and 5F37 as BER-TLVs, nothing else (digest §9 [I]) */
	veuicc_tlv e, s, extra;
	veuicc_tlv_reader_init(&r, buf + pos, len - pos, VEUICC_TLV_DER);
	if (veuicc_tlv_next(&r, &e) != 1 || e.tag != TAG_EPK || veuicc_tlv_next(&r, &s) != 1 ||
	    s.tag != TAG_SIG || s.len == 0 || veuicc_tlv_next(&r, &extra) != 0 ||
	    parse_epk(&r, &e, curve, &out->epk))
		return VEUICC_ERR_MALFORMED;
	out->epk_tlv = e.raw;
	out->epk_tlv_len = e.raw_len;
	out->sig = s.value;
	out->sig_len = s.len;
	return VEUICC_OK;
}

/* ---- INSTALL [for personalization] and forwarding (ISD-R) ---------------------- */

static veuicc_gp_entry *isdp_entry(veuicc_card *card, const uint8_t *aid, size_t len)
{
	long i = veuicc_gp_registry_find(&card->registry, aid, len);
	if (i < 0 || card->registry.e[i].kind != VEUICC_GP_ISDP)
		return NULL;
	return &card->registry.e[i];
}

static uint16_t install_perso(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->p2 != 0x00)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	/* LV fields: load file (empty), module (empty), application AID,
	 * privileges (empty), parameters (empty), token (empty) - GP CS v2.3
	 * §11.5.2.3.3; Njiwa isdpKeySetEstablishmentINSTALLCmd (digest §9) */
	const uint8_t *d = cmd->data;
	size_t n = cmd->lc;
	if (n < 3 || d[0] != 0 || d[1] != 0 || d[2] > n - 3 || n != 3 + (size_t)d[2] + 3 ||
	    d[3 + d[2]] || d[4 + d[2]] || d[5 + d[2]] || d[2] < 5 || d[2] > 16)
		return VEUICC_SW_WRONG_DATA;
	const uint8_t *aid = d + 3;
	size_t aid_len = d[2];
	if (!isdp_entry(card, aid, aid_len))
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	struct veuicc_keyest *k = state(card);
	if (!k)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	/* a challenge pending on another ISD-P is gone (decision SM1) */
	if (k->pending && (k->aid_len != aid_len || memcmp(k->aid, aid, aid_len)))
		drop_pending(k);
	memcpy(k->perso_aid, aid, aid_len);
	k->perso_len = (uint8_t)aid_len;
	static const uint8_t zero = 0x00; /* GP CS §11.5.3.1 */
	if (veuicc_rsp_put(rsp, &zero, 1))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* SGP.02 §3.1.2: the SM-DP sends 3A01 and 3A02 in two ES5 scripts, each
 * opened by INSTALL [for personalization] of the same ISD-P (it needs RC
 * from the first answer to sign the second), so a new INSTALL [for
 * personalization] of that ISD-P keeps the pending challenge; a failed one
 * or one for another ISD-P drops it (decision SM1). */
uint16_t veuicc_keyest_install_perso(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (card->keyest)
		card->keyest->perso_len = 0; /* the previous forwarding ends */
	uint16_t sw = install_perso(card, cmd, rsp);
	if (sw != VEUICC_SW_OK)
		veuicc_keyest_end_perso(card);
	return sw;
}

bool veuicc_keyest_perso_active(const veuicc_card *card)
{
	return card->keyest && card->keyest->perso_len;
}

uint16_t veuicc_keyest_forward(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	struct veuicc_keyest *k = card->keyest;
	if (!k || !k->perso_len)
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (!isdp_entry(card, k->perso_aid, k->perso_len)) {
		veuicc_keyest_end_perso(card);
		return VEUICC_SW_COND_NOT_SATISFIED; /* deleted meanwhile */
	}
	const veuicc_app *a = veuicc_isdp_app(card, k->perso_aid, k->perso_len);
	return a ? a->ops->process(a->ctx, cmd, rsp) : VEUICC_SW_COND_NOT_SATISFIED;
}

const veuicc_app *veuicc_isdp_app(veuicc_card *card, const uint8_t *aid, size_t aid_len)
{
	if (!isdp_entry(card, aid, aid_len))
		return NULL; /* no such ISD-P (a deleted one keeps a dormant engine entry) */
	veuicc_engine *eng = &card->engine;
	for (size_t i = 0; i < eng->napps; i++) {
		const veuicc_app *a = &eng->apps[i];
		if (a->ops == &veuicc_isdp_ops && a->aid_len == aid_len &&
		    !memcmp(a->aid, aid, aid_len))
			return a;
	}
	return NULL;
}

void veuicc_keyest_end_forward(veuicc_card *card)
{
	if (card->keyest)
		card->keyest->perso_len = 0;
}

void veuicc_keyest_end_perso(veuicc_card *card)
{
	struct veuicc_keyest *k = card->keyest;
	if (!k)
		return;
	k->perso_len = 0;
	drop_pending(k);
}

void veuicc_keyest_abort(veuicc_card *card, const uint8_t *aid, size_t aid_len)
{
	struct veuicc_keyest *k = card->keyest;
	if (k && k->pending && k->aid_len == aid_len && !memcmp(k->aid, aid, aid_len) &&
	    !k->perso_len)
		drop_pending(k);
}

bool veuicc_keyest_is_dgi_store_data(const veuicc_capdu *cmd)
{
	/* only the key establishment DGIs: 3A07 (UpdateConnectivityParameters)
	 * and the rest go to the ISD-P's own STORE DATA (isdp_es8.c) */
	return (cmd->p1 & P1_STRUCT_MASK) == P1_STRUCT_DGI && cmd->lc >= 2 &&
	       cmd->data[0] == 0x3A && (cmd->data[1] == 0x01 || cmd->data[1] == 0x02);
}

veuicc_scp03_keyset *veuicc_isdp_keyset(veuicc_card *card, const uint8_t *aid, size_t aid_len)
{
	veuicc_gp_entry *e = card ? isdp_entry(card, aid, aid_len) : NULL;
	return e && e->sd_keys.kvn ? &e->sd_keys : NULL;
}

/* ---- 3A01: CERT.DP.ECDSA ------------------------------------------------------ */

/* The card's curve groups, kept between signatures (DL6); NULL when out of
 * memory (then each verification loads its own group). */
static veuicc_ec_cache *ec_cache(veuicc_card *card)
{
	if (!card->ec)
		card->ec = veuicc_ec_cache_new();
	return card->ec;
}

/* veuicc_cert reason -> status word (decision K7). */
static uint16_t cert_sw(int rc, veuicc_cert_reason why)
{
	if (rc == VEUICC_ERR_NOT_FOUND)
		return VEUICC_SW_SECURITY_STATUS; /* no trusted CI with its key id */
	switch (why) {
	case VEUICC_CERT_SIGNATURE_INVALID:
	case VEUICC_CERT_EXPIRED:
	case VEUICC_CERT_NOT_YET_VALID: return VEUICC_SW_SECURITY_STATUS;
	default: return VEUICC_SW_WRONG_DATA;
	}
}

static uint16_t do_cert(veuicc_card *card, struct veuicc_keyest *k, const veuicc_keyest_target *t,
                        const veuicc_ecasd *ecasd, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_cert_pubkey own;
	if (veuicc_ecasd_public_key(ecasd, &own))
		return VEUICC_SW_COND_NOT_SATISFIED;
	veuicc_cert cert;
	unsigned flags = (k->opts & VEUICC_KEYEST_OPT_DER_SIG) ? VEUICC_CERT_ALLOW_DER_SIG : 0;
	if (veuicc_keyest_parse_cert(cmd->data, cmd->lc, flags, &cert))
		return VEUICC_SW_WRONG_DATA;
	/* the SM-DP's keys are on the ECASD's curve (digest §4.1; C14) */
	if (cert.pubkey.curve != own.curve)
		return VEUICC_SW_WRONG_DATA;
	veuicc_cert_policy pol = {
	    .key_usage = VEUICC_CERT_KU_VERIFICATION, /* C6 */
	    .role = t->role, /* C8 01 01 SM-DP, 02 SM-SR (SGP.02 Table 77 via Njiwa) */
	    .today = veuicc_card_today(card), /* 0: no clock (EC12, digest §8 item 16; DL1) */
	    .same_curve = true,
	};
	veuicc_cert_reason why = VEUICC_CERT_OK;
	int rc = veuicc_ecasd_check_cert_cached(ecasd, &cert, &pol, ec_cache(card), &why);
	if (rc)
		return cert_sw(rc, why);
	uint8_t rc_bytes[VEUICC_KEYEST_RC_LEN];
	if (veuicc_card_random(card, rc_bytes, sizeof(rc_bytes)))
		return VEUICC_SW_NO_DIAGNOSIS;
	uint8_t out[2 + VEUICC_KEYEST_RC_LEN] = {TAG_RC, VEUICC_KEYEST_RC_LEN};
	memcpy(out + 2, rc_bytes, sizeof(rc_bytes));
	if (veuicc_rsp_put(rsp, out, sizeof(out)))
		return VEUICC_SW_MEMORY_FAILURE;
	k->pending = true;
	memcpy(k->aid, t->aid, t->aid_len);
	k->aid_len = (uint8_t)t->aid_len;
	k->next_block = (uint8_t)(cmd->p2 + 1);
	memcpy(k->rc, rc_bytes, sizeof(rc_bytes));
	k->pk_dp = cert.pubkey;
	return VEUICC_SW_OK;
}

/* ---- 3A02: key parameters ------------------------------------------------------- */

/* X9.63 KDF with SHA-256 (BSI TR-03111 §4.3.3; digest §4.1/§9 [I]). */
static int kdf_x963(const uint8_t *z, size_t zlen, const uint8_t *si, size_t silen, uint8_t *out,
                    size_t out_len)
{
	mbedtls_sha256_context h;
	uint8_t blk[32];
	int rc = 0;
	mbedtls_sha256_init(&h);
	for (uint32_t ctr = 1, done = 0; !rc && done < out_len; ctr++) {
		const uint8_t c[4] = {(uint8_t)(ctr >> 24), (uint8_t)(ctr >> 16),
		                      (uint8_t)(ctr >> 8), (uint8_t)ctr};
		rc = mbedtls_sha256_starts_ret(&h, 0) || mbedtls_sha256_update_ret(&h, z, zlen) ||
		     mbedtls_sha256_update_ret(&h, c, 4) ||
		     mbedtls_sha256_update_ret(&h, si, silen) || mbedtls_sha256_finish_ret(&h, blk);
		size_t n = out_len - done < sizeof(blk) ? out_len - done : sizeof(blk);
		memcpy(out + done, blk, n);
		done += (uint32_t)n;
	}
	mbedtls_sha256_free(&h);
	mbedtls_platform_zeroize(blk, sizeof(blk));
	return rc ? -1 : 0;
}

static int aes_cmac(const uint8_t key[16], const uint8_t *m, size_t n, uint8_t out[16])
{
	const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	return ci && mbedtls_cipher_cmac(ci, key, 128, m, n, out) == 0 ? 0 : -1;
}

/* Verify the 3A02 signature over 3A02 ‖ 7F49 ‖ 00 85 L RC (digest §4.1, §9
 * [I]) with \p pk, through the certificate code's ECDSA-SHA256 verifier. */
static int verify_params(const veuicc_keyest_params *p, const uint8_t *rc,
                         const veuicc_cert_pubkey *pk, bool allow_der, veuicc_ec_cache *cache,
                         veuicc_cert_reason *why)
{
	static const size_t rcl = VEUICC_KEYEST_RC_LEN;
	size_t n = p->dgi_len + p->epk_tlv_len + 3 + rcl;
	uint8_t *buf = malloc(n);
	if (!buf)
		return VEUICC_ERR_NO_MEMORY;
	memcpy(buf, p->dgi, p->dgi_len);
	memcpy(buf + p->dgi_len, p->epk_tlv, p->epk_tlv_len);
	uint8_t *q = buf + p->dgi_len + p->epk_tlv_len;
	q[0] = 0x00;
	q[1] = TAG_RC;
	q[2] = (uint8_t)rcl;
	memcpy(q + 3, rc, rcl);
	veuicc_cert c;
	memset(&c, 0, sizeof(c));
	c.tbs = buf;
	c.tbs_len = n;
	c.sig = p->sig;
	c.sig_len = p->sig_len;
	c.sig_der = p->sig_len != VEUICC_CERT_RAW_SIG_LEN && allow_der;
	int rc2 = veuicc_cert_verify_signature_cached(&c, pk, cache, why);
	free(buf);
	return rc2;
}

static uint16_t do_params(veuicc_card *card, struct veuicc_keyest *k, const veuicc_keyest_target *t,
                          const veuicc_ecasd *ecasd, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (!k->pending || k->aid_len != t->aid_len || memcmp(k->aid, t->aid, k->aid_len))
		return VEUICC_SW_COND_NOT_SATISFIED; /* no 3A01 before (K5) */
	/* the challenge is used up by this command, whatever happens */
	uint8_t rc[VEUICC_KEYEST_RC_LEN];
	memcpy(rc, k->rc, sizeof(rc));
	veuicc_cert_pubkey pk_dp = k->pk_dp;
	uint8_t expect = k->next_block;
	drop_pending(k);
	if (cmd->p2 != expect)
		return VEUICC_SW_WRONG_P1P2;

	veuicc_cert_pubkey own;
	if (veuicc_ecasd_public_key(ecasd, &own))
		return VEUICC_SW_COND_NOT_SATISFIED;
	veuicc_keyest_params p;
	if (veuicc_keyest_parse_params(cmd->data, cmd->lc, own.curve, &p))
		return VEUICC_SW_WRONG_DATA;
	size_t sin_len, sdin_len;
	const uint8_t *sin = veuicc_ecasd_sin(ecasd, &sin_len);
	const uint8_t *sdin = veuicc_ecasd_sdin(ecasd, &sdin_len);
	if (p.sdin && (p.sdin_len != sdin_len || memcmp(p.sdin, sdin, sdin_len)))
		return VEUICC_SW_WRONG_DATA; /* addressed to another card (K10) */

	/* signature: SK.DP.ECDSA by default (digest §10), eSK.DP.ECKA as an option */
	const bool eph = (k->opts & VEUICC_KEYEST_OPT_EPHEMERAL_SIG) != 0;
	veuicc_cert_reason why = VEUICC_CERT_OK;
	int v = verify_params(&p, rc, eph ? &p.epk : &pk_dp,
	                      (k->opts & VEUICC_KEYEST_OPT_DER_SIG) != 0, ec_cache(card), &why);
	if (v == VEUICC_ERR_NO_MEMORY)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	if (v)
		return why == VEUICC_CERT_SIGNATURE_INVALID ? VEUICC_SW_SECURITY_STATUS
		                                            : VEUICC_SW_WRONG_DATA;
	/* the target's own rules on the new key set (KVN, room), once the
	 * sender is authenticated */
	uint16_t tsw = t->accept ? t->accept(t->arg, &p) : VEUICC_SW_OK;
	if (tsw != VEUICC_SW_OK)
		return tsw;

	/* ShS = x(SK.ECASD.ECKA · ePK.DP.ECKA) in the ECASD */
	uint8_t shs[VEUICC_ECASD_SHS_LEN], dr[VEUICC_KEYEST_DR_LEN], si[SHAREDINFO_MAX];
	uint8_t kd[KEYDATA_MAX], receipt[VEUICC_KEYEST_RECEIPT_LEN];
	uint16_t sw = VEUICC_SW_OK;
	int e = veuicc_ecasd_ecka(ecasd, &p.epk, shs);
	if (e) {
		sw = e == VEUICC_ERR_MALFORMED ? VEUICC_SW_WRONG_DATA : VEUICC_SW_NO_DIAGNOSIS;
		goto out;
	}
	const bool with_dr = (p.scenario & VEUICC_KEYEST_SP_DR) != 0;
	if (with_dr && veuicc_card_random(card, dr, sizeof(dr))) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
		goto out;
	}
	/* SharedInfo = usage ‖ type ‖ length ‖ [DR] ‖ [L HostID ‖ L SIN ‖ L SDIN]
	 * (GP Amd A Table 3-28 as Njiwa builds it; digest §9 [I]) */
	size_t sil = 0;
	si[sil++] = p.key_usage;
	si[sil++] = p.key_type;
	si[sil++] = p.key_len;
	if (with_dr) {
		memcpy(si + sil, dr, sizeof(dr));
		sil += sizeof(dr);
	}
	if (p.scenario & VEUICC_KEYEST_SP_HOSTID) {
		si[sil++] = (uint8_t)p.host_id_len;
		memcpy(si + sil, p.host_id, p.host_id_len);
		sil += p.host_id_len;
		si[sil++] = (uint8_t)sin_len;
		memcpy(si + sil, sin, sin_len);
		sil += sin_len;
		si[sil++] = (uint8_t)sdin_len;
		memcpy(si + sil, sdin, sdin_len);
		sil += sdin_len;
	}
	/* keyData = receipt key ‖ key 1 [‖ key 2 ‖ key 3] (digest §4.1 [I]) */
	const size_t nkeys = p.key_usage == VEUICC_KEYEST_KU_3KEYS ? 3 : 1;
	const size_t kl = p.key_len;
	if (kdf_x963(shs, sizeof(shs), si, sil, kd, kl * (1 + nkeys))) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
		goto out;
	}
	/* receipt = AES-CMAC(receipt key, A6 ‖ [85 L DR]) (digest §4.1, §9; K12) */
	uint8_t mac_in[256 + 2 + VEUICC_KEYEST_DR_LEN + 16];
	size_t ml = 0;
	if (p.crt_len > 256) {
		sw = VEUICC_SW_WRONG_DATA;
		goto out;
	}
	memcpy(mac_in, p.crt, p.crt_len);
	ml = p.crt_len;
	if (with_dr) {
		mac_in[ml++] = TAG_RC;
		mac_in[ml++] = VEUICC_KEYEST_DR_LEN;
		memcpy(mac_in + ml, dr, sizeof(dr));
		ml += sizeof(dr);
	}
	if (k->opts & VEUICC_KEYEST_OPT_RECEIPT_PAD) {
		mac_in[ml++] = 0x80;
		while (ml % 16)
			mac_in[ml++] = 0x00;
	}
	if (aes_cmac(kd, mac_in, ml, receipt)) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
		goto out;
	}
	uint8_t out[2 + VEUICC_KEYEST_DR_LEN + 2 + VEUICC_KEYEST_RECEIPT_LEN];
	size_t ol = 0;
	if (with_dr) {
		out[ol++] = TAG_RC;
		out[ol++] = VEUICC_KEYEST_DR_LEN;
		memcpy(out + ol, dr, sizeof(dr));
		ol += sizeof(dr);
	}
	out[ol++] = TAG_RECEIPT;
	out[ol++] = VEUICC_KEYEST_RECEIPT_LEN;
	memcpy(out + ol, receipt, sizeof(receipt));
	ol += sizeof(receipt);
	if (veuicc_rsp_put(rsp, out, ol)) {
		sw = VEUICC_SW_MEMORY_FAILURE;
		goto out;
	}
	t->commit(t->arg, &p, kd + kl, nkeys);
out:
	mbedtls_platform_zeroize(shs, sizeof(shs));
	mbedtls_platform_zeroize(kd, sizeof(kd));
	mbedtls_platform_zeroize(si, sizeof(si));
	mbedtls_platform_zeroize(dr, sizeof(dr));
	mbedtls_platform_zeroize(rc, sizeof(rc));
	return sw;
}

uint16_t veuicc_keyest_run(veuicc_card *card, const veuicc_keyest_target *t,
                           const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	struct veuicc_keyest *k = state(card);
	if (!k)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	/* no encrypted DGIs on this path (K3) */
	if (cmd->p1 & (P1_ENC_MASK | P1_RFU_MASK)) {
		drop_pending(k);
		return VEUICC_SW_WRONG_P1P2;
	}
	if (cmd->lc < 3) {
		drop_pending(k);
		return VEUICC_SW_WRONG_DATA;
	}
	uint16_t dgi = (uint16_t)(cmd->data[0] << 8 | cmd->data[1]);
	if (dgi != VEUICC_KEYEST_DGI_CERT && dgi != VEUICC_KEYEST_DGI_PARAMS) {
		drop_pending(k);
		return VEUICC_SW_WRONG_P1P2; /* other DGIs: not on this path (E26, K3) */
	}
	const veuicc_ecasd *ecasd = veuicc_ecasd_of(card);
	if (!t->ready || !ecasd || !veuicc_ecasd_has_identity(ecasd)) {
		drop_pending(k);
		return VEUICC_SW_COND_NOT_SATISFIED;
	}
	if (dgi == VEUICC_KEYEST_DGI_CERT) {
		drop_pending(k); /* a new 3A01 replaces any earlier challenge */
		return do_cert(card, k, t, ecasd, cmd, rsp);
	}
	return do_params(card, k, t, ecasd, cmd, rsp);
}

/* The ISD-P's key set: KVN from the CRT, counter from 91; one key serves as
 * ENC, MAC and DEK for 5C (K9). */
static void isdp_commit(void *arg, const veuicc_keyest_params *p, const uint8_t *keys, size_t nkeys)
{
	veuicc_gp_entry *isdp = arg;
	const size_t kl = p->key_len;
	veuicc_scp03_keyset *ks = &isdp->sd_keys;
	mbedtls_platform_zeroize(ks, sizeof(*ks));
	ks->kvn = p->kvn;
	ks->key_len = (uint8_t)kl;
	memcpy(ks->enc, keys, kl);
	memcpy(ks->mac, keys + kl * (nkeys == 3 ? 1 : 0), kl);
	memcpy(ks->dek, keys + kl * (nkeys == 3 ? 2 : 0), kl);
	ks->seq_counter = p->counter;
	isdp->sd_kid = p->kid;
	isdp->sd_usage = p->key_usage;
	isdp->lcs = VEUICC_GP_LCS_PERSONALIZED;
}

uint16_t veuicc_keyest_store_data(veuicc_card *card, veuicc_gp_entry *isdp, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp)
{
	/* key establishment creates the first key set of a new ISD-P (K4) */
	const veuicc_keyest_target t = {
	    .aid = isdp->aid,
	    .aid_len = isdp->aid_len,
	    .role = VEUICC_CERT_ROLE_SMDP,
	    .ready = isdp->lcs == VEUICC_GP_LCS_SELECTABLE,
	    .accept = NULL,
	    .commit = isdp_commit,
	    .arg = isdp,
	};
	return veuicc_keyest_run(card, &t, cmd, rsp);
}
