/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISD-P (SGP.02 §2.2.1.2): one per profile. Created by the ISD-R
 * (CreateISDP) in state SELECTABLE, selectable by its AID with its GP FCI.
 * In this version it receives its profile package in plain STORE DATA
 * blocks (docs/euicc.md "ISD-P"): the blocks are the SAIP package bytes,
 * installed when the last block arrives; the installed profile's slot is
 * linked to the ISD-P, which becomes DISABLED (SGP.02 §2.x, digest §2.1).
 * STORE DATA in DGI format (ES8 UpdateConnectivityParameters) and PUT KEY
 * (the token key) are handled in isdp_es8.c. The secure path (ES8 key
 * establishment, SCP03t) comes later.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "euicc/isdp_es8.h"
#include "gp/fci.h"
#include "gp/sd_session.h"
#include "scp/scp03t.h"
#include "tlv/tlv.h"

#define INS_STORE_DATA 0xE2
#define INS_PUT_KEY    0xD8 /* GP CS v2.3 §11.8 (gp/sd_session.c) */
#define INS_GET_DATA   0xCA /* GP CS v2.3 §11.3: key information (isdp_es8.c) */
#define P1_STRUCT_DGI  0x08 /* b5-b4 01: DGI format (ES8 functions, isdp_es8.c) */
#define ISDP_DGI_MAX   1024 /* STORE DATA bytes of one DGI function */

/* STORE DATA P1 (GP CS v2.3 §11.11.2.1) */
#define P1_ENC_MASK    0x60 /* b7-b6: encryption information */
#define P1_STRUCT_MASK 0x18 /* b5-b4: 00 no information, 08 DGI, 10 BER-TLV */
#define P1_STRUCT_BER  0x10
#define P1_STRUCT_DGI  0x08
#define P1_RFU_MASK    0x06 /* b3-b2 */

/* Installation result (docs/euicc.md), modelled on SAIP EUICCResponse. */
#define TAG_RESULT        0x30
#define TAG_RESULT_STATUS 0x80 /* SAIP PEStatus status code */
#define TAG_RESULT_PE     0x81 /* index of the failing PE in the package */
#define TAG_RESULT_ID     0x82 /* its PEHeader.identification */

typedef struct isdp_ctx {
	veuicc_card *card;
	uint8_t aid[16];
	uint8_t aid_len;
} isdp_ctx;

static const uint8_t isdp_prefix[12] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
                                        0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89};

int veuicc_isdp_aid_valid(const uint8_t *aid, size_t len)
{
	if (len != 16 || memcmp(aid, isdp_prefix, sizeof(isdp_prefix)) || aid[15] != 0x00)
		return 0;
	uint32_t n = (uint32_t)aid[12] << 16 | (uint32_t)aid[13] << 8 | aid[14];
	return n >= VEUICC_ISDP_NUMBER_FIRST;
}

static veuicc_gp_entry *entry_of(const isdp_ctx *x)
{
	long i = veuicc_gp_registry_find(&x->card->registry, x->aid, x->aid_len);
	if (i < 0 || x->card->registry.e[i].kind != VEUICC_GP_ISDP)
		return NULL;
	return &x->card->registry.e[i];
}

static uint16_t isdp_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const isdp_ctx *x = ctx;
	if (!entry_of(x))
		return VEUICC_SW_NOT_FOUND; /* deleted: its engine entry is dormant */
	veuicc_sd_channel_reset(x->card, cmd->cl.channel); /* a (re)selection ends the session */
	return veuicc_gp_sd_select(x->aid, x->aid_len, cmd, rsp);
}

static void put_int(veuicc_tlv_writer *w, uint32_t tag, long v)
{
	uint8_t b[4];
	size_t n = 0;
	unsigned long u = (unsigned long)v;
	do {
		b[3 - n++] = (uint8_t)(u & 0xFF);
		u >>= 8;
	} while (u && n < 4);
	if (b[4 - n] & 0x80 && n < 4) /* DER INTEGER: positive */
		b[3 - n++] = 0;
	veuicc_tlv_put(w, tag, b + 4 - n, n);
}

/* Install the package \p pkg: the profile slot is linked to the ISD-P,
 * which becomes DISABLED; the result goes to \p rsp. */
