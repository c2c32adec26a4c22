/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ECASD (SGP.02 §2.2.1.3; digest §1.1, §1.4-1.6): the card's identity and its
 * key-agreement service. GET DATA returns its data objects (GP CS v2.3
 * §11.3); the private key never leaves this file. Choices and evidence:
 * docs/ecasd.md.
 */
#include "euicc/ecasd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "core/card.h"
#include "euicc/euicc.h"
#include "gp/fci.h"
#include "tlv/tlv.h"

#define INS_GET_DATA 0xCA

/* GP CS v2.3 §11.3.3.1 key information data (tag C0 in template E0) and the
 * key type coding of Table 11-16: B0 ECC public key, B1 ECC private key,
 * F0 ECC key parameter reference (GP Amd E). */
#define TAG_KEY_INFO_DATA 0xC0
#define KEY_TYPE_ECC_PUB  0xB0
#define KEY_TYPE_ECC_PRIV 0xB1
#define KEY_TYPE_ECC_REF  0xF0

/* ISO 7816-4 §7.4.2: P1-P2 0000-003F are RFU for GET DATA. */
#define GET_DATA_FIRST_TAG 0x0040u

struct veuicc_ecasd {
	uint8_t eid[VEUICC_EID_LEN];
	uint8_t sin[VEUICC_ECASD_SIN_LEN];
	int has_identity;
	uint8_t curve;
	uint8_t sk[VEUICC_ECASD_SK_LEN]; /* SK.ECASD.ECKA: never copied out */
	veuicc_cert_pubkey pk;           /* PK.ECASD.ECKA */
	uint8_t cert[VEUICC_ECASD_CERT_MAX];
	size_t cert_len;
	uint8_t eum[VEUICC_ECASD_CERT_MAX];
	size_t eum_len;
	veuicc_cert_pubkey ci[VEUICC_ECASD_CI_MAX];
	uint8_t ci_id[VEUICC_ECASD_CI_MAX][VEUICC_CERT_KEY_ID_LEN];
	size_t ci_count;
};

/* ---- EC helpers ---------------------------------------------------------- */

static mbedtls_ecp_group_id group_of(uint8_t curve)
{
	switch (curve) {
	case VEUICC_CERT_CURVE_P256: return MBEDTLS_ECP_DP_SECP256R1;
	case VEUICC_CERT_CURVE_BP256R1: return MBEDTLS_ECP_DP_BP256R1;
	default: return MBEDTLS_ECP_DP_NONE;
	}
}

/* Randomness for the scalar-multiplication blinding only (no state kept). */
static int blind_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	size_t done = 0;
	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_ECP_RANDOM_FAILED;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Public point of sk on curve into out; VEUICC_ERR_INVALID_ARG if sk is not
 * a private key of the curve. */
static int derive_public(uint8_t curve, const uint8_t *sk, veuicc_cert_pubkey *out)
{
	mbedtls_ecp_group_id id = group_of(curve);
	if (id == MBEDTLS_ECP_DP_NONE)
		return VEUICC_ERR_UNSUPPORTED;
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	int rc = VEUICC_ERR_CRYPTO;
	size_t olen = 0;
	if (mbedtls_ecp_group_load(&grp, id))
		goto out;
	if (mbedtls_mpi_read_binary(&d, sk, VEUICC_ECASD_SK_LEN))
		goto out;
	if (mbedtls_ecp_check_privkey(&grp, &d)) {
		rc = VEUICC_ERR_INVALID_ARG;
		goto out;
	}
	if (mbedtls_ecp_mul(&grp, &q, &d, &grp.G, blind_rng, NULL))
		goto out;
	if (mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out->point,
	                                   sizeof(out->point)) ||
	    olen != sizeof(out->point))
		goto out;
	out->curve = curve;
	rc = VEUICC_OK;
out:
	mbedtls_mpi_free(&d); /* zeroises the limbs */
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

