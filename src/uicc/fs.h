/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file fs.h
 * \brief The file system of one UICC profile (ETSI TS 102 221 §8): the MF,
 *        DFs, ADFs and EFs (transparent, linear fixed, cyclic, BER-TLV),
 *        with the attributes their FCP reports (§11.1.1.4).
 *
 * A veuicc_fs is a value: nothing is shared between two of them and the
 * library keeps no global state. Every node is one allocation made when it is
 * created (the node and its contents together); reading, writing, selecting
 * and building an FCP never allocate, so the APDU path is allocation-free.
 *
 * Construction (what the SAIP installer calls):
 *
 *     veuicc_fs *fs;
 *     veuicc_fs_new(VEUICC_FS_UICC_CHAR_DEFAULT, &fs);     // MF 3F00
 *     veuicc_fs_node *iccid, *usim, *imsi;
 *     veuicc_fs_ef_params p;
 *     veuicc_fs_ef_params_init(&p, 0x2FE2, VEUICC_FS_TRANSPARENT);
 *     p.size = 10;
 *     veuicc_fs_create_ef(fs, veuicc_fs_mf(fs), &p, &iccid);
 *     veuicc_fs_write(iccid, 0, iccid_bytes, 10);            // fill content at offset
 *     veuicc_fs_create_adf(fs, 0x7FF0, usim_aid, 16, &usim);
 *     ...
 *     veuicc_fs_free(fs);                                    // frees every node
 *
 * The EF.ARR reference (tag 8B) is enforced by the UICC application (arr.h);
 * the proprietary information (tag A5) is stored as raw bytes. The profile's
 * PINs/PUKs (pin.h) and AKA credentials (auth/auth.h) live in the veuicc_fs
 * too, and are zeroised with it.
 *
 * Nodes are owned by their veuicc_fs; a node pointer stays valid until
 * veuicc_fs_free(). Nodes are never removed one by one (DELETE FILE is not
 * supported).
 */
#ifndef VEUICC_UICC_FS_H
#define VEUICC_UICC_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uicc/auth/auth.h"
#include "uicc/pin.h"
#include "veuicc/veuicc.h"

/** Kind of node. */
typedef enum veuicc_fs_type {
	VEUICC_FS_MF = 0,  /**< the master file, 3F00 */
	VEUICC_FS_DF = 1,  /**< a dedicated file under the MF, a DF or an ADF */
	VEUICC_FS_ADF = 2, /**< an application DF, selected by AID (or 7FFF) */
	VEUICC_FS_EF = 3,  /**< an elementary file */
} veuicc_fs_type;

/** EF structure, valued as bits b6-b1 of the file descriptor byte
 *  (TS 102 221 §11.1.1.4.3 Table 11.5). */
typedef enum veuicc_fs_ef_struct {
	VEUICC_FS_TRANSPARENT = 0x01,
	VEUICC_FS_LINEAR_FIXED = 0x02,
	VEUICC_FS_CYCLIC = 0x06,
	VEUICC_FS_BER_TLV = 0x39, /**< stored; its commands are not supported yet */
} veuicc_fs_ef_struct;

/* Reserved file identifiers (TS 102 221 §8.3). */
#define VEUICC_FS_FID_MF          0x3F00
#define VEUICC_FS_FID_CURRENT_ADF 0x7FFF
#define VEUICC_FS_FID_RESERVED    0xFFFF

/* Life cycle status integer (TS 102 221 §11.1.1.4.9, Table 11.8). */
#define VEUICC_FS_LCS_CREATION       0x01
#define VEUICC_FS_LCS_INITIALISATION 0x03
#define VEUICC_FS_LCS_DEACTIVATED    0x04
#define VEUICC_FS_LCS_ACTIVATED      0x05

