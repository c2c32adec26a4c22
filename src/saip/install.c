/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SAIP installer (install.h): decoded PEs -> veuicc_fs with PINs, PUKs
 * and AKA credentials, plus the GP/OTA parameters. The rules are in
 * docs/saip-install.md; the clause numbers cited are those of the SAIP
 * specification ("eUICC Profile Package: Interoperable Format Technical
 * Specification" 2.3 / 3.3.1), ETSI TS 102 221 and TS 102 222.
 */
#include "saip/install.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "saip/templates.h"
#include "uicc/auth/auth.h"
#include "uicc/pin.h"

/* File descriptor byte (TS 102 221 §11.1.1.4.3 Table 11.5). */
#define FDB_SHAREABLE 0x40
#define FDB_DF        0x38
#define FDB_DF_MASK   0x3F
#define FDB_BER_TLV   0x39
#define FDB_EF_MASK   0x07

/* Reserved EF.ARR FIDs (TS 102 221 §13.4, TS 31.102 §4.2.47). */
#define FID_EF_ARR_MF  0x2F06
#define FID_EF_ARR_ADF 0x6F06

/* Proprietary information tags of the A5 object (TS 102 221 §11.1.1.4.6,
 * TS 102 222 §6.3 CREATE FILE). */
#define A5_MAX_FILE_SIZE  0x86
#define A5_SPECIAL_INFO   0xC0
#define A5_FILL_PATTERN   0xC1
#define A5_REPEAT_PATTERN 0xC2

/* How an EF's initial content is made from a pattern. */
enum pat_mode {
	PAT_NONE = 0,
	PAT_FILL,     /* TS 102 222: the pattern, then its last byte repeated */
	PAT_REPEAT,   /* TS 102 222: the pattern repeated */
	PAT_TEMPLATE, /* SAIP Annex A: PREFIX, PREFIX's last byte repeated, SUFFIX at the end */
};

typedef struct pattern {
	enum pat_mode mode;
	const uint8_t *pre;
	size_t pre_len;
	const uint8_t *suf;
	size_t suf_len;
	bool ellipsis; /* PAT_TEMPLATE: PREFIX...SUFFIX rather than a literal */
} pattern;

typedef struct ictx {
	const veuicc_saip_profile *p;
	veuicc_fs *fs;
	veuicc_saip_gp_info *gp;
	veuicc_saip_install_result *res;
	size_t pe_index;
	const veuicc_saip_pe *pe;
	bool mf_done;
	veuicc_fs_node *usim, *isim, *csim; /* ADFs of the last usim/isim/csim PEs */
	veuicc_fs_node *naa;                /* ADF of the last NAA PE (akaParameter target) */
	veuicc_fs_node *ctx_dir;            /* DF/ADF of the last template PE (pinCodes
	                                       context); NULL after a skipped NAA PE */
	veuicc_saip_status skip_status;     /* status of a PE skipped with a warning */
	size_t links;                       /* linked EFs created as copies in this PE */
} ictx;

/* ---- templates look-up ------------------------------------------------------ */

const veuicc_saip_tpl *veuicc_saip_template_find(const uint8_t *oid, size_t len)
{
	if (!oid)
		return NULL;
	for (size_t i = 0; i < VEUICC_SAIP_TPL_COUNT; i++) {
		const veuicc_saip_tpl *t = &veuicc_saip_templates[i];
		if (t->oid_len == len && memcmp(t->oid, oid, len) == 0)
			return t;
	}
	return NULL;
}

const veuicc_saip_tpl_file *veuicc_saip_template_file(const veuicc_saip_tpl *t,
                                                      const char *pe_field)
{
	if (!t || !pe_field)
		return NULL;
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->files[i].pe_field, pe_field) == 0)
			return &t->files[i];
	return NULL;
}

/* ---- results ------------------------------------------------------------------ */

