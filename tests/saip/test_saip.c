/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP profile packages (src/saip): all 31 profiles of tests/data/saip decode,
 * validate and round-trip byte for byte; their key facts match
 * tests/data/saip/facts.txt, which tests/saip/extract_facts.py extracts from
 * the published ASN.1 value notation and FACTS.md without our decoder.
 * Then: truncation at every offset and corrupted tags/lengths at every PE
 * boundary, DER strictness with offsets, extensions, validator findings,
 * JSON build of an edited dump, personalisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "saip/saip.h"

#define DEFAULT_DER "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

static uint8_t *read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static uint8_t *read_data(const char *rel, size_t *len)
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	char path[1024];

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/saip/%s", dir, rel);
	uint8_t *b = read_path(path, len);
	if (!b)
		fail_msg("cannot read %s", path);
	return b;
}

static veuicc_saip_profile *decode_ok(const uint8_t *b, size_t n)
{
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error e;
	int rc = veuicc_saip_decode(b, n, &p, &e);

	if (rc)
		fail_msg("decode: %s at %zu", e.msg, e.offset);
	return p;
}

static veuicc_saip_profile *default_profile(void)
{
	size_t n;
	const uint8_t *b = veuicc_saip_default_profile(&n);

	return decode_ok(b, n);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
	out[2 * n] = 0;
}

static void assert_roundtrip(const veuicc_saip_profile *p, const uint8_t *b, size_t n)
{
	uint8_t *out;
	size_t len;

	assert_int_equal(veuicc_saip_encode(p, &out, &len), VEUICC_OK);
	assert_int_equal(len, n);
	assert_memory_equal(out, b, n);
	free(out);
}

/* ---- all profiles against their published facts --------------------------------- */

static const char *algo_name(uint32_t id)
{
	switch (id) {
	case VEUICC_SAIP_ALGO_MILENAGE: return "milenage";
	case VEUICC_SAIP_ALGO_TUAK: return "tuak";
	case VEUICC_SAIP_ALGO_USIM_TEST: return "usim-test-algorithm";
	}
	return "?";
}

struct cursor {
	const veuicc_saip_profile *p;
	size_t aka, sd, rfm; /* next PE of each kind to compare */
};

static const veuicc_saip_pe *nth(const veuicc_saip_profile *p, veuicc_saip_pe_type t, size_t k)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == t && k-- == 0)
			return &p->pes[i];
	return NULL;
}

/* Compare one "key value..." line of facts.txt with the decoded profile. */
static void check_fact(struct cursor *c, char *line, const char *name)
{
	const veuicc_saip_profile *p = c->p;
	const veuicc_saip_header *h = p->pes[0].u.header;
	char *key = strtok(line, " "), *tok;
	char buf[128];

	if (strcmp(key, "iccid") == 0) {
		hex(h->iccid.data, h->iccid.len, buf);
		assert_string_equal(buf, strtok(NULL, " "));
	} else if (strcmp(key, "pes") == 0) {
		size_t i = 0;
		while ((tok = strtok(NULL, " ")) != NULL) {
			assert_true(i < p->count);
			assert_string_equal(veuicc_saip_pe_type_name(p->pes[i].type), tok);
			i++;
		}
		assert_int_equal(i, p->count);
	} else if (strcmp(key, "services") == 0) {
		uint32_t want = 0;
		while ((tok = strtok(NULL, " ")) != NULL) {
			unsigned b = 0;
			while (veuicc_saip_service_name(b) &&
			       strcmp(veuicc_saip_service_name(b), tok))
				b++;
			assert_non_null(veuicc_saip_service_name(b));
			want |= 1u << b;
		}
		assert_int_equal(h->mandatory_services.bits, want);
	} else if (strcmp(key, "gfste") == 0) {
		assert_int_equal(h->mandatory_gfste.count, atoi(strtok(NULL, " ")));
	} else if (strcmp(key, "aka") == 0) {
		size_t k = 0;
		while ((tok = strtok(NULL, " ")) != NULL) {
			const veuicc_saip_pe *pe = nth(p, VEUICC_SAIP_PE_AKA, k++);
			assert_non_null(pe);
			assert_int_equal(pe->u.aka->algo_configuration.kind,
			                 VEUICC_SAIP_ALGO_CONF_ALGO);
			assert_string_equal(
			    algo_name(pe->u.aka->algo_configuration.algo_parameter->algorithm_id),
			    tok);
		}
		assert_null(nth(p, VEUICC_SAIP_PE_AKA, k));
	} else if (strcmp(key, "sd") == 0) {
		const veuicc_saip_pe *pe = nth(p, VEUICC_SAIP_PE_SECURITY_DOMAIN, c->sd++);
		assert_non_null(pe);
		const veuicc_saip_pe_sd *sd = pe->u.sd;
		hex(sd->instance.instance_aid.data, sd->instance.instance_aid.len, buf);
		assert_string_equal(buf, strtok(NULL, " "));
		assert_string_equal(strtok(NULL, " "), "keys");
		assert_int_equal(sd->key_list.count, atoi(strtok(NULL, " ")));
		if ((tok = strtok(NULL, " ")) != NULL) {
			assert_string_equal(tok, "kvn");
			for (size_t k = 0; k < sd->key_list.count; k++) {
				hex(sd->key_list.items[k].key_version_number.data, 1, buf);
				assert_string_equal(buf, strtok(NULL, " "));
			}
		}
	} else if (strcmp(key, "rfm") == 0) {
		const veuicc_saip_pe *pe = nth(p, VEUICC_SAIP_PE_RFM, c->rfm++);
		assert_non_null(pe);
		const veuicc_saip_pe_rfm *r = pe->u.rfm;
		hex(r->instance_aid.data, r->instance_aid.len, buf);
		assert_string_equal(buf, strtok(NULL, " "));
		assert_string_equal(strtok(NULL, " "), "tars");
		assert_int_equal(r->tar_list.count, atoi(strtok(NULL, " ")));
		size_t k = 0;
		while ((tok = strtok(NULL, " ")) != NULL && strcmp(tok, "adf") != 0) {
			assert_true(k < r->tar_list.count);
			hex(r->tar_list.items[k++].data, 3, buf);
			assert_string_equal(buf, tok);
		}
		assert_non_null(tok);
		assert_int_equal(r->adf_rfm_access != NULL, atoi(strtok(NULL, " ")));
	} else if (strcmp(key, "source") != 0) {
		fail_msg("%s: unknown fact %s", name, key);
	}
}