/* SFI of an EF (TS 102 221 §11.1.1.4.8). */
/** No tag 88 in the FCP: the SFI is the five low bits of the FID. */
#define VEUICC_FS_SFI_IMPLICIT 0xFF
/** Tag 88 with no value: the EF has no SFI. */
#define VEUICC_FS_SFI_NONE 0x00
/** Largest SFI (11111 is reserved). */
#define VEUICC_FS_SFI_MAX 30

/** UICC characteristics byte of the MF (TS 102 221 §11.1.1.4.6.1): b1 clock
 *  stop allowed, b4-b3 no preferred level, b5-b7 supply voltage classes
 *  A, B and C. */
#define VEUICC_FS_UICC_CHAR_DEFAULT 0x71

/** Longest proprietary information (value of tag A5) a node keeps. */
#define VEUICC_FS_PROP_MAX 64
/** AID length limits (ETSI TS 101 220 §4.1). */
#define VEUICC_FS_AID_MIN 5
#define VEUICC_FS_AID_MAX 16
/** Largest EF body: what the two-byte file size of tag 80 holds. */
#define VEUICC_FS_EF_SIZE_MAX 0xFFFF
/** Largest number of records (P1 is one byte, FF is reserved). */
#define VEUICC_FS_NREC_MAX 254
/** Largest record length that fits a short response. */
#define VEUICC_FS_REC_LEN_MAX 255

/** Most key references a DF's PIN status template (C6) lists. */
#define VEUICC_FS_PS_REFS_MAX 8

typedef struct veuicc_fs_node veuicc_fs_node;

/**
 * One file. Read-only outside fs.c except through the setters below; the
 * UICC application reads the fields directly.
 */
struct veuicc_fs_node {
	veuicc_fs_node *parent; /**< NULL for the MF; the MF for an ADF */
	veuicc_fs_node *child;  /**< first child (MF/DF/ADF) */
	veuicc_fs_node *next;   /**< next sibling; for ADFs, the next ADF */
	uint8_t type;           /**< veuicc_fs_type */
	uint8_t structure;      /**< veuicc_fs_ef_struct (EF only) */
	uint16_t fid;
	uint8_t sfi;  /**< EF: 1..30, VEUICC_FS_SFI_NONE or VEUICC_FS_SFI_IMPLICIT */
	uint8_t lcsi; /**< VEUICC_FS_LCS_* */
	bool shareable;
	uint8_t arr_rec;  /**< record of EF.ARR (tag 8B), 0: no reference */
	uint16_t arr_fid; /**< FID of EF.ARR (tag 8B) */
	uint8_t aid_len;  /**< ADF only */
	uint8_t aid[VEUICC_FS_AID_MAX];
	uint8_t ps_len; /**< DF/ADF: number of key references in ps_refs, 0: no C6 */
	uint8_t ps_refs[VEUICC_FS_PS_REFS_MAX]; /**< key references of the C6 PIN status template */
	uint8_t prop_len;                       /**< length of the A5 value, 0: no tag A5 */
	uint8_t prop[VEUICC_FS_PROP_MAX];
	uint16_t rec_len; /**< linear fixed / cyclic */
	uint8_t nrec;     /**< linear fixed / cyclic */
	uint8_t newest;   /**< cyclic: physical index of record 1 (the most recent) */
	size_t size;      /**< EF body size (records: rec_len * nrec) */
	uint8_t *data;    /**< EF body, inside the node's own allocation */
};

/** AKA parameter sets a profile holds (SAIP akaParameter PEs). */
#define VEUICC_FS_AKA_MAX 4

/** The credentials AUTHENTICATE uses in one application (TS 31.102 §7.1.2,
 *  TS 31.103 §7.1.2): algorithm, K, OPc/TOPc, constants and the SQN array. */
typedef struct veuicc_fs_aka {
	bool used;
	const veuicc_fs_node *adf; /**< NULL: every USIM/ISIM without a set of its own */
	veuicc_aka_params params;
	veuicc_aka_sqn_state sqn;
	uint8_t pin_ref; /**< the application PIN AUTHENTICATE needs (default 01) */
} veuicc_fs_aka;