static long pe_ident(const veuicc_saip_pe *pe)
{
	const veuicc_saip_pe_header *h = pe ? veuicc_saip_pe_get_header(pe) : NULL;
	return h ? (long)h->identification : -1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(ictx *c, veuicc_saip_status st, int err, const char *fmt, ...)
{
	veuicc_saip_install_result *r = c->res;
	r->status = st;
	r->pe_index = c->pe ? (long)c->pe_index : -1;
	r->identification = pe_ident(c->pe);
	r->pe_type = c->pe ? c->pe->type : VEUICC_SAIP_PE_UNKNOWN;
	char m[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (c->pe)
		snprintf(r->msg, sizeof(r->msg), "PE %zu (%s, id %ld): %s", c->pe_index,
		         veuicc_saip_pe_type_name(c->pe->type), r->identification, m);
	else
		snprintf(r->msg, sizeof(r->msg), "%s", m);
	return err;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
warn(ictx *c, const char *fmt, ...)
{
	veuicc_saip_install_result *r = c->res;
	if (r->nwarnings < VEUICC_SAIP_INSTALL_MAX_WARNINGS) {
		char m[100];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m, sizeof(m), fmt, ap);
		va_end(ap);
		snprintf(r->warnings[r->nwarnings], sizeof(r->warnings[0]), "PE %zu (%s): %s",
		         c->pe_index, c->pe ? veuicc_saip_pe_type_name(c->pe->type) : "-", m);
	}
	r->nwarnings++;
}

/* ---- small helpers ------------------------------------------------------------- */

static uint32_t be_uint(const veuicc_saip_oct *o)
{
	uint32_t v = 0;
	for (uint32_t i = 0; i < o->len && i < 4; i++)
		v = (v << 8) | o->data[i];
	return v;
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

/* Byte i of a body of \p len bytes (or one record) made from \p pt. */
static uint8_t pattern_byte(const pattern *pt, size_t i, size_t len)
{
	switch (pt->mode) {
	case PAT_FILL: return i < pt->pre_len ? pt->pre[i] : pt->pre[pt->pre_len - 1];
	case PAT_REPEAT: return pt->pre[i % pt->pre_len];
	case PAT_TEMPLATE:
		if (!pt->ellipsis) /* a literal default; FF past it if the file grew */
			return i < pt->pre_len ? pt->pre[i] : 0xFF;
		if (pt->suf_len && len >= pt->pre_len + pt->suf_len && i >= len - pt->suf_len)
			return pt->suf[i - (len - pt->suf_len)];
		return i < pt->pre_len ? pt->pre[i] : pt->pre[pt->pre_len - 1];
	default: return 0xFF;
	}
}

/* Write the initial content of \p ef from \p pt (per record for record EFs). */
static int apply_pattern(veuicc_fs_node *ef, const pattern *pt)
{
	if (pt->mode == PAT_NONE || pt->pre_len == 0)
		return VEUICC_OK;
	size_t unit = ef->structure == VEUICC_FS_LINEAR_FIXED || ef->structure == VEUICC_FS_CYCLIC
	                  ? ef->rec_len
	                  : ef->size;
	if (unit == 0)
		return VEUICC_OK;
	uint8_t buf[256];
	for (size_t off = 0; off < ef->size;) {
		size_t n = 0;
		while (n < sizeof(buf) && off + n < ef->size) {
			buf[n] = pattern_byte(pt, (off + n) % unit, unit);
			n++;
		}
		int rc = veuicc_fs_write(ef, off, buf, n);
		if (rc != VEUICC_OK)
			return rc;
		off += n;
	}
	return VEUICC_OK;
}

/* ---- file creation -------------------------------------------------------------- */

/* What one file is made of: the template entry (or NULL) and the PE's FCP (or NULL). */
typedef struct fspec {
	const veuicc_saip_tpl_file *te;
	const veuicc_saip_fcp *fcp;
	const char *what; /* field name or "createFCP" for messages */
} fspec;

/* A5 value: C0 special file information, C1/C2 pattern, 86 maximum size. */
static void build_prop(ictx *c, const fspec *s, uint8_t *out, size_t *len)
{
	size_t n = 0;
	const veuicc_saip_proprietary_info *pi = s->fcp ? s->fcp->proprietary_ef_info : NULL;
	uint8_t sfi = 0;
	bool have_sfi = false;
	if (pi && pi->special_file_information.present && pi->special_file_information.len == 1) {
		sfi = pi->special_file_information.data[0];
		have_sfi = true;
	} else if (s->te && s->te->high_update) {
		sfi = 0x80; /* high update activity (TS 102 222 §6.3.2.4) */
		have_sfi = true;
	}
	if (have_sfi) {
		out[n++] = A5_SPECIAL_INFO;
		out[n++] = 1;
		out[n++] = sfi;
	}
	if (pi) {
		const veuicc_saip_oct *pat = pi->fill_pattern.present     ? &pi->fill_pattern
		                             : pi->repeat_pattern.present ? &pi->repeat_pattern
		                                                          : NULL;
		if (pat && pat->len > 0) {
			if (n + 2 + pat->len <= VEUICC_FS_PROP_MAX && pat->len < 0x80) {
				out[n++] =
				    pat == &pi->fill_pattern ? A5_FILL_PATTERN : A5_REPEAT_PATTERN;
				out[n++] = (uint8_t)pat->len;
				memcpy(out + n, pat->data, pat->len);
				n += pat->len;
			} else {
				warn(c, "%s: pattern of %u bytes not reported in the FCP", s->what,
				     (unsigned)pat->len);
			}
		}
		if (pi->maximum_file_size.present && pi->maximum_file_size.len > 0 &&
		    pi->maximum_file_size.len <= 4 &&
		    n + 2 + pi->maximum_file_size.len <= VEUICC_FS_PROP_MAX) {
			out[n++] = A5_MAX_FILE_SIZE;
			out[n++] = (uint8_t)pi->maximum_file_size.len;
			memcpy(out + n, pi->maximum_file_size.data, pi->maximum_file_size.len);
			n += pi->maximum_file_size.len;
		}
	}
	*len = n;
}

/* The EF.ARR FID a one-byte reference (record number only) names. */
static uint16_t default_arr_fid(const veuicc_fs_node *parent)
{
	return !parent || parent->type == VEUICC_FS_MF ? FID_EF_ARR_MF : FID_EF_ARR_ADF;
}

/* LCSI, EF.ARR reference, A5, C6 of any node (TS 102 221 §11.1.1.4). */
static int apply_attrs(ictx *c, veuicc_fs_node *n, veuicc_fs_node *parent, const fspec *s)
{
	const veuicc_saip_fcp *f = s->fcp;
	if (f && f->lcsi.present) {
		if (f->lcsi.len != 1 || veuicc_fs_set_lcsi(n, f->lcsi.data[0]) != VEUICC_OK)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: unsupported lcsi", s->what);
	}
	uint16_t arr_fid = 0;
	uint8_t arr_rec = 0;
	if (f && f->security_attributes_referenced.present) {
		const veuicc_saip_oct *sa = &f->security_attributes_referenced;
		if (sa->len == 3) {
			arr_fid = be16(sa->data);
			arr_rec = sa->data[2];
		} else if (sa->len == 1) {
			arr_fid = default_arr_fid(parent);
			arr_rec = sa->data[0];
		} else {
			/* TS 102 221 §11.1.1.4.7.3: the SE-ID forms are not supported */
			return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
			            VEUICC_ERR_UNSUPPORTED,
			            "%s: securityAttributesReferenced of %u bytes not supported",
			            s->what, (unsigned)sa->len);
		}
	} else if (s->te && s->te->arr_rule) {
		/* the template's §9.9 rule number, as a record of the EF.ARR in scope */
		arr_fid = default_arr_fid(parent);
		arr_rec = s->te->arr_rule;
	}
	if (arr_rec && veuicc_fs_set_arr(n, arr_fid, arr_rec) != VEUICC_OK)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "%s: bad EF.ARR reference", s->what);
	if (n->type == VEUICC_FS_EF) {
		uint8_t prop[VEUICC_FS_PROP_MAX];
		size_t plen = 0;
		build_prop(c, s, prop, &plen);
		if (plen && veuicc_fs_set_proprietary(n, prop, plen) != VEUICC_OK)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: bad proprietary information", s->what);
	}
	if (f && f->pin_status_template_do.present && f->pin_status_template_do.len > 0) {
		if (n->type == VEUICC_FS_EF)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: pinStatusTemplateDO on an EF", s->what);
		if (veuicc_fs_set_pin_template(n, f->pin_status_template_do.data,
		                               f->pin_status_template_do.len) != VEUICC_OK)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: bad pinStatusTemplateDO", s->what);
	}
	return VEUICC_OK;
}

/* Resolve a path of FIDs from the MF (PEDefinitions filePath, "coding according to section 8.3.5":
 * the MF left out, an ADF named by its FID). A leading 3F00 is accepted. */
static veuicc_fs_node *resolve_path(const veuicc_fs *fs, const uint8_t *path, size_t len)
{
	if (len % 2)
		return NULL;
	veuicc_fs_node *n = fs->mf;
	size_t i = 0;
	if (len >= 2 && be16(path) == VEUICC_FS_FID_MF)
		i = 2;
	for (; i < len; i += 2) {
		uint16_t fid = be16(path + i);
		if (!veuicc_fs_is_dir(n))
			return NULL;
		veuicc_fs_node *next = veuicc_fs_child(n, fid);
		if (!next && n->type == VEUICC_FS_MF)
			for (veuicc_fs_node *a = fs->adfs; a; a = a->next)
				if (a->fid == fid) {
					next = a;
					break;
				}
		if (!next)
			return NULL;
		n = next;
	}
	return n;
}

/* Create one file (or, for the MF, update the existing one) under \p parent. */
static int create_file(ictx *c, veuicc_fs_node *parent, const fspec *s, veuicc_fs_node **out)
{
	const veuicc_saip_fcp *f = s->fcp;
	const veuicc_saip_tpl_file *te = s->te;
	*out = NULL;

	/* kind: from the file descriptor byte, else the template */
	int kind = -1; /* veuicc_saip_tpl_type */
	uint8_t fdb = 0;
	const veuicc_saip_oct *fd = f && f->file_descriptor.present ? &f->file_descriptor : NULL;
	if (fd && fd->len >= 1) {
		fdb = fd->data[0];
		if ((fdb & FDB_DF_MASK) == FDB_DF)
			kind = (f->df_name.present || (te && te->type == VEUICC_SAIP_TPL_ADF))
			           ? VEUICC_SAIP_TPL_ADF
			       : (te && te->type == VEUICC_SAIP_TPL_MF) ? VEUICC_SAIP_TPL_MF
			                                                : VEUICC_SAIP_TPL_DF;
		else if ((fdb & FDB_DF_MASK) == FDB_BER_TLV)
			kind = VEUICC_SAIP_TPL_BT;
		else if ((fdb & FDB_EF_MASK) == VEUICC_FS_TRANSPARENT)
			kind = VEUICC_SAIP_TPL_TR;
		else if ((fdb & FDB_EF_MASK) == VEUICC_FS_LINEAR_FIXED)
			kind = VEUICC_SAIP_TPL_LF;
		else if ((fdb & FDB_EF_MASK) == VEUICC_FS_CYCLIC)
			kind = VEUICC_SAIP_TPL_CY;
		else
			return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
			            VEUICC_ERR_UNSUPPORTED,
			            "%s: file descriptor byte %02X not supported", s->what, fdb);
	} else if (te) {
		kind = te->type;
	} else if (f && f->df_name.present) {
		kind = VEUICC_SAIP_TPL_ADF;
	} else if (strncmp(s->what, "adf-", 4) == 0) {
		/* a field of an untranscribed template (CSIM, IoT): its ASN.1 name says ADF/DF */
		kind = VEUICC_SAIP_TPL_ADF;
	} else if (strncmp(s->what, "df-", 3) == 0) {
		kind = VEUICC_SAIP_TPL_DF;
	} else {
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "%s: no template entry and no fileDescriptor", s->what);
	}

	/* FID */
	uint16_t fid = 0;
	if (f && f->file_id.present) {
		if (f->file_id.len != 2)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: fileID of %u bytes", s->what, (unsigned)f->file_id.len);
		fid = be16(f->file_id.data);
		if (te && te->fid && te->fid != te->fid_last &&
		    (fid < te->fid || fid > te->fid_last))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: fileID %04X outside the template range %04X-%04X", s->what,
			            fid, te->fid, te->fid_last);
	} else if (te && te->fid && te->fid == te->fid_last) {
		fid = te->fid;
	} else if (kind != VEUICC_SAIP_TPL_MF) {
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "%s: the fileID must be given", s->what);
	}

	veuicc_fs_node *n = NULL;
	int rc;
	switch (kind) {
	case VEUICC_SAIP_TPL_MF:
		if (c->mf_done)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "the MF is created twice");
		if (fid && fid != VEUICC_FS_FID_MF)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "MF with fileID %04X", fid);
		c->mf_done = true;
		n = c->fs->mf;
		parent = NULL;
		break;
	case VEUICC_SAIP_TPL_ADF:
		if (!f || !f->df_name.present)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: an ADF needs its dfName (AID)", s->what);
		if (parent && parent->type != VEUICC_FS_MF)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: an ADF can only be created at the MF", s->what);
		rc = veuicc_fs_create_adf(c->fs, fid, f->df_name.data, f->df_name.len, &n);
		if (rc != VEUICC_OK)
			return fail(c,
			            rc == VEUICC_ERR_NO_MEMORY
			                ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
			                : VEUICC_SAIP_STATUS_BAD_VALUES,
			            rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
			            "%s: cannot create ADF %04X (AID length %u, or AID/FID in use)",
			            s->what, fid, (unsigned)f->df_name.len);
		parent = c->fs->mf;
		break;
	case VEUICC_SAIP_TPL_DF:
		rc = veuicc_fs_create_df(c->fs, parent, fid, &n);
		if (rc != VEUICC_OK)
			return fail(
			    c,
			    rc == VEUICC_ERR_NO_MEMORY ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
			                               : VEUICC_SAIP_STATUS_BAD_VALUES,
			    rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
			    "%s: cannot create DF %04X under %04X", s->what, fid, parent->fid);
		break;
	default: {
		veuicc_fs_ef_params ep;
		static const uint8_t structs[] = {
		    [VEUICC_SAIP_TPL_TR] = VEUICC_FS_TRANSPARENT,
		    [VEUICC_SAIP_TPL_LF] = VEUICC_FS_LINEAR_FIXED,
		    [VEUICC_SAIP_TPL_CY] = VEUICC_FS_CYCLIC,
		    [VEUICC_SAIP_TPL_BT] = VEUICC_FS_BER_TLV,
		};
		veuicc_fs_ef_params_init(&ep, fid, (veuicc_fs_ef_struct)structs[kind]);
		if (fd)
			ep.shareable = (fdb & FDB_SHAREABLE) != 0;
		bool tpl_same = te && te->type == kind;
		uint32_t fsize = 0;
		bool have_size = false;
		if (f && f->ef_file_size.present && f->ef_file_size.len > 0) {
			if (f->ef_file_size.len > 4)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: efFileSize too long", s->what);
			fsize = be_uint(&f->ef_file_size);
			have_size = true;
		}
		if (kind == VEUICC_SAIP_TPL_LF || kind == VEUICC_SAIP_TPL_CY) {
			uint32_t rl = 0, nr = 0;
			if (fd && fd->len >= 4)
				rl = be16(fd->data + 2);
			else if (tpl_same)
				rl = te->rec_len;
			if (have_size) {
				if (rl == 0 || fsize % rl)
					return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES,
					            VEUICC_ERR_MALFORMED,
					            "%s: efFileSize %u is not a multiple of the "
					            "record length %u",
					            s->what, (unsigned)fsize, (unsigned)rl);
				nr = fsize / rl;
			} else if (tpl_same) {
				nr = te->nb_rec;
			} else if (!te && rl) {
				/* no size and no template (CSIM, IoT: not transcribed) */
				nr = 1;
				warn(c, "%s: no efFileSize and no template entry: 1 record",
				     s->what);
			}
			if (rl == 0 || rl > VEUICC_FS_REC_LEN_MAX || nr == 0 ||
			    nr > VEUICC_FS_NREC_MAX)
				return fail(
				    c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				    "%s: record length %u x %u records not given or out of range",
				    s->what, (unsigned)rl, (unsigned)nr);
			ep.rec_len = (uint16_t)rl;
			ep.nrec = (uint8_t)nr;
		} else {
			uint32_t sz = 0;
			const veuicc_saip_proprietary_info *pi = f ? f->proprietary_ef_info : NULL;
			if (kind == VEUICC_SAIP_TPL_BT && pi && pi->maximum_file_size.present &&
			    pi->maximum_file_size.len > 0 && pi->maximum_file_size.len <= 4)
				sz = be_uint(&pi->maximum_file_size);
			else if (have_size)
				sz = fsize;
			else if (tpl_same)
				sz = te->file_size;
			else if (kind == VEUICC_SAIP_TPL_TR)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: the file size must be given", s->what);
			if (sz > VEUICC_FS_EF_SIZE_MAX)
				return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY,
				            VEUICC_ERR_MALFORMED, "%s: file size %u too large",
				            s->what, (unsigned)sz);
			ep.size = sz;
		}
		/* SFI: tag 88 of TS 102 221 §11.1.1.4.8; SAIP shortEFID carries it in b8-b4 */
		if (f && f->short_efid.present) {
			if (f->short_efid.len == 0)
				ep.sfi = VEUICC_FS_SFI_NONE;
			else if (f->short_efid.len == 1 && (f->short_efid.data[0] & 0x07) == 0 &&
			         (f->short_efid.data[0] >> 3) <= VEUICC_FS_SFI_MAX)
				ep.sfi = f->short_efid.data[0] >> 3;
			else
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: bad shortEFID", s->what);
		} else if (te) {
			/* the template's SFI; none when the template gives none */
			ep.sfi = te->sfi ? te->sfi : VEUICC_FS_SFI_NONE;
		} /* else: no tag 88 and no template: implicit SFI (TS 102 221 §11.1.1.4.8) */
		rc = veuicc_fs_create_ef(c->fs, parent, &ep, &n);
		if (rc != VEUICC_OK)
			return fail(
			    c,
			    rc == VEUICC_ERR_NO_MEMORY ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
			                               : VEUICC_SAIP_STATUS_BAD_VALUES,
			    rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
			    "%s: cannot create EF %04X under %04X (duplicate FID/SFI or bad size)",
			    s->what, fid, parent->fid);
		/* initial content: the FCP's pattern, else the template default */
		pattern pt = {0};
		const veuicc_saip_proprietary_info *pi = f ? f->proprietary_ef_info : NULL;
		if (pi && pi->fill_pattern.present && pi->fill_pattern.len > 0)
			pt = (pattern){
			    PAT_FILL, pi->fill_pattern.data, pi->fill_pattern.len, NULL, 0, false};
		else if (pi && pi->repeat_pattern.present && pi->repeat_pattern.len > 0)
			pt = (pattern){
			    PAT_REPEAT, pi->repeat_pattern.data, pi->repeat_pattern.len, NULL, 0,
			    false};
		else if (te && te->has_default && te->dflt_prefix_len)
			pt = (pattern){PAT_TEMPLATE,    te->dflt_prefix,     te->dflt_prefix_len,
			               te->dflt_suffix, te->dflt_suffix_len, te->dflt_ellipsis};
		if (kind != VEUICC_SAIP_TPL_BT && apply_pattern(n, &pt) != VEUICC_OK)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_INTERNAL,
			            "%s: cannot write the initial content", s->what);
		break;
	}
	}
	c->res->files_created++;
	int arc = apply_attrs(c, n, parent, s);
	if (arc != VEUICC_OK)
		return arc;
	*out = n;
	return VEUICC_OK;
}

