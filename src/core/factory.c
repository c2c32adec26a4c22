/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Factory configuration (docs/factory.md): a JSON file that personalises a
 * card. The identity part is kept by the card and written to its file as
 * canonical JSON (every value inline, hex), which this same parser reads
 * back; file references are only allowed in the configuration file.
 */
#include "core/factory.h"
#include "core/quirks.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#include "core/card.h"
#include "euicc/cert.h"
#include "euicc/ecasd.h"
#include "euicc/euicc.h"
#include "core/hex.h"

#define FACTORY_VERSION 1
#define FILE_MAX        (4u * 1024u * 1024u)

/* TS 102 225 §5.1.2: algorithm nibble of the KIc / KID byte */
#define ALG_DES   0x01 /* DES (CBC / CBC-MAC) */
#define ALG_3DES2 0x05 /* triple DES, outer CBC, 2 keys */
#define ALG_3DES3 0x09 /* triple DES, outer CBC, 3 keys */
#define ALG_AES   0x02 /* AES (CBC for KIc, CMAC for KID) */

typedef struct ctx {
	const char *file; /* configuration file name for messages, NULL: record */
	const char *dir;  /* its folder, NULL: file references refused */
	char *err;
	size_t err_len;
} ctx;

static int fail(const ctx *x, int rc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const ctx *x, int rc, const char *path, const char *fmt, ...)
{
	if (x->err && x->err_len) {
		char why[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		snprintf(x->err, x->err_len, "%s: %s: %s", x->file ? x->file : "card file", path,
		         why);
	}
	return rc;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return VEUICC_ERR_IO;
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;
	int rc = VEUICC_OK;
	for (;;) {
		if (n == cap) {
			size_t c = cap ? 2 * cap : 4096;
			if (c > FILE_MAX + 1) {
				rc = VEUICC_ERR_MALFORMED;
				break;
			}
			uint8_t *nb = realloc(b, c + 1);
			if (!nb) {
				rc = VEUICC_ERR_NO_MEMORY;
				break;
			}
			b = nb;
			cap = c;
		}
		size_t k = fread(b + n, 1, cap - n, f);
		n += k;
		if (k == 0) {
			if (ferror(f))
				rc = VEUICC_ERR_IO;
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(b);
		return rc;
	}
	b[n] = 0; /* room was kept: text files are NUL-terminated */
	*out = b;
	*len = n;
	return VEUICC_OK;
}

static void join(const ctx *x, const char *rel, char *out, size_t cap)
{
	if (rel[0] == '/' || !x->dir || !x->dir[0])
		snprintf(out, cap, "%s", rel);
	else
		snprintf(out, cap, "%s/%s", x->dir, rel);
}

/* Hex text, whitespace ignored. Returns the byte count or -1. */
static long unhex(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (size_t i = 0; i < slen; i++) {
		char c = s[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		int v = veuicc_hex_digit(c);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

static int get_hex(const ctx *x, json_t *o, const char *key, const char *path, uint8_t *out,
                   size_t cap, size_t *len, bool required)
{
	json_t *v = json_object_get(o, key);
	char p[160];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!v) {
		if (required)
			return fail(x, VEUICC_ERR_MALFORMED, p, "missing");
		*len = 0;
		return VEUICC_OK;
	}
	if (!json_is_string(v))
		return fail(x, VEUICC_ERR_MALFORMED, p, "must be a hex string");
	long n = unhex(json_string_value(v), json_string_length(v), out, cap);
	if (n < 0)
		return fail(x, VEUICC_ERR_MALFORMED, p, "not hex, or longer than %zu bytes", cap);
	*len = (size_t)n;
	return VEUICC_OK;
}

static int get_int(const ctx *x, json_t *o, const char *key, const char *path, long min, long max,
                   long *out)
{
	json_t *v = json_object_get(o, key);
	char p[160];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!v)
		return fail(x, VEUICC_ERR_MALFORMED, p, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail(x, VEUICC_ERR_MALFORMED, p, "must be an integer in %ld..%ld", min, max);
	*out = (long)json_integer_value(v);
	return VEUICC_OK;
}

static int check_keys(const ctx *x, json_t *o, const char *path, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], k))
			i++;
		if (!allowed[i])
			return fail(x, VEUICC_ERR_MALFORMED, path, "unknown member \"%s\"", k);
	}
	return VEUICC_OK;
}

/* ---- ISD-R key sets (TS 102 225 / GP Amd B / GP Amd D) ---------------------- */

static const struct alg_name {
	const char *name;
	uint8_t code;
	size_t key_len;
} alg_names[] = {
    {"des", ALG_DES, 8},      {"3des-2key", ALG_3DES2, 16}, {"3des-3key", ALG_3DES3, 24},
    {"aes-128", ALG_AES, 16}, {"aes-192", ALG_AES, 24},     {"aes-256", ALG_AES, 32},
};

static const char *alg_str(uint8_t code, size_t key_len)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (alg_names[i].code == code && alg_names[i].key_len == key_len)
			return alg_names[i].name;
	return NULL;
}

