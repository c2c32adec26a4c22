/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SAIP installer (src/saip/install.c) on the 31 TS.48 profiles of
 * tests/data/saip/profiles:
 *  - every package installs, with a result per PE;
 *  - for the 17 profiles with a published value notation, the EFs read
 *    through the UICC application (SELECT + READ BINARY / READ RECORD via
 *    the APDU engine) hold what the notation says: ef_facts.txt, written by
 *    tests/saip_install/extract_ef.py straight from the .txt files;
 *  - PINs, PUKs, AKA credentials, security domain and RFM parameters land
 *    where they belong;
 *  - template defaults are applied when a File has no elements;
 *  - a package that fails (truncated, bad PE order, bad fill) installs
 *    nothing.
 */
#include <stdlib.h>

#include "apdu/card_helpers.h"

#include "apdu/engine.h"
#include "saip/install.h"
#include "saip/templates.h"
#include "uicc/uicc_app.h"

#define MAX_DER (1u << 20)

static const char *data_dir(void)
{
	const char *d = getenv("VEUICC_TEST_DATA");
	assert_non_null(d);
	return d;
}

static uint8_t *load(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", data_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	uint8_t *b = malloc(MAX_DER);
	assert_non_null(b);
	*len = fread(b, 1, MAX_DER, f);
	fclose(f);
	return b;
}

/* The 31 packages (names as in tests/data/saip/SOURCES.md). */
static const char *const PROFILES[] = {
    "TS48V1-A-UNIQUE.der",
    "TS48V2-SAIP2-1-BERTLV-UNIQUE.der",
    "TS48V2-SAIP2-1-NOBERTLV-UNIQUE.der",
    "TS48V2-SAIP2-3-NOBERTLV-UNIQUE.der",
    "TS48V3-SAIP2-1-NOBERTLV-UNIQUE.der",
    "TS48V3-SAIP2-3-BERTLV-UNIQUE.der",
    "TS48V3-SAIP2-3-NOBERTLV-UNIQUE.der",
    "TS48V4-SAIP2-1A-NOBERTLV-UNIQUE.der",
    "TS48V4-SAIP2-1B-NOBERTLV-UNIQUE.der",
    "TS48V4-SAIP2-3-BERTLV-UNIQUE.der",
    "TS48V5-SAIP2-1B-NOBERTLV-UNIQUE.der",
    "TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der",
    "TS48V5-SAIP2-3-NOBERTLV-UNIQUE.der",
    "TS48_V1.0_eSIM_GTP_v1A.der",
    "TS48_V2.0_eSIM_GTP_SAIP2.1_BERTLV.der",
    "TS48_V2.0_eSIM_GTP_SAIP2.1_NoBERTLV.der",
    "TS48_V2.0_eSIM_GTP_SAIP2.3_NoBERTLV.der",
    "TS48_V3.0_eSIM_GTP_SAIP2.1_NoBERTLV.der",
    "TS48_V3.0_eSIM_GTP_SAIP2.3_BERTLV.der",
    "TS48_V3.0_eSIM_GTP_SAIP2.3_NoBERTLV.der",
    "TS48_V4.0_eSIM_GTP_SAIP2.1A_NoBERTLV.der",
    "TS48_V4.0_eSIM_GTP_SAIP2.1B_NoBERTLV.der",
    "TS48_V4.0_eSIM_GTP_SAIP2.3_BERTLV.der",
    "TS48_V5.0_eSIM_GTP_SAIP2.1B_NoBERTLV.der",
    "TS48_V5.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der",
    "TS48_V5.0_eSIM_GTP_SAIP2.3_NoBERTLV.der",
    "TS48_V6.0_eSIM_GTP_SAIP2.1A_NoBERTLV.der",
    "TS48_V6.0_eSIM_GTP_SAIP2.3_NoBERTLV.der",
    "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der",
    "TS48_V7.0_eSIM_GTP_SAIP2.3_NoBERTLV_NoRAMRFM.der",
    "pySim_TS48v2_SAIP2.1_NoBERTLV.der",
};
#define NPROFILES (sizeof(PROFILES) / sizeof(PROFILES[0]))

static veuicc_saip_profile *decode_profile(const char *name)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "saip/profiles/%s", name);
	size_t len;
	uint8_t *der = load(rel, &len);
	veuicc_saip_profile *p = NULL;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	free(der);
	return p;
}

/* ---- every package installs ----------------------------------------------- */

