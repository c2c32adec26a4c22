/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP81 parameters, PSK selection and admin requests (GP Amd B §3.4, §3.8;
 * SGP.02 §2.4.4; decisions H81 in docs/spec-decisions.md).
 */
#include "scp/scp81.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "core/card.h"
#include "euicc/euicc.h"

/* TS 102 223 §8 COMPREHENSION-TLV tags (CR bit masked) */
#define CT_BEARER            0x35
#define CT_BUFSIZE           0x39
#define CT_TRANSPORT         0x3C
#define CT_OTHER_ADR         0x3E
#define CT_TIMER_VAL         0x25 /* §8.38 timer value (BER form A5 in Amd B examples) */
#define TRANSPORT_TCP_CLIENT 0x02 /* §8.59: TCP, UICC in client mode, remote */
#define ADDR_IPV4            0x21 /* §8.58 */
#define ADDR_IPV6            0x57

/* One TLV with a one-byte tag and a 1-, 2- or 3-byte length (TS 102 223
 * Annex C / ISO 8825-1); \returns false when malformed. */
static bool tlv_at(const uint8_t *p, size_t n, size_t *i, uint8_t *tag, const uint8_t **v,
                   size_t *len)
{
	if (*i + 2 > n)
		return false;
	size_t k = *i + 1, l = p[k++];
	if (l == 0x81) {
		if (k + 1 > n || p[k] < 0x80)
			return false;
		l = p[k++];
	} else if (l == 0x82) {
		if (k + 2 > n)
			return false;
		l = (size_t)p[k] << 8 | p[k + 1];
		k += 2;
	} else if (l > 0x7F) {
		return false;
	}
	if (l > n - k)
		return false;
	*tag = p[*i];
	*v = p + k;
	*len = l;
	*i = k + l;
	return true;
}

static int str(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	if (n >= cap)
		return VEUICC_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7E)
			return VEUICC_ERR_MALFORMED; /* goes into HTTP headers */
	memcpy(dst, v, n);
	dst[n] = '\0';
	return VEUICC_OK;
}

static int parse_conn(const uint8_t *v, size_t n, veuicc_scp81_params *p)
{
	bool bearer = false, bufsize = false, transport = false;
	if (n > sizeof(p->conn))
		return VEUICC_ERR_MALFORMED;
	memcpy(p->conn, v, n);
	p->conn_len = n;
	for (size_t i = 0; i < n;) {
		uint8_t tag;
		const uint8_t *x;
		size_t l;
		if (!tlv_at(v, n, &i, &tag, &x, &l))
			return VEUICC_ERR_MALFORMED;
		switch (tag & 0x7F) {
		case CT_BEARER: bearer = l >= 1; break;
		case CT_BUFSIZE:
			if (l != 2)
				return VEUICC_ERR_MALFORMED;
			p->buffer_size = (uint16_t)(x[0] << 8 | x[1]);
			bufsize = p->buffer_size > 0;
			break;
		case CT_TRANSPORT:
			if (l != 3 || x[0] != TRANSPORT_TCP_CLIENT)
				return VEUICC_ERR_MALFORMED; /* only TCP client mode (H81) */
			p->port = (uint16_t)(x[1] << 8 | x[2]);
			transport = true;
			break;
		case CT_OTHER_ADR:
			if (!((l == 5 && x[0] == ADDR_IPV4) || (l == 17 && x[0] == ADDR_IPV6)))
				return VEUICC_ERR_MALFORMED;
			memcpy(p->address, x + 1, l - 1);
			p->address_len = l - 1;
			break;
		default: break; /* network access name, login, ... go as they are */
		}
	}
	return bearer && bufsize && transport && p->address_len ? VEUICC_OK : VEUICC_ERR_MALFORMED;
}

/* §3.8.2: LV PSK identity, LV { key version, key identifier } */
static int parse_security(const uint8_t *v, size_t n, veuicc_scp81_params *p)
{
	if (n < 1 || (size_t)v[0] + 1 > n)
		return VEUICC_ERR_MALFORMED;
	if (str(p->psk_id, sizeof(p->psk_id), v + 1, v[0]))
		return VEUICC_ERR_MALFORMED;
	size_t k = 1u + v[0];
	if (k == n)
		return VEUICC_OK;
	if (v[k] < 2 || k + 1 + v[k] > n)
		return VEUICC_ERR_MALFORMED;
	p->kvn = v[k + 1];
	p->kid = v[k + 2];
	p->has_key = 1;
	return VEUICC_OK;
}

