/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file envelope.h
 * \brief CAT ENVELOPE (ETSI TS 102 221 §11.2.2, TS 102 223 §7.1) with SMS-PP
 *        data download (3GPP TS 31.111 §7.1.1) carrying SCP80 command packets
 *        for the ISD-R (ETSI TS 102 225 / 102 226, 3GPP TS 31.115, SGP.02
 *        §2.4.3). See docs/cat.md.
 *
 * The card's engine hands every proprietary-class command to
 * veuicc_cat_uicc_cmd() before the selected application: ENVELOPE is a
 * command to the UICC as a whole, whatever is selected on the channel.
 */
#ifndef VEUICC_CAT_ENVELOPE_H
#define VEUICC_CAT_ENVELOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/factory.h"
#include "veuicc/veuicc.h"

/** Per-card CAT / OTA state (SCP80 counters of the ISD-R key sets). */
struct veuicc_cat;

/**
 * Engine hook for card-level commands (engine.h uicc_cmd): processes
 * ENVELOPE (CLA 8x, INS C2) for \p card (a veuicc_card *) and writes the
 * response data to \p rsp. \returns the status word, or 0 when the command is
 * not a card-level command and goes to the selected application.
 */
uint16_t veuicc_cat_uicc_cmd(void *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** Size of the counter image veuicc_cat_counters_get() writes: 5 bytes
 *  (TS 102 225 CNTR) for each ISD-R key set index. */
#define VEUICC_CAT_COUNTERS_LEN (5 * VEUICC_FACTORY_KEYSETS_MAX)

/**
 * The SCP80 replay counters of the ISD-R key sets, for card files: writes
 * VEUICC_CAT_COUNTERS_LEN bytes to \p out. \returns 1 if the card has used
 * any counter (there is something to keep), else 0 (nothing written).
 */
int veuicc_cat_counters_get(const veuicc_card *card, uint8_t out[VEUICC_CAT_COUNTERS_LEN]);

/** Restore counters saved by veuicc_cat_counters_get(). \returns VEUICC_OK,
 *  VEUICC_ERR_MALFORMED (wrong length), VEUICC_ERR_NO_MEMORY. */
int veuicc_cat_counters_set(veuicc_card *card, const uint8_t *in, size_t len);

/** An ISD-R key set was appended at index \p idx: its SCP80 counter starts
 *  at 0 (SGP.02 SM-SR change, euicc/smsr_change.c). */
void veuicc_cat_keyset_added(veuicc_card *card, size_t idx);

/** The ISD-R key set at index \p idx was deleted: the counters of the sets
 *  after it move down with them (counters are kept by key set index). */
void veuicc_cat_keyset_removed(veuicc_card *card, size_t idx);

/** True while a command of an ISD-R SCP80 packet runs whose KIc or KID
 *  names key set \p kvn (the key set protecting that very command). */
bool veuicc_cat_isdr_kvn_in_use(const veuicc_card *card, uint8_t kvn);

/**
 * Run one C-APDU of a remote APDU script on the ISD-R (the remote_apdu.h
 * callback; \p ctx is the card): SCP80 scripts and SCP81 admin scripts
 * alike, with card->ota_secured set while it runs.
 */
int veuicc_cat_exec_isdr(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                         size_t *rlen);

/** An application's command handler (veuicc_applet_ops.process). */
typedef uint16_t (*veuicc_cat_process_fn)(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * Run one C-APDU of a remote script on the handler \p process (context
 * \p ctx) in the same hidden context as veuicc_cat_exec_isdr(): basic
 * channel, no secure messaging, card->ota_secured set while it runs. Used
 * for SCP81 scripts targeted at an ISD-P (cat/bip_target.c).
 */
int veuicc_cat_exec_on(veuicc_card *card, veuicc_cat_process_fn process, void *ctx,
                       const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap, size_t *rlen);

/** Free the CAT state of a card (counters wiped). NULL is ignored. */
void veuicc_cat_free(struct veuicc_cat *cat);

#endif /* VEUICC_CAT_ENVELOPE_H */
