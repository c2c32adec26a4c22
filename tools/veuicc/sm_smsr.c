/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm_smsr.c
 * \brief `veuicc sm smsr-change`: the SM-SR change as the simulator plays it
 *        (SGP.02 §3.8; ES5.EstablishISDRKeySet §4.1.1.8,
 *        ES5.FinaliseISDRHandover §4.1.1.9; docs/smsr-change.md for the card
 *        side, docs/sm.md for this one). SM-SR2 (CERT.SR.ECDSA and
 *        SK.SR.ECDSA of the PKI folder) establishes a new SCP80 key set of the
 *        ISD-R through the ECASD, its messages relayed by SM-SR1 (the current
 *        SCP80 keys); the simulator derives the keys itself (sm_crypto.c,
 *        mbedtls only: ECDH, X9.63 KDF, receipt), takes them as its SM-SR
 *        keys, proves them with an audit, deletes SM-SR1's key sets and shows
 *        that a packet under the old keys gets no PoR.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "sm.h"
#include "tlv/tlv.h"

#define INS_STORE_DATA 0xE2
#define INS_DELETE     0xE4
#define TAG_KEY_INFO   0xE0 /* GP CS v2.3 §11.3.3.1 key information template */
#define TAG_KEY_DATA   0xC0 /* key id, KVN, type, length */
#define TAG_KEY_TMPL   0xF2 /* DELETE key template (digest §3.11) */
#define SCP80_KVN_MIN  0x01 /* TS 102 225 §5.1.2: key set index 1..15 */
#define SCP80_KVN_MAX  0x0F
#define SCP80_AES      0x02 /* TS 102 225 §5.1.2: AES (CBC for KIc, CMAC for KID) */
#define KEYSETS_MAX    16
#define USAGE_3KEYS    0x10 /* CRT 95: three keys (ENC/KIc, MAC/KID, DEK) */
#define SP_DR          0x02 /* scenario parameter: the card sends DR (GP Amd E) */

/* ---- local reporting (sm.c's helpers are static there) ------------------------ */

__attribute__((format(printf, 2, 3))) static int fail(veuicc_sm *sm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sm->error, sizeof(sm->error), fmt, ap);
	va_end(ap);
	snprintf(sm->cur.detail, sizeof(sm->cur.detail), "%s", sm->error);
	return -1;
}

__attribute__((format(printf, 2, 3))) static void detail(veuicc_sm *sm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sm->cur.detail, sizeof(sm->cur.detail), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void say(veuicc_sm *sm, const char *fmt, ...)
{
	if (!sm->out)
		return;
	va_list ap;
	fputs("  ", sm->out);
	va_start(ap, fmt);
	vfprintf(sm->out, fmt, ap);
	va_end(ap);
	fputc('\n', sm->out);
}

/* ---- the ISD-R's key sets (GET DATA E0) ------------------------------------------- */

struct kset {
	uint8_t kvn, last; /* highest key id */
	uint8_t type;      /* GP key type of key 1 (88 AES, 80 DES, 85 PSK) */
};

struct ksets {
	size_t n;
	struct kset k[KEYSETS_MAX];
};

static void kvn_list(const struct ksets *s, int skip, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->n && k + 4 < cap; i++)
		if (s->k[i].kvn != skip)
			k += (size_t)snprintf(out + k, cap - k, "%s%02X", k ? ", " : "",
			                      s->k[i].kvn);
	if (!k)
		snprintf(out, cap, "none");
}

