/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/1.1 message parser for the SCP81 admin protocol (GP Amd B §3.4;
 * message syntax RFC 9112 §2-§7). Stateless: see http.h.
 */
#include "scp/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Find CRLF at or after \p from; returns its offset or len when absent. */
static size_t find_crlf(const uint8_t *p, size_t from, size_t len)
{
	for (size_t i = from; i + 1 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			return i;
	return len;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool name_is(const uint8_t *n, size_t nl, const char *want)
{
	size_t wl = strlen(want);
	if (nl != wl)
		return false;
	for (size_t i = 0; i < nl; i++)
		if (lower(n[i]) != lower((unsigned char)want[i]))
			return false;
	return true;
}

/* RFC 9110 §5.6.2 token characters (header names, methods). */
static bool tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Copy a header value (visible ASCII and spaces only) into \p dst. */
static int put_value(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	if (n >= cap)
		return VEUICC_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] == 0x7F)
			return VEUICC_ERR_MALFORMED;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return VEUICC_OK;
}

/* Decimal (\p hex 0) or hexadecimal number of at most 8 digits. */
static int number(const uint8_t *p, size_t n, int hex, size_t *out)
{
	size_t v = 0;
	if (n == 0 || n > 8)
		return VEUICC_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++) {
		int c = lower(p[i]), d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return VEUICC_ERR_MALFORMED;
		v = v * (hex ? 16u : 10u) + (size_t)d;
	}
	*out = v;
	return VEUICC_OK;
}

/* "HTTP/1.1 200 OK" / "POST /uri HTTP/1.1" */
static int start_line(const uint8_t *p, size_t n, int request, veuicc_http_msg *m)
{
	static const char ver[] = "HTTP/1.1";
	const size_t vl = sizeof(ver) - 1;
	if (!request) {
		if (n < vl + 4 || memcmp(p, ver, vl) != 0 || p[vl] != ' ')
			return VEUICC_ERR_MALFORMED;
		size_t code;
		if (number(p + vl + 1, 3, 0, &code) || code < 100 || code > 599)
			return VEUICC_ERR_MALFORMED;
		if (n > vl + 4 && p[vl + 4] != ' ')
			return VEUICC_ERR_MALFORMED;
		m->status = (int)code;
		return VEUICC_OK;
	}
	size_t sp1 = 0;
	while (sp1 < n && tchar(p[sp1]))
		sp1++;
	if (sp1 == 0 || sp1 >= sizeof(m->method) || sp1 >= n || p[sp1] != ' ')
		return VEUICC_ERR_MALFORMED;
	memcpy(m->method, p, sp1);
	m->method[sp1] = '\0';
	size_t sp2 = sp1 + 1;
	while (sp2 < n && p[sp2] != ' ')
		sp2++;
	if (sp2 == sp1 + 1 || sp2 >= n || n - sp2 - 1 != vl || memcmp(p + sp2 + 1, ver, vl) != 0)
		return VEUICC_ERR_MALFORMED;
	return put_value(m->uri, sizeof(m->uri), p + sp1 + 1, sp2 - sp1 - 1);
}

typedef struct framing {
	bool have_len;
	size_t content_length;
} framing;

