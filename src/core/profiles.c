/* SPDX-License-Identifier: Apache-2.0 */
#include "core/profiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "cat/proactive.h"
#include "core/card.h"
#include "core/quirks.h"
#include "euicc/euicc.h"
#include "applet/runtime.h"
#include "gp/mnosd.h"
#include "saip/install.h"
#include "saip/saip.h"
#include "uicc/uicc_app.h"

#define INS_SELECT 0xA4

/* ---- the UICC front ------------------------------------------------------ */

static const veuicc_profile_slot *active_slot(const veuicc_card *card)
{
	const veuicc_profiles *p = &card->profiles;
	return p->active < 0 ? NULL : &p->slot[p->active];
}

static uint16_t front_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const veuicc_profile_slot *s = active_slot(ctx);
	if (!s || !s->ops->select)
		return VEUICC_SW_NOT_FOUND;
	return s->ops->select(s->app, cmd, rsp);
}

static uint16_t front_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const veuicc_profile_slot *s = active_slot(ctx);
	if (s)
		return s->ops->process(s->app, cmd, rsp);
	/* No profile: no MF to select and no current file (TS 102 221 §10.2.1). */
	if (cmd->ins == INS_SELECT)
		return VEUICC_SW_NOT_FOUND;
	return veuicc_apdu_needs_current_file(cmd->ins) ? VEUICC_SW_NO_CURRENT_EF
	                                                : VEUICC_SW_INS_NOT_SUPP;
}

static void front_deselect(void *ctx, uint8_t channel)
{
	const veuicc_profile_slot *s = active_slot(ctx);
	if (s && s->ops->deselect)
		s->ops->deselect(s->app, channel);
}

static void front_channel_opened(void *ctx, uint8_t channel, uint8_t from)
{
	const veuicc_profile_slot *s = active_slot(ctx);
	if (s && s->ops->channel_opened)
		s->ops->channel_opened(s->app, channel, from);
}

/* The card owns the profiles; the engine must not free anything here. */
static const veuicc_applet_ops front_ops = {
    .name = "UICC",
    .select = front_select,
    .process = front_process,
    .deselect = front_deselect,
    .channel_opened = front_channel_opened,
};

int veuicc_profiles_attach(veuicc_card *card)
{
	card->profiles.active = -1;
	return veuicc_engine_add_default_app(&card->engine, &front_ops, card);
}

static void slot_free(veuicc_profile_slot *s)
{
	if (s->ops && s->ops->destroy)
		s->ops->destroy(s->app);
	if (s->gp) {
		veuicc_saip_gp_info_clear(s->gp);
		free(s->gp);
	}
	if (s->der) {
		mbedtls_platform_zeroize(s->der, s->der_len);
		free(s->der);
	}
	veuicc_mnosd_free(s->mnosd);
	mbedtls_platform_zeroize(s, sizeof(*s));
}

void veuicc_profiles_free(veuicc_profiles *p)
{
	for (size_t i = 0; i < p->count; i++)
		slot_free(&p->slot[i]);
	free(p->slot);
	memset(p, 0, sizeof(*p));
	p->active = -1;
}

void veuicc_profiles_power_cycle(veuicc_card *card)
{
	/* security status (verified PINs) and selections are volatile */
	for (size_t i = 0; i < card->profiles.count; i++)
		veuicc_uicc_app_reset(card->profiles.slot[i].app);
	veuicc_applets_power_cycle(card); /* so are the applets' file views */
}

/* ---- public API ---------------------------------------------------------- */

static void iccid_digits(const veuicc_saip_oct *o, char out[21])
{
	size_t n = 0;
	for (uint32_t i = 0; o->present && i < o->len && n < 20; i++) {
		uint8_t d[2] = {(uint8_t)(o->data[i] >> 4), (uint8_t)(o->data[i] & 0x0F)};
		for (int k = 0; k < 2 && n < 20; k++)
			if (d[k] <= 9)
				out[n++] = (char)('0' + d[k]);
	}
	out[n] = '\0';
}

static void say(char *msg, size_t len, const char *text)
{
	if (msg && len)
		snprintf(msg, len, "%s", text);
}