static int scp80_key(const ctx *x, json_t *ks, const char *member, const char *path, uint8_t *alg,
                     uint8_t *key, size_t *key_len)
{
	char p[160];
	snprintf(p, sizeof(p), "%s.%s", path, member);
	json_t *o = json_object_get(ks, member);
	if (!json_is_object(o))
		return fail(x, VEUICC_ERR_MALFORMED, p, "must be an object {algorithm, key}");
	static const char *const allowed[] = {"algorithm", "key", NULL};
	int rc = check_keys(x, o, p, allowed);
	if (rc)
		return rc;
	const char *a = json_string_value(json_object_get(o, "algorithm"));
	if (!a)
		return fail(x, VEUICC_ERR_MALFORMED, p, "algorithm missing");
	if ((rc = get_hex(x, o, "key", p, key, 32, key_len, true)))
		return rc;
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strcmp(alg_names[i].name, a))
			continue;
		if (*key_len != alg_names[i].key_len)
			return fail(x, VEUICC_ERR_MALFORMED, p, "%s needs a %zu-byte key, not %zu",
			            a, alg_names[i].key_len, *key_len);
		*alg = alg_names[i].code;
		return VEUICC_OK;
	}
	return fail(x, VEUICC_ERR_MALFORMED, p,
	            "algorithm \"%s\" is not des, 3des-2key, 3des-3key, aes-128, aes-192, aes-256",
	            a);
}

static int parse_keyset(const ctx *x, json_t *ks, const char *path, veuicc_keyset *k)
{
	memset(k, 0, sizeof(*k));
	if (!json_is_object(ks))
		return fail(x, VEUICC_ERR_MALFORMED, path, "must be an object");
	const char *type = json_string_value(json_object_get(ks, "type"));
	long kvn;
	int rc;
	char p[160];
	snprintf(p, sizeof(p), "%s.type", path);
	if (!type)
		return fail(x, VEUICC_ERR_MALFORMED, p, "missing (scp80, scp81 or scp03)");
	/* GP CS v2.3 §11.1.8: key version numbers 01-7F */
	if ((rc = get_int(x, ks, "kvn", path, 1, 0x7F, &kvn)))
		return rc;
	k->kvn = (uint8_t)kvn;
	if (!strcmp(type, "scp80")) {
		static const char *const allowed[] = {"type", "kvn", "kic", "kid", NULL};
		k->type = VEUICC_KEYSET_SCP80;
		if ((rc = check_keys(x, ks, path, allowed)) ||
		    (rc = scp80_key(x, ks, "kic", path, &k->kic_algo, k->key1, &k->key1_len)) ||
		    (rc = scp80_key(x, ks, "kid", path, &k->kid_algo, k->key2, &k->key2_len)))
			return rc;
		return VEUICC_OK;
	}
	if (!strcmp(type, "scp81")) {
		static const char *const allowed[] = {"type", "kvn", "psk", "psk_id", NULL};
		k->type = VEUICC_KEYSET_SCP81;
		if ((rc = check_keys(x, ks, path, allowed)) ||
		    (rc = get_hex(x, ks, "psk", path, k->key1, 32, &k->key1_len, true)))
			return rc;
		if (k->key1_len != 16 && k->key1_len != 32)
			return fail(x, VEUICC_ERR_MALFORMED, path, "psk must be 16 or 32 bytes");
		json_t *id = json_object_get(ks, "psk_id");
		if (id && (!json_is_string(id) || json_string_length(id) >= sizeof(k->psk_id)))
			return fail(x, VEUICC_ERR_MALFORMED, path,
			            "psk_id must be a string of at most 64 characters");
		if (id)
			snprintf(k->psk_id, sizeof(k->psk_id), "%s", json_string_value(id));
		return VEUICC_OK;
	}
	if (!strcmp(type, "scp03")) {
		static const char *const allowed[] = {"type", "kvn", "enc", "mac", "dek", NULL};
		k->type = VEUICC_KEYSET_SCP03;
		if ((rc = check_keys(x, ks, path, allowed)) ||
		    (rc = get_hex(x, ks, "enc", path, k->key1, 32, &k->key1_len, true)) ||
		    (rc = get_hex(x, ks, "mac", path, k->key2, 32, &k->key2_len, true)) ||
		    (rc = get_hex(x, ks, "dek", path, k->key3, 32, &k->key3_len, true)))
			return rc;
		/* GP Amd D §4.1: AES-128, -192 or -256, one length for the set */
		if ((k->key1_len != 16 && k->key1_len != 24 && k->key1_len != 32) ||
		    k->key2_len != k->key1_len || k->key3_len != k->key1_len)
			return fail(
			    x, VEUICC_ERR_MALFORMED, path,
			    "enc, mac and dek must be AES keys of one length (16, 24 or 32)");
		return VEUICC_OK;
	}
	return fail(x, VEUICC_ERR_MALFORMED, p, "\"%s\" is not scp80, scp81 or scp03", type);
}

/* ---- ECASD and CI keys -------------------------------------------------------- */

static const char *curve_name(uint8_t c)
{
	return c == VEUICC_CERT_CURVE_P256 ? "P-256" : "brainpoolP256r1";
}

static int curve_code(const char *name, uint8_t *code, mbedtls_ecp_group_id *gid)
{
	if (!strcmp(name, "P-256")) {
		*code = VEUICC_CERT_CURVE_P256;
		*gid = MBEDTLS_ECP_DP_SECP256R1;
		return 0;
	}
	if (!strcmp(name, "brainpoolP256r1")) {
		*code = VEUICC_CERT_CURVE_BP256R1;
		*gid = MBEDTLS_ECP_DP_BP256R1;
		return 0;
	}
	return -1;
}

