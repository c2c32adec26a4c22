/* SPDX-License-Identifier: Apache-2.0 */
/*
 * veuicc-pki: off-card test PKI generator. Mints the GlobalPlatform-format
 * (tag 7F21) certificates of SGP.02 §2.3 from the GSMA SGP.26 test key pairs:
 * CI (self-signed description of PK.CI.ECDSA), EUM (signed by the CI),
 * eUICC CERT.ECASD.ECKA (subject = EID, signed by the EUM), SM-DP and SM-SR
 * (signed by the CI), for NIST P-256 and brainpoolP256r1. Layout and
 * evidence: docs/certificates.md and docs/spec-decisions.md "## Certificates".
 *
 *   veuicc-pki mint -o DIR [options]      mint both chains
 *   veuicc-pki show FILE                  parse and print a certificate
 *   veuicc-pki verify FILE ISSUER_FILE    verify a certificate's signature
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "euicc/cert.h"
#include "tlv/tlv.h"

#ifndef VEUICC_PKI_DEFAULT_KEYS
#define VEUICC_PKI_DEFAULT_KEYS "tools/pki/sgp26"
#endif

#define DEFAULT_EID       "89049032123451234512345678901235" /* SGP.26 test eUICC */
#define DEFAULT_EFFECTIVE 20250101u
#define DEFAULT_EXPIRY    20491231u
#define SKI_LEN           20 /* SHA-1 of the point: RFC 5280 §4.2.1.2 method 1, as SGP.26 */
#define CERT_MAX          512
#define EID_LEN           16

/* Key usage values written (docs/spec-decisions.md C6). */
static const uint8_t ku_sign[] = {0x82};        /* verification + digital signature */
static const uint8_t ku_agree[] = {0x00, 0x80}; /* key agreement (2-byte form) */

enum role { R_CI, R_EUM, R_EUICC, R_SMDP, R_SMSR, R_COUNT };

typedef struct role_info {
	const char *name;     /* output base name */
	const char *key_file; /* SGP.26 file name without _NIST.pem / _BRP.pem */
	enum role issuer;
	uint8_t serial;
	int c8; /* role byte in 73, -1 none */
} role_info;

static const role_info roles[R_COUNT] = {
    [R_CI] = {"ci", "SK_CI_ECDSA", R_CI, 0x01, -1},
    [R_EUM] = {"eum", "SK_EUM_ECDSA", R_CI, 0x02, -1},
    [R_EUICC] = {"euicc", "SK_EUICC_ECDSA", R_EUM, 0x03, -1},
    [R_SMDP] = {"smdp", "SK_S_SM_DPauth_ECDSA", R_CI, 0x04, VEUICC_CERT_ROLE_SMDP},
    [R_SMSR] = {"smsr", "SK_S_SM_DPpb_ECDSA", R_CI, 0x05, VEUICC_CERT_ROLE_SMSR},
};

typedef struct options {
	const char *keys;
	const char *out;
	int nist, brp;
	uint8_t eid[EID_LEN];
	uint32_t effective, expiry; /* 0: omitted */
	int have_seed;
	unsigned long long seed;
	int bin, hex;
	int quiet;
} options;

typedef struct keyinfo {
	mbedtls_pk_context pk;
	uint8_t point[VEUICC_CERT_POINT_LEN];
	uint8_t ski[SKI_LEN];
} keyinfo;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: veuicc-pki mint -o DIR [options]\n"
	        "       veuicc-pki show FILE\n"
	        "       veuicc-pki verify FILE ISSUER_FILE\n"
	        "\n"
	        "mint options:\n"
	        "  -o, --out DIR            output folder (created if missing)\n"
	        "  -k, --keys DIR           SGP.26 PEM private keys (default %s)\n"
	        "  -c, --curve nist|brp|both  chains to mint (default both)\n"
	        "  -e, --eid DIGITS         EID of the eUICC certificate (32 digits,\n"
	        "                           default %s)\n"
	        "      --effective YYYYMMDD|none  5F25 (default %u)\n"
	        "      --expiry YYYYMMDD|none     5F24 (default %u)\n"
	        "      --seed N             random ECDSA k from a DRBG seeded with N\n"
	        "                           (default: deterministic k, RFC 6979)\n"
	        "      --format bin|hex|both  output files (default both)\n"
	        "  -q, --quiet              no summary on stdout\n"
	        "FILE: binary certificate or hex text (whitespace ignored).\n",
	        VEUICC_PKI_DEFAULT_KEYS, DEFAULT_EID, DEFAULT_EFFECTIVE, DEFAULT_EXPIRY);
}

