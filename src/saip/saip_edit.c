/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Personalisation of a decoded profile: ICCID (ProfileHeader + EF.ICCID),
 * IMSI (EF.IMSI) and the AKA algorithm and keys (akaParameter). Edited values are copied
 * into the profile's memory; the old bytes stay there until
 * veuicc_saip_free() zeroises everything.
 */
#include "saip/saip_schema.h"

#include <string.h>

#define ICCID_BYTES 10 /* ProfileHeader.iccid SIZE(10); EF.ICCID, TS 102 221 §13.2 */
#define IMSI_BYTES  9  /* EF.IMSI, TS 31.102 §4.2.2 */
#define BCD_PAD     0xF

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return s[n] ? 0 : n;
}

/* ISO/IEC 7812-1 Annex B (Luhn): the ICCID check digit (ITU-T E.118). */
static bool luhn_ok(const char *d, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* The first fillFileContent of field \p name of the first PE of type \p t (at file offset 0). */
static veuicc_saip_oct *file_content(veuicc_saip_pe *pe, const char *name)
{
	veuicc_saip_pe_fs *fs = pe->u.fs;

	for (size_t i = 0; i < fs->count; i++) {
		if (strcmp(fs->files[i].name, name) != 0)
			continue;
		veuicc_saip_file *f = &fs->files[i].file;
		for (size_t k = 0; k < f->count; k++) {
			veuicc_saip_file_elem *e = &f->items[k];
			if (e->op == VEUICC_SAIP_FILE_OP_FILL_FILE_OFFSET && e->fill_file_offset)
				return NULL; /* content does not start at offset 0 */
			if (e->op == VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT)
				return &e->fill_file_content;
		}
	}
	return NULL;
}

/* Replace the first \p n bytes of \p dst by \p b, keeping the rest of the content. */
static int replace_prefix(veuicc_saip_profile *p, veuicc_saip_oct *dst, const uint8_t *b, size_t n)
{
	size_t len = dst->len > n ? dst->len : n;
	uint8_t *copy = veuicc_saip_alloc(p, len);

	if (!copy)
		return VEUICC_ERR_NO_MEMORY;
	memcpy(copy, dst->data, dst->len);
	memcpy(copy, b, n);
	dst->data = copy;
	dst->len = (uint32_t)len;
	dst->present = true;
	return VEUICC_OK;
}

int veuicc_saip_set_iccid(veuicc_saip_profile *p, const char *iccid)
{
	uint8_t bcd[ICCID_BYTES], swapped[ICCID_BYTES];
	veuicc_saip_header *hdr = NULL;
	veuicc_saip_oct *ef = NULL;
	size_t n;

	if (!p || !iccid)
		return VEUICC_ERR_INVALID_ARG;
	n = count_digits(iccid);
	if (n < 18 || n > 2 * ICCID_BYTES || !luhn_ok(iccid, n))
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < ICCID_BYTES; i++) {
		unsigned hi = 2 * i < n ? (unsigned)(iccid[2 * i] - '0') : BCD_PAD;
		unsigned lo = 2 * i + 1 < n ? (unsigned)(iccid[2 * i + 1] - '0') : BCD_PAD;
		bcd[i] = (uint8_t)(hi << 4 | lo);
		/* TS 102 221 §13.2: EF.ICCID holds the digits with the nibbles of each byte
		 * swapped. */
		swapped[i] = (uint8_t)(lo << 4 | hi);
	}
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type == VEUICC_SAIP_PE_HEADER && !hdr)
			hdr = p->pes[i].u.header;
		if (p->pes[i].type == VEUICC_SAIP_PE_MF && !ef)
			ef = file_content(&p->pes[i], "ef-iccid");
	}
	if (!hdr || !ef || ef->len < ICCID_BYTES)
		return VEUICC_ERR_NOT_FOUND;
	int rc = veuicc_saip_set_bytes(p, &hdr->iccid, bcd, ICCID_BYTES);
	if (!rc)
		rc = replace_prefix(p, ef, swapped, ICCID_BYTES);
	return rc;
}

