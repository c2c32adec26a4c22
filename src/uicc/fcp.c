/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FCP template of a file, ETSI TS 102 221 §11.1.1.3 (Tables 11.3 and 11.4:
 * order of the objects) and §11.1.1.4 (their coding).
 */
#include "core/quirks.h"
#include "tlv/tlv.h"
#include "uicc/fs.h"

#define TAG_FCP             0x62
#define TAG_FILE_SIZE       0x80 /* §11.1.1.4.1 */
#define TAG_TOTAL_FILE_SIZE 0x81 /* §11.1.1.4.2 */
#define TAG_FILE_DESCRIPTOR 0x82 /* §11.1.1.4.3 */
#define TAG_FID             0x83 /* §11.1.1.4.4 */
#define TAG_DF_NAME         0x84 /* §11.1.1.4.5 */
#define TAG_PROPRIETARY     0xA5 /* §11.1.1.4.6 */
#define TAG_SFI             0x88 /* §11.1.1.4.8 */
#define TAG_LCSI            0x8A /* §11.1.1.4.9 */
#define TAG_SEC_ATTR_REF    0x8B /* §11.1.1.4.7.3 */
#define TAG_PIN_STATUS      0xC6 /* §11.1.1.4.10, §9.5.2 */
#define TAG_PS_DO           0x90 /* §9.5.2: PIN status data object */
#define TAG_USAGE_QUALIFIER 0x95
#define TAG_KEY_REF         0x83
/* §9.5.2: usage qualifier of the universal PIN, user authentication
 * (knowledge based) */
#define UQ_USER_AUTH 0x08

/* §11.1.1.4.3 Table 11.5: file descriptor byte and data coding byte */
#define FDB_SHAREABLE    0x40
#define FDB_DF           0x38
#define DATA_CODING_BYTE 0x21

/* Sum of the EF bodies under a DF, walked without recursion. */
static size_t total_size(const veuicc_fs_node *dir)
{
	size_t sum = 0;
	const veuicc_fs_node *n = dir->child;
	while (n) {
		if (n->type == VEUICC_FS_EF)
			sum += n->size;
		if (n->child) {
			n = n->child;
			continue;
		}
		while (n != dir && !n->next)
			n = n->parent;
		if (n == dir)
			break;
		n = n->next;
	}
	return sum;
}

/* A file size of at least two bytes (§11.1.1.4.1, §11.1.1.4.2). */
static void put_size(veuicc_tlv_writer *w, uint32_t tag, size_t size)
{
	uint8_t b[4] = {(uint8_t)(size >> 24), (uint8_t)(size >> 16), (uint8_t)(size >> 8),
	                (uint8_t)size};
	size_t skip = 0;
	while (skip < 2 && b[skip] == 0)
		skip++;
	veuicc_tlv_put(w, tag, b + skip, sizeof(b) - skip);
}

/* §9.5.2: PS_DO, one bit per key reference listed (b8 of the first byte
 * first), set for an enabled PIN; each key reference, the universal PIN's
 * with its usage qualifier. */
