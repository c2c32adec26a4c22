/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm_https.h
 * \brief The SM-SR's HTTPS admin server (GP Amd B, SGP.02 §2.4.4) for
 *        `veuicc sm --https` and the SCP81 tests: PSK-TLS 1.2 (mbedtls) on a
 *        loopback port, HTTP/1.1 admin requests parsed with
 *        src/scp/http.h, responses carrying remote APDU scripts. Single
 *        threaded and non-blocking: veuicc_sm_https_wait() alternates
 *        between the server and a card-side step (the terminal playing BIP
 *        with include/veuicc/bip.h). See docs/scp81.md.
 */
#ifndef VEUICC_TOOLS_SM_HTTPS_H
#define VEUICC_TOOLS_SM_HTTPS_H

#include <stddef.h>
#include <stdint.h>

#include "scp/http.h"
#include "veuicc/bip.h"

/** An opaque server. */
typedef struct veuicc_sm_https veuicc_sm_https;

/** Server figures. */
typedef struct veuicc_sm_https_stats {
	unsigned connections; /**< TLS sessions accepted (handshake done) */
	unsigned handshake_failures;
	unsigned requests;      /**< HTTP requests received */
	size_t wire_in;         /**< TLS bytes received from the card */
	size_t wire_out;        /**< TLS bytes sent to the card */
	int last_error;         /**< mbedtls error of the last failed connection */
	char psk_identity[128]; /**< the identity the card used last */
} veuicc_sm_https_stats;

/**
 * Listen on 127.0.0.1:\p port (0: any free port) with the PSK \p psk for the
 * identity \p identity (NULL: any identity). \returns 0 or a veuicc_err
 */
int veuicc_sm_https_new(const uint8_t *psk, size_t psk_len, const char *identity, uint16_t port,
                        veuicc_sm_https **out);
/** Close everything, wipe the PSK. NULL is ignored. */
void veuicc_sm_https_free(veuicc_sm_https *s);
/** The port listened on. */
uint16_t veuicc_sm_https_port(const veuicc_sm_https *s);
/** Figures so far. */
void veuicc_sm_https_get_stats(const veuicc_sm_https *s, veuicc_sm_https_stats *out);

/** veuicc_sm_https_step() results */
#define VEUICC_SM_HTTPS_NOTHING 0 /**< nothing complete yet */
#define VEUICC_SM_HTTPS_REQUEST 1 /**< a request is in *req / body */
#define VEUICC_SM_HTTPS_CLOSED  2 /**< the card closed the connection (close_notify or EOF) */

/**
 * Non-blocking: accept, handshake, read. \returns VEUICC_SM_HTTPS_*, or a
 * negative error (a failed handshake: mbedtls code, VEUICC_ERR_MALFORMED for
 * a request the parser refuses); after an error or CLOSED the server
 * listens again.
 */
int veuicc_sm_https_step(veuicc_sm_https *s, veuicc_http_msg *req, uint8_t *body, size_t cap);

/**
 * Answer the pending request: 200 with the script \p script (content type
 * card-content-mgt, chunked when \p chunked, X-Admin-Next-URI \p next_uri,
 * X-Admin-Targeted-Application \p target when not NULL), or 204 when
 * \p script is NULL (the session ends). \returns 0 or a negative error
 */
int veuicc_sm_https_respond(veuicc_sm_https *s, const uint8_t *script, size_t len,
                            const char *next_uri, const char *target, int chunked);

/** Send raw bytes as the HTTP response (tests of malformed answers). */
int veuicc_sm_https_send_raw(veuicc_sm_https *s, const uint8_t *b, size_t n);

/** Drop the connection at once, no close_notify (tests). */
void veuicc_sm_https_drop(veuicc_sm_https *s);

/** The card and its terminal, stepped by veuicc_sm_https_wait(). */
typedef struct veuicc_sm_https_card {
	veuicc_bip_xfer_fn xfer; /**< T=0/T=1 transmit; 61xx is followed up here */
	void *xctx;
	veuicc_bip_term *term;
	veuicc_bip_other_fn other; /**< non-BIP proactive commands (NULL: result 30) */
	void *octx;
	uint16_t sw; /**< status word of the last command sent to the card */
} veuicc_sm_https_card;

/**
 * One card-side step: FETCH and answer a pending proactive command, else an
 * event ENVELOPE when the socket has news (waiting up to \p wait_ms).
 * \returns 0 (something happened), 1 (idle), negative error
 */
int veuicc_sm_https_card_step(veuicc_sm_https_card *c, int wait_ms);

/**
 * Step the server and the card in turn until the server has a request
 * (VEUICC_SM_HTTPS_REQUEST), the card closed (VEUICC_SM_HTTPS_CLOSED), an
 * error, or \p idle_ms without progress (VEUICC_ERR_STATE).
 */
int veuicc_sm_https_wait(veuicc_sm_https *s, veuicc_sm_https_card *c, veuicc_http_msg *req,
                         uint8_t *body, size_t cap, int idle_ms);

#endif /* VEUICC_TOOLS_SM_HTTPS_H */
