/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GlobalPlatform-format certificates (tag 7F21) of SGP.02 §2.3 / §4.1.3.1,
 * format of GP CS v2.2 Amendment E. Strict parser on src/tlv (DER mode) and
 * ECDSA verification with mbedtls. Evidence for every layout choice is in
 * docs/spec-decisions.md, section "Certificates".
 */
#include "euicc/cert.h"

#include <string.h>
#include <time.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "euicc/ec_cache.h"
#include "tlv/tlv.h"

#define SHA256_LEN 32
#define COORD_LEN  32

/* One data object of the certificate body, in the order the body must have. */
typedef struct field_rule {
	uint32_t tag;
	bool mandatory;
	size_t min_len;
	size_t max_len;
} field_rule;

enum {
	F_SERIAL,
	F_CA_ID,
	F_SUBJECT,
	F_KEY_USAGE,
	F_EFFECTIVE,
	F_EXPIRY,
	F_DISCRETIONARY,
	F_PUBKEY,
	F_SIGNATURE,
	F_COUNT
};

/* SGP.02 §4.1.3.1 certificate table / GP Amd E; length ranges are veuicc's
 * sanity bounds (docs/spec-decisions.md C3). */
static const field_rule field_rules[F_COUNT] = {
    [F_SERIAL] = {VEUICC_CERT_TAG_SERIAL, true, 1, 20},
    [F_CA_ID] = {VEUICC_CERT_TAG_CA_ID, true, 1, 32},
    [F_SUBJECT] = {VEUICC_CERT_TAG_SUBJECT, true, 1, 32},
    [F_KEY_USAGE] = {VEUICC_CERT_TAG_KEY_USAGE, true, 1, 2},
    [F_EFFECTIVE] = {VEUICC_CERT_TAG_EFFECTIVE, false, 4, 4},
    [F_EXPIRY] = {VEUICC_CERT_TAG_EXPIRY, false, 4, 4},
    [F_DISCRETIONARY] = {VEUICC_CERT_TAG_DISCRETIONARY, true, 0, 127},
    [F_PUBKEY] = {VEUICC_CERT_TAG_PUBKEY, true, 2, 127},
    [F_SIGNATURE] = {VEUICC_CERT_TAG_SIGNATURE, true, 8, 72},
};

static const char *const reason_text[VEUICC_CERT_REASON_COUNT] = {
    [VEUICC_CERT_OK] = "certificate accepted",
    [VEUICC_CERT_BAD_TLV] = "not well-formed DER TLV",
    [VEUICC_CERT_NOT_A_CERT] = "not a 7F21 certificate",
    [VEUICC_CERT_TRAILING_DATA] = "data after the certificate",
    [VEUICC_CERT_MISSING_FIELD] = "mandatory data object missing",
    [VEUICC_CERT_UNEXPECTED_TAG] = "unknown, repeated or out-of-order data object",
    [VEUICC_CERT_BAD_LENGTH] = "data object length out of range",
    [VEUICC_CERT_BAD_DATE] = "date is not BCD YYYYMMDD",
    [VEUICC_CERT_BAD_DISCRETIONARY] = "discretionary data (73) malformed",
    [VEUICC_CERT_UNSUPPORTED_CURVE] = "key parameter reference not supported",
    [VEUICC_CERT_BAD_PUBLIC_KEY] = "public key is not a valid point",
    [VEUICC_CERT_BAD_SIGNATURE_FORMAT] = "signature format not accepted",
    [VEUICC_CERT_SIGNATURE_INVALID] = "signature does not verify",
    [VEUICC_CERT_CURVE_MISMATCH] = "certificate key and issuer key on different curves",
    [VEUICC_CERT_EXPIRED] = "certificate expired",
    [VEUICC_CERT_NOT_YET_VALID] = "certificate not yet valid",
    [VEUICC_CERT_KEY_USAGE] = "key usage does not allow this use",
    [VEUICC_CERT_WRONG_ROLE] = "certificate role is not the expected one",
};