static uint16_t install_bytes(isdp_ctx *x, veuicc_gp_entry *e, const uint8_t *pkg, size_t len,
                              veuicc_rsp *rsp)
{
	veuicc_card *card = x->card;
	size_t idx;
	veuicc_profile_install_report rep;
	int rc = veuicc_profiles_install(card, pkg, len, &idx, NULL, 0, &rep);
	size_t used = len;
	if (!rc) {
		e->slot = (long)idx;
		e->lcs = VEUICC_GP_LCS_DISABLED;
		e->pol1 = rep.pol1;
		e->used = used;
		rep.saip_status = 0;
		rep.pe_index = -1;
		rep.identification = -1;
	}
	uint8_t buf[32];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_RESULT);
	put_int(&w, TAG_RESULT_STATUS, rep.saip_status);
	if (rep.pe_index >= 0)
		put_int(&w, TAG_RESULT_PE, rep.pe_index);
	if (rep.identification >= 0)
		put_int(&w, TAG_RESULT_ID, rep.identification);
	veuicc_tlv_end(&w);
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) || veuicc_rsp_put(rsp, buf, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* Plain path: the package is the STORE DATA sequence itself. */
static uint16_t install_package(isdp_ctx *x, veuicc_gp_entry *e, veuicc_rsp *rsp)
{
	uint16_t sw = install_bytes(x, e, e->rx.buf, e->rx.len, rsp);
	veuicc_gp_rx_reset(&e->rx);
	return sw;
}

/* SCP03t path (veuicc_sd_install_fn): the deciphered package. */
static int install_scp03t(void *arg, const uint8_t *pkg, size_t len, uint8_t *res, size_t cap,
                          size_t *res_len)
{
	isdp_ctx *x = arg;
	veuicc_gp_entry *e = entry_of(x);
	if (!e)
		return VEUICC_ERR_NOT_FOUND;
	veuicc_rsp r = {.buf = res, .cap = cap, .len = 0, .owner = NULL, .err = 0};
	uint16_t sw = install_bytes(x, e, pkg, len, &r);
	*res_len = r.len;
	return sw == VEUICC_SW_OK ? VEUICC_OK : VEUICC_ERR_NO_MEMORY;
}

static uint16_t store_data(isdp_ctx *x, veuicc_gp_entry *e, const veuicc_capdu *cmd,
                           veuicc_rsp *rsp)
{
	/* DGI format: an ES8 function such as UpdateConnectivityParameters
	 * (SGP.02 §4.1.3.4), in any state of the ISD-P */
	if ((cmd->p1 & P1_STRUCT_MASK) == P1_STRUCT_DGI) {
		if (cmd->p1 & (P1_ENC_MASK | P1_RFU_MASK))
			return VEUICC_SW_WRONG_P1P2;
		bool last;
		uint16_t sw = veuicc_gp_rx_block(&e->rx, cmd, ISDP_DGI_MAX, &last);
		if (sw != VEUICC_SW_OK || !last)
			return sw;
		sw = veuicc_isdp_store_dgi(x->card, e, e->rx.buf, e->rx.len);
		veuicc_gp_rx_reset(&e->rx);
		return sw;
	}
	/* An installed profile's ISD-P takes no more packages (SGP.02 §2.x:
	 * DISABLED/ENABLED); without keys there is nothing else to store yet. */
	if (e->lcs != VEUICC_GP_LCS_SELECTABLE && e->lcs != VEUICC_GP_LCS_PERSONALIZED)
		return VEUICC_SW_COND_NOT_SATISFIED;
	/* plain path only: no encrypted data; the package is BER-TLV (or "no
	 * information"), not DGIs */
	if ((cmd->p1 & (P1_ENC_MASK | P1_RFU_MASK)) ||
	    ((cmd->p1 & P1_STRUCT_MASK) != 0 && (cmd->p1 & P1_STRUCT_MASK) != P1_STRUCT_BER))
		return VEUICC_SW_WRONG_P1P2;
	size_t room = veuicc_euicc_free_vm(x->card) + e->rx.len;
	size_t nvm = veuicc_euicc_free_nvm(x->card) + (e->quota > e->used ? e->quota : e->used);
	bool last;
	uint16_t sw = veuicc_gp_rx_block(&e->rx, cmd, room < nvm ? room : nvm, &last);
	if (sw != VEUICC_SW_OK || !last)
		return sw;
	if (veuicc_scp03t_is_stream(e->rx.buf, e->rx.len)) {
		/* ES8 in SCP03t (SGP.02 §4.1.3.3): the data are command TLVs */
		sw = veuicc_sd_scp03t(x->card, x->aid, x->aid_len, e->rx.buf, e->rx.len, rsp,
		                      install_scp03t, x);
		veuicc_gp_rx_reset(&e->rx);
		return sw;
	}
	return install_package(x, e, rsp);
}

static uint16_t isdp_function(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	isdp_ctx *x = ctx;
	veuicc_gp_entry *e = entry_of(x);
	if (!e)
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (!cmd->cl.proprietary)
		return VEUICC_SW_CLA_NOT_SUPP; /* GP commands use CLA 8x (GP CS §11.1.4) */
	if (cmd->ins == INS_STORE_DATA && veuicc_keyest_is_dgi_store_data(cmd))
		return veuicc_keyest_store_data(x->card, e, cmd, rsp); /* EstablishISDPKeySet */
	if (cmd->ins != INS_STORE_DATA)
		veuicc_gp_rx_reset(&e->rx); /* another command ends a sequence */
	if (cmd->ins == INS_STORE_DATA)
		return store_data(x, e, cmd, rsp); /* SAIP, SCP03t, 3A07 (isdp_es8.c) */
	if (cmd->ins == INS_PUT_KEY)
		return veuicc_sd_isdp_put_key(x->card, x->aid, x->aid_len, cmd, rsp);
	if (cmd->ins == INS_GET_DATA)
		return veuicc_isdp_get_data(e, cmd, rsp);
	return VEUICC_SW_INS_NOT_SUPP;
}

/* Every command goes through the SCP03 session and the access policy
 * (gp/sd_session.c) before the ES8 function sees it. */
static uint16_t isdp_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	isdp_ctx *x = ctx;
	if (!entry_of(x))
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (!cmd->cl.proprietary)
		return VEUICC_SW_CLA_NOT_SUPP; /* GP commands use CLA 8x (GP CS §11.1.4) */
	const veuicc_sd_target t = {false, x->aid, x->aid_len, NULL};
	return veuicc_sd_process(x->card, &t, cmd, rsp, isdp_function, x);
}

