/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AUTHENTICATE, 3GPP TS 31.102 §7.1.2 (USIM: GSM and 3G security contexts)
 * and TS 31.103 §7.1.2 (ISIM: IMS AKA); GET IDENTITY, TS 31.102 §7.5 (SUCI
 * context). The cryptography and the SQN checks are in auth/; this file is
 * the APDU coding around them.
 */
#include "uicc/authcmd.h"
#include "tlv/tlv.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "uicc/auth/auth.h"

/* TS 31.102 §7.1.2.1 P2: b8 = 1 specific reference data, b3-b1 context */
#define P2_GSM_CONTEXT 0x80
#define P2_3G_CONTEXT  0x81
/* response tags */
#define TAG_SUCCESS   0xDB
#define TAG_SYNC_FAIL 0xDC
#define RAND_LEN      16
#define AUTN_LEN      16
#define AUTS_LEN      14
#define SRES_LEN      4
#define KC_LEN        8
/* TS 31.102 §7.3: 9862 authentication error, incorrect MAC */
#define SW_AUTH_MAC_ERROR 0x9862u

/* TS 101 220 Annex E: 3GPP RID and application codes */
static const uint8_t aid_usim[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
static const uint8_t aid_isim[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x04};

#define FID_UST               0x6F38
#define FID_IMSI              0x6F07
#define FID_AD                0x6FAD
#define FID_DF_5GS            0x5FC0
#define FID_ROUTING_INDICATOR 0x4F0A
/* TS 31.102 §4.2.8: service n°27 GSM access, n°125 SUCI calculation by the USIM */
#define SERVICE_GSM_ACCESS   27
#define SERVICE_SUCI_BY_USIM 125
/* TS 31.102 §7.5.1: P2 b8 = 1 specific reference data, identity context SUCI */
#define P2_SUCI_CONTEXT 0x81
/* TS 31.102 §4.2.18 EF.AD byte 4, b4-b1: length of the MNC */
#define AD_MNC_LEN_BYTE 3
/* TS 31.102 §4.4.11.11: Routing Indicator "0" (digit 1 = 0, the others F) */
static const uint8_t routing_default[2] = {0xF0, 0xFF};
/* IMSI digits (TS 23.003 §2.2: at most 15) */
#define IMSI_DIGITS_MAX 15
#define MCC_DIGITS      3
/* the SUCI TLV before the scheme output (TS 31.102 §7.5.2) */
#define SUCI_TLV_HDR 10

static bool aid_is(const veuicc_fs_node *adf, const uint8_t *prefix, size_t n)
{
	return adf->aid_len >= n && !memcmp(adf->aid, prefix, n);
}

/* EF.UST of the USIM: is service \p n available? An absent EF.UST says
 * nothing: the service is taken as available. */
static bool ust_service(const veuicc_fs_node *adf, unsigned n)
{
	const veuicc_fs_node *ust = veuicc_fs_child(adf, FID_UST);
	if (!ust || ust->type != VEUICC_FS_EF || ust->structure != VEUICC_FS_TRANSPARENT)
		return true;
	unsigned byte = (n - 1) / 8;
	return byte < ust->size && (ust->data[byte] >> ((n - 1) % 8) & 1);
}

static uint8_t *put_lv(uint8_t *p, const uint8_t *v, uint8_t len)
{
	*p++ = len;
	memcpy(p, v, len);
	return p + len;
}

/* TS 31.102 §7.1.2.1 (3G), TS 31.103 §7.1.2.1 (IMS): 10 RAND 10 AUTN. */
static uint16_t auth_3g(veuicc_fs_aka *aka, bool with_kc, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->lc != 2 + RAND_LEN + AUTN_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	const uint8_t *d = cmd->data;
	if (d[0] != RAND_LEN || d[1 + RAND_LEN] != AUTN_LEN)
		return VEUICC_SW_WRONG_DATA;
	veuicc_aka_result r;
	int rc = veuicc_aka_authenticate(&aka->params, &aka->sqn, d + 1, d + 2 + RAND_LEN, &r);
	uint16_t sw = VEUICC_SW_OK;
	if (rc != VEUICC_OK) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
	} else if (r.outcome == VEUICC_AKA_MAC_FAILURE) {
		sw = SW_AUTH_MAC_ERROR;
	} else if (r.outcome == VEUICC_AKA_SYNC_FAILURE) {
		uint8_t *p = veuicc_rsp_reserve(rsp, 2 + AUTS_LEN);
		if (!p) {
			sw = VEUICC_SW_MEMORY_FAILURE;
		} else {
			p[0] = TAG_SYNC_FAIL;
			put_lv(p + 1, r.auts, AUTS_LEN);
		}
	} else {
		with_kc = with_kc && r.has_kc;
		size_t n =
		    1 + 3 + (size_t)r.res_len + r.ck_len + r.ik_len + (with_kc ? 1 + KC_LEN : 0);
		uint8_t *p = veuicc_rsp_reserve(rsp, n);
		if (!p) {
			sw = VEUICC_SW_MEMORY_FAILURE;
		} else {
			*p++ = TAG_SUCCESS;
			p = put_lv(p, r.res, r.res_len);
			p = put_lv(p, r.ck, r.ck_len);
			p = put_lv(p, r.ik, r.ik_len);
			if (with_kc)
				put_lv(p, r.kc, KC_LEN);
		}
	}
	veuicc_aka_result_clear(&r);
	return sw;
}