/* A certificate inline ("certificate": hex) or in a file ("certificate_file":
 * binary 7F21 or hex text, relative to the configuration). */
static int get_cert_as(const ctx *x, json_t *o, const char *path, const char *name, uint8_t **out,
                       size_t *len, bool required)
{
	char fname[64];
	snprintf(fname, sizeof(fname), "%s_file", name);
	json_t *file = json_object_get(o, fname);
	json_t *inl = json_object_get(o, name);
	char p[160];
	*out = NULL;
	*len = 0;
	if (!file && !inl && !required)
		return VEUICC_OK;
	if (!!file == !!inl)
		return fail(x, VEUICC_ERR_MALFORMED, path, "give exactly one of %s, %s", name,
		            fname);
	uint8_t *b = malloc(1024);
	if (!b)
		return VEUICC_ERR_NO_MEMORY;
	long n;
	if (inl) {
		snprintf(p, sizeof(p), "%s.%s", path, name);
		n = json_is_string(inl)
		        ? unhex(json_string_value(inl), json_string_length(inl), b, 1024)
		        : -1;
	} else {
		snprintf(p, sizeof(p), "%s.%s", path, fname);
		if (!x->dir || !json_is_string(file)) {
			free(b);
			return fail(x, VEUICC_ERR_MALFORMED, p, "file references need a file name");
		}
		char fp[1024];
		join(x, json_string_value(file), fp, sizeof(fp));
		uint8_t *raw;
		size_t rlen;
		int rc = read_file(fp, &raw, &rlen);
		if (rc) {
			free(b);
			return fail(x, rc, p, "cannot read %s: %s", fp, strerror(errno));
		}
		if (rlen >= 2 && raw[0] == 0x7F && raw[1] == 0x21) {
			n = rlen <= 1024 ? (long)rlen : -1;
			if (n >= 0)
				memcpy(b, raw, rlen);
		} else {
			n = unhex((const char *)raw, rlen, b, 1024);
		}
		free(raw);
	}
	if (n <= 0) {
		free(b);
		return fail(x, VEUICC_ERR_MALFORMED, p, "not a certificate (hex or binary 7F21)");
	}
	*out = b;
	*len = (size_t)n;
	return VEUICC_OK;
}

static int get_cert(const ctx *x, json_t *o, const char *path, uint8_t **out, size_t *len)
{
	return get_cert_as(x, o, path, "certificate", out, len, true);
}

static int parse_ecasd(const ctx *x, json_t *o, veuicc_factory *f)
{
	static const char *const allowed[] = {
	    "certificate",     "certificate_file",     "private_key", "private_key_file",
	    "eum_certificate", "eum_certificate_file", NULL};
	const char *path = "$.ecasd";
	if (!json_is_object(o))
		return fail(x, VEUICC_ERR_MALFORMED, path, "must be an object");
	int rc = check_keys(x, o, path, allowed);
	if (rc || (rc = get_cert(x, o, path, &f->ecasd_cert, &f->ecasd_cert_len)) ||
	    (rc =
	         get_cert_as(x, o, path, "eum_certificate", &f->eum_cert, &f->eum_cert_len, false)))
		return rc;
	veuicc_cert cert;
	veuicc_cert_reason why;
	if (veuicc_cert_parse(f->ecasd_cert, f->ecasd_cert_len, 0, &cert, &why))
		return fail(x, VEUICC_ERR_MALFORMED, path,
		            "the certificate does not parse as a GP 7F21 certificate (reason %d)",
		            (int)why);
	/* CERT.ECASD.ECKA: subject = EID (SGP.02 §2.3.2, docs/certificates.md) */
	uint8_t eid[VEUICC_EID_LEN];
	if (veuicc_eid_from_digits(f->eid, eid) || cert.subject_len != VEUICC_EID_LEN ||
	    memcmp(cert.subject, eid, VEUICC_EID_LEN))
		return fail(x, VEUICC_ERR_MALFORMED, path,
		            "the certificate's subject (5F20) is not the EID %s", f->eid);
	snprintf(f->ecasd_curve, sizeof(f->ecasd_curve), "%s", curve_name(cert.pubkey.curve));
	memcpy(f->ecasd_pub, cert.pubkey.point, VEUICC_CERT_POINT_LEN);
	f->ecasd_pub_len = VEUICC_CERT_POINT_LEN;

	json_t *kf = json_object_get(o, "private_key_file");
	json_t *kh = json_object_get(o, "private_key");
	if (!!kf == !!kh)
		return fail(x, VEUICC_ERR_MALFORMED, path,
		            "give exactly one of private_key (hex), private_key_file (PEM)");
	uint8_t code;
	mbedtls_ecp_group_id gid = MBEDTLS_ECP_DP_NONE;
	curve_code(f->ecasd_curve, &code, &gid);
	mbedtls_ecp_keypair kp;
	mbedtls_ecp_keypair_init(&kp);
	rc = VEUICC_OK;
	if (kh) {
		if ((rc = get_hex(x, o, "private_key", path, f->ecasd_priv, 32, &f->ecasd_priv_len,
		                  true)))
			goto out;
		if (f->ecasd_priv_len != 32) {
			rc = fail(x, VEUICC_ERR_MALFORMED, "$.ecasd.private_key",
			          "must be a 32-byte scalar");
			goto out;
		}
	} else {
		char fp[1024];
		if (!x->dir || !json_is_string(kf)) {
			rc = fail(x, VEUICC_ERR_MALFORMED, "$.ecasd.private_key_file",
			          "file references need a file name");
			goto out;
		}
		join(x, json_string_value(kf), fp, sizeof(fp));
		uint8_t *pem;
		size_t plen;
		if ((rc = read_file(fp, &pem, &plen))) {
			rc = fail(x, rc, "$.ecasd.private_key_file", "cannot read %s", fp);
			goto out;
		}
		mbedtls_pk_context pk;
		mbedtls_pk_init(&pk);
		int e = mbedtls_pk_parse_key(&pk, pem, plen + 1, NULL, 0);
		mbedtls_platform_zeroize(pem, plen);
		free(pem);
		if (e || mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
		    mbedtls_pk_ec(pk)->grp.id != gid ||
		    mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, f->ecasd_priv, 32)) {
			mbedtls_pk_free(&pk);
			rc = fail(x, VEUICC_ERR_MALFORMED, "$.ecasd.private_key_file",
			          "%s is not a PEM EC private key on %s", fp, f->ecasd_curve);
			goto out;
		}
		mbedtls_pk_free(&pk);
		f->ecasd_priv_len = 32;
	}
	/* the key pair must be the certificate's */
	if (mbedtls_ecp_group_load(&kp.grp, gid) ||
	    mbedtls_mpi_read_binary(&kp.d, f->ecasd_priv, 32) ||
	    mbedtls_ecp_point_read_binary(&kp.grp, &kp.Q, f->ecasd_pub, f->ecasd_pub_len) ||
	    mbedtls_ecp_check_privkey(&kp.grp, &kp.d)) {
		rc = fail(x, VEUICC_ERR_MALFORMED, path, "bad private key");
		goto out;
	}
	{
		mbedtls_ecp_point q;
		mbedtls_ecp_point_init(&q);
		int e = mbedtls_ecp_mul(&kp.grp, &q, &kp.d, &kp.grp.G, NULL, NULL);
		if (e || mbedtls_ecp_point_cmp(&q, &kp.Q))
			rc = fail(x, VEUICC_ERR_MALFORMED, path,
			          "the private key does not match the certificate's public key");
		mbedtls_ecp_point_free(&q);
	}