/** Largest home network public key: an uncompressed P-256 point. */
#define VEUICC_FS_SUCI_PUB_MAX 65

/**
 * SUCI calculation by the USIM (TS 31.102 §7.5, TS 33.501 §6.12.2): the
 * protection scheme and home network public key GET IDENTITY uses. They
 * belong in EF.SUCI_Calc_Info (TS 31.102 §4.4.11.8); the installer stores
 * the entry it chose here (that EF is not parsed).
 */
typedef struct veuicc_fs_suci {
	bool set;
	uint8_t scheme; /**< veuicc_suci_scheme: 0 null, 1 Profile A, 2 Profile B */
	uint8_t key_id; /**< Home Network Public Key Identifier */
	uint8_t pub_len;
	uint8_t pub[VEUICC_FS_SUCI_PUB_MAX];
} veuicc_fs_suci;

/** A profile's file system, with its PINs and authentication credentials. */
typedef struct veuicc_fs {
	veuicc_fs_node *mf;
	veuicc_fs_node *adfs;  /**< ADFs in creation order, linked by next */
	veuicc_pin_table pins; /**< PINs and PUKs (pin.h); add with veuicc_pin_add() */
	veuicc_fs_aka aka[VEUICC_FS_AKA_MAX];
	veuicc_fs_suci suci; /**< set with veuicc_fs_set_suci() */
	unsigned quirks;     /**< VEUICC_FSQ_* of core/quirks.h, 0: none */
} veuicc_fs;

/**
 * Create a file system holding only the MF (3F00, activated, A5 { 80
 * \p uicc_characteristics }).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY
 */
int veuicc_fs_new(uint8_t uicc_characteristics, veuicc_fs **out);

/** Free a file system and every node (contents zeroised). NULL is ignored. */
void veuicc_fs_free(veuicc_fs *fs);

/** The MF. */
veuicc_fs_node *veuicc_fs_mf(const veuicc_fs *fs);

/**
 * Create a DF \p fid under \p parent (the MF, a DF or an ADF), activated.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (parent is an EF, reserved FID,
 *          FID already used by a sibling or equal to the parent's),
 *          VEUICC_ERR_NO_MEMORY
 */
int veuicc_fs_create_df(veuicc_fs *fs, veuicc_fs_node *parent, uint16_t fid, veuicc_fs_node **out);

/**
 * Create an ADF (activated) with FID \p fid (e.g. 7FF0; never selectable by
 * FID except through 7FFF) and AID \p aid of 5..16 bytes. Its parent is the
 * MF (TS 102 221 §8.1).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (AID length, AID already used,
 *          reserved FID), VEUICC_ERR_NO_MEMORY
 */
int veuicc_fs_create_adf(veuicc_fs *fs, uint16_t fid, const uint8_t *aid, size_t aid_len,
                         veuicc_fs_node **out);

/** What an EF is created with. Fill with veuicc_fs_ef_params_init(). */
typedef struct veuicc_fs_ef_params {
	uint16_t fid;
	uint8_t structure; /**< veuicc_fs_ef_struct */
	size_t size;       /**< transparent / BER-TLV: body size in bytes */
	uint16_t rec_len;  /**< linear fixed / cyclic: 1..255 */
	uint8_t nrec;      /**< linear fixed / cyclic: 1..254 */
	uint8_t sfi;       /**< 1..30, VEUICC_FS_SFI_NONE, VEUICC_FS_SFI_IMPLICIT (default) */
	uint8_t fill;      /**< initial content of every byte (default FF) */
	bool shareable;    /**< FDB b7 (default true) */
} veuicc_fs_ef_params;

/** Defaults: implicit SFI, filled with FF, shareable, size 0. */
void veuicc_fs_ef_params_init(veuicc_fs_ef_params *p, uint16_t fid, veuicc_fs_ef_struct s);