static void check_profile(const char *name, char **facts, size_t nfacts)
{
	size_t n;
	uint8_t *b;
	char rel[256];
	veuicc_saip_report rep;

	snprintf(rel, sizeof(rel), "profiles/%s", name);
	b = read_data(rel, &n);
	veuicc_saip_profile *p = decode_ok(b, n);

	/* validates cleanly, no extension data anywhere (PEDefinitions 3.3.1 covers it all) */
	assert_int_equal(veuicc_saip_validate(p, NULL, &rep), VEUICC_OK);
	assert_int_equal(rep.errors, 0);
	assert_int_equal(rep.warnings, 0);
	assert_roundtrip(p, b, n);

	char *json;
	assert_int_equal(veuicc_saip_to_json(p, &json), VEUICC_OK);
	assert_null(strstr(json, "_extensions"));
	assert_null(strstr(json, "_unknown"));
	veuicc_saip_profile *q;
	veuicc_saip_error e;
	assert_int_equal(veuicc_saip_from_json(json, strlen(json), &q, &e), VEUICC_OK);
	assert_roundtrip(q, b, n);
	veuicc_saip_free(q);
	free(json);

	struct cursor c = {.p = p};
	for (size_t i = 0; i < nfacts; i++)
		check_fact(&c, facts[i], name);
	assert_null(nth(p, VEUICC_SAIP_PE_SECURITY_DOMAIN, c.sd));
	assert_null(nth(p, VEUICC_SAIP_PE_RFM, c.rfm));
	veuicc_saip_free(p);
	free(b);
}

static void test_all_profiles(void **state)
{
	(void)state;
	size_t n;
	char *text = (char *)read_data("facts.txt", &n);
	char *save = NULL, *line;
	char *facts[64];
	size_t nfacts = 0, profiles = 0;
	const char *name = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (strncmp(line, "profile ", 8) == 0) {
			name = line + 8;
			nfacts = 0;
		} else if (strcmp(line, "end") == 0) {
			assert_non_null(name);
			check_profile(name, facts, nfacts);
			profiles++;
			name = NULL;
		} else {
			assert_true(nfacts < 64);
			facts[nfacts++] = line;
		}
	}
	assert_int_equal(profiles, 31);
	free(text);
}

static void test_default_profile(void **state)
{
	(void)state;
	size_t n, m;
	const uint8_t *d = veuicc_saip_default_profile(&n);
	uint8_t *f = read_path(VEUICC_SOURCE_DIR "/profiles/" DEFAULT_DER, &m);

	/* the embedded bytes are the shipped profile (regenerate with gen_default_profile.py) */
	assert_non_null(f);
	assert_int_equal(n, m);
	assert_memory_equal(d, f, n);
	free(f);
	veuicc_saip_profile *p = default_profile();
	assert_non_null(nth(p, VEUICC_SAIP_PE_RFM, 0)); /* the default has RFM */
	char iccid[21];
	assert_int_equal(veuicc_saip_get_iccid(p, iccid), VEUICC_OK);
	assert_string_equal(iccid, "89000123456789012341");
	veuicc_saip_free(p);
}