int veuicc_profiles_install(veuicc_card *card, const uint8_t *der, size_t len, size_t *index,
                            char *msg, size_t msg_len, veuicc_profile_install_report *rep)
{
	veuicc_profile_install_report dummy;
	if (!rep)
		rep = &dummy;
	rep->pe_index = -1;
	rep->identification = -1;
	rep->saip_status = VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT;
	rep->pol1 = 0;
	if (!card || !der || !len) {
		say(msg, msg_len, "no profile package given");
		return VEUICC_ERR_INVALID_ARG;
	}
	veuicc_profiles *p = &card->profiles;
	veuicc_saip_profile *prof = NULL;
	veuicc_saip_error derr;
	int rc = veuicc_saip_decode(der, len, &prof, &derr);
	if (rc) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "byte %zu: %s", derr.offset, derr.msg);
		return rc;
	}
	veuicc_profile_slot s;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < prof->count; i++) {
		if (prof->pes[i].type == VEUICC_SAIP_PE_HEADER) {
			const veuicc_saip_header *h = prof->pes[i].u.header;
			iccid_digits(&h->iccid, s.info.iccid);
			/* POL1: first byte of ProfileHeader.pol (digest §2.4 [M]) */
			if (h->pol.present && h->pol.len)
				rep->pol1 = h->pol.data[0];
			if (h->profile_type.present) {
				size_t n = h->profile_type.len < sizeof(s.info.name) - 1
				               ? h->profile_type.len
				               : sizeof(s.info.name) - 1;
				memcpy(s.info.name, h->profile_type.data, n);
			}
			break;
		}
	}
	for (size_t i = 0; i < p->count; i++) {
		if (s.info.iccid[0] && !strcmp(p->slot[i].info.iccid, s.info.iccid)) {
			veuicc_saip_free(prof);
			if (msg && msg_len)
				snprintf(msg, msg_len,
				         "a profile with ICCID %s is installed already",
				         s.info.iccid);
			rep->pe_index = 0; /* the header names an ICCID in use */
			rep->saip_status = VEUICC_SAIP_STATUS_BAD_VALUES;
			return VEUICC_ERR_STATE;
		}
	}

	veuicc_saip_install_result *res = calloc(1, sizeof(*res));
	s.gp = calloc(1, sizeof(*s.gp));
	veuicc_fs *fs = NULL;
	if (!res || !s.gp) {
		rc = VEUICC_ERR_NO_MEMORY;
		say(msg, msg_len, "out of memory");
		goto out;
	}
	s.gp->pkg_known = veuicc_applets_pkg_known; /* native applet packages */
	s.gp->pkg_ctx = card;
	rc = veuicc_saip_install(prof, &fs, s.gp, res);
	rep->pe_index = res->pe_index;
	rep->identification = res->identification;
	rep->saip_status = (int)res->status;
	if (rc) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s", res->msg);
		goto out;
	}
	s.info.files = res->files_created;
	s.fs = fs;
	fs->quirks = veuicc_quirks_fs_flags(&card->quirks);
	/* the package is kept for the card file (docs/store.md "Card state") */
	s.der = malloc(len);
	if (!s.der) {
		rc = VEUICC_ERR_NO_MEMORY;
		rep->saip_status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
		veuicc_fs_free(fs);
		say(msg, msg_len, "out of memory");
		goto out;
	}
	memcpy(s.der, der, len);
	s.der_len = len;
	rc = veuicc_uicc_app_new(fs, &s.ops, &s.app);
	if (rc) {
		rep->saip_status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
		veuicc_fs_free(fs);
		say(msg, msg_len, "out of memory");
		goto out;
	}
	if (p->count == p->cap) {
		size_t n = p->cap ? p->cap * 2 : 2;
		veuicc_profile_slot *ns = realloc(p->slot, n * sizeof(*ns));
		if (!ns) {
			rc = VEUICC_ERR_NO_MEMORY;
			rep->saip_status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
			say(msg, msg_len, "out of memory");
			goto out;
		}
		p->slot = ns;
		p->cap = n;
	}
	/* its security domains become selectable applets (gp/mnosd.h) */
	rc = veuicc_mnosd_register(card, &s);
	if (rc) {
		rep->saip_status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
		say(msg, msg_len, "out of memory");
		goto out;
	}
	s.seq = ++card->next_seq;
	p->slot[p->count] = s;
	memset(&s, 0, sizeof(s)); /* ownership moved */
	if (index)
		*index = p->count;
	p->count++;
	/* its PE-Application instances (applet/runtime.h) */
	rc = veuicc_applets_profile_installed(card, p->count - 1, msg, msg_len);
	if (rc) {
		rep->saip_status = VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED;
		veuicc_applets_profile_removed(card, p->slot[p->count - 1].seq);
		slot_free(&p->slot[--p->count]);
		--card->next_seq;
		goto out;
	}
	say(msg, msg_len, "installed");