/* TS 31.102 §7.1.2.1 GSM context: 10 RAND → 04 SRES 08 Kc. */
static uint16_t auth_gsm(veuicc_fs_aka *aka, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->lc != 1 + RAND_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	if (cmd->data[0] != RAND_LEN)
		return VEUICC_SW_WRONG_DATA;
	uint8_t sres[SRES_LEN], kc[KC_LEN];
	uint16_t sw = VEUICC_SW_OK;
	if (veuicc_aka_gsm(&aka->params, cmd->data + 1, sres, kc) != VEUICC_OK) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
	} else {
		uint8_t *p = veuicc_rsp_reserve(rsp, 2 + SRES_LEN + KC_LEN);
		if (!p) {
			sw = VEUICC_SW_MEMORY_FAILURE;
		} else {
			p = put_lv(p, sres, SRES_LEN);
			put_lv(p, kc, KC_LEN);
		}
	}
	mbedtls_platform_zeroize(sres, sizeof(sres));
	mbedtls_platform_zeroize(kc, sizeof(kc));
	return sw;
}

uint16_t veuicc_uicc_authenticate(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp)
{
	bool usim = adf && aid_is(adf, aid_usim, sizeof(aid_usim));
	bool isim = adf && aid_is(adf, aid_isim, sizeof(aid_isim));
	if (!usim && !isim)
		return VEUICC_SW_INS_NOT_SUPP;
	if (cmd->p1 != 0)
		return VEUICC_SW_WRONG_P1P2;
	bool gsm_access = usim && ust_service(adf, SERVICE_GSM_ACCESS);
	if (cmd->p2 != P2_3G_CONTEXT && !(cmd->p2 == P2_GSM_CONTEXT && gsm_access))
		return VEUICC_SW_WRONG_P1P2;
	veuicc_fs_aka *aka = veuicc_fs_aka_for(fs, adf);
	if (!aka)
		return VEUICC_SW_COND_NOT_SATISFIED;
	/* TS 31.102 §7.1.2: the application PIN must be verified (or disabled) */
	if (!veuicc_pin_satisfied(veuicc_pin_find(&fs->pins, aka->pin_ref, adf)))
		return VEUICC_SW_SECURITY_STATUS;
	if (cmd->p2 == P2_GSM_CONTEXT)
		return auth_gsm(aka, cmd, rsp);
	return auth_3g(aka, gsm_access, cmd, rsp);
}

static const veuicc_fs_node *transparent_child(const veuicc_fs_node *dir, uint16_t fid)
{
	const veuicc_fs_node *n = dir ? veuicc_fs_child(dir, fid) : NULL;
	return n && n->type == VEUICC_FS_EF && n->structure == VEUICC_FS_TRANSPARENT ? n : NULL;
}