int veuicc_saip_get_iccid(const veuicc_saip_profile *p, char out[21])
{
	if (!p || !out)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type != VEUICC_SAIP_PE_HEADER)
			continue;
		const veuicc_saip_oct *ic = &p->pes[i].u.header->iccid;
		size_t k = 0;
		for (size_t j = 0; j < ic->len && j < ICCID_BYTES; j++) {
			uint8_t nib[2] = {(uint8_t)(ic->data[j] >> 4), (uint8_t)(ic->data[j] & 15)};
			for (int h = 0; h < 2; h++) {
				if (nib[h] > 9)
					goto done;
				out[k++] = (char)('0' + nib[h]);
			}
		}
	done:
		out[k] = '\0';
		return VEUICC_OK;
	}
	return VEUICC_ERR_NOT_FOUND;
}

int veuicc_saip_set_imsi(veuicc_saip_profile *p, const char *imsi)
{
	uint8_t ef[IMSI_BYTES];
	uint8_t nib[2 * IMSI_BYTES];
	size_t n, done = 0;

	if (!p || !imsi)
		return VEUICC_ERR_INVALID_ARG;
	n = count_digits(imsi);
	if (n < 6 || n > 15)
		return VEUICC_ERR_INVALID_ARG;
	/* TS 31.102 §4.2.2 / TS 24.008 §10.5.1.4: length, then the identity type 001 with
	 * the odd/even bit in the first low nibble, the digits, F filler. */
	memset(nib, BCD_PAD, sizeof(nib));
	nib[0] = (n & 1) ? 0x9 : 0x1;
	for (size_t i = 0; i < n; i++)
		nib[1 + i] = (uint8_t)(imsi[i] - '0');
	ef[0] = (uint8_t)((n + 2) / 2);
	for (size_t i = 0; i + 1 < IMSI_BYTES; i++)
		ef[1 + i] = (uint8_t)(nib[2 * i + 1] << 4 | nib[2 * i]);
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type != VEUICC_SAIP_PE_USIM)
			continue;
		veuicc_saip_oct *c = file_content(&p->pes[i], "ef-imsi");
		if (!c)
			continue;
		int rc = replace_prefix(p, c, ef, IMSI_BYTES);
		if (rc)
			return rc;
		done++;
	}
	return done ? VEUICC_OK : VEUICC_ERR_NOT_FOUND;
}

/* TS 35.206 §2: Milenage K and OPc of 128 bits; TS 35.231 §6: TUAK K of 128 or 256
 * bits, TOPc of 256; TS 34.108 §8.1.2: the test algorithm's K of 128 bits (its
 * OPc is ignored, SAIP AlgoParameter.opc). */
static bool aka_lengths_ok(uint32_t alg, size_t k_len, size_t opc_len)
{
	switch (alg) {
	case VEUICC_SAIP_ALGO_MILENAGE: return k_len == 16 && opc_len == 16;
	case VEUICC_SAIP_ALGO_TUAK: return (k_len == 16 || k_len == 32) && opc_len == 32;
	case VEUICC_SAIP_ALGO_USIM_TEST: return k_len == 16;
	default: return false;
	}
}

static veuicc_saip_algo_parameter *algo_parameter(veuicc_saip_pe *pe)
{
	if (pe->type != VEUICC_SAIP_PE_AKA ||
	    pe->u.aka->algo_configuration.kind != VEUICC_SAIP_ALGO_CONF_ALGO)
		return NULL;
	return pe->u.aka->algo_configuration.algo_parameter;
}