static int point_valid(const veuicc_cert_pubkey *pk)
{
	mbedtls_ecp_group_id id = group_of(pk->curve);
	if (id == MBEDTLS_ECP_DP_NONE)
		return VEUICC_ERR_UNSUPPORTED;
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	int rc = VEUICC_ERR_MALFORMED;
	if (mbedtls_ecp_group_load(&grp, id))
		rc = VEUICC_ERR_CRYPTO;
	else if (pk->point[0] == 0x04 &&
	         !mbedtls_ecp_point_read_binary(&grp, &q, pk->point, sizeof(pk->point)) &&
	         !mbedtls_ecp_check_pubkey(&grp, &q))
		rc = VEUICC_OK;
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int veuicc_ecka(const uint8_t sk[VEUICC_ECASD_SK_LEN], const veuicc_cert_pubkey *peer,
                uint8_t shs[VEUICC_ECASD_SHS_LEN])
{
	if (!sk || !peer || !shs)
		return VEUICC_ERR_INVALID_ARG;
	mbedtls_ecp_group_id id = group_of(peer->curve);
	if (id == MBEDTLS_ECP_DP_NONE)
		return VEUICC_ERR_UNSUPPORTED;
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d, z;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&z);
	int rc = VEUICC_ERR_CRYPTO;
	if (mbedtls_ecp_group_load(&grp, id))
		goto out;
	/* BSI TR-03111 §4.3.1 / SEC 1 §3.2.2.1: reject what is not a point of
	 * the curve (invalid-curve attacks) */
	if (peer->point[0] != 0x04 ||
	    mbedtls_ecp_point_read_binary(&grp, &q, peer->point, sizeof(peer->point)) ||
	    mbedtls_ecp_check_pubkey(&grp, &q)) {
		rc = VEUICC_ERR_MALFORMED;
		goto out;
	}
	if (mbedtls_mpi_read_binary(&d, sk, VEUICC_ECASD_SK_LEN))
		goto out;
	if (mbedtls_ecp_check_privkey(&grp, &d)) {
		rc = VEUICC_ERR_INVALID_ARG;
		goto out;
	}
	/* z = x-coordinate of d·Q (mbedtls ECDH primitive, RFC 5903 / TR-03111) */
	if (mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, blind_rng, NULL))
		goto out;
	if (mbedtls_mpi_write_binary(&z, shs, VEUICC_ECASD_SHS_LEN))
		goto out;
	rc = VEUICC_OK;
out:
	mbedtls_mpi_free(&z);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

/* ---- object -------------------------------------------------------------- */

static int eq_default_subject(const uint8_t eid[VEUICC_EID_LEN])
{
	const veuicc_ecasd_identity *d = &veuicc_ecasd_default_identity;
	veuicc_cert c;
	if (veuicc_cert_parse(d->cert, d->cert_len, 0, &c, NULL) != VEUICC_OK)
		return 0;
	return c.subject_len == VEUICC_EID_LEN && !memcmp(c.subject, eid, VEUICC_EID_LEN);
}

static int set_ci_keys(veuicc_ecasd *e, const veuicc_cert_pubkey *ci, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		e->ci[i] = ci[i];
		if (veuicc_cert_key_id(&ci[i], e->ci_id[i]) != VEUICC_OK)
			return VEUICC_ERR_CRYPTO;
	}
	e->ci_count = n;
	return VEUICC_OK;
}

/* Take over an identity whose consistency is established (all checks done). */
static int commit_identity(veuicc_ecasd *ecasd, const veuicc_ecasd_identity *id,
                           const veuicc_cert_pubkey *pk)
{
	int rc = set_ci_keys(ecasd, id->ci, id->ci_count);
	if (rc)
		return rc;
	ecasd->curve = id->curve;
	memcpy(ecasd->sk, id->sk, VEUICC_ECASD_SK_LEN);
	ecasd->pk = *pk;
	memcpy(ecasd->cert, id->cert, id->cert_len);
	ecasd->cert_len = id->cert_len;
	mbedtls_platform_zeroize(ecasd->eum, sizeof(ecasd->eum));
	ecasd->eum_len = 0;
	if (id->eum_cert) {
		memcpy(ecasd->eum, id->eum_cert, id->eum_cert_len);
		ecasd->eum_len = id->eum_cert_len;
	}
	ecasd->has_identity = 1;
	return VEUICC_OK;
}