static void test_all_install(void **state)
{
	(void)state;
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	for (size_t i = 0; i < NPROFILES; i++) {
		veuicc_saip_profile *p = decode_profile(PROFILES[i]);
		veuicc_fs *fs = NULL;
		int rc = veuicc_saip_install(p, &fs, &gp, &res);
		if (rc != VEUICC_OK)
			fail_msg("%s: %d %s", PROFILES[i], rc, res.msg);
		assert_non_null(fs);
		assert_int_equal(res.status, VEUICC_SAIP_STATUS_OK);
		assert_int_equal(res.count, p->count);
		assert_true(res.files_created > 150);
		/* per-PE status: only the CSIM part and CAVE are not installed */
		for (size_t k = 0; k < res.count; k++) {
			veuicc_saip_pe_type t = res.pe[k].type;
			assert_int_equal(t, p->pes[k].type);
			bool csim_part = t == VEUICC_SAIP_PE_CSIM || t == VEUICC_SAIP_PE_OPT_CSIM ||
			                 t == VEUICC_SAIP_PE_CDMA ||
			                 (t == VEUICC_SAIP_PE_PIN_CODES && k > 0 &&
			                  (res.pe[k - 1].type == VEUICC_SAIP_PE_OPT_CSIM));
			if (csim_part)
				assert_int_not_equal(res.pe[k].status, VEUICC_SAIP_STATUS_OK);
			else
				assert_int_equal(res.pe[k].status, VEUICC_SAIP_STATUS_OK);
		}
		/* USIM and ISIM ADFs with the TS.48 AIDs' RIDs (A000000087 10 02 / 10 04) */
		static const uint8_t usim_pfx[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
		static const uint8_t isim_pfx[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x04};
		const veuicc_fs_node *usim =
		    veuicc_fs_find_adf(fs, usim_pfx, sizeof(usim_pfx), NULL);
		const veuicc_fs_node *isim =
		    veuicc_fs_find_adf(fs, isim_pfx, sizeof(isim_pfx), NULL);
		assert_non_null(usim);
		assert_non_null(isim);
		/* security domain and RFM (FACTS.md of tests/data/saip) */
		assert_int_equal(gp.nsd, 1);
		static const uint8_t isd_p[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
		assert_int_equal(gp.sd[0].instance_aid.len, sizeof(isd_p));
		assert_memory_equal(gp.sd[0].instance_aid.b, isd_p, sizeof(isd_p));
		assert_true(gp.sd[0].c9_len > 0);
		assert_int_equal(gp.sd[0].keys[0].ncomp, 1);
		assert_true(gp.sd[0].keys[0].comp[0].len >= 16);
		if (strstr(PROFILES[i], "NoRAMRFM")) {
			assert_int_equal(gp.nrfm, 0);
			assert_int_equal(gp.sd[0].nkeys, 3);
		} else {
			assert_int_equal(gp.sd[0].nkeys, 6);
			assert_int_equal(gp.nrfm, 4);
			static const uint8_t tar0[3] = {0xB0, 0x01, 0x20},
			                     tar1[3] = {0xB0, 0x01, 0x40};
			assert_int_equal(gp.rfm[0].ntars, 1);
			assert_memory_equal(gp.rfm[0].tars[0], tar0, 3);
			assert_false(gp.rfm[0].has_adf);
			assert_memory_equal(gp.rfm[1].tars[0], tar1, 3);
			assert_true(gp.rfm[1].has_adf);
		}
		/* PINs: PIN1 '0000' global, ADM1, PIN2 local to the USIM; PUKs */
		veuicc_pin *pin1 = veuicc_pin_find(&fs->pins, 0x01, NULL);
		assert_non_null(pin1);
		static const uint8_t pin1_v[8] = {0x30, 0x30, 0x30, 0x30, 0xFF, 0xFF, 0xFF, 0xFF};
		assert_memory_equal(pin1->value, pin1_v, 8);
		assert_int_equal(pin1->max_tries, 3);
		assert_int_equal(pin1->tries_left, 3);
		assert_int_equal(pin1->puk_ref, 0x01);
		veuicc_pin *adm1 = veuicc_pin_find(&fs->pins, 0x0A, NULL);
		assert_non_null(adm1);
		assert_int_equal(adm1->max_tries, 10);
		assert_non_null(veuicc_pin_find(&fs->pins, 0x81, usim));
		/* PIN2 of DF.TELECOM (pinCodes after telecom, or after the gfm that selects it) */
		const veuicc_fs_node *telecom = veuicc_fs_child(veuicc_fs_mf(fs), 0x7F10);
		assert_non_null(veuicc_pin_find(&fs->pins, 0x81, telecom));
		static const uint8_t puk1[8] = {0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31};
		assert_memory_equal(fs->pins.puk[0].value, puk1, 8);
		assert_int_equal(fs->pins.puk[0].key_ref, 0x01);
		assert_int_equal(fs->pins.puk[0].max_tries, 10);
		assert_non_null(veuicc_pin_find(&fs->pins, 0x81, isim));
		/* AKA: the TS 34.108 test algorithm with K 000102..0F for USIM and ISIM */
		static const uint8_t k[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
		veuicc_fs_aka *ua = veuicc_fs_aka_for(fs, usim), *ia = veuicc_fs_aka_for(fs, isim);
		assert_non_null(ua);
		assert_non_null(ia);
		assert_ptr_equal(ua->adf, usim);
		assert_ptr_equal(ia->adf, isim);
		assert_int_equal(ua->params.algo, VEUICC_AKA_ALGO_TESTALG);
		assert_int_equal(ua->params.k_len, 16);
		assert_memory_equal(ua->params.k, k, 16);
		veuicc_fs_free(fs);
		veuicc_saip_free(p);
	}
	veuicc_saip_gp_info_clear(&gp);
}

/* ---- EF contents through the UICC application ------------------------------ */

typedef struct card {
	veuicc_engine e;
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl;
} card;

static uint16_t xfer(card *c, const uint8_t *capdu, size_t len)
{
	c->rl = 0;
	assert_int_equal(veuicc_engine_transmit(&c->e, capdu, len, c->r, sizeof(c->r), &c->rl),
	                 VEUICC_OK);
	assert_true(c->rl >= 2);
	return (uint16_t)(c->r[c->rl - 2] << 8 | c->r[c->rl - 1]);
}

static uint16_t xfer_hex(card *c, const char *hex)
{
	uint8_t b[300];
	size_t n = th_unhex(hex, b, sizeof(b));
	return xfer(c, b, n);
}

/* Find TLV \p tag (one byte) in the FCP's 62 template. */
static const uint8_t *fcp_find(const uint8_t *fcp, size_t len, uint8_t tag, size_t *vlen)
{
	if (len < 2 || fcp[0] != 0x62)
		return NULL;
	size_t i = 2;
	while (i + 2 <= len) {
		uint8_t t = fcp[i], l = fcp[i + 1];
		if (i + 2 + l > len)
			return NULL;
		if (t == tag) {
			*vlen = l;
			return fcp + i + 2;
		}
		i += 2 + l;
	}
	return NULL;
}

/* SELECT the EF \p fid in directory \p dir ("MF", "USIM", "ISIM",
 * "USIM/5FC0") and read its whole body. \returns false when the read was
 * denied by the file's access rule (6982). */
static bool read_ef(card *c, const uint8_t *usim_aid, size_t usim_len, const uint8_t *isim_aid,
                    size_t isim_len, const char *dir, uint16_t fid, uint8_t *body, size_t *size,
                    unsigned *rec_len, const char *what)
{
	uint8_t cmd[64];
	if (strncmp(dir, "MF", 2) == 0) {
		assert_int_equal(xfer_hex(c, "00A4000C023F00"), 0x9000);
	} else {
		bool usim = strncmp(dir, "USIM", 4) == 0;
		const uint8_t *aid = usim ? usim_aid : isim_aid;
		size_t al = usim ? usim_len : isim_len;
		memcpy(cmd, "\x00\xA4\x04\x0C", 4);
		cmd[4] = (uint8_t)al;
		memcpy(cmd + 5, aid, al);
		assert_int_equal(xfer(c, cmd, 5 + al), 0x9000);
		if (dir[4] == '/') {
			uint8_t df[2];
			th_unhex(dir + 5, df, 2);
			uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, df[0], df[1]};
			assert_int_equal(xfer(c, sel, sizeof(sel)), 0x9000);
		}
	}
	uint8_t sel[] = {0x00, 0xA4, 0x00, 0x04, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid, 0x00};
	uint16_t sw = xfer(c, sel, sizeof(sel));
	if (sw != 0x9000)
		fail_msg("%s: SELECT %s/%04X: %04X", what, dir, fid, sw);
	uint8_t fcp[256];
	size_t fl = c->rl - 2, vl = 0;
	memcpy(fcp, c->r, fl);
	const uint8_t *fd = fcp_find(fcp, fl, 0x82, &vl);
	assert_non_null(fd);
	bool records = vl >= 5;
	const uint8_t *sz = NULL;
	size_t sl = 0;
	sz = fcp_find(fcp, fl, 0x80, &sl);
	assert_non_null(sz);
	*size = 0;
	for (size_t i = 0; i < sl; i++)
		*size = (*size << 8) | sz[i];
	*rec_len = records ? (unsigned)(fd[2] << 8 | fd[3]) : 0;
	if (records) {
		unsigned nrec = fd[4];
		assert_int_equal(nrec * *rec_len, *size);
		for (unsigned r = 1; r <= nrec; r++) {
			uint8_t rd[] = {0x00, 0xB2, (uint8_t)r, 0x04, (uint8_t)*rec_len};
			sw = xfer(c, rd, sizeof(rd));
			if (sw == 0x6982)
				return false;
			if (sw != 0x9000)
				fail_msg("%s: READ RECORD %u of %s/%04X: %04X", what, r, dir, fid,
				         sw);
			assert_int_equal(c->rl - 2, *rec_len);
			memcpy(body + (r - 1) * *rec_len, c->r, *rec_len);
		}
	} else {
		for (size_t off = 0; off < *size;) {
			size_t n = *size - off > 255 ? 255 : *size - off;
			uint8_t rd[] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)n};
			sw = xfer(c, rd, sizeof(rd));
			if (sw == 0x6982)
				return false;
			if (sw != 0x9000)
				fail_msg("%s: READ BINARY %s/%04X at %zu: %04X", what, dir, fid,
				         off, sw);
			assert_int_equal(c->rl - 2, n);
			memcpy(body + off, c->r, n);
			off += n;
		}
	}
	return true;
}

