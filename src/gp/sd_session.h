/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sd_session.h
 * \brief SCP03 secure channel sessions of the card's security domains (GP CS
 *        v2.3 Amendment D) and the access policy of their functions
 *        (docs/scp03.md "Sessions on the security domains").
 *
 * One session per logical channel, bound to the security domain selected
 * on it; closed on deselect, reset, channel close, SM error and a new
 * INITIALIZE UPDATE. The ISD-R's SCP03 key sets are the factory ones
 * (core/factory.h); an ISD-P gets its own by PUT KEY. Sequence counters,
 * ISD-P key sets and ISD-P connectivity parameters are kept per card and
 * saved in the card file (core/state.c, record gp/scp03).
 *
 * Policy: once a domain's keys are set (see veuicc_sd_protected()), its
 * functions accept only commands that arrive through the SCP80 OTA context
 * (veuicc_card.ota_secured) or in an SCP03 session at a sufficient level;
 * others get 6982. veuicc_config.test_mode re-opens the plain path.
 */
#ifndef VEUICC_GP_SD_SESSION_H
#define VEUICC_GP_SD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"

/** A function of a security domain (the plain command processor). */
typedef uint16_t (*veuicc_sd_fn)(void *arg, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** Sequence counter of one SCP03 key set (Amd D §6.2.2.1). */
typedef struct veuicc_sd_counter {
	uint8_t kvn;
	uint32_t seq;
} veuicc_sd_counter;

/** A security domain whose key sets and counters its owner keeps: a
 *  profile's security domain (gp/mnosd.c). */
typedef struct veuicc_sd_ext {
	const veuicc_keyset *set; /**< its SCP03 key sets (key1 ENC, key2 MAC, key3 DEK) */
	size_t count;
	size_t nkeys;           /**< keys it holds of any kind (policy: protected when > 0) */
	veuicc_sd_counter *ctr; /**< its sequence counters, updated in place */
	uint8_t *nctr;          /**< how many are in use */
	uint8_t max;            /**< room in ctr */
} veuicc_sd_ext;

/** Which security domain a command is addressed to. */
typedef struct veuicc_sd_target {
	bool isdr;          /**< true: the ISD-R; false: an ISD-P or \p ext */
	const uint8_t *aid; /**< its AID */
	size_t aid_len;
	veuicc_sd_ext *ext; /**< NULL, or the key sets and counters of a profile SD */
} veuicc_sd_target;

/**
 * Process \p cmd for the domain \p t: INITIALIZE UPDATE / EXTERNAL
 * AUTHENTICATE open the channel's session; in an open session the command
 * is unwrapped (C-MAC, C-DEC), checked against the level the function
 * needs, given to \p fn and its response wrapped (R-MAC, R-ENC); without a
 * session the policy decides whether \p fn sees the plain command.
 * \returns the status word (rsp holds the response data)
 */
uint16_t veuicc_sd_process(veuicc_card *card, const veuicc_sd_target *t, const veuicc_capdu *cmd,
                           veuicc_rsp *rsp, veuicc_sd_fn fn, void *arg);

/** The domain selected on \p channel changes (select, deselect, channel
 *  close, reset): its sessions on that channel end (keys zeroised). */
void veuicc_sd_channel_reset(veuicc_card *card, uint8_t channel);

/** KVN of the key set of the SCP03 session open on \p channel for the
 *  domain \p aid, or -1 when there is none (PUT KEY takes its DEK). */
int veuicc_sd_session_kvn(const veuicc_card *card, uint8_t channel, const uint8_t *aid,
                          size_t aid_len);

/** ISD-P \p aid was deleted: its counters and sessions go (its key sets
 *  and connectivity parameters go with its registry entry). */
void veuicc_sd_forget(veuicc_card *card, const uint8_t *aid, size_t aid_len);

/** A new ISD-R key set \p kvn (SM-SR change, euicc/smsr_change.c): its SCP03
 *  sequence counter starts at \p seq. */
void veuicc_sd_isdr_keyset_added(veuicc_card *card, uint8_t kvn, uint32_t seq);

/** The ISD-R key set \p kvn was deleted: its counter goes and the ISD-R
 *  sessions opened with it end. */
void veuicc_sd_isdr_keyset_removed(veuicc_card *card, uint8_t kvn);

/** True when the domain's functions refuse plain commands (keys set and not
 *  in test mode): the ISD-R once it has a key set; an ISD-P once it or the
 *  ISD-R has one (docs/spec-decisions.md S3-2). */
bool veuicc_sd_protected(const veuicc_card *card, const veuicc_sd_target *t);

/**
 * PUT KEY on ISD-P \p aid (GP CS v2.3 §11.8): unwraps with the DEK of the
 * ISD-P's current session key set, else of its first SCP03 key set, else
 * (initial key set) of the ISD-R's default SCP03 key set (S3-4).
 * \returns the status word
 */
uint16_t veuicc_sd_isdp_put_key(veuicc_card *card, const uint8_t *aid, size_t aid_len,
                                const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * Persistent part (the SCP03 sequence counters of the factory and PUT KEY
 * key sets; the key sets are the registry's) as one
 * record for the card file. \returns VEUICC_OK with *out = NULL when there
 * is nothing to keep, VEUICC_ERR_NO_MEMORY. The caller frees *out.
 */
int veuicc_sd_state_save(const veuicc_card *card, uint8_t **out, size_t *len);

/** Restore a record written by veuicc_sd_state_save(). \returns VEUICC_OK,
 *  VEUICC_ERR_MALFORMED, VEUICC_ERR_NO_MEMORY */
int veuicc_sd_state_load(veuicc_card *card, const uint8_t *in, size_t len);

/** Install a complete profile package into the ISD-P (euicc/isdp.c): the
 *  result (EUICCResponse) goes to \p res. \returns VEUICC_OK or an error. */
typedef int (*veuicc_sd_install_fn)(void *arg, const uint8_t *pkg, size_t len, uint8_t *res,
                                    size_t cap, size_t *res_len);

/**
 * ES8 download in SCP03t (SGP.02 §4.1.3.3): process the command TLVs
 * \p data sent to ISD-P \p aid by STORE DATA, with the ISD-P's session (one
 * per ISD-P, kept across selections until a reset) and key sets. The
 * deciphered segments accumulate until the package's last ProfileElement
 * (PE-End) is complete, then \p install runs. Response TLVs go to \p rsp.
 * \returns the status word: 9000 (response TLVs, possibly an error TLV),
 *          6A80 (not a sequence of 84/85/86 TLVs), 6581 / 6A84 (memory)
 */
uint16_t veuicc_sd_scp03t(veuicc_card *card, const uint8_t *aid, size_t aid_len,
                          const uint8_t *data, size_t len, veuicc_rsp *rsp,
                          veuicc_sd_install_fn install, void *arg);

/** Power loss / reset: SCP03t sessions and partial packages end. */
void veuicc_sd_power_cycle(veuicc_card *card);

/** Free the session state of a card (secrets zeroised). NULL is ignored. */
void veuicc_sd_free(struct veuicc_sd *sd);

#endif /* VEUICC_GP_SD_SESSION_H */