/* §3.8.3: retry counter (2), timer value TLV, optional failure report */
static int parse_retry(const uint8_t *v, size_t n, veuicc_scp81_params *p)
{
	if (n < 2)
		return VEUICC_ERR_MALFORMED;
	p->retries = (uint16_t)(v[0] << 8 | v[1]);
	size_t i = 2;
	uint8_t tag;
	const uint8_t *x;
	size_t l;
	if (i < n && tlv_at(v, n, &i, &tag, &x, &l) && (tag & 0x7F) == CT_TIMER_VAL && l == 3)
		memcpy(p->retry_delay, x, 3);
	return VEUICC_OK; /* the failure report (87) is not sent (H81) */
}

static int parse_post(const uint8_t *v, size_t n, veuicc_scp81_params *p)
{
	for (size_t i = 0; i < n;) {
		uint8_t tag;
		const uint8_t *x;
		size_t l;
		if (!tlv_at(v, n, &i, &tag, &x, &l))
			return VEUICC_ERR_MALFORMED;
		int rc = VEUICC_OK;
		if (tag == VEUICC_SCP81_TAG_HOST)
			rc = memchr(x, ' ', l) ? VEUICC_ERR_MALFORMED
			                       : str(p->host, sizeof(p->host), x, l);
		else if (tag == VEUICC_SCP81_TAG_AGENT_ID)
			rc = str(p->agent_id, sizeof(p->agent_id), x, l);
		else if (tag == VEUICC_SCP81_TAG_URI)
			/* the request target: not empty, no space (RFC 9112 §3.2) */
			rc = !l || memchr(x, ' ', l) ? VEUICC_ERR_MALFORMED
			                             : str(p->uri, sizeof(p->uri), x, l);
		if (rc)
			return rc;
	}
	return VEUICC_OK;
}

