/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SM-SR's HTTPS admin server (sm_https.h): mbedtls PSK-TLS 1.2 server,
 * non-blocking, on loopback; GP Amd B §3.4 responses. docs/scp81.md.
 */
#include "sm_https.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>

#define IN_MAX (64 * 1024)

enum { S_LISTEN, S_HANDSHAKE, S_OPEN };

struct veuicc_sm_https {
	mbedtls_net_context listen, client;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int state;
	uint16_t port;
	uint8_t psk[32];
	size_t psk_len;
	char identity[128]; /* "" accepts any */
	uint8_t *in;
	size_t in_len;
	veuicc_sm_https_stats st;
};

/* SGP.02 §2.4.4: TLS 1.2 PSK with AES-128 GCM or CBC (SHA-256) */
static const int suites[] = {MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
                             MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256, 0};

static int psk_cb(void *arg, mbedtls_ssl_context *ssl, const unsigned char *id, size_t n)
{
	veuicc_sm_https *s = arg;
	size_t k = n < sizeof(s->st.psk_identity) - 1 ? n : sizeof(s->st.psk_identity) - 1;
	memcpy(s->st.psk_identity, id, k);
	s->st.psk_identity[k] = '\0';
	if (s->identity[0] && (strlen(s->identity) != n || memcmp(s->identity, id, n) != 0))
		return -1; /* unknown_psk_identity alert */
	return mbedtls_ssl_set_hs_psk(ssl, s->psk, s->psk_len);
}

static int count_send(void *ctx, const unsigned char *b, size_t n)
{
	veuicc_sm_https *s = ctx;
	int rc = mbedtls_net_send(&s->client, b, n);
	if (rc > 0)
		s->st.wire_out += (size_t)rc;
	return rc;
}

static int count_recv(void *ctx, unsigned char *b, size_t n)
{
	veuicc_sm_https *s = ctx;
	int rc = mbedtls_net_recv(&s->client, b, n);
	if (rc > 0)
		s->st.wire_in += (size_t)rc;
	return rc;
}

int veuicc_sm_https_new(const uint8_t *psk, size_t psk_len, const char *identity, uint16_t port,
                        veuicc_sm_https **out)
{
	if (!psk || psk_len < 16 || psk_len > 32 || !out)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_sm_https *s = calloc(1, sizeof(*s));
	if (!s)
		return VEUICC_ERR_NO_MEMORY;
	s->in = malloc(IN_MAX);
	mbedtls_net_init(&s->listen);
	mbedtls_net_init(&s->client);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_ssl_init(&s->ssl);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	memcpy(s->psk, psk, psk_len);
	s->psk_len = psk_len;
	snprintf(s->identity, sizeof(s->identity), "%s", identity ? identity : "");
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	static const unsigned char pers[] = "veuicc-sm-https";
	int rc = s->in ? 0 : VEUICC_ERR_NO_MEMORY;
	if (!rc)
		rc = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy, pers,
		                           sizeof(pers) - 1);
	if (!rc)
		rc = mbedtls_net_bind(&s->listen, "127.0.0.1", ps, MBEDTLS_NET_PROTO_TCP);
	if (!rc)
		rc = mbedtls_net_set_nonblock(&s->listen);
	if (!rc)
		rc = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
		                                 MBEDTLS_SSL_TRANSPORT_STREAM,
		                                 MBEDTLS_SSL_PRESET_DEFAULT);
	if (!rc) {
		mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
		                             MBEDTLS_SSL_MINOR_VERSION_3);
		mbedtls_ssl_conf_ciphersuites(&s->conf, suites);
		mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
		mbedtls_ssl_conf_psk_cb(&s->conf, psk_cb, s);
		mbedtls_ssl_conf_session_tickets(&s->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
		rc = mbedtls_ssl_setup(&s->ssl, &s->conf);
	}
	if (!rc) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		if (getsockname(s->listen.fd, (struct sockaddr *)&sa, &sl) == 0)
			s->port = ntohs(sa.sin_port);
		else
			rc = VEUICC_ERR_IO;
	}
	if (rc) {
		veuicc_sm_https_free(s);
		return rc < 0 && rc >= VEUICC_ERR_INTERNAL ? rc : VEUICC_ERR_IO;
	}
	*out = s;
	return 0;
}

