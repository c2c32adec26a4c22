/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file bip.h
 * \brief Terminal side of the Bearer Independent Protocol (ETSI TS 102 223
 *        §6.4.27-31, §7.5.10-11) for test benches: plays the terminal for
 *        a card's BIP proactive commands and bridges its channel to a real
 *        TCP socket, so the card's SCP81 admin session (docs/scp81.md) reaches
 *        an HTTPS server. One channel, TCP client mode.
 *
 * Use it in the FETCH loop of a terminal: hand every fetched proactive
 * command to veuicc_bip_term_proactive() (it answers the BIP ones), and when
 * nothing is pending call veuicc_bip_term_poll() for the Data available /
 * Channel status ENVELOPEs. veuicc_bip_term_run() does all of it over a
 * transmit callback.
 */
#ifndef VEUICC_BIP_H
#define VEUICC_BIP_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of the terminal helper; zeros are the defaults. */
typedef struct veuicc_bip_term_opts {
	const char *connect_host; /**< IPv4 or IPv6 address (text) to connect to
	                               instead of the OPEN CHANNEL's, NULL: its
	                               address (IPv4 `21` or IPv6 `57`) */
	uint16_t connect_port;    /**< port instead of the OPEN CHANNEL's, 0: its port */
	uint16_t buffer_max;      /**< largest buffer size granted, 0: 1500 */
} veuicc_bip_term_opts;

/** An opaque terminal helper (one BIP channel). */
typedef struct veuicc_bip_term veuicc_bip_term;

/** Figures of a helper. */
typedef struct veuicc_bip_term_stats {
	unsigned commands;   /**< BIP proactive commands answered */
	unsigned envelopes;  /**< event ENVELOPEs produced */
	unsigned opens;      /**< OPEN CHANNELs that connected */
	unsigned open_fails; /**< OPEN CHANNELs whose connect() failed */
	size_t to_net;       /**< bytes written to the socket */
	size_t from_net;     /**< bytes read from the socket */
	unsigned timers;     /**< TIMER MANAGEMENT starts (the card's retry delay) */
} veuicc_bip_term_stats;

/** New helper with \p opts (NULL: defaults). \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY */
VEUICC_API int veuicc_bip_term_new(const veuicc_bip_term_opts *opts, veuicc_bip_term **out);

/** The card was reset: its channel and timer are gone (the socket is closed,
 *  the timer dropped), as a terminal does at a card reset. */
VEUICC_API void veuicc_bip_term_reset(veuicc_bip_term *t);

/** Free the helper and close its socket. NULL is ignored. */
VEUICC_API void veuicc_bip_term_free(veuicc_bip_term *t);

/**
 * A TERMINAL PROFILE that offers what the card's SCP81 session needs (SET UP
 * EVENT LIST, Data available and Channel status events, OPEN/CLOSE CHANNEL,
 * RECEIVE/SEND DATA, GET CHANNEL STATUS, TCP client mode, TIMER MANAGEMENT
 * and the timer expiration ENVELOPE) plus SMS-PP data download, REFRESH and
 * SEND SHORT MESSAGE (TS 102 223 §5.2).
 * \returns its length (written to \p out when \p cap suffices; 17 bytes)
 */
VEUICC_API size_t veuicc_bip_term_profile(uint8_t *out, size_t cap);

/**
 * Handle the fetched proactive command \p cmd (`D0 …`): SET UP EVENT LIST,
 * OPEN CHANNEL (connects), SEND DATA, RECEIVE DATA, CLOSE CHANNEL, GET CHANNEL
 * STATUS, TIMER MANAGEMENT (start and deactivate of one timer) are performed and their TERMINAL
 * RESPONSE C-APDU (`80 14 00 00 Lc …`) written to \p tr. \returns 1 (handled, *tr_len set), 0 (not
 * a BIP command: the caller answers it), VEUICC_ERR_MALFORMED, VEUICC_ERR_BUFFER_TOO_SMALL
 */
VEUICC_API int veuicc_bip_term_proactive(veuicc_bip_term *t, const uint8_t *cmd, size_t n,
                                         uint8_t *tr, size_t cap, size_t *tr_len);

/**
 * Wait up to \p timeout_ms for the socket (or a running timer); read what
 * fits the channel buffer. When the card must be told (data arrived in an
 * empty buffer: Data available; the peer closed or the link broke: Channel
 * status "link dropped"; a timer expired: Timer expiration) write the
 * ENVELOPE C-APDU to \p env.
 * \returns 1 (an ENVELOPE in \p env), 0 (nothing to tell), negative veuicc_err
 */
VEUICC_API int veuicc_bip_term_poll(veuicc_bip_term *t, int timeout_ms, uint8_t *env, size_t cap,
                                    size_t *env_len);

/** Non-zero while the channel is open (OPEN CHANNEL done, no CLOSE CHANNEL yet). */
VEUICC_API int veuicc_bip_term_is_open(const veuicc_bip_term *t);

/** Non-zero once the card has been told about, or given, all data received,
 *  and no timer runs. */
VEUICC_API int veuicc_bip_term_idle(const veuicc_bip_term *t);

/** The helper's figures. */
VEUICC_API void veuicc_bip_term_get_stats(const veuicc_bip_term *t, veuicc_bip_term_stats *out);

/** Transmit one C-APDU and receive its R-APDU (veuicc_transmit's contract). */
typedef int (*veuicc_bip_xfer_fn)(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t cap,
                                  size_t *rn);

/** Answer a non-BIP proactive command (may be NULL: result 30 "beyond the
 *  terminal's capabilities"). Writes the TERMINAL RESPONSE C-APDU. */
typedef int (*veuicc_bip_other_fn)(void *ctx, const uint8_t *cmd, size_t n, uint8_t *tr, size_t cap,
                                   size_t *tr_len);

/**
 * The terminal loop: starting from the status word \p sw of the last
 * command (91xx: a proactive command is pending), FETCH and answer every
 * proactive command, send the event ENVELOPEs, until the channel is closed
 * and nothing is pending, or nothing happened for \p idle_ms. 61xx is
 * answered with GET RESPONSE.
 * \returns VEUICC_OK, VEUICC_ERR_STATE (idle timeout with the channel open),
 *          or the transport's error
 */
VEUICC_API int veuicc_bip_term_run(veuicc_bip_term *t, veuicc_bip_xfer_fn xfer, void *xctx,
                                   veuicc_bip_other_fn other, void *octx, uint16_t sw, int idle_ms);

#ifdef __cplusplus
}
#endif

#endif /* VEUICC_BIP_H */
