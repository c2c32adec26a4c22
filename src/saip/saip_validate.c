/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP profile package validation: the checks an eUICC's profile package
 * interpreter makes before and while it installs the PEs, each mapped to the
 * PEStatus code (PEDefinitions 3.3.1) the card would report.
 *
 * Sources of the rules: the PEDefinitions 3.3.1 module comments (PIN/PUK
 * references, global PINs in the MF and local PINs in DFs/ADFs, File element
 * rules), the SAIP package structure (ProfileHeader first, PE-End last,
 * unique PE identification numbers, file system PEs in the context of
 * their DF/ADF), the template OIDs of SAIP Annex B (as in
 * shared/data/saip-templates, taken from pySim's transcription) and the
 * eUICC-Mandatory-services / GFSTE lists of the ProfileHeader.
 *
 * Status codes used: structure and order errors -> invalid-request-format;
 * inconsistent or out-of-range values -> bad-values; unresolved PIN/PUK
 * references -> pin-code-missing; unknown templates -> template-not-supported;
 * a mandated PE veuicc cannot process -> pe-not-supported; a header version
 * outside 2.x/3.x -> unsupported-profile-version; a mandatory service the
 * eUICC lacks -> feature-not-supported.
 */
#include "saip/saip_schema.h"
#include "tlv/tlv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_ADFS 16
#define MAX_TARS 64

/* SAIP Annex B: template OIDs {2 23 143 1 2 x [y]} and the PE type that uses each. */
static const uint8_t template_arc[] = {0x67, 0x81, 0x0F, 0x01, 0x02}; /* 2.23.143.1.2 */
static const struct {
	veuicc_saip_pe_type type;
	uint8_t x, y; /* y = 0: no sub-version arc */
} templates[] = {
    {VEUICC_SAIP_PE_MF, 1, 0},         {VEUICC_SAIP_PE_CD, 2, 0},
    {VEUICC_SAIP_PE_TELECOM, 3, 0},    {VEUICC_SAIP_PE_TELECOM, 3, 2},
    {VEUICC_SAIP_PE_USIM, 4, 0},       {VEUICC_SAIP_PE_USIM, 4, 2},
    {VEUICC_SAIP_PE_OPT_USIM, 5, 0},   {VEUICC_SAIP_PE_OPT_USIM, 5, 2},
    {VEUICC_SAIP_PE_OPT_USIM, 5, 3},   {VEUICC_SAIP_PE_PHONEBOOK, 6, 0},
    {VEUICC_SAIP_PE_GSM_ACCESS, 7, 0}, {VEUICC_SAIP_PE_ISIM, 8, 0},
    {VEUICC_SAIP_PE_OPT_ISIM, 9, 0},   {VEUICC_SAIP_PE_OPT_ISIM, 9, 2},
    {VEUICC_SAIP_PE_CSIM, 10, 0},      {VEUICC_SAIP_PE_CSIM, 10, 2},
    {VEUICC_SAIP_PE_OPT_CSIM, 11, 0},  {VEUICC_SAIP_PE_OPT_CSIM, 11, 2},
    {VEUICC_SAIP_PE_EAP, 12, 0},       {VEUICC_SAIP_PE_DF_5GS, 13, 0},
    {VEUICC_SAIP_PE_DF_5GS, 13, 2},    {VEUICC_SAIP_PE_DF_5GS, 13, 3},
    {VEUICC_SAIP_PE_DF_5GS, 13, 4},    {VEUICC_SAIP_PE_DF_SAIP, 14, 0},
    {VEUICC_SAIP_PE_DF_SNPN, 15, 0},   {VEUICC_SAIP_PE_DF_5GPROSE, 16, 0},
    {VEUICC_SAIP_PE_IOT, 17, 0},       {VEUICC_SAIP_PE_OPT_IOT, 18, 0},
};

/* The PE types that build inside an ADF created by an earlier PE of type `needs`. */
static const struct {
	veuicc_saip_pe_type type, needs;
} depends[] = {
    {VEUICC_SAIP_PE_OPT_USIM, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_PHONEBOOK, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_GSM_ACCESS, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_EAP, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_DF_5GS, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_DF_SAIP, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_DF_SNPN, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_DF_5GPROSE, VEUICC_SAIP_PE_USIM},
    {VEUICC_SAIP_PE_OPT_ISIM, VEUICC_SAIP_PE_ISIM},
    {VEUICC_SAIP_PE_OPT_CSIM, VEUICC_SAIP_PE_CSIM},
    {VEUICC_SAIP_PE_CDMA, VEUICC_SAIP_PE_CSIM},
    {VEUICC_SAIP_PE_OPT_IOT, VEUICC_SAIP_PE_IOT},
};

/* TS 102 221 §11.1.1.4.3 Table 11.5: file descriptor byte x0111001 = BER-TLV structure. */
#define FDB_TYPE_MASK 0x3Fu
#define FDB_BER_TLV   0x39u

struct vstate {
	const veuicc_saip_profile *p;
	const veuicc_saip_validate_opts *opts;
	veuicc_saip_report *rep;
	size_t i; /* current PE */
	uint32_t used_services;
	unsigned seen[VEUICC_SAIP_PE_TYPE_COUNT];
	long header_at, end_at, mf_at;
	veuicc_saip_pe_type last_fs; /* last file system PE or GFM: the PIN context */
	uint8_t ids[32768 / 8];
	bool puk[256];
	const veuicc_saip_oct *adfs[MAX_ADFS];
	size_t n_adfs;
	const uint8_t *tars[MAX_TARS];
	size_t n_tars;
	const veuicc_saip_oct *rfm_aids[MAX_TARS];
	size_t n_rfm;
};

static void add(struct vstate *s, bool warning, veuicc_saip_status st, long pe, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static void add(struct vstate *s, bool warning, veuicc_saip_status st, long pe, const char *fmt,
                ...)
{
	veuicc_saip_report *r = s->rep;

	if (warning)
		r->warnings++;
	else
		r->errors++;
	if (r->count == VEUICC_SAIP_MAX_ISSUES)
		return;
	veuicc_saip_issue *is = &r->issues[r->count++];
	memset(is, 0, sizeof(*is));
	is->status = st;
	is->warning = warning;
	is->pe_index = pe;
	is->identification = -1;
	is->pe_type = VEUICC_SAIP_PE_UNKNOWN;
	if (pe >= 0 && (size_t)pe < s->p->count) {
		const veuicc_saip_pe *x = &s->p->pes[pe];
		const veuicc_saip_pe_header *h = veuicc_saip_pe_get_header(x);
		is->pe_type = x->type;
		is->offset = x->offset;
		if (h)
			is->identification = (long)h->identification;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(is->msg, sizeof(is->msg), fmt, ap);
	va_end(ap);
}

#define ERR(s, st, ...)  add(s, false, st, (long)(s)->i, __VA_ARGS__)
#define WARN(s, st, ...) add(s, true, st, (long)(s)->i, __VA_ARGS__)

static bool oct_eq(const veuicc_saip_oct *a, const uint8_t *b, size_t n)
{
	return a->present && a->len == n && memcmp(a->data, b, n) == 0;
}

static bool template_known(const veuicc_saip_oct *oid, veuicc_saip_pe_type *type)
{
	const size_t base = sizeof(template_arc);

	if (!oid->present || oid->len < base + 1 || oid->len > base + 2 ||
	    memcmp(oid->data, template_arc, base) != 0)
		return false;
	for (size_t k = 0; k < sizeof(templates) / sizeof(templates[0]); k++) {
		uint8_t want[2] = {templates[k].x, templates[k].y};
		size_t n = templates[k].y ? 2 : 1;
		if (oid->len == base + n && memcmp(oid->data + base, want, n) == 0) {
			*type = templates[k].type;
			return true;
		}
	}
	return false;
}

static void oid_text(const veuicc_saip_oct *oid, char *buf, size_t cap)
{
	if (veuicc_saip_oid_to_text(oid->data, oid->len, buf, cap))
		snprintf(buf, cap, "(invalid OID)");
}

/* Record BER-TLV files and ADF names of one FCP. */
static void check_fcp(struct vstate *s, const veuicc_saip_fcp *fcp, const char *where)
{
	if (fcp->file_descriptor.present && fcp->file_descriptor.len >= 1 &&
	    (fcp->file_descriptor.data[0] & FDB_TYPE_MASK) == FDB_BER_TLV)
		s->used_services |= 1u << VEUICC_SAIP_SVC_BER_TLV;
	if (fcp->df_name.present) {
		if (s->n_adfs < MAX_ADFS)
			s->adfs[s->n_adfs++] = &fcp->df_name;
		else
			WARN(s, VEUICC_SAIP_STATUS_BAD_VALUES, "%s: more than %d ADFs", where,
			     MAX_ADFS);
	}
}

static void check_fs(struct vstate *s, const veuicc_saip_pe *pe)
{
	const veuicc_saip_pe_fs *fs = pe->u.fs;
	veuicc_saip_pe_type tt;
	char txt[64];

	if (!template_known(&fs->template_id, &tt)) {
		oid_text(&fs->template_id, txt, sizeof(txt));
		ERR(s, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED,
		    "templateID %s is not a SAIP template", txt);
	} else if (tt != pe->type) {
		oid_text(&fs->template_id, txt, sizeof(txt));
		ERR(s, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED,
		    "templateID %s belongs to PE %s, not %s", txt, veuicc_saip_pe_type_name(tt),
		    veuicc_saip_pe_type_name(pe->type));
	}
	for (size_t k = 0; k < fs->count; k++) {
		const veuicc_saip_fs_file *ff = &fs->files[k];
		size_t n_fcp = 0;
		for (size_t e = 0; e < ff->file.count; e++) {
			const veuicc_saip_file_elem *el = &ff->file.items[e];
			switch (el->op) {
			case VEUICC_SAIP_FILE_OP_DO_NOT_CREATE:
				/* PEDefinitions File: doNotCreate only for a whole file. */
				if (ff->file.count != 1)
					ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
					    "%s: doNotCreate must be the only element", ff->name);
				if (pe->type == VEUICC_SAIP_PE_MF)
					ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
					    "%s: doNotCreate has no effect in the MF", ff->name);
				break;
			case VEUICC_SAIP_FILE_OP_FILE_DESCRIPTOR:
				if (e != 0 || ++n_fcp > 1)
					ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
					    "%s: fileDescriptor must come once, first", ff->name);
				check_fcp(s, el->fcp, ff->name);
				break;
			case VEUICC_SAIP_FILE_OP_UNKNOWN:
				WARN(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED,
				     "%s: File element unknown to SAIP 3.3.1 ignored", ff->name);
				break;
			default: break;
			}
		}
	}
}