/* fillFileOffset / fillFileContent on \p ef at *pos (as UPDATE
 * BINARY of the linearised body, record after record). */
static int fill_op(ictx *c, veuicc_fs_node *ef, size_t *pos, bool is_offset, uint32_t off,
                   const veuicc_saip_oct *content, const char *what)
{
	if (!ef || ef->type != VEUICC_FS_EF)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "%s: fill operation without a current EF", what);
	if (ef->structure == VEUICC_FS_BER_TLV)
		return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
		            "%s: filling a BER-TLV EF is not supported", what);
	if (is_offset) {
		if (off > ef->size - *pos)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "%s: fillFileOffset %u past the end of EF %04X", what,
			            (unsigned)off, ef->fid);
		*pos += off;
		return VEUICC_OK;
	}
	if (content->len > ef->size - *pos)
		return fail(
		    c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		    "%s: fillFileContent of %u bytes at %zu past the end of EF %04X (%zu bytes)",
		    what, (unsigned)content->len, *pos, ef->fid, ef->size);
	if (content->len && veuicc_fs_write(ef, *pos, content->data, content->len) != VEUICC_OK)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "%s: cannot write EF %04X", what, ef->fid);
	*pos += content->len;
	return VEUICC_OK;
}

/* ---- template PEs --------------------------------------------------------------- */