/**
 * Create an EF under \p parent (MF, DF or ADF), activated.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (parent is an EF, reserved or
 *          duplicate FID, explicit SFI already used in the DF, bad structure,
 *          size, record length or count), VEUICC_ERR_NO_MEMORY
 */
int veuicc_fs_create_ef(veuicc_fs *fs, veuicc_fs_node *parent, const veuicc_fs_ef_params *p,
                        veuicc_fs_node **out);

/**
 * Write \p len bytes of the EF body at \p offset (any structure: for record
 * EFs the body is the records one after the other, record 1 first, as the
 * SAIP fillFileContent sees it).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (not an EF, past the end)
 */
int veuicc_fs_write(veuicc_fs_node *ef, size_t offset, const uint8_t *data, size_t len);

/**
 * Set record \p rec (1-based, in the current record numbering) of a linear
 * fixed or cyclic EF; \p len shorter than the record pads with \p pad.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_fs_set_record(veuicc_fs_node *ef, unsigned rec, const uint8_t *data, size_t len,
                         uint8_t pad);

/** Set the life cycle status (VEUICC_FS_LCS_*). \returns VEUICC_OK or VEUICC_ERR_INVALID_ARG */
int veuicc_fs_set_lcsi(veuicc_fs_node *n, uint8_t lcsi);

/** Set the EF.ARR reference of tag 8B (FID, record 1..254; record 0 removes
 *  it). The UICC application enforces it on EFs (arr.h). */
int veuicc_fs_set_arr(veuicc_fs_node *n, uint16_t arr_fid, uint8_t arr_rec);

/** Set the value of the proprietary information tag A5 (raw BER-TLV objects,
 *  e.g. C0/C1/D0 of TS 102 221 §11.1.1.4.6; len 0 removes it). */
int veuicc_fs_set_proprietary(veuicc_fs_node *n, const uint8_t *value, size_t len);

/** Change the SFI of an EF (same values as veuicc_fs_ef_params.sfi). */
int veuicc_fs_set_sfi(veuicc_fs_node *ef, uint8_t sfi);

/**
 * Set the key references the PIN status template (tag C6, TS 102 221
 * §9.5.2) of a DF/ADF lists, in order (SAIP pinStatusTemplateDO, e.g. 01 0A
 * 0B for the MF, 81 01 0A 0B for ADF.USIM); \p n 0 removes the template.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (an EF, more than 8, a value
 *          that is no PIN key reference)
 */
int veuicc_fs_set_pin_template(veuicc_fs_node *dir, const uint8_t *refs, size_t n);

/**
 * Store the AKA credentials of application \p adf (NULL: of every USIM/ISIM
 * that has no set of its own), replacing an earlier set for the same ADF.
 * \p sqn NULL starts with an all-zero SQN array. AUTHENTICATE requires the
 * PIN \p pin_ref (0: PIN1, key reference 01).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY (no free slot)
 */
int veuicc_fs_set_aka(veuicc_fs *fs, const veuicc_fs_node *adf, const veuicc_aka_params *params,
                      const veuicc_aka_sqn_state *sqn, uint8_t pin_ref);

/**
 * Store the SUCI protection scheme of GET IDENTITY: \p scheme 0 (null
 * scheme, no key), 1 (Profile A, 32-byte X25519 key) or 2 (Profile B, P-256
 * point of 33 or 65 bytes), with Home Network Public Key Identifier
 * \p key_id.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG
 */
int veuicc_fs_set_suci(veuicc_fs *fs, uint8_t scheme, uint8_t key_id, const uint8_t *pub,
                       size_t pub_len);

/** The AKA credentials of \p adf: its own set, else the profile-wide one, else NULL. */
veuicc_fs_aka *veuicc_fs_aka_for(veuicc_fs *fs, const veuicc_fs_node *adf);

/** The ADF \p n lies in (\p n itself for an ADF), NULL under the MF. */
const veuicc_fs_node *veuicc_fs_adf_of(const veuicc_fs_node *n);

/* ---- look-ups (no allocation) ----------------------------------------- */