static void check_gfm(struct vstate *s, const veuicc_saip_pe_gfm *g)
{
	for (size_t k = 0; k < g->file_management_cmd.count; k++) {
		const veuicc_saip_file_management *fm = &g->file_management_cmd.items[k];
		for (size_t e = 0; e < fm->count; e++) {
			const veuicc_saip_fm_cmd *c = &fm->items[e];
			if (c->op == VEUICC_SAIP_FM_OP_CREATE_FCP)
				check_fcp(s, c->create_fcp, "createFCP");
			if (c->op == VEUICC_SAIP_FM_OP_UNKNOWN)
				ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
				    "fileManagementCMD[%zu][%zu]: unknown command", k, e);
			/* A fill before any file is selected or created has no target. */
			if (e == 0 && (c->op == VEUICC_SAIP_FM_OP_FILL_FILE_CONTENT ||
			               c->op == VEUICC_SAIP_FM_OP_FILL_FILE_OFFSET))
				ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				    "fileManagementCMD[%zu]: starts with a fill, no file selected",
				    k);
		}
	}
}

/* PEDefinitions PINConfiguration: global PINs in the MF context, local ones in DFs/ADFs. */
static bool pin_is_global(uint32_t ref)
{
	return ref < 0x80;
}

static void check_pins(struct vstate *s, const veuicc_saip_pe_pin_codes *pc)
{
	bool seen[256] = {false};
	bool mf_context = s->last_fs == VEUICC_SAIP_PE_MF;

	if (pc->pin_codes.kind != VEUICC_SAIP_PIN_CODES_PINCONFIG)
		return; /* a filePath shares the PINs of another DF: nothing to check here */
	for (size_t k = 0; k < pc->pin_codes.pinconfig.count; k++) {
		const veuicc_saip_pin_config *c = &pc->pin_codes.pinconfig.items[k];
		uint32_t ref = c->key_reference;
		if (ref > 255 || seen[ref])
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES, "PIN key reference %u defined twice",
			    ref);
		else
			seen[ref] = true;
		if (mf_context && !pin_is_global(ref))
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "local PIN %u in the MF context (only global PINs there)", ref);
		if (!mf_context && pin_is_global(ref))
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "global PIN %u in a DF/ADF context (only local PINs there)", ref);
		if (c->unblocking_pin_reference.present &&
		    (c->unblocking_pin_reference.value > 255 ||
		     !s->puk[c->unblocking_pin_reference.value]))
			ERR(s, VEUICC_SAIP_STATUS_PIN_CODE_MISSING,
			    "PIN %u refers to PUK %u, which no earlier pukCodes PE defines", ref,
			    c->unblocking_pin_reference.value);
	}
}