/* GET DATA E0 of the ISD-R in one ES5 script, grouped by KVN. */
static int key_info(veuicc_sm *sm, struct ksets *out)
{
	static const uint8_t c[] = {0x80, 0xCA, 0x00, TAG_KEY_INFO, 0x00};
	size_t len = sizeof(c);
	veuicc_sm_rapdus r;
	int rc = veuicc_sm_es5(sm, c, &len, 1, &r);
	if (rc)
		return rc == -2 ? fail(sm, "internal: GET DATA E0 does not fit") : rc;
	veuicc_tlv e0, t;
	if (veuicc_tlv_find(r.buf + r.off[0], r.len[0] - 2, 0, TAG_KEY_INFO, &e0) != 1)
		return fail(sm, "GET DATA E0: no key information template");
	veuicc_tlv_reader rd;
	veuicc_tlv_reader_init(&rd, e0.value, e0.len, 0);
	out->n = 0;
	while (veuicc_tlv_next(&rd, &t) == 1) {
		if (t.tag != TAG_KEY_DATA || t.len < 4)
			continue;
		size_t i = 0;
		while (i < out->n && out->k[i].kvn != t.value[1])
			i++;
		if (i == out->n) {
			if (out->n == KEYSETS_MAX)
				continue;
			out->k[out->n].kvn = t.value[1];
			out->k[out->n].last = 0;
			out->k[out->n].type = t.value[2];
			out->n++;
		}
		if (t.value[0] > out->k[i].last)
			out->k[i].last = t.value[0];
	}
	return 0;
}

static int has_kvn(const struct ksets *s, uint8_t kvn)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->k[i].kvn == kvn)
			return 1;
	return 0;
}

/* ---- SM-SR2's identity ---------------------------------------------------------- */

/* DIR/smsr.7f21 (or .hex) and DIR/smsr.pem, else the SGP.26 DPpb test key in
 * DIR/../../keys (tests/data/cert layout; tools/pki/sgp26/SOURCES.md maps the
 * SM-SR role to SK_S_SM_DPpb). */
static int load_smsr(veuicc_sm *sm, const char *dir, int curve, veuicc_sm_dp **out)
{
	char cert[4096], key[4096];
	FILE *f;
	snprintf(cert, sizeof(cert), "%s/smsr.7f21", dir);
	if (!(f = fopen(cert, "rb")))
		snprintf(cert, sizeof(cert), "%s/smsr.hex", dir);
	else
		fclose(f);
	snprintf(key, sizeof(key), "%s/smsr.pem", dir);
	if (!(f = fopen(key, "r")))
		snprintf(key, sizeof(key), "%s/../../keys/SK_S_SM_DPpb_ECDSA_%s.pem", dir,
		         curve == VEUICC_SM_CURVE_BP256 ? "BRP" : "NIST");
	else
		fclose(f);
	if (veuicc_sm_dp_load(out, key, cert, sm->error, sizeof(sm->error)))
		return fail(sm, "SM-SR2 identity: %s", sm->error);
	if (veuicc_sm_dp_curve(*out) != curve)
		return fail(sm, "SK.SR.ECDSA (%s) is not on the ECASD's curve", key);
	say(sm, "SM-SR2 identity from %s (curve %s)", dir,
	    curve == VEUICC_SM_CURVE_BP256 ? "brainpoolP256r1" : "P-256");
	return 0;
}

/* ---- EstablishISDRKeySet ---------------------------------------------------------- */

/* A refused Scenario#3 message: say which and what the status word means
 * here (docs/smsr-change.md); the card changed nothing. */
static int refused(veuicc_sm *sm, const char *what)
{
	char why[sizeof(sm->error)];
	snprintf(why, sizeof(why), "%s", sm->error);
	const char *hint = strstr(why, "6A80") ? ": not an SM-SR certificate (role C8 02) of a CI "
	                                         "the ECASD knows, or a KVN in use"
	                   : strstr(why, "6982")
	                       ? ": the signature does not verify with PK.SR.ECDSA"
	                   : strstr(why, "6985") ? ": the 3A01 challenge is gone"
	                                         : "";
	return fail(sm, "%s refused: %s%s; the ISD-R key sets are unchanged", what, why, hint);
}

static size_t store_data(uint8_t *c, uint8_t p1, uint8_t p2, const uint8_t *d, size_t n)
{
	c[0] = 0x80;
	c[1] = INS_STORE_DATA;
	c[2] = p1;
	c[3] = p2;
	c[4] = (uint8_t)n;
	memcpy(c + 5, d, n);
	c[5 + n] = 0x00; /* Le */
	return 6 + n;
}

/* The two Scenario#3 messages to the ISD-R (SGP.02 §4.1.1.8, digest §3.10):
 * 3A01 { CERT.SR.ECDSA } -> 85 10 RC; 3A02 { A6 CRT } 7F49 { ePK.SR.ECKA }
 * 5F37 { signature } -> [85 10 DR] 86 10 receipt. Each in its own ES5 script
 * under the current (SM-SR1) keys. \p keys receives KIc, KID, DEK. */