/* TS 102 222 patterns, per record for record EFs (independent of install.c). */
static void expand(uint8_t *out, size_t size, unsigned unit, const uint8_t *pat, size_t pl,
                   bool repeat)
{
	for (size_t i = 0; i < size; i++) {
		size_t j = unit ? i % unit : i;
		out[i] = repeat ? pat[j % pl] : (j < pl ? pat[j] : pat[pl - 1]);
	}
}

static void test_value_notation(void **state)
{
	(void)state;
	size_t flen;
	uint8_t *facts = load("saip-install/ef_facts.txt", &flen);
	facts = realloc(facts, flen + 1);
	facts[flen] = 0;
	static uint8_t body[65536], want[65536];
	static bool known[65536];
	static veuicc_saip_install_result res;
	size_t profiles = 0, checked_files = 0, whole = 0, denied = 0;
	char *save = NULL;
	char *line = strtok_r((char *)facts, "\n", &save);
	while (line) {
		if (strncmp(line, "profile ", 8) != 0) {
			line = strtok_r(NULL, "\n", &save);
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%s", line + 8);
		veuicc_saip_profile *p = decode_profile(name);
		veuicc_fs *fs = NULL;
		assert_int_equal(veuicc_saip_install(p, &fs, NULL, &res), VEUICC_OK);
		static const uint8_t up[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
		static const uint8_t ip[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x04};
		const veuicc_fs_node *u = veuicc_fs_find_adf(fs, up, sizeof(up), NULL);
		const veuicc_fs_node *is = veuicc_fs_find_adf(fs, ip, sizeof(ip), NULL);
		assert_non_null(u);
		assert_non_null(is);
		uint8_t uaid[16], iaid[16];
		size_t ul = u->aid_len, il = is->aid_len;
		memcpy(uaid, u->aid, ul);
		memcpy(iaid, is->aid, il);
		static card c;
		veuicc_engine_init(&c.e);
		const veuicc_applet_ops *ops;
		void *ctx;
		assert_int_equal(veuicc_uicc_app_new(fs, &ops, &ctx), VEUICC_OK);
		assert_int_equal(veuicc_engine_add_default_app(&c.e, ops, ctx), VEUICC_OK);
		veuicc_engine_reset(&c.e);
		c.e.proto = VEUICC_PROTO_T1;
		bool seen_iccid = false, seen_imsi = false, seen_ad = false, seen_ust = false;
		/* the ARR references are live: EF.IMSI is ADM-protected for UPDATE */
		{
			uint8_t sel[21] = {0x00, 0xA4, 0x04, 0x0C, (uint8_t)ul};
			memcpy(sel + 5, uaid, ul);
			assert_int_equal(xfer(&c, sel, 5 + ul), 0x9000);
			assert_int_equal(xfer_hex(&c, "00A4000C026F07"), 0x9000);
			assert_int_equal(xfer_hex(&c, "00D6000001FF"), 0x6982);
		}
		/* the access conditions: PIN1 and ADM1 of the value notation */
		line = strtok_r(NULL, "\n", &save);
		while (line && strcmp(line, "end") != 0) {
			char hex[64];
			if (sscanf(line, "pin1 %63s", hex) == 1 ||
			    sscanf(line, "adm1 %63s", hex) == 1) {
				char cmd[96];
				snprintf(cmd, sizeof(cmd), "002000%s08%s",
				         line[0] == 'p' ? "01" : "0A", hex);
				uint16_t sw = xfer_hex(&c, cmd);
				assert_true(sw == 0x9000 || sw == 0x6984); /* 6984: PIN disabled */
				line = strtok_r(NULL, "\n", &save);
				continue;
			}
			char dir[32], fidh[8], field[64], kind[8], sizes[16], rls[16], pk[16],
			    ph[200];
			assert_int_equal(sscanf(line, "file %31s %7s %63s %7s %15s %15s %15s %199s",
			                        dir, fidh, field, kind, sizes, rls, pk, ph),
			                 8);
			uint16_t fid = (uint16_t)strtoul(fidh, NULL, 16);
			char what[400];
			snprintf(what, sizeof(what), "%s %s %s", name, dir, field);
			size_t size;
			unsigned rec_len;
			if (strcmp(kind, "BT") == 0) { /* BER-TLV EFs: not readable yet */
				line = strtok_r(NULL, "\n", &save);
				while (line && strncmp(line, "fill ", 5) == 0)
					line = strtok_r(NULL, "\n", &save);
				continue;
			}
			if (!read_ef(&c, uaid, ul, iaid, il, dir, fid, body, &size, &rec_len,
			             what)) {
				/* read access NEVER/ADM2+ in the profile's EF.ARR (e.g.
				 * EF.SUCI_Calc_Info): compare the file system directly */
				const veuicc_fs_node *d = strncmp(dir, "MF", 2) == 0
				                              ? veuicc_fs_mf(fs)
				                          : dir[0] == 'U' ? u
				                                          : is;
				if (dir[0] == 'U' && dir[4] == '/')
					d = veuicc_fs_child(d,
					                    (uint16_t)strtoul(dir + 5, NULL, 16));
				const veuicc_fs_node *n = veuicc_fs_child(d, fid);
				assert_non_null(n);
				size = n->size;
				rec_len = n->rec_len;
				memcpy(body, n->data, size);
				denied++;
			}
			if (strcmp(sizes, "-") != 0 && (size_t)strtoul(sizes, NULL, 10) != size)
				fail_msg("%s: size %zu, notation %s", what, size, sizes);
			if (strcmp(rls, "-") != 0 && strtoul(rls, NULL, 10) != rec_len)
				fail_msg("%s: record length %u, notation %s", what, rec_len, rls);
			memset(known, 0, size);
			bool all = false;
			if (strcmp(pk, "-") != 0) {
				uint8_t pat[100];
				size_t pl = th_unhex(ph, pat, sizeof(pat));
				expand(want, size, rec_len, pat, pl, strcmp(pk, "repeat") == 0);
				memset(known, 1, size);
				all = true;
			}
			line = strtok_r(NULL, "\n", &save);
			while (line && strncmp(line, "fill ", 5) == 0) {
				size_t off = strtoul(line + 5, NULL, 10);
				const char *h = strchr(line + 5, ' ') + 1;
				static uint8_t fb[4096];
				size_t n = th_unhex(h, fb, sizeof(fb));
				if (off + n > size)
					fail_msg("%s: notation fills past the end (%zu > %zu)",
					         what, off + n, size);
				memcpy(want + off, fb, n);
				memset(known + off, 1, n);
				line = strtok_r(NULL, "\n", &save);
			}
			for (size_t i = 0; i < size; i++)
				if (known[i] && body[i] != want[i])
					fail_msg("%s: byte %zu is %02X, notation %02X", what, i,
					         body[i], want[i]);
			checked_files++;
			whole += all;
			if (strcmp(dir, "MF") == 0 && fid == 0x2FE2)
				seen_iccid = true;
			if (strcmp(dir, "USIM") == 0 && fid == 0x6F07)
				seen_imsi = true;
			if (strcmp(dir, "USIM") == 0 && fid == 0x6FAD)
				seen_ad = true;
			if (strcmp(dir, "USIM") == 0 && fid == 0x6F38)
				seen_ust = true;
		}
		assert_true(seen_iccid && seen_imsi && seen_ad && seen_ust);
		veuicc_engine_free(&c.e); /* frees the application and its file system */
		veuicc_saip_free(p);
		profiles++;
		line = strtok_r(NULL, "\n", &save);
	}
	assert_int_equal(profiles, 17);
	print_message("%zu EFs checked (%zu whole, %zu read-protected ones directly)\n",
	              checked_files, whole, denied);
	assert_true(denied < checked_files / 20);
	assert_true(checked_files > 1000);
	assert_true(whole > 100);
	free(facts);
}

/* ---- template defaults ---------------------------------------------------------- */

static veuicc_saip_fs_file *pe_field(veuicc_saip_profile *p, veuicc_saip_pe_type t,
                                     const char *name, size_t *pe_index)
{
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type != t)
			continue;
		veuicc_saip_pe_fs *f = p->pes[i].u.fs;
		for (size_t k = 0; k < f->count; k++)
			if (strcmp(f->files[k].name, name) == 0) {
				if (pe_index)
					*pe_index = i;
				return &f->files[k];
			}
	}
	return NULL;
}