/* The model an installer walks: file fields and their FCPs and contents. */
static void test_model_walk(void **state)
{
	(void)state;
	veuicc_saip_profile *p = default_profile();
	const veuicc_saip_pe *usim = nth(p, VEUICC_SAIP_PE_USIM, 0);
	assert_non_null(usim);
	const veuicc_saip_pe_fs *fs = usim->u.fs;
	assert_int_equal(fs->header.identification, 8);
	assert_true(fs->header.mandated);
	/* first File field: adf-usim with FID 7FD0 and the USIM AID (TS 31.102 Annex A) */
	assert_string_equal(fs->files[0].name, "adf-usim");
	assert_int_equal(fs->files[0].field, 0);
	const veuicc_saip_fcp *adf = fs->files[0].file.items[0].fcp;
	assert_memory_equal(adf->file_id.data, "\x7F\xD0", 2);
	assert_memory_equal(adf->df_name.data, "\xA0\x00\x00\x00\x87\x10\x02\xFF\x49\xFF\x05\x89",
	                    12);
	/* lcsi is absent in the DER: its DEFAULT '05' is applied */
	assert_true(adf->lcsi.present);
	assert_int_equal(adf->lcsi.len, 1);
	assert_int_equal(adf->lcsi.data[0], 0x05);
	/* ef-imsi: FCP, then content 08 09 10 10 10 32 54 76 98 (IMSI 001010123456789) */
	const veuicc_saip_fs_file *imsi = NULL;
	for (size_t i = 0; i < fs->count; i++)
		if (strcmp(fs->files[i].name, "ef-imsi") == 0)
			imsi = &fs->files[i];
	assert_non_null(imsi);
	assert_int_equal(imsi->field, 1);
	assert_int_equal(imsi->file.count, 2);
	assert_int_equal(imsi->file.items[0].op, VEUICC_SAIP_FILE_OP_FILE_DESCRIPTOR);
	assert_memory_equal(imsi->file.items[0].fcp->file_id.data, "\x6F\x07", 2);
	assert_int_equal(imsi->file.items[1].op, VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT);
	assert_memory_equal(imsi->file.items[1].fill_file_content.data,
	                    "\x08\x09\x10\x10\x10\x32\x54\x76\x98", 9);
	/* PIN of the MF: pinAppl1 "0000" FF padded, PUK pukAppl1, attributes 6, retries 51 */
	const veuicc_saip_pe_pin_codes *pins = nth(p, VEUICC_SAIP_PE_PIN_CODES, 0)->u.pin_codes;
	assert_int_equal(pins->pin_codes.kind, VEUICC_SAIP_PIN_CODES_PINCONFIG);
	const veuicc_saip_pin_config *pin1 = &pins->pin_codes.pinconfig.items[0];
	assert_int_equal(pin1->key_reference, VEUICC_SAIP_PIN_APPL1);
	assert_memory_equal(pin1->pin_value.data, "0000\xFF\xFF\xFF\xFF", 8);
	assert_true(pin1->unblocking_pin_reference.present);
	assert_int_equal(pin1->unblocking_pin_reference.value, VEUICC_SAIP_PUK_APPL1);
	assert_int_equal(pin1->pin_attributes, 6);
	assert_int_equal(pin1->max_attempts_retry_left, 51);
	/* PUKs keep their DEFAULT retry counter 170 (absent in the DER) */
	const veuicc_saip_pe_puk_codes *puks = nth(p, VEUICC_SAIP_PE_PUK_CODES, 0)->u.puk_codes;
	assert_int_equal(puks->puk_codes.items[0].max_attempts_retry_left, 170);
	/* AKA: DEFAULT Milenage constants and SQN parameters applied */
	const veuicc_saip_pe_aka *aka = nth(p, VEUICC_SAIP_PE_AKA, 0)->u.aka;
	const veuicc_saip_algo_parameter *ap = aka->algo_configuration.algo_parameter;
	assert_memory_equal(ap->rotation_constants.data, "\x40\x00\x20\x40\x60", 5);
	assert_int_equal(ap->xoring_constants.len, 80);
	assert_int_equal(ap->xoring_constants.data[79], 0x08);
	assert_int_equal(aka->sqn_init.count, 32);
	assert_memory_equal(aka->sqn_delta.data, "\x00\x00\x10\x00\x00\x00", 6);
	assert_int_equal(ap->number_of_keccak, 1);
	/* security domain: key 01 of version 01 is a DES key (80), macLength DEFAULT 8 */
	const veuicc_saip_pe_sd *sd = nth(p, VEUICC_SAIP_PE_SECURITY_DOMAIN, 0)->u.sd;
	assert_int_equal(sd->key_list.items[0].key_components.items[0].key_type.data[0], 0x80);
	assert_int_equal(sd->key_list.items[0].key_components.items[0].mac_length, 8);
	assert_memory_equal(sd->instance.application_privileges.data, "\x82\xDC\x00", 3);
	/* RFM: UICC access domain 00, ADF access on the USIM */
	const veuicc_saip_pe_rfm *rfm = nth(p, VEUICC_SAIP_PE_RFM, 1)->u.rfm;
	assert_int_equal(rfm->minimum_security_level.data[0], 0x02);
	assert_non_null(rfm->adf_rfm_access);
	assert_int_equal(rfm->adf_rfm_access->adf_aid.len, 12);
	/* genericFileManagement: the first command list starts with filePath '' (MF) */
	const veuicc_saip_pe_gfm *gfm = nth(p, VEUICC_SAIP_PE_GFM, 0)->u.gfm;
	assert_int_equal(gfm->file_management_cmd.items[0].items[0].op,
	                 VEUICC_SAIP_FM_OP_FILE_PATH);
	assert_int_equal(gfm->file_management_cmd.items[0].items[0].file_path.len, 0);
	assert_int_equal(gfm->file_management_cmd.items[0].items[1].op,
	                 VEUICC_SAIP_FM_OP_CREATE_FCP);
	/* every PE but the header has a PEHeader */
	assert_null(veuicc_saip_pe_get_header(&p->pes[0]));
	for (size_t i = 1; i < p->count; i++)
		assert_non_null(veuicc_saip_pe_get_header(&p->pes[i]));
	veuicc_saip_free(p);
}

/* ---- robustness ------------------------------------------------------------------ */

static bool rejected(const uint8_t *b, size_t n, size_t min_offset, size_t *err_off)
{
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error e;
	veuicc_saip_report rep;

	if (veuicc_saip_decode(b, n, &p, &e) != VEUICC_OK) {
		assert_null(p);
		assert_int_equal(e.err, VEUICC_ERR_MALFORMED);
		assert_true(e.msg[0] != '\0');
		assert_true(e.offset >= min_offset);
		assert_true(e.offset <= n);
		assert_int_not_equal(e.status, VEUICC_SAIP_STATUS_OK);
		if (err_off)
			*err_off = e.offset;
		return true;
	}
	int rc = veuicc_saip_validate(p, NULL, &rep);
	veuicc_saip_free(p);
	if (err_off)
		*err_off = SIZE_MAX;
	return rc != VEUICC_OK;
}

static void test_truncation_every_offset(void **state)
{
	(void)state;
	size_t n;
	const uint8_t *full = veuicc_saip_default_profile(&n);
	uint8_t *b = malloc(n);

	/* a fresh heap copy of each prefix, so ASan sees any read past its end */
	for (size_t len = 0; len < n; len++) {
		uint8_t *cut = malloc(len ? len : 1);
		memcpy(cut, full, len);
		if (!rejected(cut, len, 0, NULL))
			fail_msg("prefix of %zu bytes accepted", len);
		free(cut);
	}
	free(b);
}