static int establish(veuicc_sm *sm, veuicc_sm_dp *sr, uint8_t kvn, uint8_t keys[48])
{
	uint8_t c[300], d[260];
	size_t cl = 0, k = 0, len;
	veuicc_sm_rapdus r;
	const uint8_t *cert = veuicc_sm_dp_cert(sr, &cl);
	if (cl > 255 - 3)
		return fail(sm, "CERT.SR.ECDSA is too long for one STORE DATA");
	d[k++] = 0x3A;
	d[k++] = 0x01;
	d[k++] = (uint8_t)cl;
	memcpy(d + k, cert, cl);
	k += cl;
	/* P1 09: DGI structure, not the last block; block 00 */
	len = store_data(c, 0x09, 0x00, d, k);
	int rc = veuicc_sm_es5(sm, c, &len, 1, &r);
	if (rc)
		return rc == -2 ? fail(sm, "3A01 does not fit")
		                : refused(sm, "3A01 (CERT.SR.ECDSA)");
	veuicc_tlv t;
	if (veuicc_tlv_find(r.buf + r.off[0], r.len[0] - 2, 0, 0x85, &t) != 1 || t.len != 16)
		return fail(sm, "3A01: the ISD-R answered no 85 10 RC");
	uint8_t rc_chal[16];
	memcpy(rc_chal, t.value, 16);
	say(sm, "3A01: CERT.SR.ECDSA accepted by the ECASD, card challenge RC received");

	/* The WHTY SM-SR change CRT (digest §4.1, docs/smsr-change.md): scenario
	 * 3, parameters 09 (delete + certificate first, no DR), three AES-128 keys
	 * from key id 1 in SCP80 key set KVN, counter 0 */
	const uint8_t a6[] = {0xA6, 0x15, 0x90, 0x02, 0x03, 0x09, 0x95, 0x01,
	                      0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x82,
	                      0x01, 0x01, 0x83, 0x01, kvn,  0x91, 0x00};
	uint8_t epk[65], shs[32], sig[64];
	if (veuicc_sm_dp_ecka(sr, sm->ecasd_pk, epk, shs))
		return fail(sm, "ECKA: PK.ECASD.ECKA is not a point of the curve");
	k = 0;
	d[k++] = 0x3A;
	d[k++] = 0x02;
	d[k++] = sizeof(a6);
	memcpy(d + k, a6, sizeof(a6));
	k += sizeof(a6);
	d[k++] = 0x7F;
	d[k++] = 0x49;
	d[k++] = 2 + 65 + 3;
	d[k++] = 0xB0;
	d[k++] = 65;
	memcpy(d + k, epk, 65);
	k += 65;
	d[k++] = 0xF0;
	d[k++] = 0x01;
	d[k++] = (uint8_t)veuicc_sm_dp_curve(sr);
	size_t signed_len = k;
	/* signed: 3A02 ‖ 7F49 ‖ 00 85 10 RC (GP Amd E; digest §10) */
	d[k++] = 0x00;
	d[k++] = 0x85;
	d[k++] = 16;
	memcpy(d + k, rc_chal, 16);
	rc = veuicc_sm_dp_sign(sr, d, k + 16, sig);
	k = signed_len;
	if (rc) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return fail(sm, "ECDSA signature with SK.SR.ECDSA failed");
	}
	d[k++] = 0x5F;
	d[k++] = 0x37;
	d[k++] = 64;
	memcpy(d + k, sig, 64);
	k += 64;
	len = store_data(c, 0x89, 0x01, d, k); /* last block, block 01 */
	rc = veuicc_sm_es5(sm, c, &len, 1, &r);
	if (rc) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return rc == -2 ? fail(sm, "3A02 does not fit") : refused(sm, "3A02 (ePK.SR.ECKA)");
	}
	const uint8_t *rd = r.buf + r.off[0];
	size_t rn = r.len[0] - 2;
	veuicc_tlv dr, rcpt;
	int have_dr = veuicc_tlv_find(rd, rn, 0, 0x85, &dr) == 1 && dr.len == 16;
	if (veuicc_tlv_find(rd, rn, 0, 0x86, &rcpt) != 1 || rcpt.len != 16 ||
	    have_dr != !!(a6[5] & SP_DR)) {
		mbedtls_platform_zeroize(shs, sizeof(shs));
		return fail(sm, "3A02: the ISD-R answered no 86 10 receipt");
	}
	/* SharedInfo = key usage ‖ key type ‖ key length (‖ DR); keyData =
	 * receipt key ‖ KIc ‖ KID ‖ DEK (X9.63 with SHA-256, GP Amd E) */
	uint8_t info[3 + 16], kd[64], want[16], in[sizeof(a6) + 18];
	size_t info_len = 3, in_len = sizeof(a6);
	info[0] = USAGE_3KEYS;
	info[1] = 0x88;
	info[2] = 0x10;
	memcpy(in, a6, sizeof(a6));
	if (have_dr) {
		memcpy(info + 3, dr.value, 16);
		info_len += 16;
		in[in_len++] = 0x85;
		in[in_len++] = 16;
		memcpy(in + in_len, dr.value, 16);
		in_len += 16;
	}
	rc = veuicc_sm_x963(shs, sizeof(shs), info, info_len, kd, sizeof(kd));
	mbedtls_platform_zeroize(shs, sizeof(shs));
	if (rc || veuicc_sm_cmac(kd, in, in_len, want)) {
		mbedtls_platform_zeroize(kd, sizeof(kd));
		return fail(sm, "KDF / CMAC failed");
	}
	uint8_t diff = 0;
	for (int i = 0; i < 16; i++)
		diff |= want[i] ^ rcpt.value[i];
	if (diff) {
		mbedtls_platform_zeroize(kd, sizeof(kd));
		return fail(sm, "the card's receipt is not SM-SR2's: the key sets differ");
	}
	memcpy(keys, kd + 16, 48);
	mbedtls_platform_zeroize(kd, sizeof(kd));
	return 0;
}

