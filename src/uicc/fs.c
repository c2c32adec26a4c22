/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UICC file system tree (ETSI TS 102 221 §8). One allocation per node,
 * holding the node and its EF body; nothing here allocates after creation.
 */
#include "uicc/fs.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "uicc/auth/suci.h"

/* TS 102 221 §11.1.1.4.6.1: tag of the UICC characteristics in A5 (MF). */
#define TAG_UICC_CHARACTERISTICS 0x80

static veuicc_fs_node *node_alloc(size_t body)
{
	veuicc_fs_node *n = calloc(1, sizeof(*n) + body);
	if (!n)
		return NULL;
	n->data = body ? (uint8_t *)(n + 1) : NULL;
	n->size = body;
	n->lcsi = VEUICC_FS_LCS_ACTIVATED;
	n->shareable = true;
	return n;
}

static void node_free(veuicc_fs_node *n)
{
	/* contents may be subscriber data (IMSI, keys in EFs): wipe them */
	mbedtls_platform_zeroize(n, sizeof(*n) + (n->type == VEUICC_FS_EF ? n->size : 0));
	free(n);
}

/* Free a subtree without recursion (a profile decides the depth). */
static void free_subtree(veuicc_fs_node *root)
{
	root->parent = NULL;
	root->next = NULL;
	veuicc_fs_node *n = root;
	while (n) {
		if (n->child) {
			veuicc_fs_node *c = n->child;
			n->child = NULL;
			n = c;
			continue;
		}
		veuicc_fs_node *up = n->next ? n->next : n->parent;
		node_free(n);
		n = up;
	}
}