static veuicc_fs_node *base_dir(ictx *c, uint8_t base)
{
	switch (base) {
	case VEUICC_SAIP_TPL_BASE_MF: return c->fs->mf;
	case VEUICC_SAIP_TPL_BASE_USIM: return c->usim;
	case VEUICC_SAIP_TPL_BASE_ISIM: return c->isim;
	default: return NULL;
	}
}

/* Where files of a PE go that have no template entry. */
static veuicc_fs_node *pe_default_dir(ictx *c, veuicc_saip_pe_type t)
{
	switch (t) {
	case VEUICC_SAIP_PE_OPT_USIM:
	case VEUICC_SAIP_PE_PHONEBOOK:
	case VEUICC_SAIP_PE_GSM_ACCESS:
	case VEUICC_SAIP_PE_EAP:
	case VEUICC_SAIP_PE_DF_5GS:
	case VEUICC_SAIP_PE_DF_SAIP:
	case VEUICC_SAIP_PE_DF_SNPN:
	case VEUICC_SAIP_PE_DF_5GPROSE: return c->usim;
	case VEUICC_SAIP_PE_OPT_ISIM: return c->isim;
	case VEUICC_SAIP_PE_OPT_CSIM: return c->csim;
	default: return c->fs->mf;
	}
}

#define MAX_TPL_FILES 256

static int install_fs_pe(ictx *c)
{
	const veuicc_saip_pe *pe = c->pe;
	const veuicc_saip_pe_fs *fp = pe->u.fs;
	const veuicc_saip_tpl *tpl =
	    veuicc_saip_template_find(fp->template_id.data, fp->template_id.len);
	if (!tpl)
		return fail(c, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
		            "unknown templateID");
	if (!tpl->transcribed) {
		/* no file table for this template (CSIM, IoT): the files cannot be
		 * built faithfully, so the PE is skipped and reported */
		warn(c, "template %s has no file table here: PE not installed", tpl->oid_text);
		c->ctx_dir = NULL;
		c->skip_status = VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED;
		return 1;
	}
	if (tpl->pe_type != pe->type)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "templateID %s belongs to another PE type", tpl->oid_text);
	if (tpl->count > MAX_TPL_FILES)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_INTERNAL,
		            "template too large");
	veuicc_fs_node *made[MAX_TPL_FILES];
	memset(made, 0, sizeof(made));
	veuicc_fs_node *pe_dir = NULL;

	for (size_t i = 0; i < fp->count; i++) {
		const veuicc_saip_fs_file *ff = &fp->files[i];
		const veuicc_saip_tpl_file *te = veuicc_saip_template_file(tpl, ff->name);
		const veuicc_saip_fcp *fcp = NULL;
		bool skip = false;
		for (size_t k = 0; k < ff->file.count; k++) {
			const veuicc_saip_file_elem *e = &ff->file.items[k];
			if (e->op == VEUICC_SAIP_FILE_OP_DO_NOT_CREATE) {
				skip = true;
			} else if (e->op == VEUICC_SAIP_FILE_OP_FILE_DESCRIPTOR) {
				if (fcp)
					return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES,
					            VEUICC_ERR_MALFORMED, "%s: two fileDescriptors",
					            ff->name);
				fcp = e->fcp;
			} else if (e->op == VEUICC_SAIP_FILE_OP_UNKNOWN) {
				return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
				            VEUICC_ERR_UNSUPPORTED, "%s: unknown File element",
				            ff->name);
			}
		}
		if (skip) /* doNotCreate (PEDefinitions File) */
			continue;
		veuicc_fs_node *parent;
		if (te && te->parent >= 0) {
			parent = made[te->parent];
			if (!parent)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: its DF (%s) was not created", ff->name,
				            tpl->files[te->parent].name);
		} else if (te && te->type == VEUICC_SAIP_TPL_MF) {
			parent = NULL;
		} else if (te) {
			parent = base_dir(c, te->base);
			if (!parent)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: no %s installed before", ff->name,
				            te->base == VEUICC_SAIP_TPL_BASE_ISIM ? "ADF.ISIM"
				                                                  : "ADF.USIM");
		} else {
			parent = pe_dir ? pe_dir : pe_default_dir(c, pe->type);
			if (!parent)
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "%s: no NAA ADF installed before", ff->name);
		}
		fspec s = {te, fcp, ff->name};
		veuicc_fs_node *n = NULL;
		int rc = create_file(c, parent, &s, &n);
		if (rc != VEUICC_OK)
			return rc;
		if (te)
			made[te - tpl->files] = n;
		if (veuicc_fs_is_dir(n) && !pe_dir)
			pe_dir = n;
		if (n->type == VEUICC_FS_ADF) {
			if (pe->type == VEUICC_SAIP_PE_USIM)
				c->usim = n;
			else if (pe->type == VEUICC_SAIP_PE_ISIM)
				c->isim = n;
			else if (pe->type == VEUICC_SAIP_PE_CSIM)
				c->csim = n;
			c->naa = n;
		}
		size_t pos = 0;
		for (size_t k = 0; k < ff->file.count; k++) {
			const veuicc_saip_file_elem *e = &ff->file.items[k];
			if (e->op != VEUICC_SAIP_FILE_OP_FILL_FILE_OFFSET &&
			    e->op != VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT)
				continue;
			rc = fill_op(c, n, &pos, e->op == VEUICC_SAIP_FILE_OP_FILL_FILE_OFFSET,
			             e->fill_file_offset, &e->fill_file_content, ff->name);
			if (rc != VEUICC_OK)
				return rc;
		}
	}
	if (pe_dir)
		c->ctx_dir = pe_dir;
	return VEUICC_OK;
}

