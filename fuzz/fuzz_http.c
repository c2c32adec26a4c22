/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the SCP81 HTTP parser (src/scp/http.c) and the PUSH
 * parameters (src/scp/scp81.c). Byte 0 bit 0 chooses request or response.
 * Checks: a complete message took no more than the input, its body fits,
 * every kept header is a C string, and no shorter prefix of it is complete
 * (the parser needs the whole message, never reads past it); a card request
 * built from the body parses back to the same body; an
 * X-Admin-Targeted-Application value that parses as an AID
 * (cat/bip_target.c) reads back the same from its canonical form.
 */
#include <stdlib.h>
#include <string.h>

#include "cat/bip_target.h"
#include "scp/http.h"
#include "scp/scp81.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void strings_ok(const veuicc_http_msg *m)
{
	CHECK(memchr(m->method, 0, sizeof(m->method)));
	CHECK(memchr(m->uri, 0, sizeof(m->uri)));
	CHECK(memchr(m->content_type, 0, sizeof(m->content_type)));
	CHECK(memchr(m->admin_protocol, 0, sizeof(m->admin_protocol)));
	CHECK(memchr(m->next_uri, 0, sizeof(m->next_uri)));
	CHECK(memchr(m->target_app, 0, sizeof(m->target_app)));
	CHECK(memchr(m->host, 0, sizeof(m->host)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int request = data[0] & 1;
	const uint8_t *in = data + 1;
	size_t n = size - 1;
	static uint8_t body[4096], body2[4096], post[8192];
	veuicc_http_msg m, m2;
	int rc = veuicc_http_parse(in, n, request, &m, body, sizeof(body));
	CHECK(rc == VEUICC_OK || rc == VEUICC_HTTP_INCOMPLETE || rc == VEUICC_ERR_MALFORMED ||
	      rc == VEUICC_ERR_BUFFER_TOO_SMALL);
	if (rc == VEUICC_OK) {
		CHECK(m.used <= n);
		CHECK(m.body_len <= sizeof(body));
		strings_ok(&m);
		if (m.used)
			CHECK(veuicc_http_parse(in, m.used - 1, request, &m2, body2,
			                        sizeof(body2)) != VEUICC_OK);
		uint8_t aid[16], aid2[16];
		size_t al, al2;
		if (veuicc_scp81_target_aid(m.target_app, aid, &al) == VEUICC_OK) {
			CHECK(al >= 5 && al <= 16);
			char canon[6 + 2 * 16 + 2] = "//aid/";
			for (size_t i = 0; i < al; i++) {
				static const char hx[] = "0123456789ABCDEF";
				size_t o = strlen(canon);
				if (i == 5)
					canon[o++] = '/';
				canon[o++] = hx[aid[i] >> 4];
				canon[o++] = hx[aid[i] & 15];
				canon[o] = '\0';
			}
			CHECK(veuicc_scp81_target_aid(canon, aid2, &al2) == VEUICC_OK);
			CHECK(al2 == al && !memcmp(aid, aid2, al));
		}
		/* the card's POST of this body reads back as it was written */
		size_t pl;
		if (veuicc_scp81_build_post("/a", "h", "//se-id/eid/1", body, m.body_len, "ok",
		                            post, sizeof(post), &pl) == VEUICC_OK) {
			CHECK(veuicc_http_parse(post, pl, 1, &m2, body2, sizeof(body2)) ==
			      VEUICC_OK);
			CHECK(m2.used == pl && m2.body_len == m.body_len);
			CHECK(!memcmp(body, body2, m.body_len));
		}
	}
	veuicc_scp81_params p;
	if (veuicc_scp81_parse_push(in, n, &p) == VEUICC_OK) {
		CHECK(p.conn_len <= sizeof(p.conn));
		CHECK(p.address_len == 4 || p.address_len == 16);
		CHECK(memchr(p.uri, 0, sizeof(p.uri)) && p.uri[0]);
	}
	return 0;
}