out:
	mbedtls_ecp_keypair_free(&kp);
	return rc;
}

static int parse_ci(const ctx *x, json_t *a, veuicc_factory *f)
{
	const char *path = "$.ci";
	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > VEUICC_FACTORY_CI_MAX)
		return fail(x, VEUICC_ERR_MALFORMED, path, "must be an array of 1..%d CI keys",
		            VEUICC_FACTORY_CI_MAX);
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		char p[64];
		snprintf(p, sizeof(p), "$.ci[%zu]", i);
		static const char *const allowed[] = {"certificate", "certificate_file", "curve",
		                                      "public_key", NULL};
		if (!json_is_object(o))
			return fail(x, VEUICC_ERR_MALFORMED, p, "must be an object");
		int rc = check_keys(x, o, p, allowed);
		if (rc)
			return rc;
		veuicc_factory_ci *ci = &f->ci[i];
		if (json_object_get(o, "public_key")) {
			const char *c = json_string_value(json_object_get(o, "curve"));
			uint8_t code;
			mbedtls_ecp_group_id gid = MBEDTLS_ECP_DP_NONE;
			if (!c || curve_code(c, &code, &gid))
				return fail(x, VEUICC_ERR_MALFORMED, p,
				            "curve must be \"P-256\" or \"brainpoolP256r1\"");
			if ((rc = get_hex(x, o, "public_key", p, ci->key, sizeof(ci->key),
			                  &ci->key_len, true)))
				return rc;
			mbedtls_ecp_group g;
			mbedtls_ecp_point q;
			mbedtls_ecp_group_init(&g);
			mbedtls_ecp_point_init(&q);
			int bad = ci->key_len != VEUICC_CERT_POINT_LEN ||
			          mbedtls_ecp_group_load(&g, gid) ||
			          mbedtls_ecp_point_read_binary(&g, &q, ci->key, ci->key_len) ||
			          mbedtls_ecp_check_pubkey(&g, &q);
			mbedtls_ecp_group_free(&g);
			mbedtls_ecp_point_free(&q);
			if (bad)
				return fail(x, VEUICC_ERR_MALFORMED, p,
				            "public_key is not an uncompressed point of %s", c);
			snprintf(ci->curve, sizeof(ci->curve), "%s", c);
		} else {
			uint8_t *b;
			size_t n;
			if ((rc = get_cert(x, o, p, &b, &n)))
				return rc;
			veuicc_cert cert;
			veuicc_cert_reason why;
			rc = veuicc_cert_parse(b, n, 0, &cert, &why);
			if (!rc) {
				memcpy(ci->key, cert.pubkey.point, VEUICC_CERT_POINT_LEN);
				ci->key_len = VEUICC_CERT_POINT_LEN;
				snprintf(ci->curve, sizeof(ci->curve), "%s",
				         curve_name(cert.pubkey.curve));
			}
			free(b);
			if (rc)
				return fail(x, VEUICC_ERR_MALFORMED, p,
				            "the certificate does not parse (reason %d)", (int)why);
		}
		f->nci++;
	}
	return VEUICC_OK;
}