static int header(const uint8_t *p, size_t n, veuicc_http_msg *m, framing *f)
{
	size_t colon = 0;
	while (colon < n && tchar(p[colon]))
		colon++;
	if (colon == 0 || colon >= n || p[colon] != ':')
		return VEUICC_ERR_MALFORMED; /* also a space before ':' (RFC 9112 §5.1) */
	const uint8_t *v = p + colon + 1;
	size_t vl = n - colon - 1;
	while (vl && (v[0] == ' ' || v[0] == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (name_is(p, colon, "Content-Length")) {
		size_t cl;
		if (f->have_len || number(v, vl, 0, &cl))
			return VEUICC_ERR_MALFORMED;
		f->have_len = true;
		f->content_length = cl;
		return VEUICC_OK;
	}
	if (name_is(p, colon, "Transfer-Encoding")) {
		if (!name_is(v, vl, "chunked"))
			return VEUICC_ERR_MALFORMED; /* no other coding is spoken here */
		m->chunked = 1;
		return VEUICC_OK;
	}
	if (name_is(p, colon, "Connection")) {
		m->conn_close = name_is(v, vl, "close");
		return VEUICC_OK;
	}
	static const struct {
		const char *name;
		size_t off, cap;
	} keep[] = {
	    {"Content-Type", offsetof(veuicc_http_msg, content_type), VEUICC_HTTP_VALUE_MAX},
	    {"X-Admin-Protocol", offsetof(veuicc_http_msg, admin_protocol), 64},
	    {"X-Admin-From", offsetof(veuicc_http_msg, admin_from), VEUICC_HTTP_VALUE_MAX},
	    {"X-Admin-Next-URI", offsetof(veuicc_http_msg, next_uri), VEUICC_HTTP_VALUE_MAX},
	    {"X-Admin-Targeted-Application", offsetof(veuicc_http_msg, target_app),
	     VEUICC_HTTP_VALUE_MAX},
	    {"X-Admin-Script-Status", offsetof(veuicc_http_msg, script_status), 64},
	    {"Host", offsetof(veuicc_http_msg, host), VEUICC_HTTP_VALUE_MAX},
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (name_is(p, colon, keep[i].name))
			return put_value((char *)m + keep[i].off, keep[i].cap, v, vl);
	return VEUICC_OK; /* other headers are ignored */
}

/* Chunked body (RFC 9112 §7.1) from \p i; extensions ignored, no trailers
 * accepted but an empty trailer section. */
static int chunked_body(const uint8_t *in, size_t len, size_t i, uint8_t *body, size_t cap,
                        veuicc_http_msg *m)
{
	size_t out = 0;
	for (;;) {
		size_t e = find_crlf(in, i, len);
		if (e == len)
			return e - i > 64 ? VEUICC_ERR_MALFORMED : VEUICC_HTTP_INCOMPLETE;
		size_t d = i;
		while (d < e && in[d] != ';')
			d++;
		size_t sz;
		if (number(in + i, d - i, 1, &sz))
			return VEUICC_ERR_MALFORMED;
		i = e + 2;
		if (sz == 0) {
			if (len - i < 2)
				return VEUICC_HTTP_INCOMPLETE;
			if (in[i] != '\r' || in[i + 1] != '\n')
				return VEUICC_ERR_MALFORMED; /* trailers: not accepted */
			m->body_len = out;
			m->used = i + 2;
			return VEUICC_OK;
		}
		if (sz > cap - out)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		if (len - i < sz + 2)
			return VEUICC_HTTP_INCOMPLETE;
		if (in[i + sz] != '\r' || in[i + sz + 1] != '\n')
			return VEUICC_ERR_MALFORMED;
		memcpy(body + out, in + i, sz);
		out += sz;
		i += sz + 2;
	}
}

int veuicc_http_parse(const uint8_t *in, size_t len, int request, veuicc_http_msg *m, uint8_t *body,
                      size_t body_cap)
{
	if (!in || !m || (!body && body_cap))
		return VEUICC_ERR_INVALID_ARG;
	memset(m, 0, sizeof(*m));
	m->is_request = request;
	size_t e = find_crlf(in, 0, len);
	if (e == len)
		return len > VEUICC_HTTP_HEAD_MAX ? VEUICC_ERR_BUFFER_TOO_SMALL
		                                  : VEUICC_HTTP_INCOMPLETE;
	int rc = start_line(in, e, request, m);
	if (rc)
		return rc;
	framing f = {false, 0};
	size_t i = e + 2;
	for (;;) {
		e = find_crlf(in, i, len);
		if (e == len)
			return len > VEUICC_HTTP_HEAD_MAX ? VEUICC_ERR_BUFFER_TOO_SMALL
			                                  : VEUICC_HTTP_INCOMPLETE;
		if (e > VEUICC_HTTP_HEAD_MAX)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		if (e == i)
			break; /* the empty line ends the header section */
		if (in[i] == ' ' || in[i] == '\t')
			return VEUICC_ERR_MALFORMED; /* obs-fold (RFC 9112 §5.2) */
		rc = header(in + i, e - i, m, &f);
		if (rc)
			return rc;
		i = e + 2;
	}
	i += 2;
	if (m->chunked && f.have_len)
		return VEUICC_ERR_MALFORMED; /* RFC 9112 §6.3: a smuggling sign */
	if (m->chunked)
		return chunked_body(in, len, i, body, body_cap, m);
	if (!f.have_len) {
		bool bodyless = request || m->status < 200 || m->status == 204 || m->status == 304;
		if (!bodyless)
			return VEUICC_ERR_MALFORMED; /* close-delimited bodies: not here */
		f.content_length = 0;
	}
	if (f.content_length > body_cap)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	if (len - i < f.content_length)
		return VEUICC_HTTP_INCOMPLETE;
	if (f.content_length)
		memcpy(body, in + i, f.content_length);
	m->body_len = f.content_length;
	m->used = i + f.content_length;
	return VEUICC_OK;
}