/* The eUICC-Mandatory-services bit an algorithm needs (PEDefinitions ServicesList). */
static uint32_t algo_service(uint32_t alg, size_t k_len)
{
	switch (alg) {
	case VEUICC_SAIP_ALGO_MILENAGE: return 1u << VEUICC_SAIP_SVC_MILENAGE;
	case VEUICC_SAIP_ALGO_TUAK:
		return 1u << (k_len == 32 ? VEUICC_SAIP_SVC_TUAK256 : VEUICC_SAIP_SVC_TUAK128);
	case VEUICC_SAIP_ALGO_USIM_TEST: return 1u << VEUICC_SAIP_SVC_USIM_TEST_ALGORITHM;
	default: return 0;
	}
}

int veuicc_saip_set_aka(veuicc_saip_profile *p, const veuicc_saip_aka_edit *e)
{
	size_t done = 0;
	uint32_t svc_before = 0, svc_after = 0;
	veuicc_saip_header *hdr = NULL;

	if (!p || !e || (!e->algorithm_id && !e->k && !e->opc && !e->number_of_keccak))
		return VEUICC_ERR_INVALID_ARG;
	if (e->algorithm_id && e->algorithm_id != VEUICC_SAIP_ALGO_MILENAGE &&
	    e->algorithm_id != VEUICC_SAIP_ALGO_TUAK &&
	    e->algorithm_id != VEUICC_SAIP_ALGO_USIM_TEST)
		return VEUICC_ERR_INVALID_ARG;
	if (e->number_of_keccak > 255) /* SAIP numberOfKeccak UInt8 */
		return VEUICC_ERR_INVALID_ARG;
	/* Check every PE before changing any, so that a refused edit changes nothing. */
	for (size_t i = 0; i < p->count; i++) {
		const veuicc_saip_algo_parameter *ap = algo_parameter(&p->pes[i]);
		if (!ap)
			continue;
		uint32_t alg = e->algorithm_id ? e->algorithm_id : ap->algorithm_id;
		size_t kl = e->k ? e->k_len : ap->key.len;
		size_t ol = e->opc ? e->opc_len : ap->opc.len;
		svc_before |= algo_service(ap->algorithm_id, ap->key.len);
		svc_after |= algo_service(alg, kl);
		if (!aka_lengths_ok(alg, kl, ol) ||
		    (e->number_of_keccak && alg != VEUICC_SAIP_ALGO_TUAK))
			return VEUICC_ERR_INVALID_ARG;
		done++;
	}
	if (!done)
		return VEUICC_ERR_NOT_FOUND;
	for (size_t i = 0; i < p->count; i++) {
		veuicc_saip_algo_parameter *ap = algo_parameter(&p->pes[i]);
		int rc = VEUICC_OK;
		if (!ap)
			continue;
		if (e->algorithm_id)
			ap->algorithm_id = e->algorithm_id;
		if (e->number_of_keccak)
			ap->number_of_keccak = e->number_of_keccak;
		if (e->k)
			rc = veuicc_saip_set_bytes(p, &ap->key, e->k, e->k_len);
		if (!rc && e->opc)
			rc = veuicc_saip_set_bytes(p, &ap->opc, e->opc, e->opc_len);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < p->count && !hdr; i++)
		if (p->pes[i].type == VEUICC_SAIP_PE_HEADER)
			hdr = p->pes[i].u.header;
	/* The header declares the algorithms the package needs: add the new ones, drop
	 * those no edited PE uses any more. */
	if (hdr)
		hdr->mandatory_services.bits =
		    (hdr->mandatory_services.bits & ~(svc_before & ~svc_after)) | svc_after;
	return VEUICC_OK;
}

int veuicc_saip_set_aka_keys(veuicc_saip_profile *p, const uint8_t *k, size_t k_len,
                             const uint8_t *opc, size_t opc_len)
{
	veuicc_saip_aka_edit e = {0, k, k_len, opc, opc_len, 0};

	if (!k && !opc)
		return VEUICC_ERR_INVALID_ARG;
	return veuicc_saip_set_aka(p, &e);
}