/* ---- the canonical record ------------------------------------------------------ */

static json_t *hexj(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02X", b[i]);
	s[2 * n] = 0;
	json_t *j = json_string(s);
	mbedtls_platform_zeroize(s, 2 * n);
	free(s);
	return j;
}

static json_t *keyset_json(const veuicc_keyset *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "kvn", json_integer(k->kvn));
	switch (k->type) {
	case VEUICC_KEYSET_SCP80:
		json_object_set_new(o, "type", json_string("scp80"));
		json_object_set_new(o, "kic",
		                    json_pack("{s:s,s:o}", "algorithm",
		                              alg_str(k->kic_algo, k->key1_len), "key",
		                              hexj(k->key1, k->key1_len)));
		json_object_set_new(o, "kid",
		                    json_pack("{s:s,s:o}", "algorithm",
		                              alg_str(k->kid_algo, k->key2_len), "key",
		                              hexj(k->key2, k->key2_len)));
		break;
	case VEUICC_KEYSET_SCP81:
		json_object_set_new(o, "type", json_string("scp81"));
		json_object_set_new(o, "psk", hexj(k->key1, k->key1_len));
		json_object_set_new(o, "psk_id", json_string(k->psk_id));
		break;
	default:
		json_object_set_new(o, "type", json_string("scp03"));
		json_object_set_new(o, "enc", hexj(k->key1, k->key1_len));
		json_object_set_new(o, "mac", hexj(k->key2, k->key2_len));
		json_object_set_new(o, "dek", hexj(k->key3, k->key3_len));
		break;
	}
	return o;
}

static int make_record(veuicc_factory *f)
{
	json_t *root = json_object();
	json_t *ks = json_array();
	json_t *ci = json_array();
	if (!root || !ks || !ci) {
		json_decref(root);
		json_decref(ks);
		json_decref(ci);
		return VEUICC_ERR_NO_MEMORY;
	}
	json_object_set_new(root, "version", json_integer(FACTORY_VERSION));
	json_object_set_new(root, "eid", json_string(f->eid));
	for (size_t i = 0; i < f->nkeysets; i++)
		json_array_append_new(ks, keyset_json(&f->keysets[i]));
	json_t *isdr = json_object();
	json_object_set_new(isdr, "keysets", ks);
	if (f->has_tar)
		json_object_set_new(isdr, "tar", hexj(f->tar, 3));
	json_object_set_new(root, "isdr", isdr);
	if (f->ecasd_cert) {
		json_t *e =
		    json_pack("{s:o,s:o}", "certificate", hexj(f->ecasd_cert, f->ecasd_cert_len),
		              "private_key", hexj(f->ecasd_priv, f->ecasd_priv_len));
		if (e && f->eum_cert)
			json_object_set_new(e, "eum_certificate",
			                    hexj(f->eum_cert, f->eum_cert_len));
		json_object_set_new(root, "ecasd", e);
	}
	for (size_t i = 0; i < f->nci; i++)
		json_array_append_new(ci,
		                      json_pack("{s:s,s:o}", "curve", f->ci[i].curve, "public_key",
		                                hexj(f->ci[i].key, f->ci[i].key_len)));
	if (f->nci)
		json_object_set_new(root, "ci", ci);
	else
		json_decref(ci);
	char qs[256];
	if (veuicc_quirks_format(&f->quirks, qs, sizeof(qs)) == VEUICC_OK && qs[0])
		json_object_set_new(root, "quirks", json_string(qs));
	f->record = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!f->record)
		return VEUICC_ERR_NO_MEMORY;
	f->record_len = strlen(f->record);
	return VEUICC_OK;
}

/* ---- parsing ---------------------------------------------------------------------- */

_Static_assert(sizeof(((veuicc_factory_profile *)0)->keys) ==
                   VEUICC_ISDP_KEYSETS_MAX * sizeof(veuicc_keyset),
               "factory ISD-P key sets fit the registry entry");