/* ---- genericFileManagement ------------------------------------------------------- */

/* An EF with linkPath (SAIP Fcp linkPath): the content of another EF. The
 * file system has no shared bodies, so the EF is created as a copy of the
 * target's structure and content. */
static int create_linked(ictx *c, veuicc_fs_node *parent, const veuicc_saip_fcp *fcp,
                         veuicc_fs_node **out)
{
	veuicc_fs_node *t = resolve_path(c->fs, fcp->link_path.data, fcp->link_path.len);
	if (!t || t->type != VEUICC_FS_EF)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "linkPath does not name an existing EF");
	if (!fcp->file_id.present || fcp->file_id.len != 2)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "linked EF without fileID");
	veuicc_fs_ef_params ep;
	veuicc_fs_ef_params_init(&ep, be16(fcp->file_id.data), (veuicc_fs_ef_struct)t->structure);
	ep.size = t->size;
	ep.rec_len = t->rec_len;
	ep.nrec = t->nrec;
	ep.sfi = VEUICC_FS_SFI_NONE;
	if (fcp->short_efid.present && fcp->short_efid.len == 1)
		ep.sfi = fcp->short_efid.data[0] >> 3;
	int rc = veuicc_fs_create_ef(c->fs, parent, &ep, out);
	if (rc != VEUICC_OK)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "cannot create linked EF %04X", ep.fid);
	c->res->files_created++;
	if (t->size)
		veuicc_fs_write(*out, 0, t->data, t->size);
	c->links++;
	fspec s = {NULL, fcp, "createFCP"};
	return apply_attrs(c, *out, parent, &s);
}

static int install_gfm(ictx *c)
{
	const veuicc_saip_pe_gfm *g = c->pe->u.gfm;
	veuicc_fs_node *cur_df = c->fs->mf;
	for (size_t l = 0; l < g->file_management_cmd.count; l++) {
		const veuicc_saip_file_management *fm = &g->file_management_cmd.items[l];
		veuicc_fs_node *cur_ef = NULL;
		cur_df = c->fs->mf;
		size_t pos = 0;
		for (size_t k = 0; k < fm->count; k++) {
			const veuicc_saip_fm_cmd *cmd = &fm->items[k];
			int rc = VEUICC_OK;
			switch (cmd->op) {
			case VEUICC_SAIP_FM_OP_FILE_PATH: {
				veuicc_fs_node *n =
				    resolve_path(c->fs, cmd->file_path.data, cmd->file_path.len);
				if (!n)
					return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES,
					            VEUICC_ERR_MALFORMED,
					            "command list %zu: filePath not found", l);
				if (veuicc_fs_is_dir(n)) {
					cur_df = n;
					cur_ef = NULL;
				} else {
					cur_df = n->parent;
					cur_ef = n;
				}
				pos = 0;
				break;
			}
			case VEUICC_SAIP_FM_OP_CREATE_FCP: {
				veuicc_fs_node *n = NULL;
				if (!cmd->create_fcp)
					return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES,
					            VEUICC_ERR_MALFORMED, "createFCP without FCP");
				if (cmd->create_fcp->link_path.present &&
				    cmd->create_fcp->link_path.len) {
					rc = create_linked(c, cur_df, cmd->create_fcp, &n);
				} else {
					fspec s = {NULL, cmd->create_fcp, "createFCP"};
					rc = create_file(c, cur_df, &s, &n);
				}
				if (rc != VEUICC_OK)
					return rc;
				/* TS 102 222 §6.3: the created file is selected */
				if (veuicc_fs_is_dir(n)) {
					cur_df = n;
					cur_ef = NULL;
				} else {
					cur_ef = n;
				}
				pos = 0;
				break;
			}
			case VEUICC_SAIP_FM_OP_FILL_FILE_OFFSET:
			case VEUICC_SAIP_FM_OP_FILL_FILE_CONTENT:
				rc = fill_op(c, cur_ef, &pos,
				             cmd->op == VEUICC_SAIP_FM_OP_FILL_FILE_OFFSET,
				             cmd->fill_file_offset, &cmd->fill_file_content,
				             "genericFileManagement");
				if (rc != VEUICC_OK)
					return rc;
				break;
			default:
				return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
				            VEUICC_ERR_UNSUPPORTED,
				            "unknown fileManagement command");
			}
		}
	}
	if (c->links)
		warn(c,
		     "%zu EFs with linkPath created as copies of their targets (no shared content)",
		     c->links);
	c->links = 0;
	/* the DF selected last is the context of a following pinCodes (the
	 * TS.48 "B" profiles select DF.TELECOM this way before its PIN2) */
	if (g->file_management_cmd.count)
		c->ctx_dir = cur_df;
	return VEUICC_OK;
}

/* ---- PINs, PUKs, AKA ------------------------------------------------------------------ */

/* maxNumOfAttemps-retryNumLeft: max in b8-b5, left in b4-b1 (PEDefinitions). */
static bool split_tries(uint32_t v, uint8_t *max, uint8_t *left)
{
	*max = (uint8_t)((v >> 4) & 0x0F);
	*left = (uint8_t)(v & 0x0F);
	return v <= 0xFF && *max >= 1 && *left <= *max;
}

static int install_pins(ictx *c)
{
	const veuicc_saip_pin_codes *pc = &c->pe->u.pin_codes->pin_codes;
	if (pc->kind != VEUICC_SAIP_PIN_CODES_PINCONFIG)
		return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
		            "pinCodes shared with another DF (filePath) are not supported");
	veuicc_fs_node *dir = c->ctx_dir;
	if (!dir) {
		/* the PINs of an NAA that was not installed (see install_fs_pe) */
		warn(c, "PINs of a skipped application not installed");
		c->skip_status = VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED;
		return 1;
	}
	for (size_t i = 0; i < pc->pinconfig.count; i++) {
		const veuicc_saip_pin_config *pcfg = &pc->pinconfig.items[i];
		if (pcfg->key_reference > 0xFF)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "bad PIN key reference");
		veuicc_pin_params pp;
		veuicc_pin_params_init(&pp, (uint8_t)pcfg->key_reference);
		bool local = pcfg->key_reference & VEUICC_PIN_REF_LOCAL;
		/* PEDefinitions PINConfiguration: global references in the MF
		 * context, local ones in a DF/ADF context */
		if (local && dir->type == VEUICC_FS_MF)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "local PIN %02X in the MF context",
			            (unsigned)pcfg->key_reference);
		pp.adf = local ? dir : NULL;
		pp.value = pcfg->pin_value.data;
		pp.value_len = pcfg->pin_value.len;
		if (!split_tries(pcfg->max_attempts_retry_left, &pp.max_tries, &pp.tries_left))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "PIN %02X: bad maxNumOfAttemps-retryNumLeft %u",
			            (unsigned)pcfg->key_reference,
			            (unsigned)pcfg->max_attempts_retry_left);
		pp.puk_ref = pcfg->unblocking_pin_reference.present
		                 ? (uint8_t)pcfg->unblocking_pin_reference.value
		                 : 0;
		pp.attributes = (uint8_t)pcfg->pin_attributes;
		int rc = veuicc_pin_add(&c->fs->pins, &pp);
		if (rc != VEUICC_OK)
			return fail(c,
			            rc == VEUICC_ERR_NO_MEMORY
			                ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
			                : VEUICC_SAIP_STATUS_BAD_VALUES,
			            rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
			            "PIN %02X: rejected (duplicate, bad reference or value)",
			            (unsigned)pcfg->key_reference);
	}
	return VEUICC_OK;
}

