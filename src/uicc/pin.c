/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PINs, PUKs and the PIN commands of ETSI TS 102 221: key references §9.5.1
 * (Table 9.3), VERIFY PIN §11.1.9, CHANGE PIN §11.1.10, DISABLE PIN
 * §11.1.11, ENABLE PIN §11.1.12, UNBLOCK PIN §11.1.13; status words §10.2.1
 * (63Cx: verification failed, x tries left; 6983: blocked).
 */
#include "uicc/pin.h"

#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

#include "apdu/sw.h"

/* TS 102 221 §10.1.2 Table 10.5 */
#define INS_VERIFY_PIN  0x20
#define INS_CHANGE_PIN  0x24
#define INS_DISABLE_PIN 0x26
#define INS_ENABLE_PIN  0x28
#define INS_UNBLOCK_PIN 0x2C

/* §11.1.11.2: DISABLE PIN P1 b8 = 1, no alternative global key reference;
 * 00 is what terminals commonly send for the same */
#define DISABLE_P1_NO_ALT 0x80
#define PIN_PAD           0xFF
#define PIN_MIN_DIGITS    4

/* §10.2.1.5: 63Cx, verification failed with x retries left */
#define SW_VERIFY_FAILED 0x63C0u
/* ISO 7816-4 §5.6: 6984 reference data not usable (a disabled PIN) */
#define SW_REF_DATA_NOT_USABLE 0x6984u

bool veuicc_pin_ref_valid(uint8_t r)
{
	uint8_t g = r & (uint8_t)~VEUICC_PIN_REF_LOCAL;
	if (r == VEUICC_PIN_REF_UNIVERSAL)
		return true;
	return (g >= 0x01 && g <= 0x08) || (g >= 0x0A && g <= 0x0E);
}

void veuicc_pin_params_init(veuicc_pin_params *p, uint8_t key_ref)
{
	memset(p, 0, sizeof(*p));
	p->key_ref = key_ref;
	p->max_tries = 3;
	p->tries_left = 3;
	p->enabled = true;
	/* application PINs and the universal PIN may be disabled (§9.5.1);
	 * PIN2 and ADM keys usually may not */
	p->can_disable =
	    key_ref == VEUICC_PIN_REF_UNIVERSAL || (key_ref >= 0x01 && key_ref <= 0x08);
}

/* A value of 1..8 bytes padded with FF to 8. */
static bool set_value(uint8_t out[VEUICC_PIN_LEN], const uint8_t *v, size_t len)
{
	if (!v || len == 0 || len > VEUICC_PIN_LEN)
		return false;
	memset(out, PIN_PAD, VEUICC_PIN_LEN);
	memcpy(out, v, len);
	return true;
}

static bool tries_ok(uint8_t max, uint8_t left)
{
	return max >= 1 && max <= VEUICC_PIN_TRIES_MAX && left <= max;
}

veuicc_pin *veuicc_pin_find(veuicc_pin_table *t, uint8_t key_ref, const struct veuicc_fs_node *adf)
{
	bool local = key_ref & VEUICC_PIN_REF_LOCAL;
	if (local && !adf)
		return NULL;
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		veuicc_pin *p = &t->pin[i];
		if (p->key_ref == key_ref && key_ref && (!local || p->adf == adf))
			return p;
	}
	return NULL;
}

static veuicc_puk *find_puk(veuicc_pin_table *t, uint8_t key_ref)
{
	if (!key_ref)
		return NULL;
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++)
		if (t->puk[i].key_ref == key_ref)
			return &t->puk[i];
	return NULL;
}