static void hexstr(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

/* EID: 32 digits, ISO 7064 MOD 97-10 (number mod 97 == 1), BCD first digit high. */
static int parse_eid(const char *s, uint8_t eid[EID_LEN])
{
	unsigned mod = 0;
	if (strlen(s) != 2 * EID_LEN)
		return -1;
	for (size_t i = 0; i < 2 * EID_LEN; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		mod = (mod * 10 + (unsigned)(s[i] - '0')) % 97;
	}
	if (mod != 1)
		return -1;
	for (size_t i = 0; i < EID_LEN; i++)
		eid[i] = (uint8_t)(((s[2 * i] - '0') << 4) | (s[2 * i + 1] - '0'));
	return 0;
}

static int parse_date_arg(const char *s, uint32_t *out)
{
	uint8_t bcd[4];
	if (!strcmp(s, "none")) {
		*out = 0;
		return 0;
	}
	if (strlen(s) != 8)
		return -1;
	for (int i = 0; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (int i = 0; i < 4; i++)
		bcd[i] = (uint8_t)(((s[2 * i] - '0') << 4) | (s[2 * i + 1] - '0'));
	return veuicc_cert_parse_date(bcd, out) ? 0 : -1;
}

static void put_date(veuicc_tlv_writer *w, uint32_t tag, uint32_t date)
{
	uint8_t bcd[4];
	unsigned v[4] = {date / 1000000, date / 10000 % 100, date / 100 % 100, date % 100};
	for (int i = 0; i < 4; i++)
		bcd[i] = (uint8_t)(((v[i] / 10) << 4) | (v[i] % 10));
	veuicc_tlv_put(w, tag, bcd, sizeof bcd);
}

/* snprintf into a path buffer; false (with a message) if it does not fit. */
static bool path_fmt(char *buf, size_t cap, const char *a, const char *b, const char *c)
{
	int n = snprintf(buf, cap, "%s%s%s", a, b, c);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "veuicc-pki: path too long: %s%s%s\n", a, b, c);
		return false;
	}
	return true;
}

/* Write \p len bytes to \p path through a temporary file and rename(2). */
static int write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
		fprintf(stderr, "veuicc-pki: path too long: %s\n", path);
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "veuicc-pki: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	const uint8_t *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "veuicc-pki: cannot write %s: %s\n", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "veuicc-pki: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "veuicc-pki: cannot rename %s to %s: %s\n", tmp, path,
		        strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "veuicc-pki: cannot create folder %s: %s\n", path, strerror(errno));
	return -1;
}

