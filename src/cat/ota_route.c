/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TAR routing of SCP80 command packets into the enabled profile (docs/cat.md
 * "Routing", docs/spec-decisions.md R1..R8): RFM applications from the
 * profile's PE-RFM (ETSI TS 102 226 §7, §8.2.1.3.2), its security domains
 * from PE-SecurityDomain, key sets from the SD's keyList (TS 102 225 §5.1.2:
 * key index = KVN, key id 01 KIc, 02 KID), counters kept per profile.
 */
#include "cat/ota_route.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "gp/mnosd.h"
#include "scp/remote_apdu.h"
#include "uicc/arr.h"
#include "uicc/uicc_app.h"

#define KVN_MIN      0x01 /* TS 102 225 §5.1.2: key index 1..15 */
#define KVN_MAX      0x0F
#define KEY_ID_KIC   0x01
#define KEY_ID_KID   0x02
#define KEY_TYPE_DES 0x80 /* GP CS v2.3 Table 11-16 key types */
#define KEY_TYPE_AES 0x88
#define CNTR_LEN     5

/* ---- toolkit parameters ------------------------------------------------- */

int veuicc_ota_toolkit_params(const uint8_t *p, size_t len, uint8_t *msl, uint8_t (*tars)[3],
                              size_t max)
{
	/* TS 102 226 §8.2.1.3.2.1: priority, max timers, max menu text length,
	 * max menu entries n, n x (position, identifier), max channels, MSL
	 * length, MSL, TAR length, TARs, [max services, ...] */
	size_t i = 4;
	*msl = 0;
	if (len < i)
		return -1;
	size_t n = p[3];
	i += 2 * n + 1; /* menu entries, max channels */
	if (i >= len)
		return -1;
	size_t ml = p[i++];
	if (ml > len - i)
		return -1;
	/* MSL parameter, then MSL data coded as the SPI first octet (R3) */
	if (ml)
		*msl = p[i + ml - 1];
	i += ml;
	if (i >= len)
		return -1;
	size_t tl = p[i++];
	if (tl % 3 || tl > len - i)
		return -1;
	size_t k = 0;
	for (; k < tl / 3 && k < max; k++)
		memcpy(tars[k], p + i + 3 * k, 3);
	return (int)k;
}

/* ---- finding the target ------------------------------------------------- */

