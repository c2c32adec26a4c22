/* SPDX-License-Identifier: Apache-2.0 */
#include "gp/registry.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "veuicc/veuicc.h"

#define P1_LAST_BLOCK 0x80 /* GP CS v2.3 §11.11.2.1: b8 = last block */

void veuicc_gp_registry_init(veuicc_gp_registry *r)
{
	memset(r, 0, sizeof(*r));
}

static void rx_free(veuicc_gp_rx *rx)
{
	if (rx->buf)
		mbedtls_platform_zeroize(rx->buf, rx->cap);
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}

void veuicc_gp_registry_free(veuicc_gp_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		rx_free(&r->e[i].rx);
	if (r->e) /* ISD-P key sets are secrets */
		mbedtls_platform_zeroize(r->e, r->cap * sizeof(r->e[0]));
	free(r->e);
	memset(r, 0, sizeof(*r));
}

long veuicc_gp_registry_find(const veuicc_gp_registry *r, const uint8_t *aid, size_t len)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].aid_len == len && !memcmp(r->e[i].aid, aid, len))
			return (long)i;
	return -1;
}

int veuicc_gp_registry_add(veuicc_gp_registry *r, const veuicc_gp_entry *tmpl, size_t *index)
{
	if (!tmpl || tmpl->aid_len < 5 || tmpl->aid_len > sizeof(tmpl->aid) ||
	    veuicc_gp_registry_find(r, tmpl->aid, tmpl->aid_len) >= 0)
		return VEUICC_ERR_INVALID_ARG;
	if (r->count == r->cap) {
		size_t n = r->cap ? r->cap * 2 : 4;
		/* not realloc: the old block holds ISD-P key sets to zeroise */
		veuicc_gp_entry *ne = calloc(n, sizeof(*ne));
		if (!ne)
			return VEUICC_ERR_NO_MEMORY;
		if (r->e) {
			memcpy(ne, r->e, r->count * sizeof(*ne));
			mbedtls_platform_zeroize(r->e, r->cap * sizeof(*ne));
			free(r->e);
		}
		r->e = ne;
		r->cap = n;
	}
	r->e[r->count] = *tmpl;
	memset(&r->e[r->count].rx, 0, sizeof(r->e[r->count].rx));
	if (index)
		*index = r->count;
	r->count++;
	return VEUICC_OK;
}

long veuicc_gp_registry_find_slot(const veuicc_gp_registry *r, long slot)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].kind == VEUICC_GP_ISDP && r->e[i].slot == slot)
			return (long)i;
	return -1;
}

long veuicc_gp_registry_fallback(const veuicc_gp_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].kind == VEUICC_GP_ISDP && r->e[i].fallback)
			return (long)i;
	return -1;
}

long veuicc_gp_registry_enabled(const veuicc_gp_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->e[i].kind == VEUICC_GP_ISDP && r->e[i].lcs == VEUICC_GP_LCS_ENABLED)
			return (long)i;
	return -1;
}

void veuicc_gp_registry_remove(veuicc_gp_registry *r, size_t index)
{
	if (index >= r->count)
		return;
	rx_free(&r->e[index].rx);
	memmove(&r->e[index], &r->e[index + 1], (r->count - index - 1) * sizeof(r->e[0]));
	r->count--;
	mbedtls_platform_zeroize(&r->e[r->count], sizeof(r->e[0])); /* key sets */
}

void veuicc_gp_rx_reset(veuicc_gp_rx *rx)
{
	if (rx->buf)
		mbedtls_platform_zeroize(rx->buf, rx->len);
	rx->len = 0;
	rx->active = false;
	rx->next = 0;
	rx->p1fmt = 0;
}

void veuicc_gp_registry_power_cycle(veuicc_gp_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		rx_free(&r->e[i].rx);
}

uint16_t veuicc_gp_rx_block(veuicc_gp_rx *rx, const veuicc_capdu *cmd, size_t max, bool *last)
{
	*last = false;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	uint8_t fmt = cmd->p1 & (uint8_t)~P1_LAST_BLOCK;
	if (!rx->active) {
		/* GP CS v2.3 §11.11.2.2: the first block of a sequence is 00 */
		if (cmd->p2 != 0)
			return VEUICC_SW_WRONG_P1P2;
		rx->len = 0;
		rx->active = true;
		rx->next = 0;
		rx->p1fmt = fmt;
	} else if (cmd->p2 != rx->next || fmt != rx->p1fmt) {
		veuicc_gp_rx_reset(rx);
		return VEUICC_SW_WRONG_P1P2;
	}
	if (cmd->lc > max || rx->len > max - cmd->lc) {
		veuicc_gp_rx_reset(rx);
		return VEUICC_SW_NOT_ENOUGH_MEMORY;
	}
	if (rx->len + cmd->lc > rx->cap) {
		size_t n = rx->cap ? rx->cap : 256;
		while (n < rx->len + cmd->lc)
			n *= 2;
		if (n > max)
			n = max;
		uint8_t *nb = malloc(n);
		if (!nb) {
			veuicc_gp_rx_reset(rx);
			return VEUICC_SW_NOT_ENOUGH_MEMORY;
		}
		if (rx->buf) {
			memcpy(nb, rx->buf, rx->len);
			mbedtls_platform_zeroize(rx->buf, rx->cap);
			free(rx->buf);
		}
		rx->buf = nb;
		rx->cap = n;
	}
	memcpy(rx->buf + rx->len, cmd->data, cmd->lc);
	rx->len += cmd->lc;
	rx->next = (uint8_t)(rx->next + 1);
	if (cmd->p1 & P1_LAST_BLOCK) {
		rx->active = false;
		*last = true;
	}
	return VEUICC_SW_OK;
}