static int load_key(const options *o, enum role r, int brp, keyinfo *k)
{
	char path[4096];
	size_t olen;
	char stem[256];
	snprintf(stem, sizeof stem, "/%s_%s.pem", roles[r].key_file, brp ? "BRP" : "NIST");
	if (!path_fmt(path, sizeof path, o->keys, stem, ""))
		return -1;
	int rc = mbedtls_pk_parse_keyfile(&k->pk, path, NULL);
	if (rc != 0) {
		fprintf(stderr, "veuicc-pki: cannot load private key %s (mbedtls -0x%04x)\n", path,
		        (unsigned)-rc);
		return -1;
	}
	if (mbedtls_pk_get_type(&k->pk) != MBEDTLS_PK_ECKEY) {
		fprintf(stderr, "veuicc-pki: %s is not an EC key\n", path);
		return -1;
	}
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(k->pk);
	mbedtls_ecp_group_id want = brp ? MBEDTLS_ECP_DP_BP256R1 : MBEDTLS_ECP_DP_SECP256R1;
	if (kp->grp.id != want) {
		fprintf(stderr, "veuicc-pki: %s is not on %s\n", path,
		        brp ? "brainpoolP256r1" : "NIST P-256");
		return -1;
	}
	if (mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
	                                   k->point, sizeof k->point) != 0 ||
	    olen != sizeof k->point || mbedtls_sha1_ret(k->point, olen, k->ski) != 0) {
		fprintf(stderr, "veuicc-pki: cannot encode the public key of %s\n", path);
		return -1;
	}
	return 0;
}

/* Fixed-seed entropy for the DRBG (test PKI only: reproducible by design). */
static int seed_entropy(void *ctx, unsigned char *out, size_t len)
{
	const unsigned long long *seed = ctx;
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(*seed >> (8 * (i % 8)));
	return 0;
}

/* ECDSA-SHA256 over \p tbs with \p k, raw r||s into sig[64]. */
static int sign_raw(const options *o, mbedtls_ctr_drbg_context *drbg, keyinfo *k,
                    const uint8_t *tbs, size_t tbs_len, uint8_t sig[VEUICC_CERT_RAW_SIG_LEN])
{
	uint8_t hash[32];
	mbedtls_mpi r, s;
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(k->pk);
	int rc;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	rc = mbedtls_sha256_ret(tbs, tbs_len, hash, 0);
	if (!rc && o->have_seed)
		rc = mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, hash, sizeof hash,
		                        mbedtls_ctr_drbg_random, drbg);
	else if (!rc)
		rc = mbedtls_ecdsa_sign_det_ext(&kp->grp, &r, &s, &kp->d, hash, sizeof hash,
		                                MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, drbg);
	if (!rc)
		rc = mbedtls_mpi_write_binary(&r, sig, 32);
	if (!rc)
		rc = mbedtls_mpi_write_binary(&s, sig + 32, 32);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	if (rc)
		fprintf(stderr, "veuicc-pki: ECDSA signing failed (mbedtls -0x%04x)\n",
		        (unsigned)-rc);
	return rc ? -1 : 0;
}

/* Build one certificate of role \p r (GP Amd E layout, see cert.h). */
static int mint_one(const options *o, mbedtls_ctr_drbg_context *drbg, keyinfo keys[R_COUNT],
                    enum role r, int brp, uint8_t *out, size_t *out_len)
{
	uint8_t tbs[CERT_MAX], sig[VEUICC_CERT_RAW_SIG_LEN];
	size_t tbs_len;
	veuicc_tlv_writer w;
	const keyinfo *subj = &keys[r], *iss = &keys[roles[r].issuer];
	uint8_t curve = brp ? VEUICC_CERT_CURVE_BP256R1 : VEUICC_CERT_CURVE_P256;