/* The built-in identity is a constant that tests/ecasd verifies (key pair,
 * subject, chain); a new card takes it without redoing the EC arithmetic,
 * which would cost milliseconds per card. */
static int set_default_identity(veuicc_ecasd *ecasd, const veuicc_ecasd_identity *d)
{
	veuicc_cert cert;
	if (veuicc_cert_parse(d->cert, d->cert_len, 0, &cert, NULL) != VEUICC_OK)
		return VEUICC_ERR_INTERNAL;
	return commit_identity(ecasd, d, &cert.pubkey);
}

int veuicc_ecasd_new(const uint8_t eid[16], veuicc_ecasd **out)
{
	if (!eid || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_ecasd *e = calloc(1, sizeof(*e));
	if (!e)
		return VEUICC_ERR_NO_MEMORY;
	memcpy(e->eid, eid, VEUICC_EID_LEN);
	/* SIN: EID digits 1-8 (89, country code, issuer id; digest §1.4) */
	memcpy(e->sin, eid, VEUICC_ECASD_SIN_LEN);
	const veuicc_ecasd_identity *d = &veuicc_ecasd_default_identity;
	int rc;
	if (eq_default_subject(eid))
		rc = set_default_identity(e, d);
	else
		rc = set_ci_keys(e, d->ci, d->ci_count);
	if (rc) {
		veuicc_ecasd_free(e);
		return rc;
	}
	*out = e;
	return VEUICC_OK;
}

void veuicc_ecasd_free(veuicc_ecasd *ecasd)
{
	if (!ecasd)
		return;
	mbedtls_platform_zeroize(ecasd, sizeof(*ecasd));
	free(ecasd);
}

/* CERT.EUM verifies with one of the trusted CI keys in ci[0, n). */
static int eum_trusted(const veuicc_cert *eum, const veuicc_cert_pubkey *ci, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (eum->aki) {
			uint8_t id[VEUICC_CERT_KEY_ID_LEN];
			if (veuicc_cert_key_id(&ci[i], id) != VEUICC_OK)
				return VEUICC_ERR_CRYPTO;
			if (eum->aki_len != sizeof(id) || memcmp(eum->aki, id, sizeof(id)))
				continue;
		}
		if (ci[i].curve == eum->pubkey.curve &&
		    veuicc_cert_verify_signature(eum, &ci[i], NULL) == VEUICC_OK)
			return VEUICC_OK;
	}
	return VEUICC_ERR_CRYPTO;
}

int veuicc_ecasd_set_identity(veuicc_ecasd *ecasd, const veuicc_ecasd_identity *id)
{
	if (!ecasd || !id || !id->sk || id->sk_len != VEUICC_ECASD_SK_LEN || !id->cert ||
	    !id->cert_len || id->cert_len > VEUICC_ECASD_CERT_MAX || !id->ci || !id->ci_count ||
	    id->ci_count > VEUICC_ECASD_CI_MAX ||
	    (id->eum_cert && (!id->eum_cert_len || id->eum_cert_len > VEUICC_ECASD_CERT_MAX)))
		return VEUICC_ERR_INVALID_ARG;
	if (group_of(id->curve) == MBEDTLS_ECP_DP_NONE)
		return VEUICC_ERR_UNSUPPORTED;
	for (size_t i = 0; i < id->ci_count; i++) {
		int rc = point_valid(&id->ci[i]);
		if (rc)
			return rc == VEUICC_ERR_MALFORMED ? VEUICC_ERR_INVALID_ARG : rc;
	}

	veuicc_cert_pubkey pk;
	int rc = derive_public(id->curve, id->sk, &pk);
	if (rc)
		return rc;
	veuicc_cert cert;
	if (veuicc_cert_parse(id->cert, id->cert_len, 0, &cert, NULL) != VEUICC_OK)
		return VEUICC_ERR_MALFORMED;
	/* the certificate is this card's: subject = EID (digest §1.5), key = pk */
	if (cert.subject_len != VEUICC_EID_LEN ||
	    memcmp(cert.subject, ecasd->eid, VEUICC_EID_LEN) || cert.pubkey.curve != pk.curve ||
	    memcmp(cert.pubkey.point, pk.point, sizeof(pk.point)) ||
	    !veuicc_cert_has_key_usage(&cert, VEUICC_CERT_KU_KEY_AGREEMENT))
		return VEUICC_ERR_INVALID_ARG;
	if (id->eum_cert) {
		veuicc_cert eum;
		if (veuicc_cert_parse(id->eum_cert, id->eum_cert_len, 0, &eum, NULL) != VEUICC_OK)
			return VEUICC_ERR_MALFORMED;
		if (eum.pubkey.curve != cert.pubkey.curve ||
		    veuicc_cert_verify_signature(&cert, &eum.pubkey, NULL) != VEUICC_OK ||
		    eum_trusted(&eum, id->ci, id->ci_count) != VEUICC_OK)
			return VEUICC_ERR_CRYPTO;
	}

	/* everything checked: commit */
	return commit_identity(ecasd, id, &pk);
}