void veuicc_sm_https_free(veuicc_sm_https *s)
{
	if (!s)
		return;
	mbedtls_ssl_free(&s->ssl);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_net_free(&s->client);
	mbedtls_net_free(&s->listen);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	free(s->in);
	mbedtls_platform_zeroize(s, sizeof(*s));
	free(s);
}

uint16_t veuicc_sm_https_port(const veuicc_sm_https *s)
{
	return s->port;
}

void veuicc_sm_https_get_stats(const veuicc_sm_https *s, veuicc_sm_https_stats *out)
{
	*out = s->st;
}

static void drop(veuicc_sm_https *s)
{
	mbedtls_net_free(&s->client);
	mbedtls_net_init(&s->client);
	mbedtls_ssl_session_reset(&s->ssl);
	s->in_len = 0;
	s->state = S_LISTEN;
}

void veuicc_sm_https_drop(veuicc_sm_https *s)
{
	drop(s);
}

int veuicc_sm_https_step(veuicc_sm_https *s, veuicc_http_msg *req, uint8_t *body, size_t cap)
{
	if (s->state == S_LISTEN) {
		int rc = mbedtls_net_accept(&s->listen, &s->client, NULL, 0, NULL);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ)
			return VEUICC_SM_HTTPS_NOTHING;
		if (rc)
			return VEUICC_ERR_IO;
		mbedtls_net_set_nonblock(&s->client);
		int one = 1; /* TLS records go out at once (no Nagle delay) */
		(void)setsockopt(s->client.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		mbedtls_ssl_session_reset(&s->ssl);
		mbedtls_ssl_set_bio(&s->ssl, s, count_send, count_recv, NULL);
		s->state = S_HANDSHAKE;
	}
	if (s->state == S_HANDSHAKE) {
		int rc = mbedtls_ssl_handshake(&s->ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return VEUICC_SM_HTTPS_NOTHING;
		if (rc) {
			s->st.handshake_failures++;
			s->st.last_error = rc;
			drop(s);
			return rc;
		}
		s->st.connections++;
		s->state = S_OPEN;
	}
	for (;;) {
		if (s->in_len) {
			int rc = veuicc_http_parse(s->in, s->in_len, 1, req, body, cap);
			if (rc == VEUICC_OK) {
				memmove(s->in, s->in + req->used, s->in_len - req->used);
				s->in_len -= req->used;
				s->st.requests++;
				return VEUICC_SM_HTTPS_REQUEST;
			}
			if (rc != VEUICC_HTTP_INCOMPLETE) {
				drop(s);
				return VEUICC_ERR_MALFORMED;
			}
		}
		if (s->in_len == IN_MAX) {
			drop(s);
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		}
		int rc = mbedtls_ssl_read(&s->ssl, s->in + s->in_len, IN_MAX - s->in_len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return VEUICC_SM_HTTPS_NOTHING;
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    rc == MBEDTLS_ERR_NET_CONN_RESET) {
			drop(s);
			return VEUICC_SM_HTTPS_CLOSED;
		}
		if (rc < 0) {
			s->st.last_error = rc;
			drop(s);
			return rc;
		}
		s->in_len += (size_t)rc;
	}
}

int veuicc_sm_https_send_raw(veuicc_sm_https *s, const uint8_t *b, size_t n)
{
	if (s->state != S_OPEN)
		return VEUICC_ERR_STATE;
	for (unsigned spins = 0; n && spins < 100000;) {
		int rc = mbedtls_ssl_write(&s->ssl, b, n);
		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
			spins++;
			continue;
		}
		if (rc <= 0)
			return rc ? rc : VEUICC_ERR_IO;
		b += rc;
		n -= (size_t)rc;
	}
	return n ? VEUICC_ERR_IO : 0;
}