	veuicc_tlv_writer_init(&w, tbs, sizeof tbs);
	veuicc_tlv_put_u8(&w, VEUICC_CERT_TAG_SERIAL, roles[r].serial);
	veuicc_tlv_put(&w, VEUICC_CERT_TAG_CA_ID, iss->ski, SKI_LEN);
	if (r == R_EUICC)
		veuicc_tlv_put(&w, VEUICC_CERT_TAG_SUBJECT, o->eid, EID_LEN);
	else
		veuicc_tlv_put(&w, VEUICC_CERT_TAG_SUBJECT, subj->ski, SKI_LEN);
	if (r == R_EUICC)
		veuicc_tlv_put(&w, VEUICC_CERT_TAG_KEY_USAGE, ku_agree, sizeof ku_agree);
	else
		veuicc_tlv_put(&w, VEUICC_CERT_TAG_KEY_USAGE, ku_sign, sizeof ku_sign);
	if (o->effective)
		put_date(&w, VEUICC_CERT_TAG_EFFECTIVE, o->effective);
	if (o->expiry)
		put_date(&w, VEUICC_CERT_TAG_EXPIRY, o->expiry);
	veuicc_tlv_begin(&w, VEUICC_CERT_TAG_DISCRETIONARY);
	if (roles[r].c8 >= 0)
		veuicc_tlv_put_u8(&w, VEUICC_CERT_TAG_ROLE, (uint8_t)roles[r].c8);
	veuicc_tlv_put(&w, VEUICC_CERT_TAG_AKI, iss->ski, SKI_LEN);
	veuicc_tlv_end(&w);
	veuicc_tlv_begin(&w, VEUICC_CERT_TAG_PUBKEY);
	veuicc_tlv_put(&w, VEUICC_CERT_TAG_POINT, subj->point, VEUICC_CERT_POINT_LEN);
	veuicc_tlv_put_u8(&w, VEUICC_CERT_TAG_KEY_PARAM_REF, curve);
	veuicc_tlv_end(&w);
	if (veuicc_tlv_writer_finish(&w, &tbs_len) != VEUICC_OK) {
		fprintf(stderr, "veuicc-pki: certificate body too large\n");
		return -1;
	}
	if (sign_raw(o, drbg, &keys[roles[r].issuer], tbs, tbs_len, sig) != 0)
		return -1;

	veuicc_tlv_writer_init(&w, out, CERT_MAX);
	veuicc_tlv_begin(&w, VEUICC_CERT_TAG_CERT);
	veuicc_tlv_put_raw(&w, tbs, tbs_len);
	veuicc_tlv_put(&w, VEUICC_CERT_TAG_SIGNATURE, sig, sizeof sig);
	veuicc_tlv_end(&w);
	if (veuicc_tlv_writer_finish(&w, out_len) != VEUICC_OK) {
		fprintf(stderr, "veuicc-pki: certificate too large\n");
		return -1;
	}
	return 0;
}

static void describe(FILE *f, const char *label, const veuicc_cert *c)
{
	char a[2 * 64 + 1], b[2 * 64 + 1];
	uint8_t h[32];

	mbedtls_sha256_ret(c->raw, c->raw_len, h, 0);
	hexstr(h, 8, a);
	fprintf(f, "%-22s %3zu bytes  sha256 %s...\n", label, c->raw_len, a);
	hexstr(c->serial, c->serial_len, a);
	fprintf(f, "  serial (93)          %s\n", a);
	hexstr(c->ca_id, c->ca_id_len, a);
	fprintf(f, "  CA id (42)           %s\n", a);
	hexstr(c->subject, c->subject_len, b);
	fprintf(f, "  subject (5F20)       %s\n", b);
	fprintf(f, "  key usage (95)       %0*X\n", 2 * c->key_usage_len,
	        c->key_usage_len == 1 ? c->key_usage >> 8 : c->key_usage);
	if (c->has_effective)
		fprintf(f, "  effective (5F25)     %08u\n", (unsigned)c->effective);
	if (c->has_expiry)
		fprintf(f, "  expiry (5F24)        %08u\n", (unsigned)c->expiry);
	if (c->role >= 0)
		fprintf(f, "  role (73/C8)         %02X (%s)\n", c->role,
		        c->role == VEUICC_CERT_ROLE_SMDP   ? "SM-DP"
		        : c->role == VEUICC_CERT_ROLE_SMSR ? "SM-SR"
		                                           : "?");
	if (c->aki) {
		hexstr(c->aki, c->aki_len, a);
		fprintf(f, "  AKI (73/C9)          %s\n", a);
	}
	fprintf(f, "  curve (7F49/F0)      %02X (%s)\n", c->pubkey.curve,
	        c->pubkey.curve == VEUICC_CERT_CURVE_P256      ? "NIST P-256"
	        : c->pubkey.curve == VEUICC_CERT_CURVE_BP256R1 ? "brainpoolP256r1"
	                                                       : "?");
}