static bool aid_eq(const veuicc_saip_aid *a, const veuicc_saip_aid *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

void veuicc_ota_route_find(veuicc_card *card, const uint8_t tar[3], veuicc_ota_route *r)
{
	memset(r, 0, sizeof(*r));
	r->card = card;
	r->kind = VEUICC_OTA_NONE;
	/* R1: only the enabled profile's applications are reachable */
	long a = card->profiles.active;
	if (a < 0 || !card->profiles.slot[a].gp)
		return;
	veuicc_profile_slot *s = &card->profiles.slot[a];
	const veuicc_saip_gp_info *gi = s->gp;
	r->slot = s;
	if (!gi->nsd)
		return; /* no security domain, no keys: nothing can be addressed */
	for (size_t i = 0; i < gi->nrfm && r->kind == VEUICC_OTA_NONE; i++) {
		const veuicc_saip_gp_rfm *f = &gi->rfm[i];
		for (size_t t = 0; t < f->ntars; t++) {
			if (memcmp(f->tars[t], tar, 3))
				continue;
			r->kind = VEUICC_OTA_RFM;
			r->rfm = f;
			/* SAIP minimumSecurityLevel: one byte, SPI first octet (R3) */
			r->msl = f->msl_len ? f->msl[f->msl_len - 1] : 0;
			/* R2: the associated SD, else the MNO-SD (the first SD PE) */
			r->sd_index = 0;
			for (size_t d = 0; f->sd_aid.len && d < gi->nsd; d++)
				if (aid_eq(&gi->sd[d].instance_aid, &f->sd_aid))
					r->sd_index = d;
			break;
		}
	}
	for (size_t d = 0; d < gi->nsd && r->kind == VEUICC_OTA_NONE; d++) {
		uint8_t tars[VEUICC_SAIP_TARS_MAX][3], msl;
		int n = veuicc_ota_toolkit_params(gi->sd[d].toolkit, gi->sd[d].toolkit_len, &msl,
		                                  tars, VEUICC_SAIP_TARS_MAX);
		for (int t = 0; t < n; t++) {
			if (memcmp(tars[t], tar, 3))
				continue;
			r->kind = VEUICC_OTA_SD;
			r->sd_index = d;
			r->msl = msl;
			break;
		}
	}
	if (r->kind != VEUICC_OTA_NONE)
		r->sd = &gi->sd[r->sd_index];
}

/* ---- key sets ----------------------------------------------------------- */

static const veuicc_saip_gp_key *find_key(const veuicc_saip_gp_sd *sd, uint8_t id, uint8_t kvn)
{
	for (size_t i = 0; i < sd->nkeys; i++)
		if (sd->keys[i].id == id && sd->keys[i].version == kvn && sd->keys[i].ncomp)
			return &sd->keys[i];
	return NULL;
}

/* TS 102 225 §5.1.2 algorithm of a SAIP key component; 0 if unusable. */
static uint8_t key_alg(const veuicc_saip_gp_key_component *c)
{
	if (c->type == KEY_TYPE_AES && (c->len == 16 || c->len == 24 || c->len == 32))
		return VEUICC_SCP80_ALG_AES;
	if (c->type == KEY_TYPE_DES)
		return c->len == 8    ? VEUICC_SCP80_ALG_DES
		       : c->len == 16 ? VEUICC_SCP80_ALG_3DES2
		       : c->len == 24 ? VEUICC_SCP80_ALG_3DES3
		                      : 0;
	return 0;
}

int veuicc_ota_lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                      veuicc_scp80_counter **cntr)
{
	veuicc_ota_route *r = ctx;
	(void)tar; /* the route was found from this packet's TAR */
	if (r->kind == VEUICC_OTA_NONE)
		return VEUICC_SCP80_NO_TAR;
	for (size_t i = 0; i < r->nks; i++) {
		if (r->ks[i].kvn == kvn) {
			*ks = &r->ks[i];
			*cntr = &r->cntr[i];
			return VEUICC_SCP80_FOUND;
		}
	}
	if (kvn < KVN_MIN || kvn > KVN_MAX || r->nks >= 2 || r->sd_index >= VEUICC_SAIP_SD_MAX)
		return VEUICC_SCP80_NO_KEYSET;
	const veuicc_saip_gp_key *kic = find_key(r->sd, KEY_ID_KIC, kvn);
	const veuicc_saip_gp_key *kid = find_key(r->sd, KEY_ID_KID, kvn);
	if (!kic || !kid)
		return VEUICC_SCP80_NO_KEYSET;
	uint8_t kic_alg = key_alg(&kic->comp[0]), kid_alg = key_alg(&kid->comp[0]);
	if (!kic_alg || !kid_alg)
		return VEUICC_SCP80_NO_KEYSET;
	size_t i = r->nks++;
	veuicc_scp80_keyset *k = &r->ks[i];
	k->kvn = kvn;
	k->kic_alg = kic_alg;
	k->kid_alg = kid_alg;
	k->kic_len = kic->comp[0].len;
	k->kid_len = kid->comp[0].len;
	memcpy(k->kic, kic->comp[0].data, k->kic_len);
	memcpy(k->kid, kid->comp[0].data, k->kid_len);
	/* SAIP macLength: an AES CC of 4 bytes if the KID says so, else 8 */
	k->cc_len = kid_alg == VEUICC_SCP80_ALG_AES && kid->comp[0].mac_length == 4 ? 4 : 8;
	r->stored[i] = r->slot->ota_cntr + ((r->sd_index * KVN_MAX) + (kvn - 1u)) * CNTR_LEN;
	memcpy(r->cntr[i].value, r->stored[i], CNTR_LEN);
	static const uint8_t zero[CNTR_LEN];
	if (!memcmp(r->cntr[i].value, zero, CNTR_LEN) && kid->counter_len == CNTR_LEN)
		memcpy(r->cntr[i].value, kid->counter, CNTR_LEN); /* keyCounterValue (R6) */
	memcpy(r->loaded[i], r->cntr[i].value, CNTR_LEN);
	*ks = k;
	*cntr = &r->cntr[i];
	return VEUICC_SCP80_FOUND;
}

