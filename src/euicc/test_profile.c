/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Test Profile (SGP.02 v4 §2.5, §3.22-3.23; project digest §2.5, §6.1,
 * §10) and its local ESx functions LocalEnableTestProfile /
 * LocalDisableTestProfile. The attribute comes from the factory
 * configuration only: SGP.02 manages the Test Profile locally, never
 * through the SM-SR (digest §10 [A]). Choices: docs/spec-decisions.md,
 * section "ESx: Test Profile, Master Delete, connectivity parameters".
 */
#include "core/card.h"
#include "euicc/euicc.h"

static int installed(const veuicc_gp_entry *e)
{
	return e->kind == VEUICC_GP_ISDP &&
	       (e->lcs == VEUICC_GP_LCS_DISABLED || e->lcs == VEUICC_GP_LCS_ENABLED);
}

static long test_holder(const veuicc_gp_registry *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (g->e[i].kind == VEUICC_GP_ISDP && g->e[i].test)
			return (long)i;
	return -1;
}

int veuicc_test_profile_enabled(const veuicc_card *card)
{
	const veuicc_gp_registry *g = &card->registry;
	long cur = veuicc_gp_registry_enabled(g);
	return cur >= 0 && g->e[cur].test;
}

/* The switch of a local Test Profile function: no notification, the Test
 * Profile is outside the SM-SR's management (digest §10 [A]; decision X3);
 * the security domains keep their sessions as in every switch. */
static int local_switch(veuicc_card *card, long target)
{
	int rc = veuicc_profiles_switch(card, card->registry.e[target].slot, 1);
	if (rc)
		return rc;
	veuicc_isdp_sync_states(card);
	card->registry.e[target].fallback_return = false;
	return VEUICC_OK;
}

int veuicc_card_test_profile_enable(veuicc_card *card)
{
	if (!card || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_gp_registry *g = &card->registry;
	long t = test_holder(g);
	if (t < 0 || !installed(&g->e[t]))
		return VEUICC_ERR_NOT_FOUND;
	long cur = veuicc_gp_registry_enabled(g);
	/* refused when the Test Profile is enabled already or the Emergency
	 * Profile is the enabled one; POL1 of the enabled profile is not
	 * enforced (digest §10 [A]) */
	if (cur == t || (cur >= 0 && g->e[cur].emergency))
		return VEUICC_ERR_STATE;
	int rc = local_switch(card, t);
	if (rc)
		return rc;
	for (size_t i = 0; i < g->count; i++)
		g->e[i].test_prev = (long)i == cur;
	/* a card file keeps the switch at once (src/core/state.c) */
	return veuicc_card_persist(card);
}

int veuicc_card_test_profile_disable(veuicc_card *card)
{
	if (!card || !card->registry.count)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_gp_registry *g = &card->registry;
	long t = test_holder(g);
	if (t < 0 || g->e[t].lcs != VEUICC_GP_LCS_ENABLED)
		return VEUICC_ERR_STATE;
	/* back to the profile enabled before (digest §6.1, §10); if it was
	 * deleted meanwhile, to the Fall-Back profile (as for the Emergency
	 * Profile, decision N16) */
	long back = -1;
	for (size_t i = 0; i < g->count; i++)
		if (g->e[i].test_prev && installed(&g->e[i]))
			back = (long)i;
	if (back < 0)
		back = veuicc_gp_registry_fallback(g);
	if (back < 0 || back == t || !installed(&g->e[back]))
		return VEUICC_ERR_STATE;
	int rc = local_switch(card, back);
	if (rc)
		return rc;
	for (size_t i = 0; i < g->count; i++)
		g->e[i].test_prev = false;
	return veuicc_card_persist(card);
}