static void test_corrupt_pe_boundaries(void **state)
{
	(void)state;
	size_t n;
	const uint8_t *full = veuicc_saip_default_profile(&n);
	veuicc_saip_profile *p = default_profile();
	uint8_t *b = malloc(n);
	size_t cases = 0;

	for (size_t i = 0; i < p->count; i++) {
		const size_t at = p->pes[i].offset;
		const size_t lpos = at + 1 + (full[at] == 0xBF); /* first length byte */
		/* corruptions of the tag, then of the length */
		const int tag_vals[] = {0x00, 0x30, 0xFF, full[at] ^ 0x01, full[at] ^ 0x20, 0x9F};
		const int len_vals[] = {full[lpos] + 1, full[lpos] - 1, 0x80, 0x85, 0x00, 0xFF};
		for (size_t k = 0; k < 12; k++) {
			memcpy(b, full, n);
			if (k < 6)
				b[at] = (uint8_t)tag_vals[k];
			else
				b[lpos] = (uint8_t)len_vals[k - 6];
			if (memcmp(b, full, n) == 0)
				continue;
			if (!rejected(b, n, at, NULL))
				fail_msg("PE #%zu at %zu: corruption %zu accepted", i, at, k);
			cases++;
		}
	}
	assert_true(cases > 300);
	free(b);
	veuicc_saip_free(p);
}

/* Expect a decode error at \p off whose message contains \p what. */
static void expect_error(const uint8_t *b, size_t n, size_t off, const char *what,
                         veuicc_saip_status st)
{
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error e;

	assert_int_equal(veuicc_saip_decode(b, n, &p, &e), VEUICC_ERR_MALFORMED);
	if (e.offset != off || !strstr(e.msg, what) || e.status != st)
		fail_msg("got offset %zu status %d \"%s\", want %zu %d \"%s\"", e.offset, e.status,
		         e.msg, off, st, what);
	assert_int_equal(e.pe_index, 0);
}

/* RFC 3629 §3-4 on the header's profileType (UTF8String): the first bytes of
 * "GSMA Generic eUICC Test Profile" in the TS.48 V7 package replaced by
 * sequences of the same length. */
static void test_utf8_strings(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		int ok;
	} cases[] = {
	    {"\xC3\xA9", 1},         /* U+00E9, two bytes */
	    {"\xE2\x82\xAC", 1},     /* U+20AC, three bytes */
	    {"\xED\x9F\xBF", 1},     /* U+D7FF, the last before the surrogates */
	    {"\xF0\x9F\x98\x80", 1}, /* U+1F600, four bytes */
	    {"\xF4\x8F\xBF\xBF", 1}, /* U+10FFFF, the last code point */
	    {"\xC0\xAF", 0},         /* overlong '/' */
	    {"\xC1\xBF", 0},         /* overlong */
	    {"\xE0\x80\xAF", 0},     /* overlong three-byte form */
	    {"\xED\xA0\x80", 0},     /* U+D800, a surrogate */
	    {"\xF0\x80\x80\xAF", 0}, /* overlong four-byte form */
	    {"\xF4\x90\x80\x80", 0}, /* U+110000, past the last code point */
	    {"\xF5\x80\x80\x80", 0}, /* F5: never in UTF-8 */
	    {"\x80", 0},             /* a continuation byte alone */
	    {"\xE2\x82G", 0},        /* a three-byte form cut short */
	    {"\xFF", 0},
	};
	static const char pt[] = "GSMA Generic eUICC Test Profile";
	size_t n;
	uint8_t *orig = read_path(VEUICC_SOURCE_DIR "/profiles/" DEFAULT_DER, &n);
	assert_non_null(orig);
	size_t at = 0;
	while (at + sizeof(pt) - 1 <= n && memcmp(orig + at, pt, sizeof(pt) - 1))
		at++;
	assert_true(at + sizeof(pt) - 1 <= n);
	uint8_t *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, orig, n);
		memcpy(b + at, cases[i].bytes, strlen(cases[i].bytes));
		veuicc_saip_profile *p = NULL;
		veuicc_saip_error e;
		int rc = veuicc_saip_decode(b, n, &p, &e);
		if (cases[i].ok) {
			if (rc != VEUICC_OK)
				fail_msg("case %zu: %s", i, e.msg);
			const veuicc_saip_header *h = p->pes[0].u.header;
			assert_int_equal(h->profile_type.len, sizeof(pt) - 1);
			assert_memory_equal(h->profile_type.data, b + at, sizeof(pt) - 1);
			veuicc_saip_free(p);
		} else {
			assert_int_equal(rc, VEUICC_ERR_MALFORMED);
			assert_null(p);
			if (!strstr(e.msg, "not UTF-8") ||
			    e.status != VEUICC_SAIP_STATUS_BAD_VALUES)
				fail_msg("case %zu: status %d \"%s\"", i, e.status, e.msg);
		}
	}
	free(b);
	free(orig);
}

