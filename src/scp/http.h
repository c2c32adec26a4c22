/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file http.h
 * \brief The HTTP/1.1 subset of GlobalPlatform Amendment B (Remote
 *        Application Management over HTTP, SCP81): one message (request or
 *        response) parsed from the bytes received so far, with the admin
 *        headers the card and the SM-SR need; bodies by Content-Length or
 *        chunked transfer coding (RFC 9112 §7.1). See docs/scp81.md.
 *
 * The parser keeps no state: the caller feeds it everything received and it
 * says "complete", "need more" or "malformed". Every input byte is hostile.
 */
#ifndef VEUICC_SCP_HTTP_H
#define VEUICC_SCP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** GP Amd B §3.4 content types and protocol. */
#define VEUICC_HTTP_CT_SCRIPT "application/vnd.globalplatform.card-content-mgt;version=1.0"
#define VEUICC_HTTP_CT_RESPONSE                                                                    \
	"application/vnd.globalplatform.card-content-mgt-response;version=1.0"
#define VEUICC_HTTP_ADMIN_PROTO "globalplatform-remote-admin/1.0"

/** Largest header block the parser accepts (bytes up to the empty line). */
#define VEUICC_HTTP_HEAD_MAX 4096
/** Longest header value kept (URIs, AIDs, content types). */
#define VEUICC_HTTP_VALUE_MAX 256

/** veuicc_http_parse() returned "not complete yet": feed more bytes. */
#define VEUICC_HTTP_INCOMPLETE 1

/** What a parsed message carries. */
typedef struct veuicc_http_msg {
	int is_request;                           /**< parsed as a request */
	int status;                               /**< response status code (100..599) */
	char method[8];                           /**< request method ("POST") */
	char uri[VEUICC_HTTP_VALUE_MAX];          /**< request target */
	char content_type[VEUICC_HTTP_VALUE_MAX]; /**< Content-Type, "" if absent */
	char admin_protocol[64];                  /**< X-Admin-Protocol, "" if absent */
	char admin_from[VEUICC_HTTP_VALUE_MAX];   /**< X-Admin-From */
	char next_uri[VEUICC_HTTP_VALUE_MAX];     /**< X-Admin-Next-URI */
	char target_app[VEUICC_HTTP_VALUE_MAX];   /**< X-Admin-Targeted-Application */
	char script_status[64];                   /**< X-Admin-Script-Status */
	char host[VEUICC_HTTP_VALUE_MAX];         /**< Host */
	int chunked;                              /**< Transfer-Encoding: chunked */
	int conn_close;                           /**< Connection: close */
	size_t body_len;                          /**< body bytes written to the caller's buffer */
	size_t used;                              /**< bytes of the input the message took */
} veuicc_http_msg;

/**
 * Parse one HTTP/1.1 message from the start of \p in (\p len bytes so far):
 * a response ("HTTP/1.1 code reason") or, when \p request, a request
 * ("METHOD target HTTP/1.1"). Header names are matched without case, values
 * trimmed; a header line without ':' , a line not ending CRLF, an obs-fold,
 * a bad chunk size or chunk terminator, Content-Length with chunked, a
 * repeated Content-Length, a body larger than \p body_cap are malformed. A
 * response without Content-Length or chunked coding has no body when its
 * status is 1xx, 204 or 304, else it is malformed here (the card's peer
 * must frame its bodies: close-delimited bodies are not accepted).
 * \param[out] body the de-chunked body
 * \returns VEUICC_OK (message complete; out->used bytes taken),
 *          VEUICC_HTTP_INCOMPLETE, VEUICC_ERR_MALFORMED,
 *          VEUICC_ERR_BUFFER_TOO_SMALL (body or header block too large),
 *          VEUICC_ERR_INVALID_ARG
 */
int veuicc_http_parse(const uint8_t *in, size_t len, int request, veuicc_http_msg *out,
                      uint8_t *body, size_t body_cap);

#endif /* VEUICC_SCP_HTTP_H */