static int install_puks(ictx *c)
{
	const veuicc_saip_pe_puk_codes *pk = c->pe->u.puk_codes;
	for (size_t i = 0; i < pk->puk_codes.count; i++) {
		const veuicc_saip_puk_config *k = &pk->puk_codes.items[i];
		uint8_t max, left;
		if (k->key_reference == 0 || k->key_reference > 0xFF ||
		    !split_tries(k->max_attempts_retry_left, &max, &left))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "PUK %u: bad reference or counters",
			            (unsigned)k->key_reference);
		int rc = veuicc_pin_add_puk(&c->fs->pins, (uint8_t)k->key_reference,
		                            k->puk_value.data, k->puk_value.len, max, left);
		if (rc != VEUICC_OK)
			return fail(c,
			            rc == VEUICC_ERR_NO_MEMORY
			                ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
			                : VEUICC_SAIP_STATUS_BAD_VALUES,
			            rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
			            "PUK %02X rejected", (unsigned)k->key_reference);
	}
	return VEUICC_OK;
}

/* RES length of the TS 34.108 test algorithm: the full 128 bits (the SAIP
 * algorithmOptions byte is not interpreted; docs/saip-install.md). */
#define TESTALG_RES_LEN 16
/* TUAK output lengths used (TS 35.231; algorithmOptions not interpreted). */
#define TUAK_MAC_LEN 8
#define TUAK_RES_LEN 8
#define TUAK_CK_LEN  16
#define TUAK_IK_LEN  16

static uint64_t load48(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = (v << 8) | b[i];
	return v;
}

static int install_aka(ictx *c)
{
	const veuicc_saip_pe_aka *a = c->pe->u.aka;
	if (a->algo_configuration.kind != VEUICC_SAIP_ALGO_CONF_ALGO ||
	    !a->algo_configuration.algo_parameter)
		return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
		            "akaParameter mappingParameter (shared credentials) is not supported");
	const veuicc_saip_algo_parameter *ap = a->algo_configuration.algo_parameter;
	veuicc_aka_params params;
	memset(&params, 0, sizeof(params));
	int rc;
	switch (ap->algorithm_id) {
	case VEUICC_SAIP_ALGO_MILENAGE: {
		if (ap->key.len != 16 || ap->opc.len != 16 || ap->rotation_constants.len != 5 ||
		    ap->xoring_constants.len != 80) {
			rc = VEUICC_ERR_INVALID_ARG;
			break;
		}
		veuicc_milenage_cfg mc;
		memcpy(mc.r, ap->rotation_constants.data, 5); /* in bits, TS 35.206 §4.1 */
		for (int i = 0; i < 5; i++)
			memcpy(mc.c[i], ap->xoring_constants.data + 16 * i, 16);
		rc = veuicc_aka_params_milenage(&params, ap->key.data, ap->opc.data, &mc);
		break;
	}
	case VEUICC_SAIP_ALGO_TUAK: {
		veuicc_tuak_cfg tc = {(uint8_t)ap->key.len, TUAK_MAC_LEN,
		                      TUAK_RES_LEN,         TUAK_CK_LEN,
		                      TUAK_IK_LEN,          (uint8_t)ap->number_of_keccak};
		if ((ap->key.len != 16 && ap->key.len != 32) || ap->opc.len != 32 ||
		    ap->number_of_keccak == 0 || ap->number_of_keccak > 0xFF) {
			rc = VEUICC_ERR_INVALID_ARG;
			break;
		}
		rc = veuicc_aka_params_tuak(&params, ap->key.data, ap->opc.data, &tc);
		break;
	}
	case VEUICC_SAIP_ALGO_USIM_TEST:
		rc = ap->key.len == 16
		         ? veuicc_aka_params_testalg(&params, ap->key.data, TESTALG_RES_LEN)
		         : VEUICC_ERR_INVALID_ARG;
		break;
	default:
		return fail(c, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
		            "algorithmID %u not supported", (unsigned)ap->algorithm_id);
	}
	if (rc != VEUICC_OK) {
		veuicc_aka_params_clear(&params);
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "algoParameter: bad key, OPc or constants for algorithm %u",
		            (unsigned)ap->algorithm_id);
	}
	veuicc_aka_sqn_cfg_default(&params.sqn);
	rc = veuicc_aka_sqn_cfg_from_saip(&params.sqn,
	                                  a->sqn_options.len == 1 ? a->sqn_options.data[0] : 0x02,
	                                  a->sqn_delta.len == 6 ? a->sqn_delta.data : NULL,
	                                  a->sqn_age_limit.len == 6 ? a->sqn_age_limit.data : NULL);
	veuicc_aka_sqn_state sqn;
	uint64_t init[VEUICC_AKA_SQN_ARRAY_MAX] = {0};
	size_t ninit = 0;
	for (size_t i = 0; rc == VEUICC_OK && i < a->sqn_init.count && i < VEUICC_AKA_SQN_ARRAY_MAX;
	     i++)
		if (a->sqn_init.items[i].len == 6)
			init[ninit++] = load48(a->sqn_init.items[i].data);
	if (rc == VEUICC_OK)
		rc = veuicc_aka_sqn_state_init(&sqn, init, ninit);
	if (rc == VEUICC_OK)
		rc = veuicc_fs_set_aka(c->fs, c->naa, &params, &sqn, 0);
	veuicc_aka_params_clear(&params);
	if (rc != VEUICC_OK)
		return fail(c,
		            rc == VEUICC_ERR_NO_MEMORY ? VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY
		                                       : VEUICC_SAIP_STATUS_BAD_VALUES,
		            rc == VEUICC_ERR_NO_MEMORY ? rc : VEUICC_ERR_MALFORMED,
		            "SQN parameters rejected or no free AKA slot");
	return VEUICC_OK;
}

/* ---- GP / OTA parameters ----------------------------------------------------------------- */

static void copy_aid(veuicc_saip_aid *dst, const veuicc_saip_oct *src)
{
	dst->len = 0;
	if (src->present && src->len <= VEUICC_SAIP_AID_MAX) {
		memcpy(dst->b, src->data, src->len);
		dst->len = (uint8_t)src->len;
	}
}

static bool copy_small(uint8_t *dst, uint8_t *dst_len, size_t cap, const veuicc_saip_oct *src)
{
	*dst_len = 0;
	if (!src->present)
		return true;
	if (src->len > cap)
		return false;
	memcpy(dst, src->data, src->len);
	*dst_len = (uint8_t)src->len;
	return true;
}