/** The child of \p dir with FID \p fid, or NULL. */
veuicc_fs_node *veuicc_fs_child(const veuicc_fs_node *dir, uint16_t fid);

/**
 * Follow a path of FIDs (\p len bytes, two per FID, big-endian) from \p start
 * down through children, e.g. 7F10 5F3A 4F30 from the MF. An empty path gives
 * \p start; an odd length, an EF in the middle or a missing child give NULL.
 */
veuicc_fs_node *veuicc_fs_resolve(const veuicc_fs_node *start, const uint8_t *path, size_t len);

/** The EF of \p dir whose SFI is \p sfi (1..30), or NULL. */
veuicc_fs_node *veuicc_fs_by_sfi(const veuicc_fs_node *dir, uint8_t sfi);

/** The first ADF after \p after (NULL: from the first) whose AID starts with
 *  the \p len bytes of \p aid (right-truncated match, ISO 7816-4 §11.1.1),
 *  or NULL. */
veuicc_fs_node *veuicc_fs_find_adf(const veuicc_fs *fs, const uint8_t *aid, size_t len,
                                   const veuicc_fs_node *after);

/** The SFI of an EF as the commands see it (1..30), 0 if it has none. */
uint8_t veuicc_fs_sfi(const veuicc_fs_node *ef);

/** True for the MF, DFs and ADFs. */
static inline bool veuicc_fs_is_dir(const veuicc_fs_node *n)
{
	return n->type != VEUICC_FS_EF;
}

/** Physical address of record \p rec (1-based, current numbering) of a
 *  record EF; \p rec must be in 1..nrec. */
uint8_t *veuicc_fs_record(const veuicc_fs_node *ef, unsigned rec);

/**
 * Cyclic EF: make the oldest record the new record 1 and return it
 * (TS 102 221 §8.2.3: UPDATE RECORD PREVIOUS and INCREASE write there).
 */
uint8_t *veuicc_fs_cyclic_push(veuicc_fs_node *ef);

/* ---- FCP (fcp.c) ------------------------------------------------------ */

/** Largest FCP veuicc_fs_fcp() builds. */
#define VEUICC_FS_FCP_MAX 192 /* an ADF with a 64-byte A5 and an 8-PIN C6 fits */

/**
 * Build the FCP template (tag 62) of \p n per TS 102 221 §11.1.1.3.1/.2:
 * 82 file descriptor, 83 FID, 84 DF name (ADF), A5 proprietary, 8A LCSI,
 * 8B EF.ARR reference, 80 file size (EF), 81 total file size (DF: the sum
 * of the EF bodies under it), 88 SFI (EF). No C6: see veuicc_fs_fcp_pins().
 * \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_fs_fcp(const veuicc_fs_node *n, uint8_t *buf, size_t cap, size_t *len);

/**
 * The same FCP with, for a DF/ADF that has a PIN status template, the C6
 * object of TS 102 221 §9.5.2 / §11.1.1.4.10 built from \p pins: 90 PS_DO
 * (bit b8 of its first byte for the first key reference listed, set when
 * that PIN is enabled), then 83 01 key reference for each, the universal
 * PIN's preceded by the usage qualifier 95 01 08.
 * \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_fs_fcp_pins(const veuicc_fs_node *n, veuicc_pin_table *pins, uint8_t *buf, size_t cap,
                       size_t *len);

/**
 * veuicc_fs_fcp_pins() changed by the FCP quirks \p quirks (VEUICC_FSQ_* of
 * core/quirks.h, docs/quirks.md): no C6, no A5, no 88.
 * \returns VEUICC_OK, VEUICC_ERR_BUFFER_TOO_SMALL
 */
int veuicc_fs_fcp_quirks(const veuicc_fs_node *n, veuicc_pin_table *pins, unsigned quirks,
                         uint8_t *buf, size_t cap, size_t *len);

#endif /* VEUICC_UICC_FS_H */