static void test_template_defaults(void **state)
{
	(void)state;
	/* the generated tables: EF.IMSI and EF.UST of the usim template (2.23.143.1.2.4) */
	static const uint8_t usim_oid[] = {0x67, 0x81, 0x0F, 0x01, 0x02, 0x04};
	const veuicc_saip_tpl *t = veuicc_saip_template_find(usim_oid, sizeof(usim_oid));
	assert_non_null(t);
	assert_int_equal(t->pe_type, VEUICC_SAIP_PE_USIM);
	const veuicc_saip_tpl_file *imsi = veuicc_saip_template_file(t, "ef-imsi");
	assert_non_null(imsi);
	assert_int_equal(imsi->fid, 0x6F07);
	assert_int_equal(imsi->file_size, 9);
	assert_int_equal(veuicc_saip_template_file(t, "ef-ust")->file_size, 14);
	/* §9.9 rule 14: ADM for everything but read/select */
	assert_int_equal(veuicc_saip_tpl_rules[14].len, 11);

	/* ef-keys (6F08, 33 bytes, default 07FF...FF) and ef-threshold
	 * (6F5C, 3 bytes, FF...FF) with no elements: template defaults */
	veuicc_saip_profile *p = decode_profile("TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der");
	veuicc_saip_fs_file *keys = pe_field(p, VEUICC_SAIP_PE_USIM, "ef-keys", NULL);
	veuicc_saip_fs_file *ust = pe_field(p, VEUICC_SAIP_PE_USIM, "ef-ust", NULL);
	assert_non_null(keys);
	assert_non_null(ust);
	keys->file.count = 0;
	ust->file.count = 0; /* EF.UST: template size 14, no default: FF */
	veuicc_fs *fs = NULL;
	static veuicc_saip_install_result res;
	assert_int_equal(veuicc_saip_install(p, &fs, NULL, &res), VEUICC_OK);
	static const uint8_t up[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
	veuicc_fs_node *u = veuicc_fs_find_adf(fs, up, sizeof(up), NULL);
	const veuicc_fs_node *k = veuicc_fs_child(u, 0x6F08);
	assert_non_null(k);
	assert_int_equal(k->size, 33);
	assert_int_equal(k->data[0], 0x07);
	for (size_t i = 1; i < 33; i++)
		assert_int_equal(k->data[i], 0xFF);
	assert_int_equal(veuicc_fs_sfi(k), 0x08); /* template SFI */
	const veuicc_fs_node *us = veuicc_fs_child(u, 0x6F38);
	assert_int_equal(us->size, 14);
	assert_int_equal(us->data[0], 0xFF);
	/* the template's §9.9 rule number as a record of ADF.USIM's EF.ARR */
	assert_int_equal(k->arr_fid, 0x6F06);
	assert_int_equal(k->arr_rec, veuicc_saip_template_file(t, "ef-keys")->arr_rule);
	veuicc_fs_free(fs);
	veuicc_saip_free(p);
}

/* ---- bad packages install nothing ------------------------------------------------ */

static void test_bad_packages(void **state)
{
	(void)state;
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	size_t len;
	uint8_t *der = load("saip/profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der", &len);
	veuicc_fs *fs = (veuicc_fs *)(uintptr_t)1;

	/* truncated */
	assert_int_not_equal(veuicc_saip_install_der(der, len - 7, &fs, &gp, &res), VEUICC_OK);
	assert_null(fs);
	assert_int_not_equal(res.status, VEUICC_SAIP_STATUS_OK);
	assert_int_equal(gp.nsd, 0);

	/* invalid PE order: the usim PE before the mf PE */
	veuicc_saip_profile *p = NULL;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	size_t mf = 1, usim = 0;
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == VEUICC_SAIP_PE_USIM)
			usim = i;
	assert_int_equal(p->pes[mf].type, VEUICC_SAIP_PE_MF);
	veuicc_saip_pe tmp = p->pes[mf];
	p->pes[mf] = p->pes[usim];
	p->pes[usim] = tmp;
	fs = (veuicc_fs *)(uintptr_t)1;
	assert_int_equal(veuicc_saip_install(p, &fs, &gp, &res), VEUICC_ERR_MALFORMED);
	assert_null(fs);
	assert_int_not_equal(res.status, VEUICC_SAIP_STATUS_OK);
	assert_true(strlen(res.msg) > 0);
	veuicc_saip_free(p);

	/* an installation failure after some PEs went in: a fillFileContent
	 * past the end of EF.DIR (132 bytes) in the mf PE, and separately of
	 * EF.IMSI (9 bytes) in the usim PE */
	for (int variant = 0; variant < 2; variant++) {
		assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
		size_t pe_index = 0;
		veuicc_saip_fs_file *f =
		    pe_field(p, variant ? VEUICC_SAIP_PE_USIM : VEUICC_SAIP_PE_MF,
		             variant ? "ef-imsi" : "ef-dir", &pe_index);
		assert_non_null(f);
		static const uint8_t big[200] = {0x61};
		bool done = false;
		for (size_t k = 0; k < f->file.count; k++)
			if (f->file.items[k].op == VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT) {
				assert_int_equal(
				    veuicc_saip_set_bytes(p, &f->file.items[k].fill_file_content,
				                          big, sizeof(big)),
				    VEUICC_OK);
				done = true;
			}
		assert_true(done);
		fs = (veuicc_fs *)(uintptr_t)1;
		assert_int_equal(veuicc_saip_install(p, &fs, &gp, &res), VEUICC_ERR_MALFORMED);
		assert_null(fs);
		assert_int_equal(res.status, VEUICC_SAIP_STATUS_BAD_VALUES);
		assert_int_equal(res.pe_index, (long)pe_index);
		assert_int_equal(
		    res.identification,
		    (long)veuicc_saip_pe_get_header(&p->pes[pe_index])->identification);
		if (res.count != pe_index + 1)
			fail_msg("variant %d: %s", variant, res.msg);
		assert_int_equal(res.pe[pe_index].status, VEUICC_SAIP_STATUS_BAD_VALUES);
		assert_non_null(strstr(res.msg, variant ? "ef-imsi" : "ef-dir"));
		assert_int_equal(gp.nsd, 0);
		veuicc_saip_free(p);
	}

	/* caught by validation: EF.ICCID content that differs from the header */
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	{
		veuicc_saip_fs_file *f = pe_field(p, VEUICC_SAIP_PE_MF, "ef-iccid", NULL);
		static const uint8_t other[10] = {0x98, 0x00, 0x11};
		for (size_t k = 0; k < f->file.count; k++)
			if (f->file.items[k].op == VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT)
				assert_int_equal(
				    veuicc_saip_set_bytes(p, &f->file.items[k].fill_file_content,
				                          other, sizeof(other)),
				    VEUICC_OK);
		fs = (veuicc_fs *)(uintptr_t)1;
		assert_int_equal(veuicc_saip_install(p, &fs, &gp, &res), VEUICC_ERR_MALFORMED);
		assert_null(fs);
		assert_int_equal(res.count, 0); /* nothing was processed */
		assert_non_null(strstr(res.msg, "validation"));
		veuicc_saip_free(p);
	}

	/* an unknown template OID on the telecom PE: template-not-supported */
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == VEUICC_SAIP_PE_TELECOM) {
			static const uint8_t oid[] = {0x67, 0x81, 0x0F,
			                              0x01, 0x02, 0x63}; /* ...2.99 */
			assert_int_equal(veuicc_saip_set_bytes(p, &p->pes[i].u.fs->template_id, oid,
			                                       sizeof(oid)),
			                 VEUICC_OK);
		}
	fs = (veuicc_fs *)(uintptr_t)1;
	assert_int_not_equal(veuicc_saip_install(p, &fs, NULL, &res), VEUICC_OK);
	assert_null(fs);
	assert_int_equal(res.status, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED);
	veuicc_saip_free(p);
	free(der);
}

