/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file pin.h
 * \brief PINs and PUKs of one UICC profile (ETSI TS 102 221 §9.5) and the
 *        PIN commands VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN
 *        (§11.1.9 to §11.1.13).
 *
 * A profile has one table of PINs, keyed by key reference (TS 102 221
 * §9.5.1 Table 9.3): global references 01-08 (application PINs), 0A-0E
 * (ADM), 11 (universal PIN) belong to the whole profile; local references
 * 81-88 (second application PINs, e.g. PIN2) and 8A-8E (local ADM) belong to
 * one ADF. The PUKs (unblocking PINs) are a second table, with their own key
 * references as the SAIP pukCodes give them; a PIN names its PUK (SAIP
 * unblockingPINReference).
 *
 * Security status (our reading of TS 102 221 §9.5 and §8.6, documented in
 * docs/decisions/0002-uicc-security.md): the verification state of a PIN is card
 * wide, shared by every logical channel, from the successful verification
 * until the card is reset; a local PIN's state is also cleared when its
 * application is terminated (SELECT with P2 b7 set). A failed verification
 * clears it. A disabled PIN satisfies every access condition that names it.
 *
 * Retry counters never go below 0 or above their maximum (1..15, what the
 * 63Cx nibble can report). The PIN and PUK values are secrets: they are
 * compared in constant time and zeroised with the table.
 */
#ifndef VEUICC_UICC_PIN_H
#define VEUICC_UICC_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"
#include "veuicc/veuicc.h"

struct veuicc_fs_node;

/* Key references (TS 102 221 §9.5.1 Table 9.3). */
#define VEUICC_PIN_REF_PIN1      0x01 /**< application PIN 1 */
#define VEUICC_PIN_REF_PIN2      0x81 /**< second application PIN 1 (local) */
#define VEUICC_PIN_REF_ADM1      0x0A
#define VEUICC_PIN_REF_UNIVERSAL 0x11
/** b8 of a key reference: local (specific to an application). */
#define VEUICC_PIN_REF_LOCAL 0x80

/** A PIN or PUK value: 8 bytes, ASCII digits padded with FF (§9.5.1). */
#define VEUICC_PIN_LEN 8
/** Largest retry counter: what SW2 = Cx reports. */
#define VEUICC_PIN_TRIES_MAX 15
/** PINs and PUKs a profile holds. */
#define VEUICC_PIN_TABLE_MAX 16

/** One PIN. Read-only outside pin.c. */
typedef struct veuicc_pin {
	uint8_t key_ref;                  /**< 0: unused entry */
	const struct veuicc_fs_node *adf; /**< local PIN: its ADF; NULL: global */
	uint8_t value[VEUICC_PIN_LEN];
	uint8_t max_tries;  /**< 1..15 */
	uint8_t tries_left; /**< 0: blocked */
	uint8_t puk_ref;    /**< key reference of its PUK, 0: none */
	uint8_t attributes; /**< SAIP pinAttributes, stored as given */
	bool enabled;
	bool can_disable; /**< DISABLE PIN allowed (ADM and PIN2 usually not) */
	bool verified;    /**< security status, volatile (see the file comment) */
} veuicc_pin;

/** One PUK (unblocking PIN). */
typedef struct veuicc_puk {
	uint8_t key_ref; /**< 0: unused entry */
	uint8_t value[VEUICC_PIN_LEN];
	uint8_t max_tries;
	uint8_t tries_left;
} veuicc_puk;

/** The PINs and PUKs of a profile (a member of veuicc_fs). */
typedef struct veuicc_pin_table {
	veuicc_pin pin[VEUICC_PIN_TABLE_MAX];
	veuicc_puk puk[VEUICC_PIN_TABLE_MAX];
} veuicc_pin_table;

/** What the installer gives for one PIN (SAIP PINConfiguration). Fill with
 *  veuicc_pin_params_init(). */
typedef struct veuicc_pin_params {
	uint8_t key_ref;                  /**< SAIP keyReference */
	const struct veuicc_fs_node *adf; /**< the ADF of a local PIN (b8 set) */
	const uint8_t *value;             /**< SAIP pinValue, 4..8 bytes (padded FF here) */
	size_t value_len;
	uint8_t max_tries;  /**< SAIP maxNumOfAttemps (default 3) */
	uint8_t tries_left; /**< SAIP retryNumLeft (default max_tries) */
	uint8_t puk_ref;    /**< SAIP unblockingPINReference, 0: none */
	uint8_t attributes; /**< SAIP pinAttributes (stored, not interpreted) */
	bool enabled;       /**< default true */
	bool can_disable;   /**< default true for 01-08 and 11, false otherwise */
} veuicc_pin_params;

/** Defaults for \p key_ref: 3 tries, enabled, no PUK. */
void veuicc_pin_params_init(veuicc_pin_params *p, uint8_t key_ref);

/** True for a key reference TS 102 221 Table 9.3 assigns to a PIN. */
bool veuicc_pin_ref_valid(uint8_t key_ref);

/**
 * Add a PIN. A local key reference needs \p p->adf, a global one must have
 * none; the pair (key_ref, adf) must be new.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY (table full)
 */
int veuicc_pin_add(veuicc_pin_table *t, const veuicc_pin_params *p);

/**
 * Add a PUK (SAIP PUKConfiguration): \p key_ref unique among the PUKs,
 * \p value of 4..8 bytes, 1..15 tries with \p tries_left of them left.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY
 */
int veuicc_pin_add_puk(veuicc_pin_table *t, uint8_t key_ref, const uint8_t *value, size_t value_len,
                       uint8_t max_tries, uint8_t tries_left);

/**
 * The PIN that \p key_ref names for a file or command in application \p adf
 * (NULL: outside any application): a global reference names the profile's
 * PIN, a local one the PIN of \p adf. NULL if there is none.
 */
veuicc_pin *veuicc_pin_find(veuicc_pin_table *t, uint8_t key_ref, const struct veuicc_fs_node *adf);

/** True when the PIN satisfies an access condition: disabled, or verified. */
bool veuicc_pin_satisfied(const veuicc_pin *p);

/** Clear the security status: every PIN (\p adf NULL), or the local PINs
 *  of \p adf (application terminated). */
void veuicc_pin_reset_status(veuicc_pin_table *t, const struct veuicc_fs_node *adf);

/** Zeroise the table (values, counters). */
void veuicc_pin_table_clear(veuicc_pin_table *t);

/**
 * Process VERIFY PIN (INS 20), CHANGE PIN (24), DISABLE PIN (26), ENABLE PIN
 * (28) or UNBLOCK PIN (2C) of TS 102 221 §11.1.9 to §11.1.13 with the
 * current application \p adf (for local key references).
 * \returns the status word
 */
uint16_t veuicc_pin_command(veuicc_pin_table *t, const struct veuicc_fs_node *adf,
                            const veuicc_capdu *cmd);

#endif /* VEUICC_UICC_PIN_H */