static int parse_profiles(const ctx *x, json_t *a, veuicc_factory_config *c)
{
	if (!json_is_array(a))
		return fail(x, VEUICC_ERR_MALFORMED, "$.profiles", "must be an array");
	size_t n = json_array_size(a);
	c->profiles = calloc(n ? n : 1, sizeof(*c->profiles));
	if (!c->profiles)
		return VEUICC_ERR_NO_MEMORY;
	size_t i, enabled = 0, fb = 0, tests = 0;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		char p[64];
		snprintf(p, sizeof(p), "$.profiles[%zu]", i);
		static const char *const allowed[] = {
		    "file", "state", "fallback", "emergency", "test", "isdp_keysets", NULL};
		if (!json_is_object(o))
			return fail(x, VEUICC_ERR_MALFORMED, p, "must be an object");
		int rc = check_keys(x, o, p, allowed);
		if (rc)
			return rc;
		veuicc_factory_profile *fp = &c->profiles[i];
		c->nprofiles++;
		const char *file = json_string_value(json_object_get(o, "file"));
		const char *state = json_string_value(json_object_get(o, "state"));
		json_t *fbj = json_object_get(o, "fallback"),
		       *emj = json_object_get(o, "emergency"), *tj = json_object_get(o, "test");
		char q[128];
		snprintf(q, sizeof(q), "%s.file", p);
		if (!file)
			return fail(x, VEUICC_ERR_MALFORMED, q, "missing (a SAIP package, DER)");
		snprintf(q, sizeof(q), "%s.state", p);
		if (state && strcmp(state, "enabled") && strcmp(state, "disabled"))
			return fail(x, VEUICC_ERR_MALFORMED, q,
			            "must be \"enabled\" or \"disabled\", not \"%s\"", state);
		if ((fbj && !json_is_boolean(fbj)) || (emj && !json_is_boolean(emj)) ||
		    (tj && !json_is_boolean(tj)))
			return fail(x, VEUICC_ERR_MALFORMED, p,
			            "fallback, emergency and test must be true or false");
		fp->enabled = state && !strcmp(state, "enabled");
		fp->fallback = json_is_true(fbj);
		fp->emergency = json_is_true(emj);
		fp->test = json_is_true(tj);
		enabled += fp->enabled;
		tests += fp->test;
		fb += fp->fallback;
		/* SGP.02: one enabled profile, one Fall-Back Profile, and the
		 * Emergency Profile is not the Fall-Back Profile (digest §2.2) */
		if (enabled > 1)
			return fail(x, VEUICC_ERR_MALFORMED, p, "a second enabled profile");
		if (fb > 1)
			return fail(x, VEUICC_ERR_MALFORMED, p, "a second fall-back profile");
		if (fp->fallback && fp->emergency)
			return fail(x, VEUICC_ERR_MALFORMED, p,
			            "the Emergency Profile cannot be the Fall-Back Profile");
		/* SGP.02 v4 Test Profile (digest §2.5, §10): one, locally managed,
		 * so it holds neither SM-SR attribute (decision X1) */
		if (tests > 1)
			return fail(x, VEUICC_ERR_MALFORMED, p, "a second test profile");
		if (fp->test && (fp->fallback || fp->emergency))
			return fail(
			    x, VEUICC_ERR_MALFORMED, p,
			    "the Test Profile cannot be the Fall-Back or Emergency Profile");
		/* the SM-DP's key sets of a pre-installed profile's ISD-P (SCP03,
		 * GP Amd D; SGP.02 §2.2.1.2): what EstablishISDPKeySet gives a
		 * downloaded one */
		json_t *ka = json_object_get(o, "isdp_keysets");
		snprintf(q, sizeof(q), "%s.isdp_keysets", p);
		if (ka && (!json_is_array(ka) || json_array_size(ka) > VEUICC_ISDP_KEYSETS_MAX))
			return fail(x, VEUICC_ERR_MALFORMED, q,
			            "must be an array of at most %d key sets",
			            VEUICC_ISDP_KEYSETS_MAX);
		size_t j;
		json_t *ko;
		json_array_foreach(ka, j, ko)
		{
			char kp[160];
			snprintf(kp, sizeof(kp), "%s[%zu]", q, j);
			veuicc_keyset *k = &fp->keys[fp->nkeys];
			if ((rc = parse_keyset(x, ko, kp, k)))
				return rc;
			fp->nkeys++;
			if (k->type != VEUICC_KEYSET_SCP03)
				return fail(x, VEUICC_ERR_MALFORMED, kp,
				            "an ISD-P key set is scp03");
			for (size_t m = 0; m + 1 < fp->nkeys; m++)
				if (fp->keys[m].kvn == k->kvn)
					return fail(x, VEUICC_ERR_MALFORMED, kp, "kvn %u twice",
					            k->kvn);
		}
		join(x, file, fp->path, sizeof(fp->path));
		snprintf(q, sizeof(q), "%s.file", p);
		rc = read_file(fp->path, &fp->der, &fp->der_len);
		if (rc)
			return fail(x, rc, q, "cannot read %s", fp->path);
	}
	return VEUICC_OK;
}

/* $.quirks: one spec string "name=value,..." or an array of such strings
 * (docs/quirks.md). */
static int parse_quirks(const ctx *x, json_t *v, veuicc_factory *f)
{
	if (!v)
		return VEUICC_OK;
	char msg[200];
	if (json_is_string(v)) {
		if (veuicc_quirks_parse(json_string_value(v), &f->quirks, msg, sizeof(msg)))
			return fail(x, VEUICC_ERR_MALFORMED, "$.quirks", "%s", msg);
		return VEUICC_OK;
	}
	if (!json_is_array(v))
		return fail(x, VEUICC_ERR_MALFORMED, "$.quirks",
		            "must be a string or an array of strings");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		char p[32];
		snprintf(p, sizeof(p), "$.quirks[%zu]", i);
		if (!json_is_string(e))
			return fail(x, VEUICC_ERR_MALFORMED, p, "must be a string");
		if (veuicc_quirks_parse(json_string_value(e), &f->quirks, msg, sizeof(msg)))
			return fail(x, VEUICC_ERR_MALFORMED, p, "%s", msg);
	}
	return VEUICC_OK;
}