int veuicc_ecasd_has_identity(const veuicc_ecasd *ecasd)
{
	return ecasd && ecasd->has_identity;
}

const uint8_t *veuicc_ecasd_eid(const veuicc_ecasd *ecasd)
{
	return ecasd ? ecasd->eid : NULL;
}

const uint8_t *veuicc_ecasd_certificate(const veuicc_ecasd *ecasd, size_t *len)
{
	if (len)
		*len = 0;
	if (!ecasd || !ecasd->has_identity)
		return NULL;
	if (len)
		*len = ecasd->cert_len;
	return ecasd->cert;
}

const uint8_t *veuicc_ecasd_eum_certificate(const veuicc_ecasd *ecasd, size_t *len)
{
	if (len)
		*len = 0;
	if (!ecasd || !ecasd->eum_len)
		return NULL;
	if (len)
		*len = ecasd->eum_len;
	return ecasd->eum;
}

int veuicc_ecasd_public_key(const veuicc_ecasd *ecasd, veuicc_cert_pubkey *out)
{
	if (!ecasd || !out)
		return VEUICC_ERR_INVALID_ARG;
	if (!ecasd->has_identity)
		return VEUICC_ERR_STATE;
	*out = ecasd->pk;
	return VEUICC_OK;
}

const uint8_t *veuicc_ecasd_sin(const veuicc_ecasd *ecasd, size_t *len)
{
	if (len)
		*len = ecasd ? VEUICC_ECASD_SIN_LEN : 0;
	return ecasd ? ecasd->sin : NULL;
}

const uint8_t *veuicc_ecasd_sdin(const veuicc_ecasd *ecasd, size_t *len)
{
	if (len)
		*len = ecasd ? VEUICC_ECASD_SDIN_LEN : 0;
	return ecasd ? ecasd->eid : NULL; /* SDIN = EID (docs/ecasd.md EC4) */
}

size_t veuicc_ecasd_ci_count(const veuicc_ecasd *ecasd)
{
	return ecasd ? ecasd->ci_count : 0;
}

const veuicc_cert_pubkey *veuicc_ecasd_ci_key(const veuicc_ecasd *ecasd, size_t i)
{
	return ecasd && i < ecasd->ci_count ? &ecasd->ci[i] : NULL;
}

const veuicc_cert_pubkey *veuicc_ecasd_find_ci_key(const veuicc_ecasd *ecasd, const uint8_t *aki,
                                                   size_t aki_len)
{
	if (!ecasd || !aki || aki_len != VEUICC_CERT_KEY_ID_LEN)
		return NULL;
	for (size_t i = 0; i < ecasd->ci_count; i++)
		if (!memcmp(ecasd->ci_id[i], aki, VEUICC_CERT_KEY_ID_LEN))
			return &ecasd->ci[i];
	return NULL;
}