static int install_sd(ictx *c)
{
	const veuicc_saip_pe_sd *sd = c->pe->u.sd;
	if (!c->gp)
		return VEUICC_OK;
	if (c->gp->nsd >= VEUICC_SAIP_SD_MAX)
		return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, VEUICC_ERR_NO_MEMORY,
		            "more than %d security domains", VEUICC_SAIP_SD_MAX);
	veuicc_saip_gp_sd *o = &c->gp->sd[c->gp->nsd];
	memset(o, 0, sizeof(*o));
	copy_aid(&o->instance_aid, &sd->instance.instance_aid);
	copy_aid(&o->class_aid, &sd->instance.class_aid);
	copy_aid(&o->load_package_aid, &sd->instance.application_load_package_aid);
	if (!copy_small(o->privileges, &o->privileges_len, sizeof(o->privileges),
	                &sd->instance.application_privileges))
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "applicationPrivileges too long");
	o->life_cycle_state =
	    sd->instance.life_cycle_state.len == 1 ? sd->instance.life_cycle_state.data[0] : 0x07;
	if (sd->key_list.count > VEUICC_SAIP_SD_KEYS_MAX)
		return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, VEUICC_ERR_NO_MEMORY,
		            "more than %d keys", VEUICC_SAIP_SD_KEYS_MAX);
	for (size_t i = 0; i < sd->key_list.count; i++) {
		const veuicc_saip_key_object *ko = &sd->key_list.items[i];
		veuicc_saip_gp_key *k = &o->keys[i];
		k->usage = ko->key_usage_qualifier.len ? ko->key_usage_qualifier.data[0] : 0;
		k->access = ko->key_access.len ? ko->key_access.data[0] : 0;
		k->id = ko->key_identifier.len ? ko->key_identifier.data[0] : 0;
		k->version = ko->key_version_number.len ? ko->key_version_number.data[0] : 0;
		if (!copy_small(k->counter, &k->counter_len, sizeof(k->counter),
		                &ko->key_counter_value) ||
		    ko->key_components.count > VEUICC_SAIP_KEY_COMPONENTS_MAX)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "key %zu: counter or components out of range", i);
		for (size_t j = 0; j < ko->key_components.count; j++) {
			const veuicc_saip_key_component *kc = &ko->key_components.items[j];
			veuicc_saip_gp_key_component *d = &k->comp[j];
			d->type = kc->key_type.len ? kc->key_type.data[0] : 0;
			d->mac_length = kc->mac_length;
			if (!copy_small(d->data, &d->len, sizeof(d->data), &kc->key_data))
				return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
				            "key %zu: key data longer than %d bytes", i,
				            VEUICC_SAIP_KEY_MAX);
		}
		k->ncomp = ko->key_components.count;
	}
	o->nkeys = sd->key_list.count;
	if (!copy_small(o->c9, &o->c9_len, sizeof(o->c9),
	                &sd->instance.application_specific_parameters_c9))
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "C9 parameters longer than %d bytes", VEUICC_SAIP_C9_MAX);
	/* TS 102 226 §8.2.1.3.2.1: the SD's TARs for OTA routing (src/cat/ota_route.c) */
	const veuicc_saip_uicc_app_params *ap = sd->instance.application_parameters;
	if (ap &&
	    !copy_small(o->toolkit, &o->toolkit_len, sizeof(o->toolkit), &ap->uicc_toolkit_params))
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "toolkit parameters longer than %d bytes", VEUICC_SAIP_C9_MAX);
	o->nperso = sd->sd_perso_data.count;
	c->gp->nsd++;
	return VEUICC_OK;
}

static int install_rfm(ictx *c)
{
	const veuicc_saip_pe_rfm *r = c->pe->u.rfm;
	if (!c->gp)
		return VEUICC_OK;
	if (c->gp->nrfm >= VEUICC_SAIP_RFM_MAX || r->tar_list.count > VEUICC_SAIP_TARS_MAX)
		return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, VEUICC_ERR_NO_MEMORY,
		            "too many RFM instances or TARs");
	veuicc_saip_gp_rfm *o = &c->gp->rfm[c->gp->nrfm];
	memset(o, 0, sizeof(*o));
	copy_aid(&o->instance_aid, &r->instance_aid);
	copy_aid(&o->sd_aid, &r->security_domain_aid);
	for (size_t i = 0; i < r->tar_list.count; i++) {
		if (r->tar_list.items[i].len != 3)
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "TAR of %u bytes", (unsigned)r->tar_list.items[i].len);
		memcpy(o->tars[i], r->tar_list.items[i].data, 3);
	}
	o->ntars = r->tar_list.count;
	bool ok =
	    copy_small(o->msl, &o->msl_len, sizeof(o->msl), &r->minimum_security_level) &&
	    copy_small(o->uicc_ad, &o->uicc_ad_len, sizeof(o->uicc_ad), &r->uicc_access_domain) &&
	    copy_small(o->uicc_admin_ad, &o->uicc_admin_ad_len, sizeof(o->uicc_admin_ad),
	               &r->uicc_admin_access_domain);
	if (r->adf_rfm_access) {
		o->has_adf = true;
		copy_aid(&o->adf_aid, &r->adf_rfm_access->adf_aid);
		ok = ok &&
		     copy_small(o->adf_ad, &o->adf_ad_len, sizeof(o->adf_ad),
		                &r->adf_rfm_access->adf_access_domain) &&
		     copy_small(o->adf_admin_ad, &o->adf_admin_ad_len, sizeof(o->adf_admin_ad),
		                &r->adf_rfm_access->adf_admin_access_domain);
	}
	if (!ok)
		return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
		            "access domain or security level longer than %d bytes",
		            VEUICC_SAIP_AD_MAX);
	c->gp->nrfm++;
	return VEUICC_OK;
}

static int install_application(ictx *c)
{
	const veuicc_saip_pe_application *a = c->pe->u.application;
	const veuicc_saip_pe_header *h = &a->header;
	if (a->load_block) {
		/* no Java Card runtime: a load file runs only when the card has a
		 * native package of its AID (applet runtime, docs/applets.md) */
		const veuicc_saip_oct *la = &a->load_block->load_package_aid;
		bool native = c->gp && c->gp->pkg_known && la->present &&
		              c->gp->pkg_known(c->gp->pkg_ctx, la->data, la->len);
		if (!native && h->mandated)
			return fail(
			    c, VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED,
			    "application load files need a Java Card runtime (not supported)");
		if (!native)
			warn(c, "load file not executed (no Java Card runtime)");
	}
	if (!c->gp)
		return VEUICC_OK;
	for (size_t i = 0; i < a->instance_list.count; i++) {
		if (c->gp->napp >= VEUICC_SAIP_APP_MAX)
			return fail(c, VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY, VEUICC_ERR_NO_MEMORY,
			            "more than %d application instances", VEUICC_SAIP_APP_MAX);
		const veuicc_saip_app_instance *in = &a->instance_list.items[i];
		veuicc_saip_gp_app *o = &c->gp->app[c->gp->napp++];
		memset(o, 0, sizeof(*o));
		copy_aid(&o->load_package_aid, &in->application_load_package_aid);
		copy_aid(&o->class_aid, &in->class_aid);
		copy_aid(&o->instance_aid, &in->instance_aid);
		o->life_cycle_state =
		    in->life_cycle_state.len == 1 ? in->life_cycle_state.data[0] : 0x07;
		if (!copy_small(o->privileges, &o->privileges_len, sizeof(o->privileges),
		                &in->application_privileges))
			o->privileges_len = 0; /* longer than GP's 3 bytes: not reported */
		o->has_load_block = a->load_block != NULL;
		if (!copy_small(o->c9, &o->c9_len, sizeof(o->c9),
		                &in->application_specific_parameters_c9))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "C9 parameters longer than %d bytes", VEUICC_SAIP_C9_MAX);
		const veuicc_saip_uicc_app_params *ap = in->application_parameters;
		if (ap && !copy_small(o->toolkit, &o->toolkit_len, sizeof(o->toolkit),
		                      &ap->uicc_toolkit_params))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "toolkit parameters longer than %d bytes", VEUICC_SAIP_C9_MAX);
		if (ap && !copy_small(o->access, &o->access_len, sizeof(o->access),
		                      &ap->uicc_access_params))
			return fail(c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED,
			            "access parameters longer than %d bytes", VEUICC_SAIP_C9_MAX);
	}
	return VEUICC_OK;
}

