/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM-SR change, card side (SGP.02 §3.8 procedure, §4.1.1.8
 * EstablishISDRKeySet, §4.1.1.9 FinaliseISDRHandover; project digest
 * sgp02-euicc.md §3.10, §3.11, §10). The key agreement itself is keyest.c's
 * (veuicc_keyest_run); this file decides what the derived keys become in the
 * ISD-R and deletes the old SM-SR's key sets. docs/smsr-change.md,
 * docs/spec-decisions.md H1-H12.
 */
#include "euicc/smsr_change.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "cat/envelope.h"
#include "core/factory.h"
#include "euicc/euicc.h"
#include "euicc/keyest.h"
#include "gp/sd_session.h"

#define INS_DELETE     0xE4
#define KEY_TMPL_LEN   3    /* F2 03 KVN first last */
#define SCP80_KVN_MIN  0x01 /* TS 102 225 §5.1.2: key index 1..15 */
#define SCP80_KVN_MAX  0x0F
#define SCP81_KVN_MIN  0x40 /* SGP.02 §2.4.4.1 PSK identity: 40..4F (digest §7 item 4) */
#define SCP81_KVN_MAX  0x4F
#define TOKEN_KVN      0x70 /* GP token key (digest §3.6), never an ISD-R set here */
#define SCP80_ALGO_AES 0x02 /* TS 102 225 §5.1.2: b2b1 10 AES, b4b3 00 CBC / CMAC */
#define FIRST_KEY_ID   0x01
#define KEY_ID_MAX     0x7F /* GP CS v2.3 §11.1.8: key identifiers 01-7F */

static bool is_scp80(uint8_t kvn)
{
	return kvn >= SCP80_KVN_MIN && kvn <= SCP80_KVN_MAX;
}

static long find_kvn(const veuicc_factory *f, uint8_t kvn)
{
	for (size_t i = 0; f && i < f->nkeysets; i++)
		if (f->keysets[i].kvn == kvn)
			return (long)i;
	return -1;
}

/* ---- EstablishISDRKeySet -------------------------------------------------------- */

/* H3-H5: what the CRT may ask of the ISD-R, checked once the 3A02 is
 * authenticated (so an unauthenticated sender learns nothing of the sets). */
static uint16_t isdr_accept(void *arg, const veuicc_keyest_params *p)
{
	veuicc_card *card = arg;
	veuicc_factory *f = card->factory;
	if (p->kid != FIRST_KEY_ID)
		return VEUICC_SW_WRONG_DATA; /* the sets hold key ids 01..03 */
	if ((p->kvn >= SCP81_KVN_MIN && p->kvn <= SCP81_KVN_MAX) || p->kvn == TOKEN_KVN)
		return VEUICC_SW_WRONG_DATA; /* SCP81 PSK / token: not supported (H4) */
	if (is_scp80(p->kvn) && p->counter)
		return VEUICC_SW_WRONG_DATA; /* 91 is an SCP03 counter; SCP80 starts at 0 */
	if (find_kvn(f, p->kvn) >= 0)
		return VEUICC_SW_WRONG_DATA; /* beside SM-SR1's sets, never over one (H5) */
	if (f->nkeysets >= VEUICC_FACTORY_KEYSETS_MAX)
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	return VEUICC_SW_OK;
}

static void isdr_commit(void *arg, const veuicc_keyest_params *p, const uint8_t *keys, size_t nkeys)
{
	veuicc_card *card = arg;
	veuicc_factory *f = card->factory;
	const size_t kl = p->key_len;
	size_t idx = f->nkeysets;
	veuicc_keyset *k = &f->keysets[idx];
	mbedtls_platform_zeroize(k, sizeof(*k));
	k->kvn = p->kvn;
	/* keys in key id order: 3 keys (95 10) or one for all three (95 5C, K9) */
	memcpy(k->key1, keys, kl);
	memcpy(k->key2, keys + kl * (nkeys == 3 ? 1 : 0), kl);
	memcpy(k->key3, keys + kl * (nkeys == 3 ? 2 : 0), kl);
	k->key1_len = k->key2_len = k->key3_len = kl;
	if (is_scp80(p->kvn)) {
		/* KIc = key 1, KID = key 2, DEK = key 3 (H3; WHTY SM-SR change) */
		k->type = VEUICC_KEYSET_SCP80;
		k->kic_algo = k->kid_algo = SCP80_ALGO_AES;
	} else {
		k->type = VEUICC_KEYSET_SCP03; /* ENC, MAC, DEK (GK5 KVN ranges) */
	}
	f->nkeysets = idx + 1;
	veuicc_cat_keyset_added(card, idx); /* SCP80 counter 0 (counters by index) */
	if (k->type == VEUICC_KEYSET_SCP03)
		veuicc_sd_isdr_keyset_added(card, p->kvn, p->counter);
}