static void check_puks(struct vstate *s, const veuicc_saip_pe_puk_codes *pc)
{
	bool seen[256] = {false};

	for (size_t k = 0; k < pc->puk_codes.count; k++) {
		uint32_t ref = pc->puk_codes.items[k].key_reference;
		if (ref > 255 || seen[ref]) {
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES, "PUK key reference %u defined twice",
			    ref);
			continue;
		}
		seen[ref] = true;
		s->puk[ref] = true;
	}
}

static void check_aka(struct vstate *s, const veuicc_saip_pe_aka *a)
{
	const veuicc_saip_algo_parameter *ap = a->algo_configuration.algo_parameter;

	if (a->algo_configuration.kind != VEUICC_SAIP_ALGO_CONF_ALGO || !ap)
		return;
	switch (ap->algorithm_id) {
	case VEUICC_SAIP_ALGO_MILENAGE:
		/* TS 35.206 §2: K and OPc are 128 bits. */
		s->used_services |= 1u << VEUICC_SAIP_SVC_MILENAGE;
		if (ap->key.len != 16 || ap->opc.len != 16)
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "Milenage needs a 16-byte K and OPc (got %u, %u)", ap->key.len,
			    ap->opc.len);
		break;
	case VEUICC_SAIP_ALGO_TUAK:
		/* TS 35.231 §6: K 128 or 256 bits, TOP 256 bits. */
		s->used_services |=
		    1u << (ap->key.len == 32 ? VEUICC_SAIP_SVC_TUAK256 : VEUICC_SAIP_SVC_TUAK128);
		if ((ap->key.len != 16 && ap->key.len != 32) || ap->opc.len != 32)
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "TUAK needs a 16/32-byte K and 32-byte TOPc (got %u, %u)", ap->key.len,
			    ap->opc.len);
		break;
	case VEUICC_SAIP_ALGO_USIM_TEST:
		/* TS 34.108 §8.1.2: the XOR test algorithm works on a 128-bit K. */
		s->used_services |= 1u << VEUICC_SAIP_SVC_USIM_TEST_ALGORITHM;
		if (ap->key.len != 16)
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "usim-test-algorithm needs a 16-byte K (got %u)", ap->key.len);
		break;
	default:
		ERR(s, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED, "unknown algorithmID %u",
		    ap->algorithm_id);
	}
}