const char *veuicc_cert_reason_str(veuicc_cert_reason reason)
{
	if ((unsigned)reason >= VEUICC_CERT_REASON_COUNT || !reason_text[reason])
		return "unknown certificate error";
	return reason_text[reason];
}

static int fail(veuicc_cert_reason *reason, veuicc_cert_reason why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

/* GP Amd E key parameter reference → mbedtls group (only 256-bit curves). */
static mbedtls_ecp_group_id curve_group(uint8_t ref)
{
	switch (ref) {
	case VEUICC_CERT_CURVE_P256: return MBEDTLS_ECP_DP_SECP256R1;
	case VEUICC_CERT_CURVE_BP256R1: return MBEDTLS_ECP_DP_BP256R1;
	default: return MBEDTLS_ECP_DP_NONE;
	}
}

/* Read the point of \p pk in the loaded group \p grp; checks it is on the curve. */
static veuicc_cert_reason read_key(const veuicc_cert_pubkey *pk, mbedtls_ecp_group *grp,
                                   mbedtls_ecp_point *q)
{
	if (pk->point[0] != 0x04)
		return VEUICC_CERT_BAD_PUBLIC_KEY;
	if (mbedtls_ecp_point_read_binary(grp, q, pk->point, sizeof pk->point) != 0 ||
	    mbedtls_ecp_check_pubkey(grp, q) != 0)
		return VEUICC_CERT_BAD_PUBLIC_KEY;
	return VEUICC_CERT_OK;
}

/* Load the group of \p pk and its point; checks the point is on the curve. */
static veuicc_cert_reason load_key(const veuicc_cert_pubkey *pk, mbedtls_ecp_group *grp,
                                   mbedtls_ecp_point *q)
{
	mbedtls_ecp_group_id id = curve_group(pk->curve);
	if (id == MBEDTLS_ECP_DP_NONE)
		return VEUICC_CERT_UNSUPPORTED_CURVE;
	if (mbedtls_ecp_group_load(grp, id) != 0)
		return VEUICC_CERT_UNSUPPORTED_CURVE;
	if (pk->point[0] != 0x04)
		return VEUICC_CERT_BAD_PUBLIC_KEY;
	if (mbedtls_ecp_point_read_binary(grp, q, pk->point, sizeof pk->point) != 0 ||
	    mbedtls_ecp_check_pubkey(grp, q) != 0)
		return VEUICC_CERT_BAD_PUBLIC_KEY;
	return VEUICC_CERT_OK;
}

static veuicc_cert_reason check_point(const veuicc_cert_pubkey *pk)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	veuicc_cert_reason r = load_key(pk, &grp, &q);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return r;
}

static int bcd2(uint8_t b)
{
	if ((b >> 4) > 9 || (b & 0x0F) > 9)
		return -1;
	return (b >> 4) * 10 + (b & 0x0F);
}

bool veuicc_cert_parse_date(const uint8_t bcd[4], uint32_t *out)
{
	int cc = bcd2(bcd[0]), yy = bcd2(bcd[1]), mm = bcd2(bcd[2]), dd = bcd2(bcd[3]);
	if (cc < 0 || yy < 0 || mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return false;
	*out = (uint32_t)(cc * 1000000 + yy * 10000 + mm * 100 + dd);
	return true;
}

/* 73: a sequence of DER TLVs; C8 (1 byte) = role, C9 (1..32) = AKI [SGP.02
 * certificate tables via Njiwa; euicc.tech PKI article for C9]. Other tags are
 * skipped, a repeated C8/C9 is rejected. */
static veuicc_cert_reason parse_discretionary(veuicc_cert *c)
{
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc;

	veuicc_tlv_reader_init(&r, c->discretionary, c->discretionary_len, VEUICC_TLV_DER);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == VEUICC_CERT_TAG_ROLE) {
			if (t.len != 1 || c->role != VEUICC_CERT_ROLE_NONE)
				return VEUICC_CERT_BAD_DISCRETIONARY;
			c->role = t.value[0];
		} else if (t.tag == VEUICC_CERT_TAG_AKI) {
			if (t.len < 1 || t.len > 32 || c->aki)
				return VEUICC_CERT_BAD_DISCRETIONARY;
			c->aki = t.value;
			c->aki_len = t.len;
		}
	}
	return rc < 0 ? VEUICC_CERT_BAD_DISCRETIONARY : VEUICC_CERT_OK;
}

