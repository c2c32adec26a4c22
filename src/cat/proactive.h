/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file proactive.h
 * \brief Proactive UICC (ETSI TS 102 221 §11.2.1, §11.2.3, §11.2.4, §14.7;
 *        TS 102 223 §5.2, §6): TERMINAL PROFILE, a bounded per-card queue of
 *        proactive commands announced with `91xx`, FETCH, TERMINAL RESPONSE,
 *        and REFRESH after a profile switch. See docs/cat.md.
 */
#ifndef VEUICC_CAT_PROACTIVE_H
#define VEUICC_CAT_PROACTIVE_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "veuicc/veuicc.h"

/* TS 102 223 §9.4 type of command */
#define VEUICC_CAT_CMD_REFRESH  0x01
#define VEUICC_CAT_CMD_SEND_SMS 0x13
/* TS 102 223 §8.7 device identities */
#define VEUICC_CAT_DEV_UICC     0x81
#define VEUICC_CAT_DEV_TERMINAL 0x82
#define VEUICC_CAT_DEV_NETWORK  0x83
/* TS 102 223 §5.2 TERMINAL PROFILE: byte index (0-based) and bit */
#define VEUICC_CAT_TP_REFRESH_BYTE       2 /* third byte */
#define VEUICC_CAT_TP_REFRESH_BIT        0x80
#define VEUICC_CAT_TP_SEND_SMS_BYTE      3 /* fourth byte */
#define VEUICC_CAT_TP_SEND_SMS_BIT       0x02
#define VEUICC_CAT_TP_EUICC_REFRESH_BYTE 33   /* 34th byte: REFRESH "eUICC Profile */
#define VEUICC_CAT_TP_EUICC_REFRESH_BIT  0x20 /* State Change" mode (b6) */
/* REFRESH qualifiers (TS 102 223 §8.6; docs/spec-decisions.md CT6) */
#define VEUICC_CAT_REFRESH_UICC_RESET   0x04
#define VEUICC_CAT_REFRESH_EUICC_CHANGE 0x09

/**
 * TERMINAL PROFILE (INS 10), FETCH (INS 12), TERMINAL RESPONSE (INS 14) for
 * \p card. \returns the status word, or 0 when \p cmd is none of them.
 */
uint16_t veuicc_cat_proactive_cmd(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * Engine hook (engine.h uicc_pending): the length of the proactive command
 * waiting to be fetched, 0 if none. \p card is a veuicc_card *.
 */
size_t veuicc_cat_pending(void *card);

/** Non-zero when the TERMINAL PROFILE of this session sets bit \p bit of
 *  byte \p byte (0-based); 0 without a TERMINAL PROFILE. */
int veuicc_cat_tp_has(const veuicc_card *card, size_t byte, uint8_t bit);

/** Free places in the proactive queue. */
size_t veuicc_cat_queue_free(const veuicc_card *card);

/**
 * Queue a proactive command `D0 { 81 03 nn type qualifier, 82 02 81 dest,
 * body }`; nn is the next command number. \p body holds the further
 * COMPREHENSION-TLVs. \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY (queue full),
 * VEUICC_ERR_INVALID_ARG (too long).
 */
int veuicc_cat_queue(veuicc_card *card, uint8_t type, uint8_t qualifier, uint8_t dest,
                     const uint8_t *body, size_t len);

/**
 * The active profile changed by an ES5, OTA, Fall-Back or Emergency switch:
 * queue REFRESH if the terminal said it supports REFRESH (at once, or after
 * the PoR of the OTA packet being run): "eUICC Profile State Change" when its
 * TERMINAL PROFILE offers that mode, else "UICC Reset".
 */
void veuicc_cat_profile_changed(veuicc_card *card);

/** Queue the REFRESH and notification SMSs an OTA packet caused, once its
 *  PoR is queued. */
void veuicc_cat_packet_done(veuicc_card *card);

/** A reset or power-off ends the card session: TERMINAL PROFILE, pending
 *  proactive commands, the notifications sent in it and a partial
 *  concatenated SMS are forgotten. */
void veuicc_cat_session_reset(veuicc_card *card);

#endif /* VEUICC_CAT_PROACTIVE_H */