static void test_der_strictness(void **state)
{
	(void)state;
	/* PE-End: AA { A0 { 80 00 (mandated), 81 01 1F (identification 31) } } */
	static const uint8_t end_ok[] = {0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x1F};
	veuicc_saip_profile *p = decode_ok(end_ok, sizeof(end_ok));
	assert_int_equal(p->pes[0].type, VEUICC_SAIP_PE_END);
	assert_int_equal(p->pes[0].u.end->header.identification, 31);
	veuicc_saip_free(p);

	/* X.690 §10.1: length 07 written as 81 07 */
	static const uint8_t long_len[] = {0xAA, 0x81, 0x07, 0xA0, 0x05,
	                                   0x80, 0x00, 0x81, 0x01, 0x1F};
	expect_error(long_len, sizeof(long_len), 1, "shortest form",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* X.690 §10.1: indefinite length */
	static const uint8_t indef[] = {0xAA, 0x80, 0xA0, 0x05, 0x80, 0x00,
	                                0x81, 0x01, 0x1F, 0x00, 0x00};
	expect_error(indef, sizeof(indef), 1, "indefinite",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* X.690 §8.3.2: INTEGER 31 as 00 1F */
	static const uint8_t int_pad[] = {0xAA, 0x08, 0xA0, 0x06, 0x80,
	                                  0x00, 0x81, 0x02, 0x00, 0x1F};
	expect_error(int_pad, sizeof(int_pad), 6, "minimal",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* X.690 §8.8.2: NULL with a contents octet */
	static const uint8_t null_c[] = {0xAA, 0x08, 0xA0, 0x06, 0x80,
	                                 0x01, 0x00, 0x81, 0x01, 0x1F};
	expect_error(null_c, sizeof(null_c), 4, "NULL", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* X.690 §10 order: identification before mandated */
	static const uint8_t order[] = {0xAA, 0x07, 0xA0, 0x05, 0x81, 0x01, 0x1F, 0x80, 0x00};
	expect_error(order, sizeof(order), 7, "out of order",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* mandatory identification missing */
	static const uint8_t missing[] = {0xAA, 0x04, 0xA0, 0x02, 0x80, 0x00};
	expect_error(missing, sizeof(missing), 6, "identification",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* UInt15: identification 40000 is out of range */
	static const uint8_t range[] = {0xAA, 0x09, 0xA0, 0x07, 0x80, 0x00,
	                                0x81, 0x03, 0x00, 0x9C, 0x40};
	expect_error(range, sizeof(range), 6, "outside", VEUICC_SAIP_STATUS_BAD_VALUES);
	/* X.690 §11.5: PUK maxNumOfAttemps-retryNumLeft 170 = its DEFAULT, encoded anyway */
	uint8_t puk[] = {0xA3, 0x1A, 0xA0, 0x03, 0x81, 0x01, 0x05, 0xA1, 0x13, 0x30,
	                 0x11, 0x80, 0x01, 0x01, 0x81, 0x08, '1',  '1',  '1',  '1',
	                 '1',  '1',  '1',  '1',  0x82, 0x02, 0x00, 0xAA};
	expect_error(puk, sizeof(puk), 24, "DEFAULT", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* 51 written as 00 33 */
	puk[27] = 0x33;
	expect_error(puk, sizeof(puk), 24, "minimal", VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
	/* 51 written as 33 decodes */
	static const uint8_t puk_ok[] = {0xA3, 0x19, 0xA0, 0x03, 0x81, 0x01, 0x05, 0xA1, 0x12,
	                                 0x30, 0x10, 0x80, 0x01, 0x01, 0x81, 0x08, '1',  '1',
	                                 '1',  '1',  '1',  '1',  '1',  '1',  0x82, 0x01, 0x33};
	p = decode_ok(puk_ok, sizeof(puk_ok));
	assert_int_equal(p->pes[0].u.puk_codes->puk_codes.items[0].max_attempts_retry_left, 0x33);
	assert_roundtrip(p, puk_ok, sizeof(puk_ok));
	veuicc_saip_free(p);
	/* pinValue must be exactly 8 bytes */
	static const uint8_t puk_short[] = {0xA3, 0x15, 0xA0, 0x03, 0x81, 0x01, 0x05, 0xA1,
	                                    0x0E, 0x30, 0x0C, 0x80, 0x01, 0x01, 0x81, 0x07,
	                                    '1',  '1',  '1',  '1',  '1',  '1',  '1'};
	expect_error(puk_short, sizeof(puk_short), 14, "size 7", VEUICC_SAIP_STATUS_BAD_VALUES);
	/* not a ProfileElement: a universal SEQUENCE at the top */
	static const uint8_t seq[] = {0x30, 0x00};
	expect_error(seq, sizeof(seq), 0, "not a ProfileElement",
	             VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT);
}

static void test_extensions(void **state)
{
	(void)state;
	/* PE-End with a component [1] added by a later version: kept and re-encoded */
	static const uint8_t end_ext[] = {0xAA, 0x0A, 0xA0, 0x05, 0x80, 0x00,
	                                  0x81, 0x01, 0x1F, 0x81, 0x01, 0x42};
	veuicc_saip_profile *p = decode_ok(end_ext, sizeof(end_ext));
	assert_true(p->pes[0].u.end->ext.present);
	assert_int_equal(p->pes[0].u.end->ext.len, 3);
	assert_roundtrip(p, end_ext, sizeof(end_ext));
	char *json;
	assert_int_equal(veuicc_saip_to_json(p, &json), VEUICC_OK);
	assert_non_null(strstr(json, "\"_extensions\": \"810142\""));
	free(json);
	veuicc_saip_free(p);

	/* an unknown ProfileElement alternative [48]: skipped with a warning if not
	 * mandated, pe-not-supported if mandated */
	size_t n;
	const uint8_t *def = veuicc_saip_default_profile(&n);
	static const uint8_t unk[] = {0xBF, 0x30, 0x05, 0xA0, 0x03, 0x81, 0x01, 0x63};
	static const uint8_t unk_m[] = {0xBF, 0x30, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x63};
	for (int mand = 0; mand < 2; mand++) {
		const uint8_t *u = mand ? unk_m : unk;
		size_t un = mand ? sizeof(unk_m) : sizeof(unk);
		size_t end_at = n - 9; /* the V7 package ends with a 9-byte PE-End */
		uint8_t *b = malloc(n + un);
		memcpy(b, def, end_at);
		memcpy(b + end_at, u, un);
		memcpy(b + end_at + un, def + end_at, 9);
		p = decode_ok(b, n + un);
		assert_int_equal(p->pes[p->count - 2].type, VEUICC_SAIP_PE_UNKNOWN);
		veuicc_saip_report rep;
		int rc = veuicc_saip_validate(p, NULL, &rep);
		assert_int_equal(rep.count, 1);
		assert_int_equal(rep.issues[0].status, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED);
		assert_int_equal(rep.issues[0].pe_index, (long)p->count - 2);
		assert_int_equal(rep.issues[0].warning, !mand);
		assert_int_equal(rc, mand ? VEUICC_ERR_MALFORMED : VEUICC_OK);
		assert_roundtrip(p, b, n + un);
		veuicc_saip_free(p);
		free(b);
	}
}

/* ---- validation findings ------------------------------------------------------------ */

static const veuicc_saip_issue *validate_expect(const veuicc_saip_profile *p, veuicc_saip_status st,
                                                const char *what, veuicc_saip_report *rep)
{
	assert_int_equal(veuicc_saip_validate(p, NULL, rep), VEUICC_ERR_MALFORMED);
	for (size_t i = 0; i < rep->count; i++)
		if (rep->issues[i].status == st && !rep->issues[i].warning &&
		    strstr(rep->issues[i].msg, what))
			return &rep->issues[i];
	for (size_t i = 0; i < rep->count; i++)
		print_error("  issue: %s [%s]\n", rep->issues[i].msg,
		            veuicc_saip_status_name(rep->issues[i].status));
	fail_msg("no %s issue with \"%s\"", veuicc_saip_status_name(st), what);
	return NULL;
}

static void test_validation_findings(void **state)
{
	(void)state;
	veuicc_saip_report *rep = malloc(sizeof(*rep));
	veuicc_saip_profile *p;
	const veuicc_saip_issue *is;

	/* BER-TLV files without the ber-tlv mandatory service */
	p = default_profile();
	p->pes[0].u.header->mandatory_services.bits &= ~(1u << VEUICC_SAIP_SVC_BER_TLV);
	is = validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "ber-tlv", rep);
	assert_int_equal(is->pe_index, 0);
	veuicc_saip_free(p);

	/* two PEs with the same identification number: PE #2 takes PE #1's */
	p = default_profile();
	((veuicc_saip_pe_header *)p->pes[2].u.any)->identification =
	    veuicc_saip_pe_get_header(&p->pes[1])->identification;
	is = validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "used twice", rep);
	assert_int_equal(is->pe_index, 2);
	assert_int_equal(is->identification, 4);
	veuicc_saip_free(p);

	/* a PIN whose PUK does not exist */
	p = default_profile();
	p->pes[3].u.pin_codes->pin_codes.pinconfig.items[0].unblocking_pin_reference.value = 5;
	is = validate_expect(p, VEUICC_SAIP_STATUS_PIN_CODE_MISSING, "PUK 5", rep);
	assert_int_equal(is->pe_index, 3);
	assert_int_equal(is->identification, 2);
	veuicc_saip_free(p);

	/* a local PIN in the MF context */
	p = default_profile();
	p->pes[3].u.pin_codes->pin_codes.pinconfig.items[0].key_reference = 129;
	validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "MF context", rep);
	veuicc_saip_free(p);

	/* an unknown template OID: 2.23.143.1.2.99 */
	p = default_profile();
	static const uint8_t bad_oid[] = {0x67, 0x81, 0x0F, 0x01, 0x02, 0x63};
	const veuicc_saip_pe *usim = nth(p, VEUICC_SAIP_PE_USIM, 0);
	veuicc_saip_set_bytes(p, &usim->u.fs->template_id, bad_oid, sizeof(bad_oid));
	is = validate_expect(p, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED, "2.23.143.1.2.99", rep);
	assert_int_equal(is->pe_index, usim - p->pes);
	assert_int_equal(is->pe_type, VEUICC_SAIP_PE_USIM);
	assert_int_equal(is->offset, usim->offset);
	veuicc_saip_free(p);

	/* header not first */
	p = default_profile();
	veuicc_saip_pe tmp = p->pes[0];
	p->pes[0] = p->pes[1];
	p->pes[1] = tmp;
	is = validate_expect(p, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "first PE", rep);
	assert_int_equal(is->pe_index, 0);
	veuicc_saip_free(p);

	/* no end PE */
	p = default_profile();
	p->count--;
	validate_expect(p, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "no end PE", rep);
	p->count++;
	veuicc_saip_free(p);

	/* a version this implementation does not know */
	p = default_profile();
	p->pes[0].u.header->major_version = 4;
	validate_expect(p, VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION, "4.3", rep);
	veuicc_saip_free(p);

	/* header ICCID changed without EF.ICCID */
	p = default_profile();
	static const uint8_t other[10] = {0x89, 0x49, 0x44, 0x99, 0x99,
	                                  0x99, 0x99, 0x90, 0x16, 0x3F};
	veuicc_saip_set_bytes(p, &p->pes[0].u.header->iccid, other, 10);
	is = validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "EF.ICCID", rep);
	assert_int_equal(is->pe_type, VEUICC_SAIP_PE_MF);
	veuicc_saip_free(p);

	/* two RFM instances with the same TAR; an ADF access to an ADF nobody creates */
	p = default_profile();
	veuicc_saip_pe_rfm *r1 = nth(p, VEUICC_SAIP_PE_RFM, 1)->u.rfm;
	veuicc_saip_set_bytes(p, &r1->tar_list.items[0], (const uint8_t *)"\xB0\x01\x20", 3);
	r1->adf_rfm_access->adf_aid.data = (const uint8_t *)"\xA0\x00\x00\x00\x01";
	r1->adf_rfm_access->adf_aid.len = 5;
	validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "TAR B00120", rep);
	validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "adfRFMAccess", rep);
	veuicc_saip_free(p);

	/* Milenage needs a 16-byte OPc and the milenage service */
	p = default_profile();
	veuicc_saip_algo_parameter *ap =
	    nth(p, VEUICC_SAIP_PE_AKA, 0)->u.aka->algo_configuration.algo_parameter;
	ap->algorithm_id = VEUICC_SAIP_ALGO_MILENAGE;
	ap->opc.len = 15;
	validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "16-byte K and OPc", rep);
	validate_expect(p, VEUICC_SAIP_STATUS_BAD_VALUES, "milenage", rep);
	veuicc_saip_free(p);

	/* an eUICC that supports only the USIM */
	p = default_profile();
	veuicc_saip_validate_opts opts = {.supported_services = 1u << VEUICC_SAIP_SVC_USIM};
	assert_int_equal(veuicc_saip_validate(p, &opts, rep), VEUICC_ERR_MALFORMED);
	bool isim = false;
	for (size_t i = 0; i < rep->count; i++)
		isim |= rep->issues[i].status == VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED &&
		        strstr(rep->issues[i].msg, "isim") != NULL;
	assert_true(isim);
	veuicc_saip_free(p);
	free(rep);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static json_t *pe_body(json_t *root, const char *type, size_t k)
{
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *b = json_object_get(json_array_get(root, i), type);
		if (b && k-- == 0)
			return b;
	}
	fail_msg("no %s PE", type);
	return NULL;
}

static void test_json_edit(void **state)
{
	(void)state;
	veuicc_saip_profile *p = default_profile(), *q;
	veuicc_saip_error e;
	char *text;

	assert_int_equal(veuicc_saip_to_json(p, &text), VEUICC_OK);
	veuicc_saip_free(p);
	json_t *root = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(root);

	/* edit: profileType, the second RFM TAR, the MF PIN value, the PUK retry counter */
	json_object_set_new(pe_body(root, "header", 0), "profileType", json_string("Edited"));
	json_t *tars = json_object_get(pe_body(root, "rfm", 1), "tarList");
	json_array_set_new(tars, 0, json_string("B0FF42"));
	json_t *pins =
	    json_object_get(json_object_get(pe_body(root, "pinCodes", 0), "pinCodes"), "pinconfig");
	json_object_set_new(json_array_get(pins, 0), "pinValue", json_string("31323334FFFFFFFF"));
	json_t *puks = json_object_get(pe_body(root, "pukCodes", 0), "pukCodes");
	json_object_set_new(json_array_get(puks, 1), "maxNumOfAttemps-retryNumLeft",
	                    json_integer(0x55));
	text = json_dumps(root, 0);
	assert_int_equal(veuicc_saip_from_json(text, strlen(text), &q, &e), VEUICC_OK);
	free(text);

	uint8_t *der;
	size_t n;
	assert_int_equal(veuicc_saip_encode(q, &der, &n), VEUICC_OK);
	veuicc_saip_free(q);
	p = decode_ok(der, n);
	free(der);
	const veuicc_saip_header *h = p->pes[0].u.header;
	assert_int_equal(h->profile_type.len, 6);
	assert_memory_equal(h->profile_type.data, "Edited", 6);
	assert_memory_equal(nth(p, VEUICC_SAIP_PE_RFM, 1)->u.rfm->tar_list.items[0].data,
	                    "\xB0\xFF\x42", 3);
	assert_memory_equal(nth(p, VEUICC_SAIP_PE_RFM, 0)->u.rfm->tar_list.items[0].data,
	                    "\xB0\x01\x20", 3);
	assert_memory_equal(nth(p, VEUICC_SAIP_PE_PIN_CODES, 0)
	                        ->u.pin_codes->pin_codes.pinconfig.items[0]
	                        .pin_value.data,
	                    "1234\xFF\xFF\xFF\xFF", 8);
	assert_int_equal(nth(p, VEUICC_SAIP_PE_PUK_CODES, 0)
	                     ->u.puk_codes->puk_codes.items[1]
	                     .max_attempts_retry_left,
	                 0x55);
	veuicc_saip_report rep;
	assert_int_equal(veuicc_saip_validate(p, NULL, &rep), VEUICC_OK);
	veuicc_saip_free(p);

	/* errors name the JSON path */
	json_object_set_new(json_array_get(pins, 0), "pinValu", json_string("00"));
	text = json_dumps(root, 0);
	assert_int_equal(veuicc_saip_from_json(text, strlen(text), &q, &e), VEUICC_ERR_MALFORMED);
	assert_non_null(strstr(e.msg, "$[3].pinCodes.pinCodes.pinconfig[0]"));
	assert_non_null(strstr(e.msg, "pinValu"));
	free(text);
	json_object_del(json_array_get(pins, 0), "pinValu");
	json_object_set_new(json_array_get(pins, 0), "pinValue", json_string("3132"));
	text = json_dumps(root, 0);
	assert_int_equal(veuicc_saip_from_json(text, strlen(text), &q, &e), VEUICC_ERR_MALFORMED);
	assert_non_null(strstr(e.msg, "pinValue"));
	assert_int_equal(e.status, VEUICC_SAIP_STATUS_BAD_VALUES);
	free(text);
	json_decref(root);
	assert_int_equal(veuicc_saip_from_json("[{\"nope\": {}}]", 14, &q, &e),
	                 VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_saip_from_json("[1,", 3, &q, &e), VEUICC_ERR_MALFORMED);
}

/* ---- personalisation --------------------------------------------------------------------- */

static const veuicc_saip_oct *content_of(const veuicc_saip_profile *p, veuicc_saip_pe_type t,
                                         const char *field)
{
	const veuicc_saip_pe_fs *fs = nth(p, t, 0)->u.fs;

	for (size_t i = 0; i < fs->count; i++)
		if (strcmp(fs->files[i].name, field) == 0)
			for (size_t k = 0; k < fs->files[i].file.count; k++)
				if (fs->files[i].file.items[k].op ==
				    VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT)
					return &fs->files[i].file.items[k].fill_file_content;
	return NULL;
}

static void test_personalize(void **state)
{
	(void)state;
	veuicc_saip_profile *p = default_profile();
	static const uint8_t k[16] = {0x46, 0x5B, 0x5C, 0xE8, 0xB1, 0x99, 0xB4, 0x9F,
	                              0xAA, 0x5F, 0x0A, 0x2E, 0xE2, 0x38, 0xA6, 0xBC};
	static const uint8_t opc[16] = {0xCD, 0x63, 0xCB, 0x71, 0x95, 0x4A, 0x9F, 0x4E,
	                                0x48, 0xA5, 0x99, 0x4E, 0x37, 0xA0, 0x2B, 0xAF};

	/* bad input is refused and changes nothing */
	assert_int_equal(veuicc_saip_set_iccid(p, "8949449999999990164"), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_saip_set_iccid(p, "89494499x9999990163"), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_saip_set_imsi(p, "00101"), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_saip_set_aka_keys(p, k, 15, NULL, 0), VEUICC_ERR_INVALID_ARG);
	char iccid[21];
	veuicc_saip_get_iccid(p, iccid);
	assert_string_equal(iccid, "89000123456789012341");

	/* 19 digits + Luhn: 8949449999999990163 (pySim's V5 SUCI UNIQUE ICCID) */
	assert_int_equal(veuicc_saip_set_iccid(p, "8949449999999990163"), VEUICC_OK);
	assert_int_equal(veuicc_saip_set_imsi(p, "001019876543210"), VEUICC_OK);
	assert_int_equal(veuicc_saip_set_aka_keys(p, k, 16, opc, 16), VEUICC_OK);
	uint8_t *der;
	size_t n;
	assert_int_equal(veuicc_saip_encode(p, &der, &n), VEUICC_OK);
	veuicc_saip_free(p);
	p = decode_ok(der, n);
	free(der);

	/* header: BCD in reading order, F filler */
	assert_memory_equal(p->pes[0].u.header->iccid.data,
	                    "\x89\x49\x44\x99\x99\x99\x99\x90\x16\x3F", 10);
	/* EF.ICCID (TS 102 221 §13.2): nibbles swapped */
	const veuicc_saip_oct *ef = content_of(p, VEUICC_SAIP_PE_MF, "ef-iccid");
	assert_int_equal(ef->len, 10);
	assert_memory_equal(ef->data, "\x98\x94\x44\x99\x99\x99\x99\x09\x61\xF3", 10);
	/* EF.IMSI (TS 31.102 §4.2.2): length 8, parity 9 (odd), digits swapped */
	const veuicc_saip_oct *im = content_of(p, VEUICC_SAIP_PE_USIM, "ef-imsi");
	assert_int_equal(im->len, 9);
	assert_memory_equal(im->data, "\x08\x09\x10\x10\x89\x67\x45\x23\x01", 9);
	/* K and OPc in both akaParameter PEs (USIM and ISIM) */
	for (size_t i = 0; i < 2; i++) {
		const veuicc_saip_algo_parameter *ap =
		    nth(p, VEUICC_SAIP_PE_AKA, i)->u.aka->algo_configuration.algo_parameter;
		assert_memory_equal(ap->key.data, k, 16);
		assert_memory_equal(ap->opc.data, opc, 16);
	}
	veuicc_saip_report rep;
	assert_int_equal(veuicc_saip_validate(p, NULL, &rep), VEUICC_OK);
	veuicc_saip_get_iccid(p, iccid);
	assert_string_equal(iccid, "8949449999999990163");

	/* an even-length IMSI: parity nibble 1, F filler (TS 24.008 §10.5.1.4) */
	assert_int_equal(veuicc_saip_set_imsi(p, "00101123456789"), VEUICC_OK);
	im = content_of(p, VEUICC_SAIP_PE_USIM, "ef-imsi");
	assert_memory_equal(im->data, "\x08\x01\x10\x10\x21\x43\x65\x87\xF9", 9);
	veuicc_saip_free(p);
}

static void test_api_errors(void **state)
{
	(void)state;
	veuicc_saip_profile *p = (veuicc_saip_profile *)1;
	veuicc_saip_error e;

	assert_int_equal(veuicc_saip_decode(NULL, 1, &p, &e), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_saip_decode((const uint8_t *)"", 0, &p, &e), VEUICC_ERR_MALFORMED);
	assert_null(p);
	assert_non_null(strstr(e.msg, "empty"));
	veuicc_saip_free(NULL);
	assert_string_equal(veuicc_saip_status_name(VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED),
	                    "pe-not-supported");
	assert_string_equal(veuicc_saip_status_name(VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION),
	                    "unsupported-profile-version");
	assert_string_equal(veuicc_saip_pe_type_name(VEUICC_SAIP_PE_DF_5GPROSE), "df-5gprose");
	assert_string_equal(veuicc_saip_fs_field_name(VEUICC_SAIP_PE_USIM, 1), "ef-imsi");
	assert_int_equal(veuicc_saip_fs_field_count(VEUICC_SAIP_PE_MF), 6);
	assert_int_equal(veuicc_saip_fs_field_count(VEUICC_SAIP_PE_OPT_USIM), 86);
	assert_null(veuicc_saip_fs_field_name(VEUICC_SAIP_PE_AKA, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_profiles),
	    cmocka_unit_test(test_default_profile),
	    cmocka_unit_test(test_model_walk),
	    cmocka_unit_test(test_truncation_every_offset),
	    cmocka_unit_test(test_corrupt_pe_boundaries),
	    cmocka_unit_test(test_der_strictness),
	    cmocka_unit_test(test_utf8_strings),
	    cmocka_unit_test(test_extensions),
	    cmocka_unit_test(test_validation_findings),
	    cmocka_unit_test(test_json_edit),
	    cmocka_unit_test(test_personalize),
	    cmocka_unit_test(test_api_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