void veuicc_ota_route_end(veuicc_ota_route *r)
{
	for (size_t i = 0; i < r->nks; i++)
		if (memcmp(r->cntr[i].value, r->loaded[i], CNTR_LEN))
			memcpy(r->stored[i], r->cntr[i].value, CNTR_LEN);
	mbedtls_platform_zeroize(r->ks, sizeof(r->ks));
	r->nks = 0;
}

/* ---- execution ------------------------------------------------------------ */

/* M9: the profile's security domain runs the command as its applet does
 * (gp/mnosd.c); the packet's key set is its PUT KEY DEK set (key 03). */
static uint16_t sd_cmd(const veuicc_ota_route *r, const veuicc_capdu *c, veuicc_rsp *rsp)
{
	int kvn = r->nks ? r->ks[0].kvn : -1;
	return veuicc_mnosd_command(r->card, r->slot, r->sd_index, kvn, c, rsp);
}

int veuicc_ota_exec(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                    size_t *rlen)
{
	veuicc_ota_route *r = ctx;
	uint16_t sw;
	uint8_t data[VEUICC_REMOTE_MAX - 2];
	veuicc_rsp rsp = {.buf = data, .cap = sizeof(data), .len = 0, .owner = NULL, .err = 0};
	veuicc_capdu c;
	if (cap < VEUICC_REMOTE_MAX)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	if (veuicc_capdu_parse(capdu, len, &c) != VEUICC_OK)
		sw = VEUICC_SW_WRONG_LENGTH;
	else if (!veuicc_cla_decode(capdu[0], &c.cl))
		sw = VEUICC_SW_CLA_NOT_SUPP;
	else if (c.cl.sm || c.cl.chaining)
		sw = VEUICC_SW_SM_NOT_SUPP;
	else if (r->kind == VEUICC_OTA_SD)
		sw = sd_cmd(r, &c, &rsp);
	else if (r->kind != VEUICC_OTA_RFM)
		return VEUICC_ERR_STATE;
	else {
		if (!r->started) {
			/* TS 102 226 §7.2 / §7.3: MF or the ADF, a context of its own */
			const veuicc_saip_gp_rfm *f = r->rfm;
			veuicc_uicc_rfm p = {
			    .uicc_ad = f->uicc_ad_len ? f->uicc_ad[0] : VEUICC_ARR_DOMAIN_NONE,
			    .adf_ad = f->adf_ad_len ? f->adf_ad[0] : VEUICC_ARR_DOMAIN_NONE,
			    .adf_aid = f->has_adf ? f->adf_aid.b : NULL,
			    .adf_aid_len = f->has_adf ? f->adf_aid.len : 0,
			};
			r->start_sw = veuicc_uicc_app_rfm_start(r->slot->app, &p);
			r->started = true;
		}
		sw = r->start_sw != VEUICC_SW_OK ? r->start_sw
		                                 : veuicc_uicc_app_rfm_cmd(r->slot->app, &c, &rsp);
	}
	if (rsp.err)
		sw = VEUICC_SW_MEMORY_FAILURE;
	size_t n = (rsp.err || !veuicc_sw_allows_data(sw)) ? 0 : rsp.len;
	memcpy(rapdu, data, n);
	rapdu[n] = (uint8_t)(sw >> 8);
	rapdu[n + 1] = (uint8_t)sw;
	*rlen = n + 2;
	mbedtls_platform_zeroize(data, sizeof(data));
	return VEUICC_OK;
}