int veuicc_ecasd_check_cert(const veuicc_ecasd *ecasd, const veuicc_cert *cert,
                            const veuicc_cert_policy *policy, veuicc_cert_reason *reason)
{
	return veuicc_ecasd_check_cert_cached(ecasd, cert, policy, NULL, reason);
}

int veuicc_ecasd_check_cert_cached(const veuicc_ecasd *ecasd, const veuicc_cert *cert,
                                   const veuicc_cert_policy *policy, veuicc_ec_cache *cache,
                                   veuicc_cert_reason *reason)
{
	if (!ecasd || !cert || !policy)
		return VEUICC_ERR_INVALID_ARG;
	if (cert->aki) {
		const veuicc_cert_pubkey *ci =
		    veuicc_ecasd_find_ci_key(ecasd, cert->aki, cert->aki_len);
		if (!ci)
			return VEUICC_ERR_NOT_FOUND;
		return veuicc_cert_check_cached(cert, ci, policy, cache, reason);
	}
	int rc = VEUICC_ERR_NOT_FOUND;
	for (size_t i = 0; i < ecasd->ci_count; i++) {
		if (ecasd->ci[i].curve != cert->pubkey.curve)
			continue;
		rc = veuicc_cert_check_cached(cert, &ecasd->ci[i], policy, cache, reason);
		if (rc == VEUICC_OK)
			break;
	}
	return rc;
}

int veuicc_ecasd_ecka(const veuicc_ecasd *ecasd, const veuicc_cert_pubkey *peer,
                      uint8_t shs[VEUICC_ECASD_SHS_LEN])
{
	if (!ecasd || !peer || !shs)
		return VEUICC_ERR_INVALID_ARG;
	if (!ecasd->has_identity)
		return VEUICC_ERR_STATE;
	if (peer->curve != ecasd->curve)
		return VEUICC_ERR_INVALID_ARG;
	return veuicc_ecka(ecasd->sk, peer, shs);
}

/* ---- GET DATA ------------------------------------------------------------ */

/* E0 { C0 06 KID KVN B1 20 F0 01 (ECKA private key), C0 06 KID KVN B0 41 F0
 * 01 per CI key } - GP CS v2.3 §11.3.3.1 basic key information data; one
 * key component (type, length) pair per component, the curve reference F0
 * as the second component (docs/ecasd.md EC5). */
static uint16_t key_info(const veuicc_ecasd *e, veuicc_tlv_writer *w)
{
	if (!e->has_identity)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	veuicc_tlv_begin(w, VEUICC_ECASD_TAG_KEY_INFO);
	const uint8_t ecka[6] = {VEUICC_ECASD_KID_ECKA, VEUICC_ECASD_KVN, KEY_TYPE_ECC_PRIV,
	                         VEUICC_ECASD_SK_LEN,   KEY_TYPE_ECC_REF, 0x01};
	veuicc_tlv_put(w, TAG_KEY_INFO_DATA, ecka, sizeof(ecka));
	for (size_t i = 0; i < e->ci_count; i++) {
		const uint8_t ci[6] = {(uint8_t)(VEUICC_ECASD_KID_CI_MIN + i),
		                       VEUICC_ECASD_KVN,
		                       KEY_TYPE_ECC_PUB,
		                       VEUICC_CERT_POINT_LEN,
		                       KEY_TYPE_ECC_REF,
		                       0x01};
		veuicc_tlv_put(w, TAG_KEY_INFO_DATA, ci, sizeof(ci));
	}
	veuicc_tlv_end(w);
	return VEUICC_SW_OK;
}

/* CPLC (tag 9F7F, 42 bytes; GP CS v2.3 Card Production Life Cycle data,
 * field layout as public GP tools decode it): every field 0000 ("not
 * given") except the OS identifier "VE" and the IC serial number, which is
 * taken from the EID's last 4 bytes so that two cards differ (EC6). */
static void cplc(const veuicc_ecasd *e, uint8_t out[VEUICC_ECASD_CPLC_LEN])
{
	memset(out, 0, VEUICC_ECASD_CPLC_LEN);
	out[4] = 'V'; /* operating system identifier, bytes 5-6 */
	out[5] = 'E';
	memcpy(out + 12, e->eid + VEUICC_EID_LEN - 4, 4); /* IC serial number, bytes 13-16 */
}