int veuicc_pin_add(veuicc_pin_table *t, const veuicc_pin_params *p)
{
	if (!t || !p || !veuicc_pin_ref_valid(p->key_ref) ||
	    !tries_ok(p->max_tries, p->tries_left) || p->value_len > VEUICC_PIN_LEN)
		return VEUICC_ERR_INVALID_ARG;
	bool local = p->key_ref & VEUICC_PIN_REF_LOCAL;
	if (local != (p->adf != NULL) || veuicc_pin_find(t, p->key_ref, p->adf))
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		veuicc_pin *e = &t->pin[i];
		if (e->key_ref)
			continue;
		if (!set_value(e->value, p->value, p->value_len))
			return VEUICC_ERR_INVALID_ARG;
		e->key_ref = p->key_ref;
		e->adf = p->adf;
		e->max_tries = p->max_tries;
		e->tries_left = p->tries_left;
		e->puk_ref = p->puk_ref;
		e->attributes = p->attributes;
		e->enabled = p->enabled;
		e->can_disable = p->can_disable;
		e->verified = false;
		return VEUICC_OK;
	}
	return VEUICC_ERR_NO_MEMORY;
}

int veuicc_pin_add_puk(veuicc_pin_table *t, uint8_t key_ref, const uint8_t *value, size_t value_len,
                       uint8_t max_tries, uint8_t tries_left)
{
	if (!t || !key_ref || !tries_ok(max_tries, tries_left) || find_puk(t, key_ref))
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++) {
		veuicc_puk *e = &t->puk[i];
		if (e->key_ref)
			continue;
		if (!set_value(e->value, value, value_len))
			return VEUICC_ERR_INVALID_ARG;
		e->key_ref = key_ref;
		e->max_tries = max_tries;
		e->tries_left = tries_left;
		return VEUICC_OK;
	}
	return VEUICC_ERR_NO_MEMORY;
}

bool veuicc_pin_satisfied(const veuicc_pin *p)
{
	return p && p->tries_left > 0 && (!p->enabled || p->verified);
}

void veuicc_pin_reset_status(veuicc_pin_table *t, const struct veuicc_fs_node *adf)
{
	for (size_t i = 0; i < VEUICC_PIN_TABLE_MAX; i++)
		if (!adf || t->pin[i].adf == adf)
			t->pin[i].verified = false;
}

void veuicc_pin_table_clear(veuicc_pin_table *t)
{
	mbedtls_platform_zeroize(t, sizeof(*t));
}

/* §9.5.1: a new PIN is 4 to 8 ASCII digits, padded with FF. */
static bool pin_format_ok(const uint8_t *v)
{
	size_t n = 0;
	while (n < VEUICC_PIN_LEN && v[n] >= '0' && v[n] <= '9')
		n++;
	if (n < PIN_MIN_DIGITS)
		return false;
	for (size_t i = n; i < VEUICC_PIN_LEN; i++)
		if (v[i] != PIN_PAD)
			return false;
	return true;
}

static bool value_eq(const uint8_t a[VEUICC_PIN_LEN], const uint8_t *b)
{
	return mbedtls_ct_memcmp(a, b, VEUICC_PIN_LEN) == 0;
}

static uint16_t sw_tries(uint8_t left)
{
	return (uint16_t)(SW_VERIFY_FAILED | (left & 0x0F));
}

/* Check a PIN value: a wrong one uses a try (never below 0) and clears the
 * security status; a right one gives all tries back. */
static bool check_pin(veuicc_pin *p, const uint8_t *v)
{
	if (!value_eq(p->value, v)) {
		if (p->tries_left)
			p->tries_left--;
		p->verified = false;
		return false;
	}
	p->tries_left = p->max_tries;
	return true;
}