uint16_t veuicc_smsr_establish(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	const veuicc_keyest_target t = {
	    .aid = veuicc_aid_isdr,
	    .aid_len = sizeof(veuicc_aid_isdr),
	    .role = VEUICC_CERT_ROLE_SMSR,  /* C8 01 02 (digest §1.5, §3.10 [S]) */
	    .ready = card->factory != NULL, /* the ISD-R keeps key sets */
	    .accept = isdr_accept,
	    .commit = isdr_commit,
	    .arg = card,
	};
	return veuicc_keyest_run(card, &t, cmd, rsp);
}

/* ---- FinaliseISDRHandover --------------------------------------------------------- */

bool veuicc_smsr_is_finalise(const veuicc_capdu *cmd)
{
	return cmd->ins == INS_DELETE && cmd->lc >= 1 && cmd->data[0] == VEUICC_SMSR_TAG_KEY_TMPL;
}

/* Highest key id a set holds (key1..key3). */
static unsigned top_key_id(const veuicc_keyset *k)
{
	return k->key3_len ? 3u : k->key2_len ? 2u : 1u;
}

/* The key set protects the running command: the SCP80 packet's KIc/KID or
 * the ISD-R's SCP03 session on this channel (H8). */
static bool in_use(const veuicc_card *card, const veuicc_capdu *cmd, uint8_t kvn)
{
	if (veuicc_cat_isdr_kvn_in_use(card, kvn))
		return true;
	return !card->ota_secured && veuicc_sd_session_kvn(card, cmd->cl.channel, veuicc_aid_isdr,
	                                                   sizeof(veuicc_aid_isdr)) == (int)kvn;
}

int veuicc_smsr_parse_delete(const uint8_t *d, size_t n, veuicc_smsr_key_tmpl *out, size_t *count)
{
	/* F2 03 KVN first last, repeated; nothing else (digest §3.11 [I×2]) */
	const size_t step = 2 + KEY_TMPL_LEN;
	if (!d || !out || !count || n == 0 || n % step || n / step > VEUICC_SMSR_TMPL_MAX)
		return VEUICC_ERR_MALFORMED;
	size_t c = 0;
	for (size_t p = 0; p < n; p += step, c++) {
		veuicc_smsr_key_tmpl t = {d[p + 2], d[p + 3], d[p + 4]};
		if (d[p] != VEUICC_SMSR_TAG_KEY_TMPL || d[p + 1] != KEY_TMPL_LEN || t.first == 0 ||
		    t.first > t.last || t.last > KEY_ID_MAX)
			return VEUICC_ERR_MALFORMED;
		for (size_t j = 0; j < c; j++)
			if (out[j].kvn == t.kvn)
				return VEUICC_ERR_MALFORMED; /* named twice */
		out[c] = t;
	}
	*count = c;
	return VEUICC_OK;
}

uint16_t veuicc_smsr_finalise(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_factory *f = card->factory;
	veuicc_smsr_key_tmpl t[VEUICC_SMSR_TMPL_MAX];
	size_t nt = 0, count = 0;
	bool gone[VEUICC_FACTORY_KEYSETS_MAX] = {false};
	if (veuicc_smsr_parse_delete(cmd->data, cmd->lc, t, &nt))
		return VEUICC_SW_WRONG_DATA;
	for (size_t j = 0; j < nt; j++) {
		long i = find_kvn(f, t[j].kvn);
		if (i < 0)
			return VEUICC_SW_REF_DATA_NOT_FOUND; /* no such key set (H9) */
		/* whole key sets only: a set without its KIc or KID is no set (H7) */
		if (t[j].first != FIRST_KEY_ID || t[j].last < top_key_id(&f->keysets[i]))
			return VEUICC_SW_WRONG_DATA;
		gone[i] = true;
		count++;
	}
	/* not the key set of this very command, and never the last one (H8) */
	for (size_t i = 0; i < f->nkeysets; i++)
		if (gone[i] && in_use(card, cmd, f->keysets[i].kvn))
			return VEUICC_SW_COND_NOT_SATISFIED;
	if (count >= f->nkeysets)
		return VEUICC_SW_COND_NOT_SATISFIED;
	static const uint8_t zero = 0x00; /* GP CS §11.2.3: one byte 00 */
	if (veuicc_rsp_put(rsp, &zero, 1))
		return VEUICC_SW_MEMORY_FAILURE;
	for (size_t i = f->nkeysets; i-- > 0;) {
		if (!gone[i])
			continue;
		veuicc_keyset *k = &f->keysets[i];
		uint8_t kvn = k->kvn;
		mbedtls_platform_zeroize(k, sizeof(*k));
		memmove(k, k + 1, (f->nkeysets - i - 1) * sizeof(*k));
		f->nkeysets--;
		mbedtls_platform_zeroize(&f->keysets[f->nkeysets], sizeof(*k));
		veuicc_cat_keyset_removed(card, i); /* counters follow their sets */
		veuicc_sd_isdr_keyset_removed(card, kvn);
	}
	return VEUICC_SW_OK;
}
