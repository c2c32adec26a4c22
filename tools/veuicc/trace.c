/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file trace.c
 * \brief Decoding of C-APDUs, R-APDUs and ATRs for human readers.
 *
 * Independent of the card engine on purpose: the trace shows what the bytes
 * mean per the standards, not what the engine thought they meant.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

/* Bounded appends into a caller buffer. */
struct out {
	char *p;
	size_t cap;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	if (o->len >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

/* ---- CLA (ISO 7816-4 §5.4.1, TS 102 221 §10.1.1, GP CS v2.3 §11.1.4) -- */

struct cla_info {
	int channel;        /* -1: not decodable */
	const char *sm;     /* NULL: no secure messaging */
	int chained;        /* command chaining bit */
	const char *remark; /* class remark, or NULL */
};

static struct cla_info decode_cla(uint8_t cla)
{
	struct cla_info ci = {-1, NULL, 0, NULL};

	if (cla == 0xFF) {
		ci.remark = "invalid CLA FF (reserved for PPS)";
		return ci;
	}
	if ((cla & 0xF0) == 0xA0) { /* TS 51.011: GSM class, basic channel only */
		ci.channel = 0;
		ci.remark = "GSM class";
		return ci;
	}
	/* proprietary classes '8X'/'9X' and 'CX'-'FX' reuse the interindustry
	 * channel and SM coding (TS 102 221 §10.1.1, GP CS v2.3 §11.1.4) */
	uint8_t b = cla & 0x7F;
	if (b < 0x20) { /* first interindustry: b2b1 channel, b4b3 SM, b5 chaining */
		static const char *const sm[4] = {NULL, "secure messaging (proprietary)",
		                                  "secure messaging (header not authenticated)",
		                                  "secure messaging (header authenticated)"};
		ci.channel = b & 0x03;
		ci.sm = sm[(b >> 2) & 0x03];
		ci.chained = (b & 0x10) != 0;
	} else if (b >= 0x40) { /* further interindustry: b4-b1 channel - 4, b6 SM */
		ci.channel = 4 + (b & 0x0F);
		ci.sm = (b & 0x20) ? "secure messaging" : NULL;
		ci.chained = (b & 0x10) != 0;
	} else {
		ci.remark = "RFU class";
	}
	return ci;
}

int veuicc_cli_cla_channel(uint8_t cla)
{
	return decode_cla(cla).channel;
}

/* ---- C-APDU cases (ISO 7816-4 §5.1, Table 1) --------------------------- */

struct capdu {
	const char *err; /* non-NULL: malformed */
	size_t lc;
	long le; /* -1: absent */
	int ext;
};

static struct capdu split_capdu(const uint8_t *c, size_t n)
{
	struct capdu v = {NULL, 0, -1, 0};

	if (n < 4) {
		v.err = "shorter than the 4-byte header";
		return v;
	}
	if (n == 4) /* case 1 */
		return v;
	if (n == 5) { /* case 2S */
		v.le = c[4] ? c[4] : 256;
		return v;
	}
	if (c[4] != 0) { /* case 3S or 4S */
		v.lc = c[4];
		if (n == 5 + v.lc)
			return v;
		if (n == 6 + v.lc) {
			v.le = c[n - 1] ? c[n - 1] : 256;
			return v;
		}
		v.err = "length does not match Lc";
		return v;
	}
	v.ext = 1;
	if (n == 6) {
		v.err = "extended length field truncated";
		return v;
	}
	size_t l = (size_t)c[5] << 8 | c[6];
	if (n == 7) { /* case 2E */
		v.le = l ? (long)l : 65536;
		return v;
	}
	if (l == 0) {
		v.err = "extended Lc of 0";
		return v;
	}
	v.lc = l;
	if (n == 7 + l)
		return v;
	if (n == 9 + l) {
		size_t le = (size_t)c[n - 2] << 8 | c[n - 1];
		v.le = le ? (long)le : 65536;
		return v;
	}
	v.err = "length does not match extended Lc";
	return v;
}

/* INS 'F2' with CLA '8X': STATUS has P1 00/01/02 (TS 102 221 §11.1.2), GET
 * STATUS has P1 80/40/20/10 (GP CS v2.3 §11.4.2). */
static const char *command_name(const uint8_t *c, size_t n)
{
	const char *name = veuicc_ins_name(c[0], c[1]);
	if (strcmp(name, "STATUS/GET STATUS") == 0 && n >= 3)
		return c[2] <= 0x02 ? "STATUS" : "GET STATUS";
	return name;
}

void veuicc_cli_describe_capdu(const uint8_t *c, size_t n, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};

	if (cap)
		buf[0] = '\0';
	if (n < 2) {
		put(&o, "malformed C-APDU: %zu byte%s", n, n == 1 ? "" : "s");
		return;
	}
	put(&o, "%s", command_name(c, n));
	if (strcmp(veuicc_ins_name(c[0], c[1]), "UNKNOWN") == 0)
		put(&o, " (INS %02X)", c[1]);
	struct cla_info ci = decode_cla(c[0]);
	if (ci.channel >= 0)
		put(&o, ", channel %d", ci.channel);
	if (ci.remark)
		put(&o, ", %s", ci.remark);
	if (ci.sm)
		put(&o, ", %s", ci.sm);
	if (ci.chained)
		put(&o, ", chained (more commands follow)");
	if (n < 4) {
		put(&o, ", malformed: shorter than the 4-byte header");
		return;
	}
	put(&o, ", P1 %02X, P2 %02X", c[2], c[3]);
	struct capdu v = split_capdu(c, n);
	if (v.err) {
		put(&o, ", malformed: %s", v.err);
		return;
	}
	if (v.lc)
		put(&o, ", Lc %zu", v.lc);
	if (v.le >= 0)
		put(&o, ", Le %ld", v.le);
	else
		put(&o, ", Le absent");
	if (v.ext)
		put(&o, ", extended length");
}

void veuicc_cli_print_sw(FILE *f, const uint8_t *r, size_t rn)
{
	char meaning[128];
	if (rn < 2) {
		fprintf(f, "malformed R-APDU: %zu byte%s, no status word\n", rn,
		        rn == 1 ? "" : "s");
		return;
	}
	uint16_t sw = (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
	fprintf(f, "SW %04X (%s)\n", sw, veuicc_sw_meaning(sw, meaning, sizeof(meaning)));
}

void veuicc_cli_trace_exchange(FILE *f, const char *label, const uint8_t *c, size_t cn,
                               const uint8_t *r, size_t rn)
{
	char desc[256];
	veuicc_cli_describe_capdu(c, cn, desc, sizeof(desc));
	fprintf(f, "%s  %s\n", label, desc);
	fputs("  > ", f);
	veuicc_cli_hex_rows(f, c, cn, 16, 4);
	fputs("  < ", f);
	veuicc_cli_hex_rows(f, r, rn, 16, 4);
	fputs("    ", f);
	if (rn > 2)
		fprintf(f, "%zu data byte%s, ", rn - 2, rn == 3 ? "" : "s");
	veuicc_cli_print_sw(f, r, rn);
}

/* ---- ATR (ISO 7816-3 §8.2) --------------------------------------------- */

/* ISO 7816-3 §8.3 Table 7 (Fi) and Table 8 (Di); 0 = RFU. */
static const unsigned fi_table[16] = {372, 372, 558, 744,  1116, 1488, 1860, 0,
                                      0,   512, 768, 1024, 1536, 2048, 0,    0};
static const unsigned di_table[16] = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

/* ISO/IEC 7816-4:2005 §8.1.1.2.7, card capabilities (compact-TLV tag 7). */
static void print_capabilities(FILE *f, size_t indent, const uint8_t *v, size_t n)
{
	static const char *const sel[8] = {
	    "record identifier", "record number", "short EF identifier", "implicit DF",
	    "file identifier",   "path",          "partial DF name",     "full DF name"};
	fprintf(f, "%*scard capabilities:", (int)indent, "");
	if (n >= 3) {
		uint8_t c = v[2];
		unsigned ch = (c & 0x07) + 1;
		fprintf(f, "%s%s %u%s logical channel%s", (c & 0x80) ? " command chaining;" : "",
		        (c & 0x40) ? " extended Lc and Le;" : "", ch, ch == 8 ? " or more" : "",
		        ch == 1 ? "" : "s");
		if (c & 0x18)
			fprintf(f, " (assigned by %s)",
			        (c & 0x18) == 0x18 ? "the card and the terminal"
			        : (c & 0x10)       ? "the card"
			                           : "the terminal");
	}
	fputc('\n', f);
	if (n >= 1) {
		fprintf(f, "%*sselection by", (int)indent + 2, "");
		int first = 1;
		for (int b = 7; b >= 0; b--)
			if (v[0] & (1u << b)) {
				fprintf(f, "%s %s", first ? "" : ",", sel[b]);
				first = 0;
			}
		fputs(first ? " nothing\n" : "\n", f);
	}
}

static void print_historical(FILE *f, size_t indent, const uint8_t *h, size_t k)
{
	fprintf(f, "%*shistorical bytes: ", (int)indent, "");
	veuicc_cli_hex_rows(f, h, k, 0, 0);
	if (k == 0 || (h[0] != 0x80 && h[0] != 0x00))
		return;
	/* ISO 7816-4 §8.1.1: category 00 = COMPACT-TLV then a 3-byte status,
	 * 80 = COMPACT-TLV (status optional, tag 8) */
	size_t end = h[0] == 0x00 && k >= 4 ? k - 3 : k;
	size_t i = 1;
	while (i < end) {
		unsigned tag = h[i] >> 4, len = h[i] & 0x0F;
		if (i + 1 + len > end) {
			fprintf(f, "%*s(COMPACT-TLV truncated at byte %zu)\n", (int)indent + 2, "",
			        i);
			return;
		}
		const uint8_t *v = h + i + 1;
		if (tag == 0x7) {
			print_capabilities(f, indent + 2, v, len);
		} else if (tag == 0x3 && len == 1) {
			/* ISO/IEC 7816-4:2005 §8.1.1.2.3, card service data */
			fprintf(f, "%*scard service data %02X: %s", (int)indent + 2, "", v[0],
			        (v[0] & 0x01) ? "card without MF" : "card with MF");
			if (v[0] & 0xC0)
				fprintf(f, ", application selection by %s",
				        (v[0] & 0xC0) == 0xC0 ? "full and partial DF name"
				        : (v[0] & 0x80)       ? "full DF name"
				                              : "partial DF name");
			fputc('\n', f);
		} else if (tag == 0x8 && (len == 1 || len == 2 || len == 3)) {
			fprintf(f, "%*sstatus:", (int)indent + 2, "");
			if (len != 2)
				fprintf(f, " life cycle status %02X", v[0]);
			if (len >= 2)
				fprintf(f, "%s SW %02X%02X", len == 3 ? "," : "", v[len - 2],
				        v[len - 1]);
			fputc('\n', f);
		} else {
			fprintf(f, "%*stag %X: ", (int)indent + 2, "", tag);
			veuicc_cli_hex_rows(f, v, len, 0, 0);
		}
		i += 1 + len;
	}
}

void veuicc_cli_print_atr(FILE *f, size_t indent, const uint8_t *a, size_t n)
{
	int ind = (int)indent + 4;
	char l1[160] = "", l2[160] = "", l3[160] = "";
	struct out o1 = {l1, sizeof(l1), 0}, o2 = {l2, sizeof(l2), 0}, o3 = {l3, sizeof(l3), 0};

	fprintf(f, "%*sATR ", (int)indent, "");
	veuicc_cli_hex_rows(f, a, n, 0, 0);
	if (n < 2) {
		fprintf(f, "%*s(too short)\n", ind, "");
		return;
	}
	put(&o1, "TS %02X: %s", a[0],
	    a[0] == 0x3B   ? "direct convention"
	    : a[0] == 0x3F ? "inverse convention"
	                   : "invalid");

	unsigned y = a[1] >> 4, k = a[1] & 0x0F, i = 1;
	size_t pos = 2;
	int t_cur = -1, first_ta_t1 = 1, first_ta_t15 = 1, truncated = 0;
	int protos[16] = {0}, order[16], n_order = 0;
	for (;;) {
		if ((y & 1) && pos < n) { /* TAi */
			uint8_t ta = a[pos++];
			if (i == 1) {
				put(&o1, "; TA1 %02X: Fi %u, Di %u", ta, fi_table[ta >> 4],
				    di_table[ta & 0xF]);
			} else if (i > 2 && t_cur == 1 && first_ta_t1) {
				put(&o2, "T=1 IFSC %u", ta);
				first_ta_t1 = 0;
			} else if (i > 2 && t_cur == 15 && first_ta_t15) {
				/* ISO 7816-3 §8.3: clock stop (b8b7), classes (b6-b1) */
				static const char *const stop[4] = {"not supported", "state L",
				                                    "state H", "no preference"};
				/* "classes" for more than one of A, B, C */
				int many = ((ta & 1) + ((ta >> 1) & 1) + ((ta >> 2) & 1)) > 1;
				put(&o3, "clock stop %s; class%s%s%s%s", stop[ta >> 6],
				    many ? "es" : "", (ta & 1) ? " A" : "", (ta & 2) ? " B" : "",
				    (ta & 4) ? " C" : "");
				first_ta_t15 = 0;
			}
		} else if (y & 1) {
			truncated = 1;
			break;
		}
		size_t skip = ((y >> 1) & 1) + ((y >> 2) & 1); /* TBi, TCi */
		if (pos + skip > n) {
			truncated = 1;
			break;
		}
		pos += skip;
		if (!(y & 8))
			break;
		if (pos >= n) {
			truncated = 1;
			break;
		}
		uint8_t td = a[pos++];
		t_cur = td & 0x0F;
		if (!protos[t_cur]) {
			protos[t_cur] = 1;
			order[n_order++] = t_cur;
		}
		y = td >> 4;
		i++;
	}
	fprintf(f, "%*s%s\n", ind, "", l1);
	if (truncated) {
		fprintf(f, "%*sinterface bytes truncated\n", ind, "");
		return;
	}
	if (n_order == 0) { /* no TD1: T=0 only (ISO 7816-3 §8.2.3) */
		protos[0] = 1;
		order[n_order++] = 0;
	}
	fprintf(f, "%*sprotocols offered:", ind, "");
	int listed = 0;
	for (int j = 0; j < n_order; j++)
		if (order[j] != 15)
			fprintf(f, "%s T=%d", listed++ ? "," : "", order[j]);
	if (*l2)
		fprintf(f, "; %s", l2);
	/* ISO 7816-3 §8.2.5: TCK is absent if only T=0 is indicated */
	int tck = 0;
	for (int t = 1; t < 16; t++)
		tck |= protos[t];
	if (pos + k + (size_t)tck != n) {
		fprintf(f, "\n%*slength mismatch: %zu bytes, the structure says %zu\n", ind, "", n,
		        pos + k + (size_t)tck);
		return;
	}
	if (tck) {
		uint8_t x = 0;
		for (size_t j = 1; j < n; j++)
			x ^= a[j];
		fprintf(f, "; TCK %02X %s", a[n - 1], x == 0 ? "correct" : "WRONG");
	}
	fputc('\n', f);
	if (*l3)
		fprintf(f, "%*s%s\n", ind, "", l3);
	print_historical(f, indent + 4, a + pos, k);
}