/* EF.IMSI (TS 31.102 §4.2.2): byte 1 the length, then the digits in BCD,
 * the first one in the high nibble of byte 2 after the parity nibble.
 * \returns the number of digits, 0 if the content is not an IMSI */
static size_t imsi_digits(const veuicc_fs_node *ef, char out[IMSI_DIGITS_MAX + 1])
{
	if (ef->size < 2 || ef->data[0] < 1 || (size_t)ef->data[0] + 1 > ef->size)
		return 0;
	size_t n = 0;
	for (size_t i = 1; i <= ef->data[0]; i++) {
		uint8_t b = ef->data[i];
		uint8_t nib[2] = {(uint8_t)(b & 0x0F), (uint8_t)(b >> 4)};
		for (int k = i == 1 ? 1 : 0; k < 2; k++) {
			if (nib[k] == 0x0F)
				continue; /* filler of an even count */
			if (nib[k] > 9 || n == IMSI_DIGITS_MAX)
				return 0;
			out[n++] = (char)('0' + nib[k]);
		}
	}
	out[n] = 0;
	return n;
}

/*
 * TS 31.102 §4.4.11.8 EF.SUCI_Calc_Info (4F07 in DF.5GS); when the USIM
 * calculates the SUCI its copy is EF.SUCI_Calc_Info_USIM, 4F01 in DF.SAIP
 * (5FD0, SAIP df-saip), read first. Contents: 'A0' Protection Scheme
 * Identifier List, entries of (scheme id, key index) in priority order; 'A1'
 * Home Network Public Key List of ('80' key id, '81' public key) pairs; key
 * index n (from 1) names the n-th key, 0 none (null scheme). The first
 * entry is used.
 */
#define FID_DF_SAIP             0x5FD0
#define FID_SUCI_CALC_INFO_USIM 0x4F01
#define FID_SUCI_CALC_INFO      0x4F07
#define TAG_SCHEME_LIST         0xA0
#define TAG_HN_KEY_LIST         0xA1
#define TAG_HN_KEY_ID           0x80
#define TAG_HN_KEY              0x81

static bool suci_from_calc_info(const veuicc_fs_node *adf, veuicc_fs_suci *out)
{
	const veuicc_fs_node *ef =
	    transparent_child(veuicc_fs_child(adf, FID_DF_SAIP), FID_SUCI_CALC_INFO_USIM);
	if (!ef)
		ef = transparent_child(veuicc_fs_child(adf, FID_DF_5GS), FID_SUCI_CALC_INFO);
	veuicc_tlv list, keys, t;
	if (!ef ||
	    veuicc_tlv_find(ef->data, ef->size, VEUICC_TLV_SKIP_PADDING, TAG_SCHEME_LIST, &list) !=
	        1 ||
	    list.len < 2)
		return false;
	memset(out, 0, sizeof(*out));
	out->scheme = list.value[0];
	uint8_t index = list.value[1];
	if (out->scheme == 0 || index == 0) {
		out->set = out->scheme == 0;
		return out->set;
	}
	if (veuicc_tlv_find(ef->data, ef->size, VEUICC_TLV_SKIP_PADDING, TAG_HN_KEY_LIST, &keys) !=
	    1)
		return false;
	veuicc_tlv_reader r;
	veuicc_tlv_reader_init(&r, keys.value, keys.len, 0);
	unsigned n = 0;
	while (veuicc_tlv_next(&r, &t) == 1) {
		if (t.tag == TAG_HN_KEY_ID && t.len == 1) {
			out->key_id = t.value[0];
			n++;
		} else if (t.tag == TAG_HN_KEY && n == index && t.len <= sizeof(out->pub)) {
			memcpy(out->pub, t.value, t.len);
			out->pub_len = (uint8_t)t.len;
			out->set = true;
			return true;
		}
	}
	return false;
}