static int write_outputs(const options *o, const char *dir, const char *name, const uint8_t *der,
                         size_t len)
{
	char path[4096], hex[2 * CERT_MAX + 2];
	if (o->bin) {
		if (!path_fmt(path, sizeof path, dir, "/", name) ||
		    !path_fmt(path + strlen(path), sizeof path - strlen(path), ".7f21", "", "") ||
		    write_atomic(path, der, len) != 0)
			return -1;
	}
	if (o->hex) {
		if (!path_fmt(path, sizeof path, dir, "/", name) ||
		    !path_fmt(path + strlen(path), sizeof path - strlen(path), ".hex", "", ""))
			return -1;
		hexstr(der, len, hex);
		hex[2 * len] = '\n';
		if (write_atomic(path, hex, 2 * len + 1) != 0)
			return -1;
	}
	return 0;
}

/* One minted chain, kept in memory until every requested chain is ready. */
typedef struct chain {
	uint8_t certs[R_COUNT][CERT_MAX];
	size_t lens[R_COUNT];
	veuicc_cert parsed[R_COUNT]; /* points into certs */
} chain;

/* Mint and self-check one chain; describe it into \p summary. Writes no file. */
static int mint_chain(const options *o, int brp, chain *ch, FILE *summary)
{
	keyinfo keys[R_COUNT];
	uint8_t(*certs)[CERT_MAX] = ch->certs;
	size_t *lens = ch->lens;
	veuicc_cert *parsed = ch->parsed;
	mbedtls_ctr_drbg_context drbg;
	int ret = -1;
	static const char pers[] = "veuicc-pki";

	for (int i = 0; i < R_COUNT; i++)
		mbedtls_pk_init(&keys[i].pk);
	mbedtls_ctr_drbg_init(&drbg);
	unsigned long long seed = o->have_seed ? o->seed : 0;
	if (mbedtls_ctr_drbg_seed(&drbg, seed_entropy, &seed, (const unsigned char *)pers,
	                          sizeof pers - 1) != 0) {
		fprintf(stderr, "veuicc-pki: cannot seed the DRBG\n");
		goto out;
	}
	for (int i = 0; i < R_COUNT; i++)
		if (load_key(o, (enum role)i, brp, &keys[i]) != 0)
			goto out;
	for (int i = 0; i < R_COUNT; i++)
		if (mint_one(o, &drbg, keys, (enum role)i, brp, certs[i], &lens[i]) != 0)
			goto out;

	/* Self-check with the card's parser before anything is written. */
	for (int i = 0; i < R_COUNT; i++) {
		veuicc_cert_reason why;
		if (veuicc_cert_parse(certs[i], lens[i], 0, &parsed[i], &why) != VEUICC_OK) {
			fprintf(stderr, "veuicc-pki: minted %s does not parse: %s\n", roles[i].name,
			        veuicc_cert_reason_str(why));
			goto out;
		}
	}
	for (int i = 0; i < R_COUNT; i++) {
		veuicc_cert_reason why;
		if (veuicc_cert_verify_signature(&parsed[i], &parsed[roles[i].issuer].pubkey,
		                                 &why) != VEUICC_OK) {
			fprintf(stderr, "veuicc-pki: minted %s does not verify: %s\n",
			        roles[i].name, veuicc_cert_reason_str(why));
			goto out;
		}
	}

	fprintf(summary, "== %s chain (%s/) ==\n", brp ? "brainpoolP256r1" : "NIST P-256",
	        brp ? "brp" : "nist");
	for (int i = 0; i < R_COUNT; i++) {
		char label[64];
		snprintf(label, sizeof label, "%s.7f21 <- %s", roles[i].name,
		         roles[roles[i].issuer].name);
		describe(summary, label, &parsed[i]);
	}
	ret = 0;
out:
	for (int i = 0; i < R_COUNT; i++)
		mbedtls_pk_free(&keys[i].pk);
	mbedtls_ctr_drbg_free(&drbg);
	return ret;
}