/* §11.1.9 VERIFY PIN: data 8 bytes; no data asks for the retry counter. */
static uint16_t verify(veuicc_pin *p, const veuicc_capdu *cmd)
{
	if (cmd->lc == 0) {
		/* §11.1.9.1: 9000 when no verification is needed, else 63Cx */
		if (p->tries_left && (!p->enabled || p->verified))
			return VEUICC_SW_OK;
		return sw_tries(p->tries_left);
	}
	if (cmd->lc != VEUICC_PIN_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	if (!p->tries_left)
		return VEUICC_SW_AUTH_BLOCKED;
	if (!check_pin(p, cmd->data))
		return sw_tries(p->tries_left);
	p->verified = true;
	return VEUICC_SW_OK;
}

/* §11.1.10 CHANGE PIN: old PIN || new PIN. */
static uint16_t change(veuicc_pin *p, const veuicc_capdu *cmd)
{
	if (cmd->lc != 2 * VEUICC_PIN_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	if (!p->tries_left)
		return VEUICC_SW_AUTH_BLOCKED;
	if (!p->enabled)
		return SW_REF_DATA_NOT_USABLE;
	if (!pin_format_ok(cmd->data + VEUICC_PIN_LEN))
		return VEUICC_SW_WRONG_DATA;
	if (!check_pin(p, cmd->data))
		return sw_tries(p->tries_left);
	memcpy(p->value, cmd->data + VEUICC_PIN_LEN, VEUICC_PIN_LEN);
	p->verified = true;
	return VEUICC_SW_OK;
}

/* §11.1.11 DISABLE PIN / §11.1.12 ENABLE PIN: data the PIN. */
static uint16_t enable_disable(veuicc_pin *p, const veuicc_capdu *cmd, bool enable)
{
	if (cmd->lc != VEUICC_PIN_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	if (!p->tries_left)
		return VEUICC_SW_AUTH_BLOCKED;
	if ((!enable && !p->can_disable) || p->enabled == enable)
		return VEUICC_SW_COND_NOT_SATISFIED;
	if (!check_pin(p, cmd->data))
		return sw_tries(p->tries_left);
	p->enabled = enable;
	p->verified = true;
	return VEUICC_SW_OK;
}

/* §11.1.13 UNBLOCK PIN: PUK || new PIN; no data asks for the PUK's counter. */
static uint16_t unblock(veuicc_pin_table *t, veuicc_pin *p, const veuicc_capdu *cmd)
{
	veuicc_puk *k = find_puk(t, p->puk_ref);
	if (!k)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	if (cmd->lc == 0)
		return k->tries_left ? sw_tries(k->tries_left) : VEUICC_SW_AUTH_BLOCKED;
	if (cmd->lc != 2 * VEUICC_PIN_LEN)
		return VEUICC_SW_WRONG_LENGTH;
	if (!k->tries_left)
		return VEUICC_SW_AUTH_BLOCKED;
	if (!pin_format_ok(cmd->data + VEUICC_PIN_LEN))
		return VEUICC_SW_WRONG_DATA;
	if (!value_eq(k->value, cmd->data)) {
		k->tries_left--;
		return sw_tries(k->tries_left);
	}
	k->tries_left = k->max_tries;
	memcpy(p->value, cmd->data + VEUICC_PIN_LEN, VEUICC_PIN_LEN);
	p->tries_left = p->max_tries;
	p->verified = true;
	return VEUICC_SW_OK;
}

uint16_t veuicc_pin_command(veuicc_pin_table *t, const struct veuicc_fs_node *adf,
                            const veuicc_capdu *cmd)
{
	if (cmd->ins == INS_DISABLE_PIN) {
		/* the universal PIN as replacement (P1 = its key reference) is
		 * not supported */
		if (cmd->p1 != 0 && cmd->p1 != DISABLE_P1_NO_ALT)
			return VEUICC_SW_WRONG_P1P2;
	} else if (cmd->p1 != 0) {
		return VEUICC_SW_WRONG_P1P2;
	}
	if (!veuicc_pin_ref_valid(cmd->p2))
		return VEUICC_SW_WRONG_P1P2;
	veuicc_pin *p = veuicc_pin_find(t, cmd->p2, adf);
	if (!p)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	switch (cmd->ins) {
	case INS_VERIFY_PIN: return verify(p, cmd);
	case INS_CHANGE_PIN: return change(p, cmd);
	case INS_DISABLE_PIN: return enable_disable(p, cmd, false);
	case INS_ENABLE_PIN: return enable_disable(p, cmd, true);
	case INS_UNBLOCK_PIN: return unblock(t, p, cmd);
	default: return VEUICC_SW_INS_NOT_SUPP;
	}
}