static void check_sd(struct vstate *s, const veuicc_saip_pe_sd *sd)
{
	for (size_t k = 0; k < sd->key_list.count; k++) {
		const veuicc_saip_key_object *a = &sd->key_list.items[k];
		for (size_t j = 0; j < k; j++) {
			const veuicc_saip_key_object *b = &sd->key_list.items[j];
			/* GP Card Spec §11.1.8: a key is named by (version, identifier). */
			if (a->key_identifier.data[0] == b->key_identifier.data[0] &&
			    a->key_version_number.data[0] == b->key_version_number.data[0])
				ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
				    "key %02X of key version %02X defined twice",
				    a->key_identifier.data[0], a->key_version_number.data[0]);
		}
		for (size_t c = 0; c < a->key_components.count; c++)
			if (a->key_components.items[c].key_data.len == 0)
				ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
				    "key %02X/%02X has empty keyData",
				    a->key_version_number.data[0], a->key_identifier.data[0]);
	}
}

static void check_rfm(struct vstate *s, const veuicc_saip_pe_rfm *r)
{
	for (size_t k = 0; k < s->n_rfm; k++)
		if (s->rfm_aids[k]->len == r->instance_aid.len &&
		    memcmp(s->rfm_aids[k]->data, r->instance_aid.data, r->instance_aid.len) == 0)
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES, "RFM instance AID used twice");
	if (s->n_rfm < MAX_TARS)
		s->rfm_aids[s->n_rfm++] = &r->instance_aid;
	for (size_t t = 0; t < r->tar_list.count; t++) {
		const uint8_t *tar = r->tar_list.items[t].data;
		/* TS 102 225 §5.1.3: a TAR names one application. */
		for (size_t k = 0; k < s->n_tars; k++)
			if (memcmp(s->tars[k], tar, 3) == 0)
				ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
				    "TAR %02X%02X%02X used by two RFM instances", tar[0], tar[1],
				    tar[2]);
		if (s->n_tars < MAX_TARS)
			s->tars[s->n_tars++] = tar;
	}
	if (r->adf_rfm_access) {
		const veuicc_saip_oct *aid = &r->adf_rfm_access->adf_aid;
		bool found = false;
		for (size_t k = 0; k < s->n_adfs && !found; k++)
			found = s->adfs[k]->len == aid->len &&
			        memcmp(s->adfs[k]->data, aid->data, aid->len) == 0;
		if (!found)
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES,
			    "adfRFMAccess names an ADF that no earlier PE creates");
	}
}