static int write_chain(const options *o, int brp, const chain *ch)
{
	char dir[4096];
	if (!path_fmt(dir, sizeof dir, o->out, "/", brp ? "brp" : "nist") || make_dir(dir) != 0)
		return -1;
	for (int i = 0; i < R_COUNT; i++)
		if (write_outputs(o, dir, roles[i].name, ch->certs[i], ch->lens[i]) != 0)
			return -1;
	return 0;
}

static int cmd_mint(int argc, char **argv)
{
	options o = {.keys = VEUICC_PKI_DEFAULT_KEYS,
	             .nist = 1,
	             .brp = 1,
	             .effective = DEFAULT_EFFECTIVE,
	             .expiry = DEFAULT_EXPIRY,
	             .bin = 1,
	             .hex = 1};
	parse_eid(DEFAULT_EID, o.eid);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
			o.out = v;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--keys")) {
			o.keys = v;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--curve")) {
			if (v && !strcmp(v, "nist"))
				o.nist = 1, o.brp = 0;
			else if (v && !strcmp(v, "brp"))
				o.nist = 0, o.brp = 1;
			else if (v && !strcmp(v, "both"))
				o.nist = 1, o.brp = 1;
			else {
				fprintf(stderr, "veuicc-pki: --curve takes nist, brp or both\n");
				return 2;
			}
		} else if (!strcmp(a, "-e") || !strcmp(a, "--eid")) {
			if (!v || parse_eid(v, o.eid) != 0) {
				fprintf(stderr,
				        "veuicc-pki: --eid needs 32 digits with valid check "
				        "digits (ISO 7064 MOD 97-10)\n");
				return 2;
			}
		} else if (!strcmp(a, "--effective") || !strcmp(a, "--expiry")) {
			uint32_t *d = !strcmp(a, "--effective") ? &o.effective : &o.expiry;
			if (!v || parse_date_arg(v, d) != 0) {
				fprintf(stderr, "veuicc-pki: %s takes YYYYMMDD or none\n", a);
				return 2;
			}
		} else if (!strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			o.seed = v ? strtoull(v, &end, 0) : 0;
			if (!v || *end || errno) {
				fprintf(stderr, "veuicc-pki: --seed takes a number\n");
				return 2;
			}
			o.have_seed = 1;
		} else if (!strcmp(a, "--format")) {
			if (v && !strcmp(v, "bin"))
				o.bin = 1, o.hex = 0;
			else if (v && !strcmp(v, "hex"))
				o.bin = 0, o.hex = 1;
			else if (v && !strcmp(v, "both"))
				o.bin = 1, o.hex = 1;
			else {
				fprintf(stderr, "veuicc-pki: --format takes bin, hex or both\n");
				return 2;
			}
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o.quiet = 1;
			takes = 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "veuicc-pki: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		if (takes && !v) {
			fprintf(stderr, "veuicc-pki: %s needs a value\n", a);
			return 2;
		}
		i += takes;
	}
	if (!o.out || !o.keys) {
		fprintf(stderr, "veuicc-pki: mint needs --out DIR\n");
		usage(stderr);
		return 2;
	}
	if (o.effective && o.expiry && o.effective > o.expiry) {
		fprintf(stderr, "veuicc-pki: --effective is after --expiry\n");
		return 2;
	}
	/* The summary goes to DIR/summary.txt (atomically) and to stdout. */
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem = open_memstream(&text, &text_len);
	if (!mem) {
		fprintf(stderr, "veuicc-pki: out of memory\n");
		return 1;
	}
	/* Mint everything first, so that a failure leaves no half set of files. */
	chain *chains = calloc(2, sizeof *chains);
	if (!chains) {
		fclose(mem);
		free(text);
		fprintf(stderr, "veuicc-pki: out of memory\n");
		return 1;
	}
	int rc = 0;
	if (o.nist && mint_chain(&o, 0, &chains[0], mem) != 0)
		rc = 1;
	if (!rc && o.brp && mint_chain(&o, 1, &chains[1], mem) != 0)
		rc = 1;
	fclose(mem);
	if (!rc && make_dir(o.out) != 0)
		rc = 1;
	if (!rc && o.nist && write_chain(&o, 0, &chains[0]) != 0)
		rc = 1;
	if (!rc && o.brp && write_chain(&o, 1, &chains[1]) != 0)
		rc = 1;
	if (!rc) {
		char path[4096];
		if (!path_fmt(path, sizeof path, o.out, "/summary.txt", "") ||
		    write_atomic(path, text, text_len) != 0)
			rc = 1;
		else if (!o.quiet)
			fwrite(text, 1, text_len, stdout);
	}
	free(text);
	free(chains);
	return rc;
}