out:
	slot_free(&s);
	free(res);
	veuicc_saip_free(prof);
	return rc;
}

size_t veuicc_card_profile_count(const veuicc_card *card)
{
	return card ? card->profiles.count : 0;
}

int veuicc_card_profile_info(const veuicc_card *card, size_t index, veuicc_profile_info *info)
{
	if (!card || !info)
		return VEUICC_ERR_INVALID_ARG;
	if (index >= card->profiles.count)
		return VEUICC_ERR_NOT_FOUND;
	*info = card->profiles.slot[index].info;
	info->active = card->profiles.active == (long)index;
	return VEUICC_OK;
}

int veuicc_profiles_switch(veuicc_card *card, long index, int keep_sd)
{
	veuicc_engine *e = &card->engine;
	long before = card->profiles.active;
	if (keep_sd && index != before)
		veuicc_mnosd_profile_changed(card); /* its SDs go with the profile */
	if (!keep_sd) {
		/* End every session of the old profile as a UICC reset would. */
		veuicc_protocol proto = e->proto;
		veuicc_engine_reset(e);
		e->proto = proto;
		if (!card->powered)
			e->ch[0].open = true; /* the state a power-on gives */
	} else {
		/* Only the profile's sessions end; the security domains are not
		 * part of the profile (SGP.02 §2.2.1) and keep their channels. */
		for (uint8_t c = 0; c < VEUICC_MAX_CHANNELS; c++) {
			veuicc_channel *ch = &e->ch[c];
			if (!ch->open || ch->app != e->default_app || ch->app == VEUICC_NO_APP)
				continue;
			front_deselect(card, c);
			if (c != 0) {
				ch->open = false;
				ch->app = VEUICC_NO_APP;
			}
			if (e->pend_channel == c)
				e->pend_channel = -1;
		}
	}
	if (before >= 0)
		veuicc_uicc_app_reset(card->profiles.slot[before].app);
	card->profiles.active = index;
	if (index >= 0)
		veuicc_uicc_app_reset(card->profiles.slot[index].app);
	veuicc_applets_profile_changed(card); /* its applets go with the profile */
	/* an on-card switch (ES5, OTA, Fall-Back, Emergency) tells the terminal
	 * with REFRESH; the new profile is active at once (docs/cat.md) */
	if (keep_sd && index != before)
		veuicc_cat_profile_changed(card);
	return VEUICC_OK;
}

void veuicc_profiles_remove(veuicc_card *card, size_t index)
{
	veuicc_profiles *p = &card->profiles;
	if (index >= p->count || p->active == (long)index)
		return;
	veuicc_applets_profile_removed(card, p->slot[index].seq);
	slot_free(&p->slot[index]);
	memmove(&p->slot[index], &p->slot[index + 1], (p->count - index - 1) * sizeof(p->slot[0]));
	p->count--;
	if (p->active > (long)index)
		p->active--;
	veuicc_gp_registry *r = &card->registry;
	for (size_t i = 0; i < r->count; i++) {
		if (r->e[i].slot == (long)index)
			r->e[i].slot = -1;
		else if (r->e[i].slot > (long)index)
			r->e[i].slot--;
	}
}

int veuicc_card_install_profile(veuicc_card *card, const uint8_t *der, size_t len, size_t *index,
                                char *msg, size_t msg_len)
{
	size_t idx;
	veuicc_profile_install_report rep;
	int rc = veuicc_profiles_install(card, der, len, &idx, msg, msg_len, &rep);
	if (rc)
		return rc;
	/* The public path creates the profile's ISD-P implicitly, so that the
	 * API/CLI and ES5 see the same card (docs/euicc.md). */
	rc = veuicc_isdp_create_implicit(card, (long)idx, rep.pol1, len);
	if (rc) {
		veuicc_profiles_remove(card, idx);
		say(msg, msg_len, "out of memory");
		return rc;
	}
	/* a persistent card saves the new profile and its ISD-P at once */
	rc = veuicc_card_persist(card);
	if (rc) {
		say(msg, msg_len, "cannot write the card file");
		return rc;
	}
	if (index)
		*index = idx;
	return VEUICC_OK;
}

int veuicc_card_activate_profile(veuicc_card *card, size_t index)
{
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	if (index >= card->profiles.count)
		return VEUICC_ERR_NOT_FOUND;
	int rc = veuicc_profiles_switch(card, (long)index, 0);
	if (rc)
		return rc;
	veuicc_isdp_sync_states(card);
	return veuicc_card_persist(card);
}