/* Is the `mandated` bit set in the PEHeader of an unknown PE's raw TLV? */
static bool raw_mandated(const veuicc_saip_oct *raw)
{
	veuicc_tlv_reader r, in, h;
	veuicc_tlv t;

	veuicc_tlv_reader_init(&r, raw->data, raw->len, VEUICC_TLV_DER);
	if (veuicc_tlv_next(&r, &t) != 1)
		return true;
	veuicc_tlv_enter(&r, &t, &in);
	if (veuicc_tlv_next(&in, &t) != 1 || t.tag != 0xA0)
		return true; /* no PEHeader: cannot be skipped safely */
	veuicc_tlv_enter(&in, &t, &h);
	return veuicc_tlv_next(&h, &t) == 1 && t.tag == 0x80;
}

static void check_header(struct vstate *s, const veuicc_saip_header *h)
{
	/* Versions 2.x and 3.x of the specification (PEDefinitions up to 3.3.1). */
	if (h->major_version < 2 || h->major_version > 3)
		ERR(s, VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION,
		    "profile version %u.%u, veuicc supports 2.x and 3.x", h->major_version,
		    h->minor_version);
	/* ITU-T E.118: BCD digits, F filler only at the end, Luhn check digit. */
	char digits[21];
	size_t n = 0;
	bool pad = false, bcd_ok = true;
	for (size_t k = 0; k < h->iccid.len; k++) {
		uint8_t nib[2] = {(uint8_t)(h->iccid.data[k] >> 4),
		                  (uint8_t)(h->iccid.data[k] & 15)};
		for (int j = 0; j < 2; j++) {
			if (nib[j] == 0xF)
				pad = true;
			else if (nib[j] > 9 || pad)
				bcd_ok = false;
			else
				digits[n++] = (char)('0' + nib[j]);
		}
	}
	if (!bcd_ok || n < 18) {
		ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES, "ICCID is not 18..20 BCD digits");
	} else {
		unsigned sum = 0;
		for (size_t k = 0; k < n; k++) {
			unsigned v = (unsigned)(digits[n - 1 - k] - '0');
			if (k & 1)
				v = v * 2 > 9 ? v * 2 - 9 : v * 2;
			sum += v;
		}
		if (sum % 10)
			WARN(s, VEUICC_SAIP_STATUS_BAD_VALUES, "ICCID check digit (Luhn) is wrong");
	}
}