/* Read a certificate file: binary (starts with 7F 21) or hex text. */
static int read_cert_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "veuicc-pki: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t raw[4 * CERT_MAX];
	size_t n = fread(raw, 1, sizeof raw, f);
	int err = ferror(f) || !feof(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "veuicc-pki: cannot read %s (or larger than %zu bytes)\n", path,
		        sizeof raw);
		return -1;
	}
	if (n >= 2 && raw[0] == 0x7F && raw[1] == 0x21) {
		if (n > cap)
			return -1;
		memcpy(buf, raw, n);
		*len = n;
		return 0;
	}
	size_t out = 0;
	int half = -1;
	for (size_t i = 0; i < n; i++) {
		int c = raw[i], v;
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else {
			fprintf(stderr, "veuicc-pki: %s is neither a binary certificate nor hex\n",
			        path);
			return -1;
		}
		if (half < 0) {
			half = v;
		} else {
			if (out == cap)
				return -1;
			buf[out++] = (uint8_t)(half << 4 | v);
			half = -1;
		}
	}
	if (half >= 0) {
		fprintf(stderr, "veuicc-pki: %s has an odd number of hex digits\n", path);
		return -1;
	}
	*len = out;
	return 0;
}

static int load_and_parse(const char *path, uint8_t *buf, veuicc_cert *c)
{
	size_t len;
	veuicc_cert_reason why;
	if (read_cert_file(path, buf, CERT_MAX, &len) != 0)
		return -1;
	if (veuicc_cert_parse(buf, len, VEUICC_CERT_ALLOW_DER_SIG, c, &why) != VEUICC_OK) {
		fprintf(stderr, "veuicc-pki: %s: %s\n", path, veuicc_cert_reason_str(why));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "mint"))
		return cmd_mint(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "show") && argc == 3) {
		uint8_t buf[CERT_MAX];
		veuicc_cert c;
		if (load_and_parse(argv[2], buf, &c) != 0)
			return 1;
		describe(stdout, argv[2], &c);
		return 0;
	}
	if (!strcmp(argv[1], "verify") && argc == 4) {
		uint8_t b1[CERT_MAX], b2[CERT_MAX];
		veuicc_cert c, issuer;
		veuicc_cert_reason why;
		if (load_and_parse(argv[2], b1, &c) != 0 ||
		    load_and_parse(argv[3], b2, &issuer) != 0)
			return 1;
		if (veuicc_cert_verify_signature(&c, &issuer.pubkey, &why) != VEUICC_OK) {
			printf("%s: NOT verified by %s: %s\n", argv[2], argv[3],
			       veuicc_cert_reason_str(why));
			return 1;
		}
		printf("%s: signature verified by %s\n", argv[2], argv[3]);
		return 0;
	}
	usage(stderr);
	return 2;
}