static int parse_root(const ctx *x, json_t *root, veuicc_factory_config *c, bool allow_profiles)
{
	static const char *const allowed[] = {"version",  "eid",     "isdr",   "ecasd", "ci",
	                                      "profiles", "comment", "quirks", NULL};
	if (!json_is_object(root))
		return fail(x, VEUICC_ERR_MALFORMED, "$", "must be an object");
	int rc = check_keys(x, root, "$", allowed);
	long version;
	if (rc || (rc = get_int(x, root, "version", "$", 1, 1000, &version)))
		return rc;
	if (version != FACTORY_VERSION)
		return fail(x, VEUICC_ERR_UNSUPPORTED, "$.version",
		            "version %ld is not supported (1)", version);
	veuicc_factory *f = calloc(1, sizeof(*f));
	if (!f)
		return VEUICC_ERR_NO_MEMORY;
	c->id = f;
	const char *eid = json_string_value(json_object_get(root, "eid"));
	if (!eid || veuicc_eid_check(eid))
		return fail(x, VEUICC_ERR_MALFORMED, "$.eid",
		            "must be 32 digits with valid check digits (SGP.02 §2.2.2)");
	snprintf(f->eid, sizeof(f->eid), "%s", eid);

	json_t *isdr = json_object_get(root, "isdr");
	if (!json_is_object(isdr))
		return fail(x, VEUICC_ERR_MALFORMED, "$.isdr", "missing or not an object");
	static const char *const isdr_allowed[] = {"tar", "keysets", NULL};
	if ((rc = check_keys(x, isdr, "$.isdr", isdr_allowed)))
		return rc;
	size_t tl;
	if ((rc = get_hex(x, isdr, "tar", "$.isdr", f->tar, 3, &tl, false)))
		return rc;
	if (tl && tl != 3)
		return fail(x, VEUICC_ERR_MALFORMED, "$.isdr.tar", "must be 3 bytes");
	f->has_tar = tl == 3;
	json_t *ks = json_object_get(isdr, "keysets");
	if (ks && (!json_is_array(ks) || json_array_size(ks) > VEUICC_FACTORY_KEYSETS_MAX))
		return fail(x, VEUICC_ERR_MALFORMED, "$.isdr.keysets",
		            "must be an array of at most %d key sets", VEUICC_FACTORY_KEYSETS_MAX);
	size_t i;
	json_t *o;
	json_array_foreach(ks, i, o)
	{
		char p[64];
		snprintf(p, sizeof(p), "$.isdr.keysets[%zu]", i);
		if ((rc = parse_keyset(x, o, p, &f->keysets[i])))
			return rc;
		for (size_t k = 0; k < i; k++)
			if (f->keysets[k].kvn == f->keysets[i].kvn)
				return fail(x, VEUICC_ERR_MALFORMED, p,
				            "key version %u is used twice", f->keysets[i].kvn);
		f->nkeysets++;
	}
	json_t *ecasd = json_object_get(root, "ecasd");
	if (ecasd && (rc = parse_ecasd(x, ecasd, f)))
		return rc;
	json_t *ci = json_object_get(root, "ci");
	if (ci && !ecasd)
		return fail(x, VEUICC_ERR_MALFORMED, "$.ci",
		            "the ECASD takes CI keys with its identity: give $.ecasd too");
	if (ci && (rc = parse_ci(x, ci, f)))
		return rc;
	if ((rc = parse_quirks(x, json_object_get(root, "quirks"), f)))
		return rc;
	json_t *prof = json_object_get(root, "profiles");
	if (prof && !allow_profiles)
		return fail(x, VEUICC_ERR_MALFORMED, "$.profiles", "not allowed here");
	if (prof && (rc = parse_profiles(x, prof, c)))
		return rc;
	return make_record(f);
}

int veuicc_factory_load(const char *path, veuicc_factory_config *out, char *err, size_t err_len)
{
	if (!out)
		return VEUICC_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (err && err_len)
		err[0] = 0;
	if (!path)
		return VEUICC_ERR_INVALID_ARG;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	ctx x = {path, dir, err, err_len};
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		FILE *f = fopen(path, "rb");
		if (!f)
			return fail(&x, VEUICC_ERR_IO, "$", "cannot read the file: %s",
			            strerror(errno));
		fclose(f);
		char where[64];
		snprintf(where, sizeof(where), "line %d column %d", je.line, je.column);
		return fail(&x, VEUICC_ERR_MALFORMED, where, "%s", je.text);
	}
	int rc = parse_root(&x, root, out, true);
	json_decref(root);
	if (rc)
		veuicc_factory_config_free(out);
	return rc;
}

int veuicc_factory_from_record(const char *json, size_t len, veuicc_factory **out)
{
	ctx x = {NULL, NULL, NULL, 0};
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return VEUICC_ERR_MALFORMED;
	veuicc_factory_config c;
	memset(&c, 0, sizeof(c));
	int rc = parse_root(&x, root, &c, false);
	json_decref(root);
	if (!rc) {
		*out = c.id;
		c.id = NULL;
	}
	veuicc_factory_config_free(&c);
	return rc;
}

void veuicc_factory_free(veuicc_factory *f)
{
	if (!f)
		return;
	free(f->ecasd_cert);
	free(f->eum_cert);
	if (f->record) {
		mbedtls_platform_zeroize(f->record, f->record_len);
		free(f->record);
	}
	mbedtls_platform_zeroize(f, sizeof(*f));
	free(f);
}