int veuicc_fs_new(uint8_t uicc_characteristics, veuicc_fs **out)
{
	if (!out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return VEUICC_ERR_NO_MEMORY;
	fs->mf = node_alloc(0);
	if (!fs->mf) {
		free(fs);
		return VEUICC_ERR_NO_MEMORY;
	}
	fs->mf->type = VEUICC_FS_MF;
	fs->mf->fid = VEUICC_FS_FID_MF;
	/* TS 102 221 §11.1.1.4.6: the MF's proprietary information carries the
	 * UICC characteristics */
	fs->mf->prop[0] = TAG_UICC_CHARACTERISTICS;
	fs->mf->prop[1] = 1;
	fs->mf->prop[2] = uicc_characteristics;
	fs->mf->prop_len = 3;
	*out = fs;
	return VEUICC_OK;
}

void veuicc_fs_free(veuicc_fs *fs)
{
	if (!fs)
		return;
	veuicc_fs_node *a = fs->adfs;
	while (a) {
		veuicc_fs_node *next = a->next;
		free_subtree(a);
		a = next;
	}
	if (fs->mf)
		free_subtree(fs->mf);
	veuicc_pin_table_clear(&fs->pins);
	for (size_t i = 0; i < VEUICC_FS_AKA_MAX; i++)
		veuicc_aka_params_clear(&fs->aka[i].params);
	mbedtls_platform_zeroize(fs, sizeof(*fs));
	free(fs);
}

veuicc_fs_node *veuicc_fs_mf(const veuicc_fs *fs)
{
	return fs->mf;
}

static bool fid_reserved(uint16_t fid)
{
	/* TS 102 221 §8.3: 3F00 is the MF, 7FFF the current ADF, FFFF is RFU */
	return fid == VEUICC_FS_FID_MF || fid == VEUICC_FS_FID_CURRENT_ADF ||
	       fid == VEUICC_FS_FID_RESERVED;
}

veuicc_fs_node *veuicc_fs_child(const veuicc_fs_node *dir, uint16_t fid)
{
	for (veuicc_fs_node *c = dir->child; c; c = c->next)
		if (c->fid == fid)
			return c;
	return NULL;
}

veuicc_fs_node *veuicc_fs_resolve(const veuicc_fs_node *start, const uint8_t *path, size_t len)
{
	if (!start || (len && !path) || len % 2)
		return NULL;
	veuicc_fs_node *n = (veuicc_fs_node *)start;
	for (size_t i = 0; n && i < len; i += 2) {
		if (!veuicc_fs_is_dir(n))
			return NULL;
		n = veuicc_fs_child(n, (uint16_t)(path[i] << 8 | path[i + 1]));
	}
	return n;
}

uint8_t veuicc_fs_sfi(const veuicc_fs_node *ef)
{
	if (ef->type != VEUICC_FS_EF)
		return 0;
	if (ef->sfi == VEUICC_FS_SFI_IMPLICIT) /* TS 102 221 §11.1.1.4.8 */
		return (uint8_t)(ef->fid & 0x1F);
	return ef->sfi;
}

veuicc_fs_node *veuicc_fs_by_sfi(const veuicc_fs_node *dir, uint8_t sfi)
{
	if (sfi == 0 || sfi > VEUICC_FS_SFI_MAX)
		return NULL;
	for (veuicc_fs_node *c = dir->child; c; c = c->next)
		if (veuicc_fs_sfi(c) == sfi)
			return c;
	return NULL;
}

veuicc_fs_node *veuicc_fs_find_adf(const veuicc_fs *fs, const uint8_t *aid, size_t len,
                                   const veuicc_fs_node *after)
{
	veuicc_fs_node *a = after ? after->next : fs->adfs;
	for (; a; a = a->next)
		if (len <= a->aid_len && (len == 0 || !memcmp(a->aid, aid, len)))
			return a;
	return NULL;
}

/* TS 102 221 §8.3: a new file's FID must differ from its siblings' and from
 * its parent's. */
static int check_new_child(const veuicc_fs_node *parent, uint16_t fid)
{
	if (!parent || parent->type == VEUICC_FS_EF || fid_reserved(fid))
		return VEUICC_ERR_INVALID_ARG;
	if (parent->fid == fid || veuicc_fs_child(parent, fid))
		return VEUICC_ERR_INVALID_ARG;
	return VEUICC_OK;
}

static void link_child(veuicc_fs_node *parent, veuicc_fs_node *n)
{
	/* keep creation order: append */
	n->parent = parent;
	veuicc_fs_node **pp = &parent->child;
	while (*pp)
		pp = &(*pp)->next;
	*pp = n;
}

int veuicc_fs_create_df(veuicc_fs *fs, veuicc_fs_node *parent, uint16_t fid, veuicc_fs_node **out)
{
	if (!fs || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	int rc = check_new_child(parent, fid);
	if (rc)
		return rc;
	veuicc_fs_node *n = node_alloc(0);
	if (!n)
		return VEUICC_ERR_NO_MEMORY;
	n->type = VEUICC_FS_DF;
	n->fid = fid;
	link_child(parent, n);
	*out = n;
	return VEUICC_OK;
}

int veuicc_fs_create_adf(veuicc_fs *fs, uint16_t fid, const uint8_t *aid, size_t aid_len,
                         veuicc_fs_node **out)
{
	if (!fs || !out || !aid || aid_len < VEUICC_FS_AID_MIN || aid_len > VEUICC_FS_AID_MAX ||
	    fid_reserved(fid))
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_fs_node **pp = &fs->adfs;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->aid_len == aid_len && !memcmp((*pp)->aid, aid, aid_len))
			return VEUICC_ERR_INVALID_ARG;
	veuicc_fs_node *n = node_alloc(0);
	if (!n)
		return VEUICC_ERR_NO_MEMORY;
	n->type = VEUICC_FS_ADF;
	n->fid = fid;
	memcpy(n->aid, aid, aid_len);
	n->aid_len = (uint8_t)aid_len;
	n->parent = fs->mf; /* not a child of the MF: not selectable by FID */
	*pp = n;
	*out = n;
	return VEUICC_OK;
}

void veuicc_fs_ef_params_init(veuicc_fs_ef_params *p, uint16_t fid, veuicc_fs_ef_struct s)
{
	memset(p, 0, sizeof(*p));
	p->fid = fid;
	p->structure = (uint8_t)s;
	p->sfi = VEUICC_FS_SFI_IMPLICIT;
	p->fill = 0xFF;
	p->shareable = true;
}

static bool sfi_valid(uint8_t sfi)
{
	return sfi == VEUICC_FS_SFI_IMPLICIT || sfi <= VEUICC_FS_SFI_MAX;
}

/* An explicit SFI must be unique among the EFs of a DF (TS 102 221 §8.3). */
static bool sfi_taken(const veuicc_fs_node *dir, uint8_t sfi, const veuicc_fs_node *self)
{
	if (sfi == VEUICC_FS_SFI_NONE || sfi == VEUICC_FS_SFI_IMPLICIT)
		return false;
	for (veuicc_fs_node *c = dir->child; c; c = c->next)
		if (c != self && c->type == VEUICC_FS_EF && c->sfi == sfi)
			return true;
	return false;
}

int veuicc_fs_create_ef(veuicc_fs *fs, veuicc_fs_node *parent, const veuicc_fs_ef_params *p,
                        veuicc_fs_node **out)
{
	if (!fs || !p || !out)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	int rc = check_new_child(parent, p->fid);
	if (rc)
		return rc;
	if (!sfi_valid(p->sfi) || sfi_taken(parent, p->sfi, NULL))
		return VEUICC_ERR_INVALID_ARG;
	size_t body;
	switch (p->structure) {
	case VEUICC_FS_TRANSPARENT:
	case VEUICC_FS_BER_TLV:
		if (p->size > VEUICC_FS_EF_SIZE_MAX)
			return VEUICC_ERR_INVALID_ARG;
		body = p->size;
		break;
	case VEUICC_FS_LINEAR_FIXED:
	case VEUICC_FS_CYCLIC:
		if (p->rec_len == 0 || p->rec_len > VEUICC_FS_REC_LEN_MAX || p->nrec == 0 ||
		    p->nrec > VEUICC_FS_NREC_MAX)
			return VEUICC_ERR_INVALID_ARG;
		body = (size_t)p->rec_len * p->nrec;
		break;
	default: return VEUICC_ERR_INVALID_ARG;
	}
	veuicc_fs_node *n = node_alloc(body);
	if (!n)
		return VEUICC_ERR_NO_MEMORY;
	n->type = VEUICC_FS_EF;
	n->structure = p->structure;
	n->fid = p->fid;
	n->sfi = p->sfi;
	n->shareable = p->shareable;
	if (p->structure == VEUICC_FS_LINEAR_FIXED || p->structure == VEUICC_FS_CYCLIC) {
		n->rec_len = p->rec_len;
		n->nrec = p->nrec;
	}
	if (body)
		memset(n->data, p->fill, body);
	link_child(parent, n);
	*out = n;
	return VEUICC_OK;
}

int veuicc_fs_write(veuicc_fs_node *ef, size_t offset, const uint8_t *data, size_t len)
{
	if (!ef || ef->type != VEUICC_FS_EF || (len && !data) || offset > ef->size ||
	    len > ef->size - offset)
		return VEUICC_ERR_INVALID_ARG;
	if (len)
		memcpy(ef->data + offset, data, len);
	return VEUICC_OK;
}

uint8_t *veuicc_fs_record(const veuicc_fs_node *ef, unsigned rec)
{
	/* TS 102 221 §8.2.2/§8.2.3: record 1 of a cyclic EF is the most recent */
	unsigned phys = rec - 1;
	if (ef->structure == VEUICC_FS_CYCLIC)
		phys = (ef->newest + rec - 1) % ef->nrec;
	return ef->data + (size_t)phys * ef->rec_len;
}

uint8_t *veuicc_fs_cyclic_push(veuicc_fs_node *ef)
{
	/* the oldest record (number nrec) is overwritten and becomes record 1 */
	ef->newest = (uint8_t)((ef->newest + ef->nrec - 1) % ef->nrec);
	return ef->data + (size_t)ef->newest * ef->rec_len;
}

int veuicc_fs_set_record(veuicc_fs_node *ef, unsigned rec, const uint8_t *data, size_t len,
                         uint8_t pad)
{
	if (!ef || ef->type != VEUICC_FS_EF || (len && !data) ||
	    (ef->structure != VEUICC_FS_LINEAR_FIXED && ef->structure != VEUICC_FS_CYCLIC) ||
	    rec == 0 || rec > ef->nrec || len > ef->rec_len)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t *r = veuicc_fs_record(ef, rec);
	if (len)
		memcpy(r, data, len);
	memset(r + len, pad, ef->rec_len - len);
	return VEUICC_OK;
}

int veuicc_fs_set_lcsi(veuicc_fs_node *n, uint8_t lcsi)
{
	/* TS 102 221 Table 11.8: 01, 03, 04-07 (activated/deactivated), 0C-0F */
	if (!n || !(lcsi == VEUICC_FS_LCS_CREATION || lcsi == VEUICC_FS_LCS_INITIALISATION ||
	            lcsi == VEUICC_FS_LCS_ACTIVATED || lcsi == VEUICC_FS_LCS_DEACTIVATED))
		return VEUICC_ERR_INVALID_ARG;
	n->lcsi = lcsi;
	return VEUICC_OK;
}

int veuicc_fs_set_arr(veuicc_fs_node *n, uint16_t arr_fid, uint8_t arr_rec)
{
	if (!n || arr_rec > VEUICC_FS_NREC_MAX || (arr_rec && fid_reserved(arr_fid)))
		return VEUICC_ERR_INVALID_ARG;
	n->arr_fid = arr_rec ? arr_fid : 0;
	n->arr_rec = arr_rec;
	return VEUICC_OK;
}

int veuicc_fs_set_proprietary(veuicc_fs_node *n, const uint8_t *value, size_t len)
{
	if (!n || len > VEUICC_FS_PROP_MAX || (len && !value))
		return VEUICC_ERR_INVALID_ARG;
	if (len)
		memcpy(n->prop, value, len);
	n->prop_len = (uint8_t)len;
	return VEUICC_OK;
}

int veuicc_fs_set_sfi(veuicc_fs_node *ef, uint8_t sfi)
{
	if (!ef || ef->type != VEUICC_FS_EF || !sfi_valid(sfi) || sfi_taken(ef->parent, sfi, ef))
		return VEUICC_ERR_INVALID_ARG;
	ef->sfi = sfi;
	return VEUICC_OK;
}

int veuicc_fs_set_pin_template(veuicc_fs_node *dir, const uint8_t *refs, size_t n)
{
	if (!dir || !veuicc_fs_is_dir(dir) || n > VEUICC_FS_PS_REFS_MAX || (n && !refs))
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		if (!veuicc_pin_ref_valid(refs[i]))
			return VEUICC_ERR_INVALID_ARG;
	if (n)
		memcpy(dir->ps_refs, refs, n);
	dir->ps_len = (uint8_t)n;
	return VEUICC_OK;
}

const veuicc_fs_node *veuicc_fs_adf_of(const veuicc_fs_node *n)
{
	while (n && n->type != VEUICC_FS_ADF)
		n = n->parent;
	return n;
}

int veuicc_fs_set_aka(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_aka_params *params,
                      const veuicc_aka_sqn_state *sqn, uint8_t pin_ref)
{
	if (!fs || !params || (adf && adf->type != VEUICC_FS_ADF) ||
	    (pin_ref && !veuicc_pin_ref_valid(pin_ref)))
		return VEUICC_ERR_INVALID_ARG;
	veuicc_fs_aka *slot = NULL;
	for (size_t i = 0; i < VEUICC_FS_AKA_MAX; i++) {
		veuicc_fs_aka *a = &fs->aka[i];
		if (a->used && a->adf == adf) {
			slot = a;
			break;
		}
		if (!a->used && !slot)
			slot = a;
	}
	if (!slot)
		return VEUICC_ERR_NO_MEMORY;
	slot->used = true;
	slot->adf = adf;
	slot->params = *params;
	if (sqn)
		slot->sqn = *sqn;
	else
		memset(&slot->sqn, 0, sizeof(slot->sqn));
	slot->pin_ref = pin_ref ? pin_ref : VEUICC_PIN_REF_PIN1;
	return VEUICC_OK;
}

veuicc_fs_aka *veuicc_fs_aka_for(veuicc_fs *fs, const veuicc_fs_node *adf)
{
	veuicc_fs_aka *def = NULL;
	for (size_t i = 0; i < VEUICC_FS_AKA_MAX; i++) {
		veuicc_fs_aka *a = &fs->aka[i];
		if (!a->used)
			continue;
		if (a->adf == adf)
			return a;
		if (!a->adf)
			def = a;
	}
	return def;
}

int veuicc_fs_set_suci(veuicc_fs *fs, uint8_t scheme, uint8_t key_id, const uint8_t *pub,
                       size_t pub_len)
{
	/* TS 33.501 Annex C: key sizes of the schemes */
	bool ok;
	switch (scheme) {
	case VEUICC_SUCI_NULL_SCHEME: ok = pub_len == 0; break;
	case VEUICC_SUCI_PROFILE_A: ok = pub_len == VEUICC_SUCI_A_PUB_LEN; break;
	case VEUICC_SUCI_PROFILE_B:
		ok = pub_len == VEUICC_SUCI_B_PUB_LEN || pub_len == VEUICC_SUCI_B_PUB_FULL_LEN;
		break;
	default: ok = false; break;
	}
	if (!fs || !ok || (pub_len && !pub))
		return VEUICC_ERR_INVALID_ARG;
	memset(&fs->suci, 0, sizeof(fs->suci));
	fs->suci.scheme = scheme;
	fs->suci.key_id = key_id;
	fs->suci.pub_len = (uint8_t)pub_len;
	if (pub_len)
		memcpy(fs->suci.pub, pub, pub_len);
	fs->suci.set = true;
	return VEUICC_OK;
}