/* ---- unsupported PEs and the AKA algorithms ---------------------------------------- */

static size_t find_pe(const veuicc_saip_profile *p, veuicc_saip_pe_type t)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->pes[i].type == t)
			return i;
	fail_msg("no PE of type %d", (int)t);
	return 0;
}

static void test_unsupported_pes(void **state)
{
	(void)state;
	static veuicc_saip_install_result res;
	static veuicc_saip_gp_info gp;
	for (int mandated = 0; mandated < 2; mandated++) {
		veuicc_saip_profile *p =
		    decode_profile("TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der");
		size_t r = find_pe(p, VEUICC_SAIP_PE_RFM);
		veuicc_saip_pe_non_standard *ns = veuicc_saip_alloc(p, sizeof(*ns));
		assert_non_null(ns);
		ns->header.identification = p->pes[r].u.rfm->header.identification;
		ns->header.mandated = mandated;
		static const uint8_t oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01}; /* 1.3.6.1.4.1 */
		static const uint8_t content[] = {0x01, 0x02};
		assert_int_equal(veuicc_saip_set_bytes(p, &ns->issuer_id, oid, sizeof(oid)),
		                 VEUICC_OK);
		assert_int_equal(veuicc_saip_set_bytes(p, &ns->content, content, sizeof(content)),
		                 VEUICC_OK);
		p->pes[r].type = VEUICC_SAIP_PE_NON_STANDARD;
		p->pes[r].u.non_standard = ns;
		veuicc_fs *fs = (veuicc_fs *)(uintptr_t)1;
		int rc = veuicc_saip_install(p, &fs, &gp, &res);
		if (mandated) {
			/* a mandated PE that cannot be processed: nothing installed */
			assert_int_not_equal(rc, VEUICC_OK);
			assert_null(fs);
			assert_int_equal(res.status, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED);
			assert_int_equal(res.pe_index, (long)r);
			assert_int_equal(gp.nrfm, 0);
		} else {
			/* not mandated: skipped, reported per PE and as a warning */
			assert_int_equal(rc, VEUICC_OK);
			assert_non_null(fs);
			assert_int_equal(res.pe[r].status, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED);
			bool warned = false;
			for (size_t w = 0;
			     w < res.nwarnings && w < VEUICC_SAIP_INSTALL_MAX_WARNINGS; w++)
				warned |= strstr(res.warnings[w], "nonStandard") != NULL;
			assert_true(warned);
			assert_int_equal(gp.nrfm, 3);
			veuicc_fs_free(fs);
		}
		veuicc_saip_free(p);
	}
	veuicc_saip_gp_info_clear(&gp);
}