static void isdp_deselect(void *ctx, uint8_t channel)
{
	const isdp_ctx *x = ctx;
	veuicc_gp_entry *e = entry_of(x);
	if (e)
		veuicc_gp_rx_reset(&e->rx); /* a STORE DATA sequence ends with the selection */
	veuicc_keyest_abort(x->card, x->aid, x->aid_len);
	veuicc_sd_channel_reset(x->card, channel);
}

static void isdp_destroy(void *ctx)
{
	free(ctx);
}

const veuicc_applet_ops veuicc_isdp_ops = {
    .name = "ISD-P",
    .accepts_sm = 1, /* SCP03 (GP Amd D) */
    .select = isdp_select,
    .process = isdp_process,
    .deselect = isdp_deselect,
    .destroy = isdp_destroy,
};

int veuicc_isdp_register(veuicc_card *card, const uint8_t *aid, size_t len)
{
	veuicc_engine *eng = &card->engine;
	for (size_t i = 0; i < eng->napps; i++)
		if (eng->apps[i].ops == &veuicc_isdp_ops && eng->apps[i].aid_len == len &&
		    !memcmp(eng->apps[i].aid, aid, len))
			return VEUICC_OK; /* the dormant entry of a deleted ISD-P */
	isdp_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return VEUICC_ERR_NO_MEMORY;
	x->card = card;
	memcpy(x->aid, aid, len);
	x->aid_len = (uint8_t)len;
	int rc = veuicc_engine_add_app(eng, aid, len, &veuicc_isdp_ops, x);
	if (rc)
		free(x);
	return rc;
}

void veuicc_isdp_detach(veuicc_card *card, const uint8_t *aid, size_t len)
{
	veuicc_engine *eng = &card->engine;
	for (size_t c = 0; c < VEUICC_MAX_CHANNELS; c++) {
		int a = eng->ch[c].app;
		if (a == VEUICC_NO_APP || eng->apps[a].ops != &veuicc_isdp_ops)
			continue;
		if (eng->apps[a].aid_len == len && !memcmp(eng->apps[a].aid, aid, len))
			eng->ch[c].app = VEUICC_NO_APP;
	}
}

int veuicc_isdp_create_implicit(veuicc_card *card, long slot, uint8_t pol1, size_t used)
{
	veuicc_gp_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.aid, isdp_prefix, sizeof(isdp_prefix));
	e.aid_len = 16;
	for (uint32_t n = VEUICC_ISDP_NUMBER_FIRST; n <= 0xFFFFFFu; n++) {
		e.aid[12] = (uint8_t)(n >> 16);
		e.aid[13] = (uint8_t)(n >> 8);
		e.aid[14] = (uint8_t)n;
		if (veuicc_gp_registry_find(&card->registry, e.aid, 16) < 0)
			break;
	}
	e.kind = VEUICC_GP_ISDP;
	e.lcs = VEUICC_GP_LCS_DISABLED;
	e.priv[0] = 0x80; /* Security Domain, Trusted Path, Authorized Management */
	e.priv[1] = 0xC0;
	memcpy(e.assoc, veuicc_aid_isdr, 16);
	e.assoc_len = 16;
	e.fallback = veuicc_gp_registry_fallback(&card->registry) < 0;
	e.pol1 = pol1;
	e.slot = slot;
	e.used = used;
	int rc = veuicc_isdp_register(card, e.aid, 16);
	if (!rc)
		rc = veuicc_gp_registry_add(&card->registry, &e, NULL);
	return rc;
}

void veuicc_isdp_sync_states(veuicc_card *card)
{
	veuicc_gp_registry *r = &card->registry;
	for (size_t i = 0; i < r->count; i++) {
		veuicc_gp_entry *e = &r->e[i];
		if (e->kind != VEUICC_GP_ISDP || e->slot < 0)
			continue;
		e->lcs = e->slot == card->profiles.active ? VEUICC_GP_LCS_ENABLED
		                                          : VEUICC_GP_LCS_DISABLED;
	}
}