/* 7F49 { B0 04||X||Y, F0 ref } (GP Amd E public key template, SGP.02 Table
 * "key parameter reference"): exactly these two, in this order. */
static veuicc_cert_reason parse_pubkey(const veuicc_tlv_reader *parent, const veuicc_tlv *t,
                                       veuicc_cert *c)
{
	veuicc_tlv_reader r;
	veuicc_tlv b0, f0, extra;
	int rc;

	if (!t->constructed)
		return VEUICC_CERT_BAD_TLV;
	veuicc_tlv_enter(parent, t, &r);
	rc = veuicc_tlv_next(&r, &b0);
	if (rc < 0)
		return VEUICC_CERT_BAD_TLV;
	if (rc == 0)
		return VEUICC_CERT_MISSING_FIELD;
	if (b0.tag != VEUICC_CERT_TAG_POINT)
		return b0.tag == VEUICC_CERT_TAG_KEY_PARAM_REF ? VEUICC_CERT_MISSING_FIELD
		                                               : VEUICC_CERT_UNEXPECTED_TAG;
	rc = veuicc_tlv_next(&r, &f0);
	if (rc < 0)
		return VEUICC_CERT_BAD_TLV;
	if (rc == 0)
		return VEUICC_CERT_MISSING_FIELD;
	if (f0.tag != VEUICC_CERT_TAG_KEY_PARAM_REF)
		return VEUICC_CERT_UNEXPECTED_TAG;
	rc = veuicc_tlv_next(&r, &extra);
	if (rc < 0)
		return VEUICC_CERT_BAD_TLV;
	if (rc > 0)
		return VEUICC_CERT_UNEXPECTED_TAG;
	if (f0.len != 1 || b0.len != VEUICC_CERT_POINT_LEN)
		return VEUICC_CERT_BAD_LENGTH;
	c->pubkey.curve = f0.value[0];
	memcpy(c->pubkey.point, b0.value, VEUICC_CERT_POINT_LEN);
	return check_point(&c->pubkey);
}

/* DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, positive, ≤ 33 bytes. */
static bool der_sig_split(const uint8_t *sig, size_t len, const uint8_t **r, size_t *rlen,
                          const uint8_t **s, size_t *slen)
{
	veuicc_tlv_reader top, in;
	veuicc_tlv seq, ri, si, extra;

	veuicc_tlv_reader_init(&top, sig, len, VEUICC_TLV_DER);
	if (veuicc_tlv_next(&top, &seq) != 1 || seq.tag != 0x30 ||
	    veuicc_tlv_next(&top, &extra) != 0)
		return false;
	veuicc_tlv_enter(&top, &seq, &in);
	if (veuicc_tlv_next(&in, &ri) != 1 || veuicc_tlv_next(&in, &si) != 1 ||
	    veuicc_tlv_next(&in, &extra) != 0)
		return false;
	if (ri.tag != 0x02 || si.tag != 0x02 || ri.len < 1 || si.len < 1 || ri.len > 33 ||
	    si.len > 33 || (ri.value[0] & 0x80) || (si.value[0] & 0x80))
		return false;
	*r = ri.value;
	*rlen = ri.len;
	*s = si.value;
	*slen = si.len;
	return true;
}