int veuicc_sm_https_respond(veuicc_sm_https *s, const uint8_t *script, size_t len,
                            const char *next_uri, const char *target, int chunked)
{
	size_t cap = len + 1024;
	uint8_t *m = malloc(cap);
	if (!m)
		return VEUICC_ERR_NO_MEMORY;
	int n;
	if (!script) {
		n = snprintf((char *)m, cap,
		             "HTTP/1.1 204 No Content\r\nX-Admin-Protocol: %s\r\n\r\n",
		             VEUICC_HTTP_ADMIN_PROTO);
	} else {
		char tgt[VEUICC_HTTP_VALUE_MAX + 40] = "";
		if (target)
			snprintf(tgt, sizeof(tgt), "X-Admin-Targeted-Application: %s\r\n", target);
		n = snprintf((char *)m, cap,
		             "HTTP/1.1 200 OK\r\nX-Admin-Protocol: %s\r\nContent-Type: %s\r\n"
		             "X-Admin-Next-URI: %s\r\n%s",
		             VEUICC_HTTP_ADMIN_PROTO, VEUICC_HTTP_CT_SCRIPT,
		             next_uri ? next_uri : "/", tgt);
		if (n > 0 && (size_t)n < cap)
			n += snprintf((char *)m + n, cap - (size_t)n,
			              chunked ? "Transfer-Encoding: chunked\r\n\r\n%zX\r\n"
			                      : "Content-Length: %zu\r\n\r\n",
			              len);
		if (n > 0 && (size_t)n + len + 8 <= cap) {
			memcpy(m + n, script, len);
			n += (int)len;
			if (chunked) {
				memcpy(m + n, "\r\n0\r\n\r\n", 7);
				n += 7;
			}
		} else {
			n = -1;
		}
	}
	int rc = n > 0 && (size_t)n < cap ? veuicc_sm_https_send_raw(s, m, (size_t)n)
	                                  : VEUICC_ERR_BUFFER_TOO_SMALL;
	free(m);
	return rc;
}

/* C-APDU → R-APDU, GET RESPONSE after 61xx. */
static int xfer_all(veuicc_sm_https_card *c, const uint8_t *a, size_t an, uint8_t *r, size_t cap,
                    size_t *rn)
{
	int rc = c->xfer(c->xctx, a, an, r, cap, rn);
	for (int k = 0; !rc && *rn >= 2 && r[*rn - 2] == 0x61 && k < 64; k++) {
		uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, r[*rn - 1]};
		rc = c->xfer(c->xctx, gr, sizeof(gr), r, cap, rn);
	}
	if (!rc && *rn < 2)
		rc = VEUICC_ERR_MALFORMED;
	if (!rc)
		c->sw = (uint16_t)(r[*rn - 2] << 8 | r[*rn - 1]);
	return rc;
}

int veuicc_sm_https_card_step(veuicc_sm_https_card *c, int wait_ms)
{
	uint8_t r[512], a[5 + 256];
	size_t rn = 0, an = 0;
	if ((c->sw >> 8) == 0x91) {
		uint8_t f[5] = {0x80, 0x12, 0x00, 0x00, (uint8_t)c->sw};
		int rc = xfer_all(c, f, sizeof(f), r, sizeof(r), &rn);
		if (rc)
			return rc;
		if (rn < 9 || c->sw != 0x9000)
			return VEUICC_ERR_MALFORMED;
		int h = veuicc_bip_term_proactive(c->term, r, rn - 2, a, sizeof(a), &an);
		if (h == 0 && c->other) {
			rc = c->other(c->octx, r, rn - 2, a, sizeof(a), &an);
			if (rc)
				return rc;
		} else if (h <= 0) {
			const uint8_t *d = r + 2 + (r[1] == 0x81);
			const uint8_t tr[] = {0x80, 0x14, 0x00, 0x00, 12,   0x81, 0x03, d[2], d[3],
			                      d[4], 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, 0x30};
			memcpy(a, tr, sizeof(tr));
			an = sizeof(tr);
		}
		return xfer_all(c, a, an, r, sizeof(r), &rn);
	}
	int p = veuicc_bip_term_poll(c->term, wait_ms, a, sizeof(a), &an);
	if (p <= 0)
		return p < 0 ? p : 1;
	return xfer_all(c, a, an, r, sizeof(r), &rn);
}

int veuicc_sm_https_wait(veuicc_sm_https *s, veuicc_sm_https_card *c, veuicc_http_msg *req,
                         uint8_t *body, size_t cap, int idle_ms)
{
	int idle = 0;
	for (;;) {
		int r = veuicc_sm_https_step(s, req, body, cap);
		if (r != VEUICC_SM_HTTPS_NOTHING)
			return r;
		int k = veuicc_sm_https_card_step(c, 2);
		if (k < 0)
			return k;
		if (k == 0) {
			idle = 0;
		} else if ((idle += 2) >= idle_ms) {
			return VEUICC_ERR_STATE;
		}
	}
}
