/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file scp81.h
 * \brief SCP81 pieces that need no session (GP Card Spec Amendment B,
 *        Remote Application Management over HTTP): the administration
 *        session triggering parameters of the PUSH command, the PSK-TLS key
 *        selection and identity (SGP.02 §2.4.4), and the admin HTTP requests
 *        the card sends. The session itself (BIP channel, TLS, HTTP
 *        exchanges) is src/cat/bip.c. See docs/scp81.md.
 */
#ifndef VEUICC_SCP_SCP81_H
#define VEUICC_SCP_SCP81_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/* TS 102 226 §9.2 / GP Amd B §2.4.4: PUSH command to the ISD-R */
#define VEUICC_SCP81_INS_PUSH 0xEC
#define VEUICC_SCP81_P1_PUSH  0x01
#define VEUICC_SCP81_P2_ADMIN 0x01 /* request for BIP channel opening / admin session */

/* GP Amd B Table 3-3 (tags of the triggering parameters) */
#define VEUICC_SCP81_TAG_TRIGGER   0x81 /* administration session triggering parameters */
#define VEUICC_SCP81_TAG_AGENT_CFG 0x83 /* admin agent configuration parameters */
#define VEUICC_SCP81_TAG_CONN      0x84 /* connection parameters (OPEN CHANNEL TLVs) */
#define VEUICC_SCP81_TAG_SECURITY  0x85 /* security parameters */
#define VEUICC_SCP81_TAG_RETRY     0x86 /* retry policy */
#define VEUICC_SCP81_TAG_HTTP_POST 0x89 /* HTTP POST parameters */
#define VEUICC_SCP81_TAG_HOST      0x8A
#define VEUICC_SCP81_TAG_AGENT_ID  0x8B
#define VEUICC_SCP81_TAG_URI       0x8C

/* SGP.02 §2.4.4.1: SCP81 PSK key versions of the ISD-R */
#define VEUICC_SCP81_KVN_MIN 0x40
#define VEUICC_SCP81_KVN_MAX 0x4F

#define VEUICC_SCP81_CONN_MAX 96  /* OPEN CHANNEL TLVs kept from tag 84 */
#define VEUICC_SCP81_STR_MAX  128 /* host, agent id, URI */

/** Parsed administration session triggering parameters. */
typedef struct veuicc_scp81_params {
	uint8_t conn[VEUICC_SCP81_CONN_MAX]; /**< tag 84 value: OPEN CHANNEL TLVs */
	size_t conn_len;
	uint16_t buffer_size;              /**< from the buffer size TLV (39) */
	uint8_t address[16];               /**< other address (3E): IPv4 (4) or IPv6 (16) */
	size_t address_len;                /**< 0: none given */
	uint16_t port;                     /**< transport level (3C) port */
	char psk_id[VEUICC_SCP81_STR_MAX]; /**< tag 85 PSK identity, "" if none */
	int has_key;                       /**< tag 85 named a key */
	uint8_t kvn, kid;                  /**< ... its key version and key identifier */
	uint16_t retries;                  /**< retry counter (86), 0: none */
	uint8_t retry_delay[3]; /**< waiting delay as a TS 102 223 timer value (BCD hh mm ss) */
	char host[VEUICC_SCP81_STR_MAX];     /**< 8A administration host, "" if none */
	char agent_id[VEUICC_SCP81_STR_MAX]; /**< 8B agent ID, "" if none */
	char uri[VEUICC_SCP81_STR_MAX];      /**< 8C administration URI ("/" if none) */
} veuicc_scp81_params;

/**
 * Parse the PUSH data `81 { 83 { 84 …, [85 …], [86 …], [89 { [8A] [8B] [8C] }] } }`
 * (GP Amd B §3.8, Table 3-3). Tag 84 must hold a bearer description (35),
 * a buffer size (39), a UICC/terminal interface transport level (3C, TCP
 * client mode 02) and an other address (3E, IPv4 21 or IPv6 57) as OPEN
 * CHANNEL expects them (TS 102 223 §6.6.27).
 * \returns VEUICC_OK or VEUICC_ERR_MALFORMED
 */
int veuicc_scp81_parse_push(const uint8_t *d, size_t n, veuicc_scp81_params *out);

/**
 * The PSK-TLS key set of the card for \p p: the ISD-R SCP81 key set whose
 * KVN is the one tag 85 names, else the first SCP81 key set. \p identity
 * gets the PSK identity: the push's, else the key set's psk_id, else the
 * SGP.02 §2.4.4.1 form (hex of `80 01 02 81 10 EID 4F 10 AID 82 01 kid
 * 83 01 kvn`).
 * \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND (no such key set)
 */
int veuicc_scp81_psk(const veuicc_card *card, const veuicc_scp81_params *p, uint8_t psk[32],
                     size_t *psk_len, char *identity, size_t id_cap);

/**
 * The X-Admin-From value (GP Amd B §3.4.1): the push's agent ID, else
 * `//se-id/eid/<EID>;//aa-id/aid/<RID>/<PIX>` of the ISD-R.
 */
void veuicc_scp81_admin_from(const veuicc_card *card, const veuicc_scp81_params *p, char *out,
                             size_t cap);

/**
 * An admin POST (GP Amd B §3.4): to \p uri, Host, X-Admin-Protocol,
 * X-Admin-From and chunked transfer coding; with \p body (NULL for the
 * first request, which carries none) the response content type and
 * X-Admin-Script-Status \p status.
 * \returns VEUICC_OK or VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_scp81_build_post(const char *uri, const char *host, const char *from,
                            const uint8_t *body, size_t body_len, const char *status, uint8_t *out,
                            size_t cap, size_t *out_len);

#endif /* VEUICC_SCP_SCP81_H */