static veuicc_cert_reason check_field(size_t idx, const veuicc_tlv_reader *r, const veuicc_tlv *t,
                                      veuicc_cert *c)
{
	const field_rule *rule = &field_rules[idx];

	if (idx == F_PUBKEY)
		return parse_pubkey(r, t, c);
	if (t->constructed && idx != F_DISCRETIONARY)
		return VEUICC_CERT_BAD_TLV;
	if (t->len < rule->min_len || t->len > rule->max_len)
		return VEUICC_CERT_BAD_LENGTH;
	switch (idx) {
	case F_SERIAL:
		c->serial = t->value;
		c->serial_len = t->len;
		break;
	case F_CA_ID:
		c->ca_id = t->value;
		c->ca_id_len = t->len;
		break;
	case F_SUBJECT:
		c->subject = t->value;
		c->subject_len = t->len;
		break;
	case F_KEY_USAGE:
		c->key_usage_len = (uint8_t)t->len;
		c->key_usage = (uint16_t)(t->value[0] << 8);
		if (t->len == 2)
			c->key_usage |= t->value[1];
		break;
	case F_EFFECTIVE:
		if (!veuicc_cert_parse_date(t->value, &c->effective))
			return VEUICC_CERT_BAD_DATE;
		c->has_effective = true;
		break;
	case F_EXPIRY:
		if (!veuicc_cert_parse_date(t->value, &c->expiry))
			return VEUICC_CERT_BAD_DATE;
		c->has_expiry = true;
		break;
	case F_DISCRETIONARY:
		/* tag 73 has b6 set (constructed): its value is a list of TLVs */
		c->discretionary = t->value;
		c->discretionary_len = t->len;
		return parse_discretionary(c);
	case F_SIGNATURE:
		c->sig = t->value;
		c->sig_len = t->len;
		break;
	default: return VEUICC_CERT_UNEXPECTED_TAG;
	}
	return VEUICC_CERT_OK;
}

int veuicc_cert_parse(const uint8_t *buf, size_t len, unsigned flags, veuicc_cert *cert,
                      veuicc_cert_reason *reason)
{
	veuicc_tlv_reader outer, body;
	veuicc_tlv t, extra;
	int rc;

	if (reason)
		*reason = VEUICC_CERT_OK;
	if ((!buf && len) || !cert)
		return VEUICC_ERR_INVALID_ARG;
	memset(cert, 0, sizeof *cert);
	cert->role = VEUICC_CERT_ROLE_NONE;

	veuicc_tlv_reader_init(&outer, buf, len, VEUICC_TLV_DER);
	rc = veuicc_tlv_next(&outer, &t);
	if (rc < 0)
		return fail(reason, VEUICC_CERT_BAD_TLV, VEUICC_ERR_MALFORMED);
	if (rc == 0 || t.tag != VEUICC_CERT_TAG_CERT)
		return fail(reason, VEUICC_CERT_NOT_A_CERT, VEUICC_ERR_MALFORMED);
	if (veuicc_tlv_next(&outer, &extra) != 0)
		return fail(reason, VEUICC_CERT_TRAILING_DATA, VEUICC_ERR_MALFORMED);
	cert->raw = t.raw;
	cert->raw_len = t.raw_len;

	/* Walk the body; each object must match a rule at or after the current
	 * position (order of field_rules), skipping only optional rules. */
	veuicc_tlv_enter(&outer, &t, &body);
	size_t next = 0;
	const uint8_t *sig_start = NULL;
	while ((rc = veuicc_tlv_next(&body, &t)) == 1) {
		size_t idx = next;
		while (idx < F_COUNT && field_rules[idx].tag != t.tag)
			idx++;
		if (idx == F_COUNT)
			return fail(reason, VEUICC_CERT_UNEXPECTED_TAG, VEUICC_ERR_MALFORMED);
		for (size_t k = next; k < idx; k++)
			if (field_rules[k].mandatory)
				return fail(reason, VEUICC_CERT_MISSING_FIELD,
				            VEUICC_ERR_MALFORMED);
		veuicc_cert_reason why = check_field(idx, &body, &t, cert);
		if (why != VEUICC_CERT_OK)
			return fail(reason, why,
			            why == VEUICC_CERT_UNSUPPORTED_CURVE ? VEUICC_ERR_UNSUPPORTED
			                                                 : VEUICC_ERR_MALFORMED);
		if (idx == F_SIGNATURE)
			sig_start = t.raw;
		next = idx + 1;
	}
	if (rc < 0)
		return fail(reason, VEUICC_CERT_BAD_TLV, VEUICC_ERR_MALFORMED);
	for (size_t k = next; k < F_COUNT; k++)
		if (field_rules[k].mandatory)
			return fail(reason, VEUICC_CERT_MISSING_FIELD, VEUICC_ERR_MALFORMED);

	/* Signed data: 93 … 7F49 as received (the signature is the last object). */
	cert->tbs = body.start;
	cert->tbs_len = (size_t)(sig_start - body.start);

	/* Signature: raw r||s [I WHTY, digest §4.1]; DER only on request [I Njiwa]. */
	const uint8_t *r, *s;
	size_t rl, sl;
	if ((flags & VEUICC_CERT_ALLOW_DER_SIG) && cert->sig[0] == 0x30 &&
	    der_sig_split(cert->sig, cert->sig_len, &r, &rl, &s, &sl))
		cert->sig_der = true;
	else if (cert->sig_len != VEUICC_CERT_RAW_SIG_LEN)
		return fail(reason, VEUICC_CERT_BAD_SIGNATURE_FORMAT, VEUICC_ERR_MALFORMED);
	return VEUICC_OK;
}