void veuicc_sm_smsr_keys(veuicc_sm *sm, uint8_t kvn, const uint8_t keys[48])
{
	veuicc_scp80_keyset *ks = &sm->ota.ks;
	mbedtls_platform_zeroize(ks, sizeof(*ks));
	ks->kvn = kvn;
	ks->kic_alg = ks->kid_alg = SCP80_AES;
	ks->kic_len = ks->kid_len = 16;
	memcpy(ks->kic, keys, 16);
	memcpy(ks->kid, keys + 16, 16);
	ks->cc_len = 8;
	memcpy(sm->smsr_dek, keys + 32, 16);
	sm->ota.h.kic = (uint8_t)(kvn << 4 | SCP80_AES);
	sm->ota.h.kid = (uint8_t)(kvn << 4 | SCP80_AES);
	sm->ota.h.kic_ks = sm->ota.h.kid_ks = ks;
	sm->smsr_changed = 1;
}

/* ---- the procedure ---------------------------------------------------------------- */

int veuicc_sm_smsr_change(veuicc_sm *sm, int new_kvn, int keep_old)
{
	struct ksets before, after;
	char list[96];
	int rc;

	/* 1: what the ISD-R holds now (SM-SR1's keys) */
	veuicc_sm_begin(sm, "ES5 key sets of the ISD-R (GET DATA E0, SM-SR1's keys)");
	rc = key_info(sm, &before);
	if (!rc && new_kvn && has_kvn(&before, (uint8_t)new_kvn))
		rc = fail(sm, "KVN %02X is in use on the card: choose another --new-kvn",
		          (unsigned)new_kvn);
	for (int v = SCP80_KVN_MIN; !rc && !new_kvn && v <= SCP80_KVN_MAX; v++)
		if (!has_kvn(&before, (uint8_t)v))
			new_kvn = v;
	if (!rc && !new_kvn)
		rc = fail(sm, "every SCP80 KVN 01..0F is in use on the card");
	if (!rc) {
		kvn_list(&before, -1, list, sizeof(list));
		detail(sm, "key sets KVN %s; SM-SR1 uses SCP80 KVN %02X; SM-SR2's set will be %02X",
		       list, sm->ota.ks.kvn, (unsigned)new_kvn);
	}
	if (veuicc_sm_end(sm, rc))
		return -1;

	/* 2: EstablishISDRKeySet, relayed by SM-SR1 */
	veuicc_sm_begin(sm, "ES5 EstablishISDRKeySet (SM-SR2 through the ECASD, via SM-SR1)");
	veuicc_sm_dp *sr = NULL;
	char buf[4096];
	int curve = veuicc_sm_ecasd_curve(sm);
	rc = curve < 0 ? -1 : 0;
	if (!rc) {
		const char *dir = sm->pki_dir;
		if (!dir)
			dir = veuicc_sm_source_path(
			    curve == VEUICC_SM_CURVE_BP256 ? "factory/pki/brp" : "factory/pki/nist",
			    buf, sizeof(buf));
		rc = load_smsr(sm, dir, curve, &sr);
	}
	veuicc_scp80_keyset old = sm->ota.ks;
	uint64_t old_counter = sm->counter;
	uint8_t keys[48];
	if (!rc)
		rc = establish(sm, sr, (uint8_t)new_kvn, keys);
	veuicc_sm_dp_free(sr);
	if (!rc) {
		veuicc_sm_smsr_keys(sm, (uint8_t)new_kvn, keys);
		/* the card's counter of a new SCP80 set is 0 (docs/smsr-change.md) */
		sm->counter = 0;
		mbedtls_platform_zeroize(keys, sizeof(keys));
		detail(sm,
		       "receipt verified: SCP80 key set KVN %02X (KIc, KID, DEK: AES-128) shared "
		       "with the ISD-R; the simulator now speaks with it (counter from 1)",
		       (unsigned)new_kvn);
	}
	if (veuicc_sm_end(sm, rc)) {
		mbedtls_platform_zeroize(&old, sizeof(old));
		return -1;
	}

	/* 3: the new keys work: audit (GET STATUS) and the key sets under them */
	char name[64];
	snprintf(name, sizeof(name), "ES5 audit under SM-SR2's keys (KVN %02X)", (unsigned)new_kvn);
	veuicc_sm_begin(sm, name);
	rc = veuicc_sm_audit(sm);
	if (!rc)
		rc = key_info(sm, &after);
	if (!rc && !has_kvn(&after, (uint8_t)new_kvn))
		rc = fail(sm, "GET DATA E0 does not list the new KVN %02X", (unsigned)new_kvn);
	if (!rc) {
		kvn_list(&after, -1, list, sizeof(list));
		detail(sm, "PoR under the new keys; key sets KVN %s", list);
	}
	if (!rc && keep_old)
		detail(sm,
		       "PoR under the new keys; key sets KVN %s (--keep-old: no "
		       "FinaliseISDRHandover, SM-SR1's sets stay)",
		       list);
	if (veuicc_sm_end(sm, rc) || keep_old) {
		mbedtls_platform_zeroize(&old, sizeof(old));
		return rc ? -1 : 0;
	}

	/* 4: FinaliseISDRHandover: DELETE { F2 03 KVN 01 last }... of every other
	 * set (SGP.02 §4.1.1.9; digest §3.11), then the key sets left */
	veuicc_sm_begin(sm, "ES5 FinaliseISDRHandover (delete SM-SR1's key sets)");
	uint8_t c[5 + 5 * KEYSETS_MAX + 1 + 5];
	size_t lens[2], k = 5;
	c[0] = 0x80;
	c[1] = INS_DELETE;
	c[2] = 0x00;
	c[3] = 0x00;
	for (size_t i = 0; i < after.n; i++) {
		if (after.k[i].kvn == new_kvn)
			continue;
		c[k++] = TAG_KEY_TMPL;
		c[k++] = 0x03;
		c[k++] = after.k[i].kvn;
		c[k++] = 0x01; /* the whole set: first key id 01 to its last */
		c[k++] = after.k[i].last;
	}
	c[4] = (uint8_t)(k - 5);
	c[k++] = 0x00;
	lens[0] = k;
	static const uint8_t e0[] = {0x80, 0xCA, 0x00, TAG_KEY_INFO, 0x00};
	memcpy(c + k, e0, sizeof(e0)); /* back to back: the script's second C-APDU */
	lens[1] = sizeof(e0);
	veuicc_sm_rapdus r;
	struct ksets left;
	memset(&left, 0, sizeof(left));
	if (k == 6) {
		rc = fail(sm, "SM-SR1 has no key set left to delete");
	} else {
		rc = veuicc_sm_es5(sm, c, lens, 2, &r);
		if (rc == -2)
			rc = fail(sm, "internal: the DELETE does not fit");
	}
	if (!rc && (r.len[0] != 3 || r.buf[r.off[0]] != 0x00))
		rc = fail(sm, "DELETE: the ISD-R answered no 00 confirmation");
	if (!rc) {
		veuicc_tlv e, t;
		const uint8_t *d = r.buf + r.off[1];
		if (veuicc_tlv_find(d, r.len[1] - 2, 0, TAG_KEY_INFO, &e) == 1) {
			veuicc_tlv_reader rd;
			veuicc_tlv_reader_init(&rd, e.value, e.len, 0);
			while (veuicc_tlv_next(&rd, &t) == 1)
				if (t.tag == TAG_KEY_DATA && t.len >= 4 &&
				    !has_kvn(&left, t.value[1]) && left.n < KEYSETS_MAX)
					left.k[left.n++].kvn = t.value[1];
		}
		kvn_list(&after, new_kvn, list, sizeof(list));
		char l2[96];
		kvn_list(&left, -1, l2, sizeof(l2));
		if (left.n != 1 || left.k[0].kvn != new_kvn)
			rc = fail(sm, "key sets KVN %s deleted but KVN %s left", list, l2);
		else
			detail(sm, "key sets KVN %s deleted; the ISD-R keeps KVN %s (SM-SR2's)",
			       list, l2);
	}
	if (veuicc_sm_end(sm, rc)) {
		mbedtls_platform_zeroize(&old, sizeof(old));
		return -1;
	}

	/* 5: SM-SR1's keys no longer open the ISD-R: no PoR (SGP.02 §2.4.3,
	 * TS 102 225 status 06 unknown key set, docs/smsr-change.md) */
	snprintf(name, sizeof(name), "old SM-SR keys refused (a packet under KVN %02X)", old.kvn);
	veuicc_sm_begin(sm, name);
	uint8_t old_kvn = old.kvn;
	veuicc_scp80_keyset now = sm->ota.ks;
	uint64_t now_counter = sm->counter;
	uint8_t now_kic = sm->ota.h.kic, now_kid = sm->ota.h.kid;
	sm->ota.ks = old;
	sm->ota.h.kic = (uint8_t)(old.kvn << 4 | old.kic_alg);
	sm->ota.h.kid = (uint8_t)(old.kvn << 4 | old.kid_alg);
	sm->counter = old_counter;
	static const uint8_t probe[] = {0x80, 0xCA, 0x00, TAG_KEY_INFO, 0x00};
	size_t plen = sizeof(probe);
	rc = veuicc_sm_es5(sm, probe, &plen, 1, &r);
	int refused = rc != 0 && sm->no_por;
	sm->ota.ks = now;
	sm->ota.h.kic = now_kic;
	sm->ota.h.kid = now_kid;
	sm->counter = now_counter;
	mbedtls_platform_zeroize(&now, sizeof(now));
	mbedtls_platform_zeroize(&old, sizeof(old));
	if (refused) {
		sm->error[0] = '\0';
		say(sm, "GET DATA E0 under SM-SR1's KVN %02X: ENVELOPE 9000 without a PoR",
		    old_kvn);
		detail(sm,
		       "no PoR: the card discards packets under SM-SR1's keys (unknown key set)");
		rc = 0;
	} else if (rc == 0) {
		rc = fail(sm, "the card still answers a packet under SM-SR1's keys with a PoR");
	} else {
		char why[sizeof(sm->error)];
		snprintf(why, sizeof(why), "%s", sm->error);
		rc = fail(sm, "the probe under SM-SR1's keys failed otherwise: %s", why);
	}
	return veuicc_sm_end(sm, rc) ? -1 : 0;
}