uint16_t veuicc_uicc_get_identity(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp, veuicc_suci_rng rng, void *rng_ctx)
{
	if (!adf || !aid_is(adf, aid_usim, sizeof(aid_usim)))
		return VEUICC_SW_INS_NOT_SUPP;
	if (cmd->p1 != 0 || cmd->p2 != P2_SUCI_CONTEXT)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc != 0)
		return VEUICC_SW_WRONG_LENGTH;
	veuicc_fs_aka *aka = veuicc_fs_aka_for(fs, adf);
	uint8_t pin_ref = aka ? aka->pin_ref : VEUICC_PIN_REF_PIN1;
	if (!veuicc_pin_satisfied(veuicc_pin_find(&fs->pins, pin_ref, adf)))
		return VEUICC_SW_SECURITY_STATUS;
	if (!ust_service(adf, SERVICE_SUCI_BY_USIM))
		return VEUICC_SW_COND_NOT_SATISFIED;
	veuicc_fs_suci from_ef;
	const veuicc_fs_suci *suci = &fs->suci;
	if (!suci->set) {
		if (!suci_from_calc_info(adf, &from_ef))
			return VEUICC_SW_COND_NOT_SATISFIED;
		suci = &from_ef;
	}

	/* SUPI: MCC, MNC and MSIN of the IMSI */
	const veuicc_fs_node *ef = transparent_child(adf, FID_IMSI);
	char digits[IMSI_DIGITS_MAX + 1];
	size_t nd = ef ? imsi_digits(ef, digits) : 0;
	const veuicc_fs_node *ad = transparent_child(adf, FID_AD);
	size_t mnc_len = 2;
	if (ad && ad->size > AD_MNC_LEN_BYTE && (ad->data[AD_MNC_LEN_BYTE] & 0x0F) == 3)
		mnc_len = 3;
	if (nd < MCC_DIGITS + mnc_len + 5)
		return VEUICC_SW_COND_NOT_SATISFIED;
	char mcc[4] = {digits[0], digits[1], digits[2], 0}, mnc[4] = {0};
	memcpy(mnc, digits + MCC_DIGITS, mnc_len);
	uint8_t plmn[3];
	const uint8_t *routing = routing_default;
	const veuicc_fs_node *ri =
	    transparent_child(veuicc_fs_child(adf, FID_DF_5GS), FID_ROUTING_INDICATOR);
	if (ri && ri->size >= 2)
		routing = ri->data;

	uint8_t in[8], out[VEUICC_SUCI_B_PUB_LEN + 8 + VEUICC_SUCI_MAC_LEN];
	size_t in_len, out_len, tlv_len;
	uint16_t sw = VEUICC_SW_OK;
	const uint8_t *pub = suci->pub_len ? suci->pub : NULL;
	if (veuicc_suci_plmn_encode(mcc, mnc, plmn) != VEUICC_OK ||
	    veuicc_suci_msin_encode(digits + MCC_DIGITS + mnc_len, in, sizeof(in), &in_len) !=
	        VEUICC_OK) {
		sw = VEUICC_SW_COND_NOT_SATISFIED;
	} else if (veuicc_suci_scheme_output(suci->scheme, pub, suci->pub_len, in, in_len, rng,
	                                     rng_ctx, out, sizeof(out), &out_len) != VEUICC_OK) {
		sw = VEUICC_SW_NO_DIAGNOSIS;
	} else {
		/* 'A1' L, octet 4, PLMN (3), routing (2), scheme, key id: 10 bytes */
		uint8_t *p = veuicc_rsp_reserve(rsp, SUCI_TLV_HDR + out_len);
		if (!p)
			sw = VEUICC_SW_MEMORY_FAILURE;
		else if (veuicc_suci_get_identity_tlv(plmn, routing, suci->scheme, suci->key_id,
		                                      out, out_len, p, SUCI_TLV_HDR + out_len,
		                                      &tlv_len) != VEUICC_OK ||
		         tlv_len != SUCI_TLV_HDR + out_len)
			sw = VEUICC_SW_NO_DIAGNOSIS;
	}
	/* the MSIN in clear is subscriber data */
	mbedtls_platform_zeroize(digits, sizeof(digits));
	mbedtls_platform_zeroize(in, sizeof(in));
	return sw;
}