uint16_t veuicc_ecasd_get_data(const veuicc_ecasd *ecasd, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* GP CS v2.3 §11.3.2: GET DATA is case 2 here, P1-P2 the tag */
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t tag = (uint16_t)((cmd->p1 << 8) | cmd->p2);
	if (tag < GET_DATA_FIRST_TAG)
		return VEUICC_SW_WRONG_P1P2;
	uint8_t buf[VEUICC_ECASD_CERT_MAX + 64];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	switch (tag) {
	case VEUICC_ECASD_TAG_EID: veuicc_tlv_put(&w, tag, ecasd->eid, VEUICC_EID_LEN); break;
	case VEUICC_ECASD_TAG_SIN: veuicc_tlv_put(&w, tag, ecasd->sin, VEUICC_ECASD_SIN_LEN); break;
	case VEUICC_ECASD_TAG_SDIN:
		veuicc_tlv_put(&w, tag, ecasd->eid, VEUICC_ECASD_SDIN_LEN);
		break;
	case VEUICC_ECASD_TAG_KEY_INFO: {
		uint16_t sw = key_info(ecasd, &w);
		if (sw != VEUICC_SW_OK)
			return sw;
		break;
	}
	case VEUICC_ECASD_TAG_CERT:
		/* the stored certificate is the whole 7F21 TLV already */
		if (!ecasd->has_identity)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		veuicc_tlv_put_raw(&w, ecasd->cert, ecasd->cert_len);
		break;
	case VEUICC_ECASD_TAG_CPLC: {
		uint8_t c[VEUICC_ECASD_CPLC_LEN];
		cplc(ecasd, c);
		veuicc_tlv_put(&w, tag, c, sizeof(c));
		break;
	}
	default: return VEUICC_SW_REF_DATA_NOT_FOUND;
	}
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) != VEUICC_OK)
		return VEUICC_SW_NO_DIAGNOSIS;
	if (veuicc_rsp_put(rsp, buf, n) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* ---- the application ----------------------------------------------------- */

static uint16_t ecasd_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	(void)ctx;
	return veuicc_gp_sd_select(veuicc_aid_ecasd, sizeof(veuicc_aid_ecasd), cmd, rsp);
}

static uint16_t ecasd_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* GET DATA is accepted with an interindustry (00) or GP (80) class, as
	 * public tools send both (docs/ecasd.md EC7) */
	if (cmd->ins == INS_GET_DATA)
		return veuicc_ecasd_get_data(ctx, cmd, rsp);
	return VEUICC_SW_INS_NOT_SUPP;
}

static void ecasd_destroy(void *ctx)
{
	veuicc_ecasd_free(ctx);
}

const veuicc_applet_ops veuicc_ecasd_ops = {
    .name = "ECASD",
    .select = ecasd_select,
    .process = ecasd_process,
    .destroy = ecasd_destroy,
};

int veuicc_ecasd_install(struct veuicc_card *card)
{
	if (!card)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_ecasd *e;
	int rc = veuicc_ecasd_new(card->eid, &e);
	if (rc)
		return rc;
	rc = veuicc_engine_add_app(&card->engine, veuicc_aid_ecasd, sizeof(veuicc_aid_ecasd),
	                           &veuicc_ecasd_ops, e);
	if (rc)
		veuicc_ecasd_free(e);
	return rc;
}

veuicc_ecasd *veuicc_ecasd_of(struct veuicc_card *card)
{
	if (!card)
		return NULL;
	for (size_t i = 0; i < card->engine.napps; i++) {
		const veuicc_app *a = &card->engine.apps[i];
		if (a->ops == &veuicc_ecasd_ops && a->aid_len == sizeof(veuicc_aid_ecasd) &&
		    !memcmp(a->aid, veuicc_aid_ecasd, sizeof(veuicc_aid_ecasd)))
			return a->ctx;
	}
	return NULL;
}
