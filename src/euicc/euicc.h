/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file euicc.h
 * \brief The eUICC security domains (SGP.02 §2.2.1): ISD-R and ECASD, always
 *        present, and the ISD-Ps the ISD-R creates; each registered in the
 *        card's APDU engine by its SGP.02 AID and in its GP registry.
 */
#ifndef VEUICC_EUICC_EUICC_H
#define VEUICC_EUICC_EUICC_H

#include <stdint.h>

#include "core/card.h"

/* SGP.02 Annex H / §2.2.3: RID A000000559 (GSMA), PIX 1010 FFFFFFFF 89 xxxxxx 00 */
extern const uint8_t veuicc_aid_isdr[16];
extern const uint8_t veuicc_aid_ecasd[16];
/** ISD-P Executable Load File and Executable Module (digest §1.2 [I]). */
extern const uint8_t veuicc_aid_isdp_elf[16];
extern const uint8_t veuicc_aid_isdp_em[16];

/** First ISD-P application number (bytes 13-15 of the AID, digest §1.2 [I]). */
#define VEUICC_ISDP_NUMBER_FIRST 0x000010u

/** SW 69E1: "POL1 of the Profile prevents this action" (SGP.02, digest §3.2). */
#define VEUICC_SW_POL1_FORBIDS 0x69E1u

/* Emulated memory budget reported by GET DATA FF21 (docs/euicc.md). */
#define VEUICC_EUICC_NVM_BYTES (2u * 1024u * 1024u)
#define VEUICC_EUICC_VM_BYTES  (256u * 1024u)

/** Install the ISD-R and the ECASD on a new card. */
int veuicc_euicc_install(veuicc_card *card);

/** True if \p aid has the ISD-P instance form A0000005591010FFFFFFFF89 nnnnnn 00
 *  with nnnnnn >= VEUICC_ISDP_NUMBER_FIRST. */
int veuicc_isdp_aid_valid(const uint8_t *aid, size_t len);

/**
 * Register an ISD-P's AID in the APDU engine (selectable from now on). An
 * engine entry left by a deleted ISD-P with the same AID is reused.
 */
int veuicc_isdp_register(veuicc_card *card, const uint8_t *aid, size_t len);

/** An ISD-P is deleted: channels on which it is selected lose the selection. */
void veuicc_isdp_detach(veuicc_card *card, const uint8_t *aid, size_t len);

/**
 * Create the ISD-P of a profile installed through the public API: AID
 * A0000005591010FFFFFFFF89 nnnnnn 00 with the lowest free nnnnnn from
 * 000010, state DISABLED, and the Fall-Back Attribute if no ISD-P holds it.
 */
int veuicc_isdp_create_implicit(veuicc_card *card, long slot, uint8_t pol1, size_t used);

/** Set the ISD-P states from the active profile: its ISD-P ENABLED, the
 *  ISD-P that was ENABLED before DISABLED. */
void veuicc_isdp_sync_states(veuicc_card *card);

/** Non-zero when the enabled profile is the Test Profile (test_profile.c). */
int veuicc_test_profile_enabled(const veuicc_card *card);

/** Bytes of NVM not reserved or used by ISD-Ps. */
size_t veuicc_euicc_free_nvm(const veuicc_card *card);

/** Bytes of VM not held by STORE DATA reception buffers. */
size_t veuicc_euicc_free_vm(const veuicc_card *card);

/** ISD-R application operations. */
extern const veuicc_applet_ops veuicc_isdr_ops;
/** ECASD application operations; the context is the ECASD object made by
 *  veuicc_ecasd_install() (euicc/ecasd.h), which the engine owns. */
extern const veuicc_applet_ops veuicc_ecasd_ops;
/** ISD-P application operations (ctx from veuicc_isdp_register). */
extern const veuicc_applet_ops veuicc_isdp_ops;

#endif /* VEUICC_EUICC_EUICC_H */