void veuicc_factory_config_free(veuicc_factory_config *c)
{
	if (!c)
		return;
	veuicc_factory_free(c->id);
	for (size_t i = 0; i < c->nprofiles; i++)
		free(c->profiles[i].der);
	if (c->profiles) /* ISD-P key sets */
		mbedtls_platform_zeroize(c->profiles, c->nprofiles * sizeof(*c->profiles));
	free(c->profiles);
	memset(c, 0, sizeof(*c));
}

/* ---- personalising a card ----------------------------------------------------------- */

int veuicc_factory_apply(veuicc_card *card, veuicc_factory_config *c, char *msg, size_t msg_len)
{
	int rc = veuicc_eid_from_digits(c->id->eid, card->eid);
	long enable = -1, fb = -1;
	for (size_t i = 0; !rc && i < c->nprofiles; i++) {
		veuicc_factory_profile *p = &c->profiles[i];
		size_t idx;
		char why[200] = "";
		rc = veuicc_card_install_profile(card, p->der, p->der_len, &idx, why, sizeof(why));
		if (rc) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "$.profiles[%zu].file: %s: %s", i, p->path,
				         why);
			return rc;
		}
		long e = veuicc_gp_registry_find_slot(&card->registry, (long)idx);
		if (e < 0)
			return VEUICC_ERR_INTERNAL;
		card->registry.e[e].emergency = p->emergency;
		card->registry.e[e].test = p->test;
		memcpy(card->registry.e[e].keys, p->keys, sizeof(p->keys));
		card->registry.e[e].nkeys = p->nkeys;
		if (p->enabled)
			enable = (long)idx;
		if (p->fallback)
			fb = e;
	}
	if (rc)
		return rc;
	if (fb >= 0) {
		/* the configured Fall-Back Profile instead of the first installed */
		for (size_t i = 0; i < card->registry.count; i++)
			card->registry.e[i].fallback = (long)i == fb;
	} else {
		long cur = veuicc_gp_registry_fallback(&card->registry);
		if (cur >= 0 && (card->registry.e[cur].emergency || card->registry.e[cur].test))
			card->registry.e[cur].fallback = false;
	}
	if (enable >= 0 && (rc = veuicc_card_activate_profile(card, (size_t)enable)))
		return rc;
	if ((rc = veuicc_factory_set_ecasd(card, c->id))) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "$.ecasd: the ECASD refuses the identity: %s",
			         veuicc_strerror(rc));
		return rc;
	}
	card->factory = c->id;
	c->id = NULL;
	return VEUICC_OK;
}

int veuicc_factory_set_ecasd(veuicc_card *card, const veuicc_factory *f)
{
	if (!f->ecasd_cert)
		return VEUICC_OK; /* the ECASD keeps its built-in identity, if any */
	veuicc_ecasd *e = veuicc_ecasd_of(card);
	if (!e)
		return VEUICC_ERR_INTERNAL;
	veuicc_cert_pubkey ci[VEUICC_FACTORY_CI_MAX];
	size_t nci = f->nci;
	const veuicc_cert_pubkey *cis = ci;
	mbedtls_ecp_group_id gid = MBEDTLS_ECP_DP_NONE;
	for (size_t i = 0; i < nci; i++) {
		memset(&ci[i], 0, sizeof(ci[i]));
		if (curve_code(f->ci[i].curve, &ci[i].curve, &gid) ||
		    f->ci[i].key_len != sizeof(ci[i].point))
			return VEUICC_ERR_MALFORMED;
		memcpy(ci[i].point, f->ci[i].key, f->ci[i].key_len);
	}
	if (!nci) {
		/* no "ci": the SGP.26 test CI keys built into the ECASD */
		cis = veuicc_ecasd_default_identity.ci;
		nci = veuicc_ecasd_default_identity.ci_count;
	}
	uint8_t code = 0;
	if (curve_code(f->ecasd_curve, &code, &gid))
		return VEUICC_ERR_MALFORMED;
	veuicc_ecasd_identity id = {
	    .curve = code,
	    .sk = f->ecasd_priv,
	    .sk_len = f->ecasd_priv_len,
	    .cert = f->ecasd_cert,
	    .cert_len = f->ecasd_cert_len,
	    .eum_cert = f->eum_cert,
	    .eum_cert_len = f->eum_cert_len,
	    .ci = cis,
	    .ci_count = nci,
	};
	return veuicc_ecasd_set_identity(e, &id);
}

/* ---- public accessors ---------------------------------------------------------------- */

size_t veuicc_card_keyset_count(const veuicc_card *card)
{
	return card && card->factory ? card->factory->nkeysets : 0;
}

int veuicc_card_keyset(const veuicc_card *card, size_t index, veuicc_keyset *out)
{
	if (!card || !out)
		return VEUICC_ERR_INVALID_ARG;
	if (!card->factory || index >= card->factory->nkeysets)
		return VEUICC_ERR_NOT_FOUND;
	*out = card->factory->keysets[index];
	return VEUICC_OK;
}

int veuicc_card_isdr_tar(const veuicc_card *card, uint8_t tar[3])
{
	if (!card || !tar)
		return VEUICC_ERR_INVALID_ARG;
	if (!card->factory || !card->factory->has_tar)
		return VEUICC_ERR_NOT_FOUND;
	memcpy(tar, card->factory->tar, 3);
	return VEUICC_OK;
}