/* ECDSA verification in the group \p shared of the issuer's curve (kept by
 * the caller, ec_cache.h), or in a group loaded for this call (NULL). */
static int verify(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                  mbedtls_ecp_group *shared, veuicc_cert_reason *reason)
{
	mbedtls_ecp_group own;
	mbedtls_ecp_group *g = shared ? shared : &own;
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	uint8_t hash[SHA256_LEN];
	veuicc_cert_reason why;
	int err = VEUICC_OK;

	if (reason)
		*reason = VEUICC_CERT_OK;
	if (!cert || !issuer || !cert->tbs || !cert->sig)
		return VEUICC_ERR_INVALID_ARG;

	mbedtls_ecp_group_init(&own);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);

	why = shared ? read_key(issuer, shared, &q) : load_key(issuer, &own, &q);
	if (why != VEUICC_CERT_OK) {
		err = why == VEUICC_CERT_UNSUPPORTED_CURVE ? VEUICC_ERR_UNSUPPORTED
		                                           : VEUICC_ERR_MALFORMED;
		goto out;
	}
	const uint8_t *rp = cert->sig, *sp = cert->sig + COORD_LEN;
	size_t rl = COORD_LEN, sl = COORD_LEN;
	if (cert->sig_der) {
		if (!der_sig_split(cert->sig, cert->sig_len, &rp, &rl, &sp, &sl)) {
			why = VEUICC_CERT_BAD_SIGNATURE_FORMAT;
			err = VEUICC_ERR_MALFORMED;
			goto out;
		}
	} else if (cert->sig_len != VEUICC_CERT_RAW_SIG_LEN) {
		why = VEUICC_CERT_BAD_SIGNATURE_FORMAT;
		err = VEUICC_ERR_MALFORMED;
		goto out;
	}
	/* GP CS v2.3 Table B-3 (as Njiwa applies it): SHA-256 for curves ≤ 383 bits */
	if (mbedtls_sha256_ret(cert->tbs, cert->tbs_len, hash, 0) != 0 ||
	    mbedtls_mpi_read_binary(&r, rp, rl) != 0 || mbedtls_mpi_read_binary(&s, sp, sl) != 0) {
		why = VEUICC_CERT_SIGNATURE_INVALID;
		err = VEUICC_ERR_CRYPTO;
		goto out;
	}
	/* mbedtls_ecdsa_verify rejects r, s outside [1, n-1] itself. */
	if (mbedtls_ecdsa_verify(g, hash, sizeof hash, &q, &r, &s) != 0) {
		why = VEUICC_CERT_SIGNATURE_INVALID;
		err = VEUICC_ERR_CRYPTO;
	}
out:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&own);
	if (reason)
		*reason = why;
	return err;
}

int veuicc_cert_verify_signature(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                                 veuicc_cert_reason *reason)
{
	return verify(cert, issuer, NULL, reason);
}

int veuicc_cert_verify_signature_cached(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                                        veuicc_ec_cache *cache, veuicc_cert_reason *reason)
{
	return verify(cert, issuer, issuer ? veuicc_ec_cache_group(cache, issuer->curve) : NULL,
	              reason);
}

int veuicc_cert_check_dates(const veuicc_cert *cert, uint32_t today, veuicc_cert_reason *reason)
{
	if (reason)
		*reason = VEUICC_CERT_OK;
	if (!cert)
		return VEUICC_ERR_INVALID_ARG;
	if (today == 0)
		return VEUICC_OK; /* no clock: SGP.02 digest §8 item 16, decision C9 */
	if (cert->has_expiry && today > cert->expiry)
		return fail(reason, VEUICC_CERT_EXPIRED, VEUICC_ERR_STATE);
	if (cert->has_effective && today < cert->effective)
		return fail(reason, VEUICC_CERT_NOT_YET_VALID, VEUICC_ERR_STATE);
	return VEUICC_OK;
}

bool veuicc_cert_has_key_usage(const veuicc_cert *cert, uint16_t required)
{
	return cert && (cert->key_usage & required) == required;
}

int veuicc_cert_check(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                      const veuicc_cert_policy *policy, veuicc_cert_reason *reason)
{
	return veuicc_cert_check_cached(cert, issuer, policy, NULL, reason);
}

int veuicc_cert_check_cached(const veuicc_cert *cert, const veuicc_cert_pubkey *issuer,
                             const veuicc_cert_policy *policy, veuicc_ec_cache *cache,
                             veuicc_cert_reason *reason)
{
	int err = veuicc_cert_verify_signature_cached(cert, issuer, cache, reason);
	if (err != VEUICC_OK || !policy)
		return err;
	if (policy->same_curve && cert->pubkey.curve != issuer->curve)
		return fail(reason, VEUICC_CERT_CURVE_MISMATCH, VEUICC_ERR_STATE);
	if (!veuicc_cert_has_key_usage(cert, policy->key_usage))
		return fail(reason, VEUICC_CERT_KEY_USAGE, VEUICC_ERR_STATE);
	if (policy->role != VEUICC_CERT_ROLE_NONE && cert->role != policy->role)
		return fail(reason, VEUICC_CERT_WRONG_ROLE, VEUICC_ERR_STATE);
	return veuicc_cert_check_dates(cert, policy->today, reason);
}

int veuicc_cert_key_id(const veuicc_cert_pubkey *pk, uint8_t out[VEUICC_CERT_KEY_ID_LEN])
{
	if (!pk || !out)
		return VEUICC_ERR_INVALID_ARG;
	/* mbedtls_sha1_ret: SHA-1 used as an identifier only, not for security */
	if (mbedtls_sha1_ret(pk->point, sizeof pk->point, out) != 0)
		return VEUICC_ERR_CRYPTO;
	return VEUICC_OK;
}

uint32_t veuicc_cert_utc_day(int64_t utc)
{
	/* POSIX gmtime_r: proleptic Gregorian calendar, UTC */
	time_t t = (time_t)utc;
	struct tm tm;
	if ((int64_t)t != utc || !gmtime_r(&t, &tm))
		return 0;
	long y = (long)tm.tm_year + 1900;
	if (y < 1 || y > 9999)
		return 0;
	return (uint32_t)(y * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}
