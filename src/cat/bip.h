/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file bip.h
 * \brief The card's SCP81 admin session over a BIP channel (GP Amd B,
 *        SGP.02 §2.4.4; ETSI TS 102 223 §6.4.27-31, §7.5.10-11): the PUSH
 *        starts it; SET UP EVENT LIST, GET CHANNEL STATUS and OPEN CHANNEL
 *        (TCP client) follow the PoR; PSK-TLS 1.2 (mbedtls, non-blocking, its records carried in
 *        SEND DATA / RECEIVE DATA); HTTP POSTs whose answers are remote APDU
 *        scripts for the ISD-R; CLOSE CHANNEL at the end. Everything is driven
 *        from TERMINAL RESPONSE and the Data available / Channel status event
 *        ENVELOPEs (a retry delay with TIMER MANAGEMENT and its expiration
 *        ENVELOPE): no thread, no clock of its own, state in card->cat. See
 *        docs/scp81.md.
 */
#ifndef VEUICC_CAT_BIP_H
#define VEUICC_CAT_BIP_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "veuicc/veuicc.h"

/* TS 102 223 §9.4 type of command */
#define VEUICC_CAT_CMD_SETUP_EVENTS   0x05
#define VEUICC_CAT_CMD_TIMER          0x27 /* TIMER MANAGEMENT */
#define VEUICC_CAT_CMD_OPEN_CHANNEL   0x40
#define VEUICC_CAT_CMD_CLOSE_CHANNEL  0x41
#define VEUICC_CAT_CMD_RECEIVE_DATA   0x42
#define VEUICC_CAT_CMD_SEND_DATA      0x43
#define VEUICC_CAT_CMD_CHANNEL_STATUS 0x44
/* TS 102 223 §8.25 events */
#define VEUICC_CAT_EVT_DATA_AVAILABLE 0x09
#define VEUICC_CAT_EVT_CHANNEL_STATUS 0x0A
/* TS 102 223 §9.3 BER-TLV tag of an event download ENVELOPE */
#define VEUICC_CAT_TAG_EVENT_DOWNLOAD 0xD6
#define VEUICC_CAT_TAG_TIMER_EXPIRY   0xD7

struct veuicc_bip;

/** Version byte of the card-file record of veuicc_bip_save(). */
#define VEUICC_BIP_RECORD_V1 0x01

/** Figures of the card's admin sessions (tests, benchmarks). */
typedef struct veuicc_bip_stats {
	unsigned sessions;      /**< admin sessions ended (either way) */
	unsigned attempts;      /**< OPEN CHANNEL attempts */
	unsigned failures;      /**< attempts that failed (channel, TLS, link) */
	unsigned busy;          /**< ... of them: GET CHANNEL STATUS showed no free channel */
	unsigned posts;         /**< HTTP POSTs sent */
	unsigned scripts;       /**< scripts run */
	unsigned isdp_scripts;  /**< ... of them on an ISD-P (X-Admin-Targeted-Application) */
	unsigned not_run;       /**< scripts refused for their target (status other than ok) */
	int last_ok;            /**< the last session ended with 204 and CLOSE CHANNEL */
	int last_error;         /**< mbedtls or veuicc error code of the last failure */
	size_t tx_bytes;        /**< bytes in SEND DATA (TLS records) */
	size_t rx_bytes;        /**< bytes in RECEIVE DATA */
	unsigned notifications; /**< sessions the card opened for a notification */
} veuicc_bip_stats;

/**
 * ISD-R PUSH `80 EC 01 01` (GP Amd B §2.4.4 / TS 102 226 §9.2): parse the
 * triggering parameters, select the PSK and arm the session; SET UP EVENT
 * LIST and OPEN CHANNEL are queued when the running OTA packet is done (its
 * PoR first), at once for a PUSH outside a packet (test mode).
 * \returns 9000; 6A86 (P1 P2); 6A80 (parameters); 6A88 (no SCP81 key set);
 *          6985 (a session is running, or the TERMINAL PROFILE offers no
 *          BIP TCP client with the events)
 */
