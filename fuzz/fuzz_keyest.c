/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the EstablishISDPKeySet messages (src/euicc/keyest.c):
 * the first byte picks the parser, the rest is a STORE DATA data field:
 *   b0 % 4 == 0  3A01 { 7F21 CERT.DP.ECDSA } (strict, then DER signatures allowed)
 *   b0 % 4 == 1  3A02 { A6 CRT } 7F49 5F37 on NIST P-256
 *   b0 % 4 == 2  the same on brainpoolP256r1
 *   b0 % 4 == 3  FinaliseISDRHandover DELETE data { F2 03 KVN first last }...
 *                (src/euicc/smsr_change.c)
 * Invariants: every pointer of a parsed message stays inside the input, the
 * CRT lies inside the 3A02 DGI that starts the input, the values the card
 * relies on are in range, and a second parse gives the same result.
 */
#include <stdlib.h>
#include <string.h>

#include "euicc/keyest.h"
#include "euicc/smsr_change.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return !p || (p >= data && n <= size && (size_t)(p - data) <= size - n);
}

static void params(const uint8_t *d, size_t n, uint8_t curve)
{
	veuicc_keyest_params p, q;
	int rc = veuicc_keyest_parse_params(d, n, curve, &p);
	CHECK(rc == VEUICC_OK || rc == VEUICC_ERR_MALFORMED);
	CHECK(veuicc_keyest_parse_params(d, n, curve, &q) == rc);
	if (rc)
		return;
	CHECK(!memcmp(&p, &q, sizeof(p)));
	CHECK(p.dgi == d && inside(p.dgi, p.dgi_len, d, n));
	CHECK(p.crt > p.dgi && p.crt + p.crt_len == p.dgi + p.dgi_len);
	CHECK(p.epk_tlv == p.dgi + p.dgi_len && inside(p.epk_tlv, p.epk_tlv_len, d, n));
	CHECK(inside(p.sig, p.sig_len, d, n) && p.sig_len > 0 && p.sig + p.sig_len == d + n);
	CHECK(p.key_usage == VEUICC_KEYEST_KU_3KEYS || p.key_usage == VEUICC_KEYEST_KU_1KEY);
	CHECK(p.key_type == 0x88 && p.key_len == 0x10 && p.kvn && p.kvn != 0xFF && p.kid);
	CHECK(p.counter <= 0xFFFFFFu && !(p.scenario & ~0x0F));
	CHECK(!!(p.scenario & VEUICC_KEYEST_SP_HOSTID) == (p.host_id != NULL));
	CHECK(!p.host_id || (inside(p.host_id, p.host_id_len, d, n) &&
	                     p.host_id_len <= VEUICC_KEYEST_HOSTID_MAX));
	CHECK(!p.sdin || inside(p.sdin, p.sdin_len, d, n));
	CHECK(p.epk.curve == curve && p.epk.point[0] == 0x04);
}

static void finalise(const uint8_t *d, size_t n)
{
	veuicc_smsr_key_tmpl t[VEUICC_SMSR_TMPL_MAX], u[VEUICC_SMSR_TMPL_MAX];
	size_t c = 99, e = 99;
	int rc = veuicc_smsr_parse_delete(d, n, t, &c);
	CHECK(rc == VEUICC_OK || rc == VEUICC_ERR_MALFORMED);
	CHECK(veuicc_smsr_parse_delete(d, n, u, &e) == rc);
	if (rc)
		return;
	CHECK(c == e && c >= 1 && c <= VEUICC_SMSR_TMPL_MAX && n == 5 * c);
	for (size_t i = 0; i < c; i++) {
		CHECK(t[i].first >= 1 && t[i].first <= t[i].last && t[i].last <= 0x7F);
		CHECK(t[i].kvn == d[5 * i + 2] && !memcmp(&t[i], &u[i], sizeof(t[i])));
		for (size_t j = 0; j < i; j++)
			CHECK(t[j].kvn != t[i].kvn);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	switch (data[0] % 4) {
	case 0:
		for (unsigned flags = 0; flags <= VEUICC_CERT_ALLOW_DER_SIG; flags++) {
			veuicc_cert c;
			int rc = veuicc_keyest_parse_cert(d, n, flags, &c);
			CHECK(rc == VEUICC_OK || rc == VEUICC_ERR_MALFORMED ||
			      rc == VEUICC_ERR_UNSUPPORTED);
			if (!rc)
				CHECK(inside(c.raw, c.raw_len, d, n) &&
				      c.raw == d + (n - c.raw_len));
		}
		break;
	case 1: params(d, n, VEUICC_CERT_CURVE_P256); break;
	case 2: params(d, n, VEUICC_CERT_CURVE_BP256R1); break;
	default: finalise(d, n); break;
	}
	return 0;
}