/* EF.ICCID (TS 102 221 §13.2) must hold the header ICCID with swapped nibbles. */
static void check_iccid_consistency(struct vstate *s)
{
	const veuicc_saip_header *h = s->p->pes[s->header_at].u.header;
	const veuicc_saip_pe_fs *mf = s->p->pes[s->mf_at].u.fs;

	if (h->iccid.len != 10)
		return; /* reported by check_header() */
	for (size_t k = 0; k < mf->count; k++) {
		if (strcmp(mf->files[k].name, "ef-iccid") != 0)
			continue;
		const veuicc_saip_file *f = &mf->files[k].file;
		for (size_t e = 0; e < f->count; e++) {
			const veuicc_saip_file_elem *el = &f->items[e];
			if (el->op == VEUICC_SAIP_FILE_OP_FILL_FILE_OFFSET)
				return;
			if (el->op != VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT)
				continue;
			uint8_t sw[10];
			for (size_t j = 0; j < 10; j++)
				sw[j] = (uint8_t)(h->iccid.data[j] << 4 | h->iccid.data[j] >> 4);
			if (el->fill_file_content.len < 10 ||
			    memcmp(el->fill_file_content.data, sw, 10) != 0)
				add(s, false, VEUICC_SAIP_STATUS_BAD_VALUES, s->mf_at,
				    "EF.ICCID content differs from the header ICCID");
			return;
		}
	}
}

static void check_services(struct vstate *s)
{
	const veuicc_saip_header *h = s->p->pes[s->header_at].u.header;
	uint32_t declared = h->mandatory_services.bits;
	uint32_t missing = s->used_services & ~declared;

	for (unsigned b = 0; b < VEUICC_SAIP_SVC_COUNT; b++)
		if (missing & (1u << b))
			add(s, false, VEUICC_SAIP_STATUS_BAD_VALUES, s->header_at,
			    "the package needs service %s, eUICC-Mandatory-services lacks it",
			    veuicc_saip_service_name(b));
	static const struct {
		unsigned svc;
		veuicc_saip_pe_type pe;
	} naa[] = {{VEUICC_SAIP_SVC_USIM, VEUICC_SAIP_PE_USIM},
	           {VEUICC_SAIP_SVC_ISIM, VEUICC_SAIP_PE_ISIM},
	           {VEUICC_SAIP_SVC_CSIM, VEUICC_SAIP_PE_CSIM}};
	for (size_t k = 0; k < 3; k++)
		if ((declared & (1u << naa[k].svc)) && !s->seen[naa[k].pe])
			add(s, false, VEUICC_SAIP_STATUS_BAD_VALUES, s->header_at,
			    "service %s is mandatory but there is no %s PE",
			    veuicc_saip_service_name(naa[k].svc),
			    veuicc_saip_pe_type_name(naa[k].pe));
	if (s->opts && s->opts->supported_services) {
		uint32_t lacking = declared & ~s->opts->supported_services;
		for (unsigned b = 0; b < VEUICC_SAIP_SVC_COUNT; b++)
			if (lacking & (1u << b))
				add(s, false, VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED,
				    s->header_at, "mandatory service %s is not supported",
				    veuicc_saip_service_name(b));
	}
}