/* A PE this installer does not implement: fatal when mandated, otherwise
 * reported as pe-not-supported and skipped (SAIP PEHeader.mandated). */
static int not_supported(ictx *c, const char *why)
{
	const veuicc_saip_pe_header *h = veuicc_saip_pe_get_header(c->pe);
	if (!h || h->mandated)
		return fail(c, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED, VEUICC_ERR_UNSUPPORTED, "%s",
		            why);
	warn(c, "skipped: %s", why);
	c->skip_status = VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED;
	return 1; /* not an error; PE status pe-not-supported */
}

/* ---- the package ------------------------------------------------------------------------- */

void veuicc_saip_gp_info_clear(veuicc_saip_gp_info *gi)
{
	if (gi)
		mbedtls_platform_zeroize(gi, sizeof(*gi));
}

static int install_pe(ictx *c)
{
	const veuicc_saip_pe *pe = c->pe;
	if (veuicc_saip_pe_type_is_fs(pe->type))
		return install_fs_pe(c);
	switch (pe->type) {
	case VEUICC_SAIP_PE_HEADER:
	case VEUICC_SAIP_PE_END: return VEUICC_OK;
	case VEUICC_SAIP_PE_GFM: return install_gfm(c);
	case VEUICC_SAIP_PE_PIN_CODES: return install_pins(c);
	case VEUICC_SAIP_PE_PUK_CODES: return install_puks(c);
	case VEUICC_SAIP_PE_AKA: return install_aka(c);
	case VEUICC_SAIP_PE_CDMA:
		/* CAVE authentication is not implemented. The CSIM files are
		 * installed, so the mandated cdmaParameter of the TS.48 profiles is
		 * accepted with PE status pe-not-supported and a warning instead of
		 * failing the package (docs/saip-install.md). */
		warn(c, "CDMA CAVE parameters not used (no CAVE authentication)");
		c->skip_status = VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED;
		return 1;
	case VEUICC_SAIP_PE_SECURITY_DOMAIN: return install_sd(c);
	case VEUICC_SAIP_PE_RFM: return install_rfm(c);
	case VEUICC_SAIP_PE_APPLICATION: return install_application(c);
	case VEUICC_SAIP_PE_NON_STANDARD:
		return not_supported(c, "nonStandard PE (issuer-specific content)");
	default: return not_supported(c, "PE type not supported");
	}
}

int veuicc_saip_install(const veuicc_saip_profile *p, veuicc_fs **out_fs, veuicc_saip_gp_info *gp,
                        veuicc_saip_install_result *res)
{
	veuicc_saip_install_result local;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->pe_index = -1;
	res->identification = -1;
	res->pe_type = VEUICC_SAIP_PE_UNKNOWN;
	if (out_fs)
		*out_fs = NULL;
	if (gp) { /* the caller's package look-up survives the clearing */
		int (*known)(void *, const uint8_t *, size_t) = gp->pkg_known;
		void *known_ctx = gp->pkg_ctx;
		veuicc_saip_gp_info_clear(gp);
		gp->pkg_known = known;
		gp->pkg_ctx = known_ctx;
	}
	if (!p || !out_fs) {
		res->status = VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT;
		snprintf(res->msg, sizeof(res->msg), "no profile or no output");
		return VEUICC_ERR_INVALID_ARG;
	}
	ictx c = {.p = p, .gp = gp, .res = res};

	/* the package as a whole first (veuicc_saip_validate) */
	veuicc_saip_report *rep = calloc(1, sizeof(*rep));
	if (!rep) {
		res->status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
		return VEUICC_ERR_NO_MEMORY;
	}
	if (veuicc_saip_validate(p, NULL, rep) != VEUICC_OK) {
		for (size_t i = 0; i < rep->count; i++) {
			const veuicc_saip_issue *is = &rep->issues[i];
			if (is->warning)
				continue;
			res->status = is->status;
			res->pe_index = is->pe_index;
			res->identification = is->identification;
			res->pe_type = is->pe_type;
			snprintf(res->msg, sizeof(res->msg), "validation: %.180s", is->msg);
			break;
		}
		if (res->status == VEUICC_SAIP_STATUS_OK)
			res->status = VEUICC_SAIP_STATUS_BAD_VALUES;
		free(rep);
		switch (res->status) {
		case VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED:
		case VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED:
		case VEUICC_SAIP_STATUS_LIB_NOT_SUPPORTED:
		case VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED:
		case VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED:
		case VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION: return VEUICC_ERR_UNSUPPORTED;
		default: return VEUICC_ERR_MALFORMED;
		}
	}
	free(rep);

	int rc = veuicc_fs_new(VEUICC_FS_UICC_CHAR_DEFAULT, &c.fs);
	if (rc != VEUICC_OK) {
		res->status = VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY;
		return rc;
	}
	c.ctx_dir = c.fs->mf;
	for (size_t i = 0; i < p->count; i++) {
		c.pe_index = i;
		c.pe = &p->pes[i];
		rc = install_pe(&c);
		veuicc_saip_status st = rc == 1           ? c.skip_status
		                        : rc == VEUICC_OK ? VEUICC_SAIP_STATUS_OK
		                                          : res->status;
		if (res->count < VEUICC_SAIP_INSTALL_MAX_PES) {
			veuicc_saip_pe_result *pr = &res->pe[res->count];
			pr->type = c.pe->type;
			pr->identification = pe_ident(c.pe);
			pr->status = st;
		}
		res->count++;
		if (rc < 0)
			break;
		rc = VEUICC_OK;
	}
	if (rc == VEUICC_OK && !c.mf_done) {
		c.pe = NULL;
		rc = fail(&c, VEUICC_SAIP_STATUS_BAD_VALUES, VEUICC_ERR_MALFORMED, "no mf PE");
	}
	if (rc != VEUICC_OK) {
		/* all or nothing: drop the half-built file system and GP data */
		veuicc_fs_free(c.fs);
		if (gp)
			veuicc_saip_gp_info_clear(gp);
		if (res->status == VEUICC_SAIP_STATUS_OK)
			res->status = VEUICC_SAIP_STATUS_BAD_VALUES;
		return rc;
	}
	res->status = VEUICC_SAIP_STATUS_OK;
	*out_fs = c.fs;
	return VEUICC_OK;
}

int veuicc_saip_install_der(const uint8_t *der, size_t len, veuicc_fs **out_fs,
                            veuicc_saip_gp_info *gp, veuicc_saip_install_result *res)
{
	veuicc_saip_profile *p = NULL;
	veuicc_saip_error err;
	if (out_fs)
		*out_fs = NULL;
	int rc = veuicc_saip_decode(der, len, &p, &err);
	if (rc != VEUICC_OK) {
		if (res) {
			memset(res, 0, sizeof(*res));
			res->status = err.status == VEUICC_SAIP_STATUS_OK
			                  ? VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT
			                  : err.status;
			res->pe_index = err.pe_index;
			res->identification = err.identification;
			res->pe_type = VEUICC_SAIP_PE_UNKNOWN;
			snprintf(res->msg, sizeof(res->msg), "decoding: %.180s", err.msg);
		}
		return rc;
	}
	rc = veuicc_saip_install(p, out_fs, gp, res);
	veuicc_saip_free(p);
	return rc;
}