uint16_t veuicc_bip_push(veuicc_card *card, const veuicc_capdu *cmd);

/** Called by veuicc_cat_packet_done(): start an armed session. */
void veuicc_bip_packet_done(veuicc_card *card);

/**
 * The TERMINAL RESPONSE \p tr (its COMPREHENSION-TLVs) to the BIP command
 * of type \p type just fetched (SET UP EVENT LIST, GET CHANNEL STATUS, OPEN
 * CHANNEL, SEND DATA, RECEIVE DATA, CLOSE CHANNEL, TIMER MANAGEMENT); the
 * session goes on from it. Called by the
 * proactive layer after it accepted the response.
 */
void veuicc_bip_terminal_response(veuicc_card *card, uint8_t type, const uint8_t *tr, size_t len);

/**
 * Event download ENVELOPE value (after D6 L): Data available or Channel
 * status of the session's channel. \returns 9000, 6A81 (another event:
 * not supported) or 6A80 (malformed, no such channel).
 */
uint16_t veuicc_bip_event(veuicc_card *card, const uint8_t *v, size_t len);

/** veuicc_bip_notify() results */
#define VEUICC_BIP_NOTIFY_HTTPS 0 /**< a session was started for it */
#define VEUICC_BIP_NOTIFY_LATER 1 /**< not now (a session runs, a REFRESH waits): keep it */
#define VEUICC_BIP_NOTIFY_SMS   2 /**< no HTTPS: send it by SMS */

/**
 * SGP.02 §3.15.2: send the notification \p notif (E1 template) over HTTPS:
 * when an admin session ended with 204 since the card object exists (its
 * parameters are remembered, in RAM only) and the terminal offers BIP, the
 * card opens a session of its own to the same server whose first POST goes
 * to the admin URI with `?msg=<hex of the notification>`; the server answers
 * with scripts (e.g. the confirmation) or 204. \returns VEUICC_BIP_NOTIFY_*
 */
int veuicc_bip_notify(veuicc_card *card, const uint8_t *notif, size_t len);

/**
 * Timer expiration ENVELOPE value (after D7 L, TS 102 223 §7.4): the retry
 * timer of a session waiting for its next attempt starts it.
 * \returns 9000, 6A81 (no such timer of the card's), 6A80 (malformed)
 */
uint16_t veuicc_bip_timer(veuicc_card *card, const uint8_t *v, size_t len);

/** A reset ends the session: the channel is gone (TS 102 223 §6.4.27). */
void veuicc_bip_reset(veuicc_card *card);

/** Free the session state (card free). NULL is ignored. */
void veuicc_bip_free(struct veuicc_bip *b);

/** The card's session figures into \p out (zeros before any session). */
void veuicc_bip_get_stats(const veuicc_card *card, veuicc_bip_stats *out);

/** Non-zero while an admin session is armed or running. */
int veuicc_bip_active(const veuicc_card *card);

/**
 * The remembered HTTPS parameters of the last admin session that ended with
 * 204 (H81-15, H81-19) as the card-file record scp81/last (core/state.c):
 * version, OPEN CHANNEL TLVs, buffer size, address, port, PSK identity,
 * key reference (KVN, key id: the PSK itself stays in the key set), retry
 * policy, host, agent ID, URI. \p *out = NULL when nothing is remembered.
 * \returns VEUICC_OK or VEUICC_ERR_NO_MEMORY
 */
int veuicc_bip_save(const veuicc_card *card, uint8_t **out, size_t *len);

/**
 * Remember the parameters of a record of veuicc_bip_save() (a card opened
 * from its file or a snapshot).
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_NO_MEMORY
 */
int veuicc_bip_load(veuicc_card *card, const uint8_t *rec, size_t len);

#endif /* VEUICC_CAT_BIP_H */