static void check_gfste(struct vstate *s)
{
	const veuicc_saip_header *h = s->p->pes[s->header_at].u.header;
	veuicc_saip_pe_type tt;
	char txt[64];

	for (size_t k = 0; k < h->mandatory_gfste.count; k++) {
		if (!template_known(&h->mandatory_gfste.items[k], &tt)) {
			oid_text(&h->mandatory_gfste.items[k], txt, sizeof(txt));
			add(s, false, VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED, s->header_at,
			    "eUICC-Mandatory-GFSTEList names unknown template %s", txt);
		}
	}
	for (size_t i = 0; i < s->p->count; i++) {
		const veuicc_saip_pe *pe = &s->p->pes[i];
		if (!veuicc_saip_pe_type_is_fs(pe->type))
			continue;
		const veuicc_saip_oct *oid = &pe->u.fs->template_id;
		bool listed = false;
		for (size_t k = 0; k < h->mandatory_gfste.count && !listed; k++)
			listed = oct_eq(&h->mandatory_gfste.items[k], oid->data, oid->len);
		if (!listed) {
			oid_text(oid, txt, sizeof(txt));
			add(s, false, VEUICC_SAIP_STATUS_BAD_VALUES, (long)i,
			    "template %s is not in eUICC-Mandatory-GFSTEList", txt);
		}
	}
}

static void check_pe(struct vstate *s, const veuicc_saip_pe *pe)
{
	const veuicc_saip_pe_header *ph = veuicc_saip_pe_get_header(pe);

	if (s->end_at >= 0)
		ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "PE after the end PE");
	if (ph) {
		uint32_t id = ph->identification;
		if (s->ids[id / 8] & (1u << (id % 8)))
			ERR(s, VEUICC_SAIP_STATUS_BAD_VALUES, "identification %u used twice", id);
		s->ids[id / 8] |= (uint8_t)(1u << (id % 8));
	}
	if (pe->type < VEUICC_SAIP_PE_TYPE_COUNT) {
		s->seen[pe->type]++;
		for (size_t k = 0; k < sizeof(depends) / sizeof(depends[0]); k++)
			if (depends[k].type == pe->type && !s->seen[depends[k].needs])
				ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
				    "%s PE before any %s PE", veuicc_saip_pe_type_name(pe->type),
				    veuicc_saip_pe_type_name(depends[k].needs));
	}
	if ((veuicc_saip_pe_type_is_fs(pe->type) && pe->type != VEUICC_SAIP_PE_MF) ||
	    pe->type == VEUICC_SAIP_PE_GFM || pe->type == VEUICC_SAIP_PE_PIN_CODES) {
		if (s->mf_at < 0)
			ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "%s PE before the mf PE",
			    veuicc_saip_pe_type_name(pe->type));
	}
	if (veuicc_saip_pe_type_is_fs(pe->type)) {
		check_fs(s, pe);
		s->last_fs = pe->type;
	}
	switch (pe->type) {
	case VEUICC_SAIP_PE_HEADER:
		if (s->i != 0)
			ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			    "header PE at index %zu, only the first PE may be one", s->i);
		break;
	case VEUICC_SAIP_PE_MF:
		if (s->mf_at >= 0)
			ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, "second mf PE");
		else
			s->mf_at = (long)s->i;
		break;
	case VEUICC_SAIP_PE_USIM:
	case VEUICC_SAIP_PE_ISIM:
	case VEUICC_SAIP_PE_CSIM: {
		static const unsigned svc[] = {VEUICC_SAIP_SVC_USIM, VEUICC_SAIP_SVC_ISIM,
		                               VEUICC_SAIP_SVC_CSIM};
		static const unsigned multi[] = {VEUICC_SAIP_SVC_MULTIPLE_USIM,
		                                 VEUICC_SAIP_SVC_MULTIPLE_ISIM,
		                                 VEUICC_SAIP_SVC_MULTIPLE_CSIM};
		size_t k = pe->type == VEUICC_SAIP_PE_USIM   ? 0
		           : pe->type == VEUICC_SAIP_PE_ISIM ? 1
		                                             : 2;
		s->used_services |= 1u << svc[k];
		if (s->seen[pe->type] > 1)
			s->used_services |= 1u << multi[k];
		break;
	}
	case VEUICC_SAIP_PE_GFM:
		check_gfm(s, pe->u.gfm);
		s->last_fs = VEUICC_SAIP_PE_GFM;
		break;
	case VEUICC_SAIP_PE_PUK_CODES: check_puks(s, pe->u.puk_codes); break;
	case VEUICC_SAIP_PE_PIN_CODES: check_pins(s, pe->u.pin_codes); break;
	case VEUICC_SAIP_PE_AKA:
		if (!s->seen[VEUICC_SAIP_PE_USIM] && !s->seen[VEUICC_SAIP_PE_ISIM] &&
		    !s->seen[VEUICC_SAIP_PE_IOT])
			ERR(s, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT,
			    "akaParameter PE before any usim, isim or iot PE");
		check_aka(s, pe->u.aka);
		break;
	case VEUICC_SAIP_PE_SECURITY_DOMAIN: check_sd(s, pe->u.sd); break;
	case VEUICC_SAIP_PE_RFM: check_rfm(s, pe->u.rfm); break;
	case VEUICC_SAIP_PE_APPLICATION: s->used_services |= 1u << VEUICC_SAIP_SVC_JAVACARD; break;
	case VEUICC_SAIP_PE_NON_STANDARD:
		if (ph->mandated)
			ERR(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED,
			    "mandated nonStandard PE: veuicc has no non-standard extensions");
		else
			WARN(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED, "nonStandard PE skipped");
		break;
	case VEUICC_SAIP_PE_END: s->end_at = (long)s->i; break;
	case VEUICC_SAIP_PE_UNKNOWN:
		if (raw_mandated(&pe->raw))
			ERR(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED,
			    "mandated PE of a type unknown to SAIP 3.3.1");
		else
			WARN(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED,
			     "PE of a type unknown to SAIP 3.3.1 skipped");
		break;
	default:
		if (pe->type >= VEUICC_SAIP_PE_RFU1 && pe->type <= VEUICC_SAIP_PE_RFU5)
			WARN(s, VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED, "rfu PE skipped");
		break;
	}
}