static void put_pin_status(veuicc_tlv_writer *w, const veuicc_fs_node *dir, veuicc_pin_table *pins)
{
	const veuicc_fs_node *adf = veuicc_fs_adf_of(dir);
	uint8_t ps[(VEUICC_FS_PS_REFS_MAX + 7) / 8] = {0};
	for (size_t i = 0; i < dir->ps_len; i++) {
		const veuicc_pin *p = veuicc_pin_find(pins, dir->ps_refs[i], adf);
		if (p && p->enabled)
			ps[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	}
	veuicc_tlv_begin(w, TAG_PIN_STATUS);
	veuicc_tlv_put(w, TAG_PS_DO, ps, (dir->ps_len + 7u) / 8u);
	for (size_t i = 0; i < dir->ps_len; i++) {
		if (dir->ps_refs[i] == VEUICC_PIN_REF_UNIVERSAL)
			veuicc_tlv_put_u8(w, TAG_USAGE_QUALIFIER, UQ_USER_AUTH);
		veuicc_tlv_put_u8(w, TAG_KEY_REF, dir->ps_refs[i]);
	}
	veuicc_tlv_end(w);
}

static int fcp_build(const veuicc_fs_node *n, veuicc_pin_table *pins, unsigned quirks, uint8_t *buf,
                     size_t cap, size_t *len)
{
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, cap);
	veuicc_tlv_begin(&w, TAG_FCP);

	uint8_t fd[5];
	size_t fd_len = 2;
	bool dir = veuicc_fs_is_dir(n);
	fd[0] = (uint8_t)((n->shareable ? FDB_SHAREABLE : 0) | (dir ? FDB_DF : n->structure));
	fd[1] = DATA_CODING_BYTE;
	if (!dir && (n->structure == VEUICC_FS_LINEAR_FIXED || n->structure == VEUICC_FS_CYCLIC)) {
		fd[2] = (uint8_t)(n->rec_len >> 8);
		fd[3] = (uint8_t)n->rec_len;
		fd[4] = n->nrec;
		fd_len = 5;
	}
	veuicc_tlv_put(&w, TAG_FILE_DESCRIPTOR, fd, fd_len);

	uint8_t fid[2] = {(uint8_t)(n->fid >> 8), (uint8_t)n->fid};
	veuicc_tlv_put(&w, TAG_FID, fid, sizeof(fid));
	if (n->type == VEUICC_FS_ADF)
		veuicc_tlv_put(&w, TAG_DF_NAME, n->aid, n->aid_len);
	if (n->prop_len && !(quirks & VEUICC_FSQ_NO_PROPRIETARY))
		veuicc_tlv_put(&w, TAG_PROPRIETARY, n->prop, n->prop_len);
	veuicc_tlv_put_u8(&w, TAG_LCSI, n->lcsi);
	if (n->arr_rec) {
		/* §11.1.1.4.7.3: EF.ARR file ID and record number */
		uint8_t arr[3] = {(uint8_t)(n->arr_fid >> 8), (uint8_t)n->arr_fid, n->arr_rec};
		veuicc_tlv_put(&w, TAG_SEC_ATTR_REF, arr, sizeof(arr));
	}
	/* §11.1.1.4.10 makes C6 mandatory for DFs; quirk Q2 leaves it out */
	if (dir && pins && n->ps_len && !(quirks & VEUICC_FSQ_NO_PIN_STATUS))
		put_pin_status(&w, n, pins);
	if (dir) {
		put_size(&w, TAG_TOTAL_FILE_SIZE, total_size(n));
	} else {
		put_size(&w, TAG_FILE_SIZE, n->size);
		if (quirks & VEUICC_FSQ_NO_SFI_TAG) {
			/* quirk Q3: 88 absent, which §11.1.1.4.8 reads as "SFI = the
			 * five low bits of the FID" whatever the file's SFI is */
		} else if (n->sfi == VEUICC_FS_SFI_NONE) {
			veuicc_tlv_put(&w, TAG_SFI, NULL, 0);
		} else if (n->sfi != VEUICC_FS_SFI_IMPLICIT) {
			/* SFI in b8-b4 */
			veuicc_tlv_put_u8(&w, TAG_SFI, (uint8_t)(n->sfi << 3));
		}
	}
	veuicc_tlv_end(&w);
	return veuicc_tlv_writer_finish(&w, len);
}

int veuicc_fs_fcp(const veuicc_fs_node *n, uint8_t *buf, size_t cap, size_t *len)
{
	return fcp_build(n, NULL, 0, buf, cap, len);
}

int veuicc_fs_fcp_pins(const veuicc_fs_node *n, veuicc_pin_table *pins, uint8_t *buf, size_t cap,
                       size_t *len)
{
	return fcp_build(n, pins, 0, buf, cap, len);
}

int veuicc_fs_fcp_quirks(const veuicc_fs_node *n, veuicc_pin_table *pins, unsigned quirks,
                         uint8_t *buf, size_t cap, size_t *len)
{
	return fcp_build(n, pins, quirks, buf, cap, len);
}