static void test_aka_algorithms(void **state)
{
	(void)state;
	static veuicc_saip_install_result res;
	static const uint8_t up[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
	static const uint8_t k[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	for (int algo = VEUICC_SAIP_ALGO_MILENAGE; algo <= VEUICC_SAIP_ALGO_TUAK; algo++) {
		veuicc_saip_profile *p =
		    decode_profile("TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der");
		veuicc_saip_algo_parameter *ap =
		    p->pes[find_pe(p, VEUICC_SAIP_PE_AKA)].u.aka->algo_configuration.algo_parameter;
		assert_non_null(ap);
		ap->algorithm_id = (uint32_t)algo;
		p->pes[0].u.header->mandatory_services.bits |=
		    1u << (algo == VEUICC_SAIP_ALGO_TUAK ? VEUICC_SAIP_SVC_TUAK128
		                                         : VEUICC_SAIP_SVC_MILENAGE);
		uint8_t opc[32];
		for (size_t i = 0; i < sizeof(opc); i++)
			opc[i] = (uint8_t)(0xA0 + i);
		assert_int_equal(veuicc_saip_set_bytes(p, &ap->opc, opc,
		                                       algo == VEUICC_SAIP_ALGO_TUAK ? 32 : 16),
		                 VEUICC_OK);
		veuicc_fs *fs = NULL;
		if (veuicc_saip_install(p, &fs, NULL, &res) != VEUICC_OK)
			fail_msg("algorithm %d: %s", algo, res.msg);
		veuicc_fs_aka *a =
		    veuicc_fs_aka_for(fs, veuicc_fs_find_adf(fs, up, sizeof(up), NULL));
		assert_non_null(a);
		assert_int_equal(a->params.k_len, 16);
		assert_memory_equal(a->params.k, k, 16);
		if (algo == VEUICC_SAIP_ALGO_MILENAGE) {
			assert_int_equal(a->params.algo, VEUICC_AKA_ALGO_MILENAGE);
			assert_memory_equal(a->params.opc, opc, 16);
			/* SAIP defaults: r = 40 00 20 40 60 (bits), c5 = ...08 */
			assert_int_equal(a->params.milenage.r[0], 0x40);
			assert_int_equal(a->params.milenage.r[4], 0x60);
			assert_int_equal(a->params.milenage.c[4][15], 0x08);
		} else {
			assert_int_equal(a->params.algo, VEUICC_AKA_ALGO_TUAK);
			assert_memory_equal(a->params.opc, opc, 32);
			assert_int_equal(a->params.tuak.iterations, 1);
		}
		/* sqnOptions '02' (AK used), sqnDelta 2^28, sqnInit all 0 */
		assert_true(a->params.sqn.conceal_sqn);
		assert_int_equal(a->params.sqn.delta, 0x10000000ull);
		assert_int_equal(a->sqn.seq_ms[31], 0);
		veuicc_fs_free(fs);
		veuicc_saip_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_install),       cmocka_unit_test(test_value_notation),
	    cmocka_unit_test(test_template_defaults), cmocka_unit_test(test_bad_packages),
	    cmocka_unit_test(test_unsupported_pes),   cmocka_unit_test(test_aka_algorithms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