int veuicc_saip_validate(const veuicc_saip_profile *p, const veuicc_saip_validate_opts *opts,
                         veuicc_saip_report *rep)
{
	struct vstate s;

	if (!p || !rep)
		return VEUICC_ERR_INVALID_ARG;
	memset(&s, 0, sizeof(s));
	memset(rep, 0, sizeof(*rep));
	s.p = p;
	s.opts = opts;
	s.rep = rep;
	s.header_at = s.end_at = s.mf_at = -1;
	s.last_fs = VEUICC_SAIP_PE_UNKNOWN;

	if (p->count == 0 || p->pes[0].type != VEUICC_SAIP_PE_HEADER)
		add(&s, false, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, p->count ? 0 : -1,
		    "the first PE must be the header");
	else
		s.header_at = 0;
	for (s.i = 0; s.i < p->count; s.i++)
		check_pe(&s, &p->pes[s.i]);
	s.i = 0;
	if (s.header_at >= 0)
		check_header(&s, p->pes[0].u.header);
	if (s.end_at < 0)
		add(&s, false, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, -1,
		    "no end PE: the package is incomplete");
	if (s.mf_at < 0)
		add(&s, false, VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT, -1, "no mf PE");
	if (s.header_at >= 0) {
		check_services(&s);
		check_gfste(&s);
		if (s.mf_at >= 0)
			check_iccid_consistency(&s);
	}
	return rep->errors ? VEUICC_ERR_MALFORMED : VEUICC_OK;
}