int veuicc_scp81_parse_push(const uint8_t *d, size_t n, veuicc_scp81_params *p)
{
	if (!d || !p)
		return VEUICC_ERR_MALFORMED;
	memset(p, 0, sizeof(*p));
	strcpy(p->uri, "/");
	size_t i = 0, j = 0;
	uint8_t tag;
	const uint8_t *v, *w;
	size_t l, m;
	if (!tlv_at(d, n, &i, &tag, &v, &l) || tag != VEUICC_SCP81_TAG_TRIGGER || i != n)
		return VEUICC_ERR_MALFORMED;
	if (!tlv_at(v, l, &j, &tag, &w, &m) || tag != VEUICC_SCP81_TAG_AGENT_CFG)
		return VEUICC_ERR_MALFORMED; /* DNS resolution parameters (B3): not supported */
	bool conn = false;
	for (size_t k = 0; k < m;) {
		const uint8_t *x;
		size_t xl;
		if (!tlv_at(w, m, &k, &tag, &x, &xl))
			return VEUICC_ERR_MALFORMED;
		int rc = VEUICC_OK;
		switch (tag) {
		case VEUICC_SCP81_TAG_CONN:
			rc = parse_conn(x, xl, p);
			conn = true;
			break;
		case VEUICC_SCP81_TAG_SECURITY: rc = parse_security(x, xl, p); break;
		case VEUICC_SCP81_TAG_RETRY: rc = parse_retry(x, xl, p); break;
		case VEUICC_SCP81_TAG_HTTP_POST: rc = parse_post(x, xl, p); break;
		default: break; /* extended security parameters (A5) and others: ignored */
		}
		if (rc)
			return rc;
	}
	/* the card has no default connection parameters: 84 is required */
	return conn ? VEUICC_OK : VEUICC_ERR_MALFORMED;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int veuicc_scp81_psk(const veuicc_card *card, const veuicc_scp81_params *p, uint8_t psk[32],
                     size_t *psk_len, char *identity, size_t id_cap)
{
	size_t n = veuicc_card_keyset_count(card);
	for (size_t i = 0; i < n; i++) {
		veuicc_keyset k;
		if (veuicc_card_keyset(card, i, &k) != VEUICC_OK)
			continue;
		bool match = k.type == VEUICC_KEYSET_SCP81 && k.key1_len >= 16 &&
		             k.key1_len <= 32 && (!p->has_key || k.kvn == p->kvn);
		if (match) {
			memcpy(psk, k.key1, k.key1_len);
			*psk_len = k.key1_len;
			if (p->psk_id[0]) {
				snprintf(identity, id_cap, "%s", p->psk_id);
			} else if (k.psk_id[0]) {
				snprintf(identity, id_cap, "%s", k.psk_id);
			} else {
				/* SGP.02 §2.4.4.1 PSK identity, hex-encoded */
				uint8_t t[3 + 2 + VEUICC_EID_LEN + 2 + 16 + 6];
				size_t o = 0;
				t[o++] = 0x80, t[o++] = 1, t[o++] = 0x02;
				t[o++] = 0x81, t[o++] = VEUICC_EID_LEN;
				memcpy(t + o, card->eid, VEUICC_EID_LEN);
				o += VEUICC_EID_LEN;
				t[o++] = 0x4F, t[o++] = (uint8_t)sizeof(veuicc_aid_isdr);
				memcpy(t + o, veuicc_aid_isdr, sizeof(veuicc_aid_isdr));
				o += sizeof(veuicc_aid_isdr);
				t[o++] = 0x82, t[o++] = 1, t[o++] = p->has_key ? p->kid : 1;
				t[o++] = 0x83, t[o++] = 1, t[o++] = k.kvn;
				if (id_cap > 2 * o)
					hex(identity, t, o);
				else if (id_cap)
					identity[0] = '\0';
			}
		}
		mbedtls_platform_zeroize(&k, sizeof(k));
		if (match)
			return VEUICC_OK;
	}
	return VEUICC_ERR_NOT_FOUND;
}

void veuicc_scp81_admin_from(const veuicc_card *card, const veuicc_scp81_params *p, char *out,
                             size_t cap)
{
	if (p->agent_id[0]) {
		snprintf(out, cap, "%s", p->agent_id);
		return;
	}
	char eid[33], rid[11], pix[2 * 16 + 1];
	if (veuicc_get_eid(card, eid) != VEUICC_OK)
		eid[0] = '\0';
	hex(rid, veuicc_aid_isdr, 5);
	hex(pix, veuicc_aid_isdr + 5, sizeof(veuicc_aid_isdr) - 5);
	snprintf(out, cap, "//se-id/eid/%s;//aa-id/aid/%s/%s", eid, rid, pix);
}

int veuicc_scp81_build_post(const char *uri, const char *host, const char *from,
                            const uint8_t *body, size_t body_len, const char *status, uint8_t *out,
                            size_t cap, size_t *out_len)
{
	int n = snprintf((char *)out, cap,
	                 "POST %s HTTP/1.1\r\nHost: %s\r\nX-Admin-Protocol: %s\r\n"
	                 "X-Admin-From: %s\r\n",
	                 uri, host, "globalplatform-remote-admin/1.0", from);
	if (n < 0 || (size_t)n >= cap)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	size_t o = (size_t)n;
	if (body) {
		n = snprintf(
		    (char *)out + o, cap - o,
		    "Content-Type: "
		    "application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n"
		    "X-Admin-Script-Status: %s\r\n",
		    status ? status : "ok");
		if (n < 0 || (size_t)n >= cap - o)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		o += (size_t)n;
	}
	n = snprintf((char *)out + o, cap - o, "Transfer-Encoding: chunked\r\n\r\n");
	if (n < 0 || (size_t)n >= cap - o)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	o += (size_t)n;
	if (body && body_len) {
		n = snprintf((char *)out + o, cap - o, "%zX\r\n", body_len);
		if (n < 0 || (size_t)n >= cap - o || body_len + 2 > cap - o - (size_t)n)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		o += (size_t)n;
		memcpy(out + o, body, body_len);
		o += body_len;
		out[o++] = '\r';
		out[o++] = '\n';
	}
	if (cap - o < 5)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	memcpy(out + o, "0\r\n\r\n", 5);
	*out_len = o + 5;
	return VEUICC_OK;
}
