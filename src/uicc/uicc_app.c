/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UICC file commands, ETSI TS 102 221 §11.1: SELECT (§11.1.1), STATUS
 * (§11.1.2), READ/UPDATE BINARY (§11.1.3/4), READ/UPDATE RECORD
 * (§11.1.5/6), SEARCH RECORD (§11.1.7, simple search), INCREASE (§11.1.8),
 * with the access conditions of EF.ARR (arr.c); the PIN commands
 * (§11.1.9 to §11.1.13, pin.c), AUTHENTICATE (TS 31.102 §7.1.2) and GET
 * IDENTITY (TS 31.102 §7.5) in authcmd.c.
 * Selection rules: §8.4 (FID, path, AID), §8.6 (one selection per logical
 * channel). Nothing here allocates: commands work on the tree in place.
 */
#include "uicc/uicc_app.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/platform_util.h>

#include "apdu/sw.h"
#include "core/quirks.h"
#include "uicc/arr.h"
#include "uicc/authcmd.h"
#include "uicc/pin.h"

/* TS 102 221 §10.1.2 Table 10.5 */
#define INS_SELECT        0xA4
#define INS_STATUS        0xF2
#define INS_READ_BINARY   0xB0
#define INS_UPDATE_BINARY 0xD6
#define INS_READ_RECORD   0xB2
#define INS_UPDATE_RECORD 0xDC
#define INS_SEARCH_RECORD 0xA2
#define INS_INCREASE      0x32
#define INS_VERIFY_PIN    0x20
#define INS_CHANGE_PIN    0x24
#define INS_DISABLE_PIN   0x26
#define INS_ENABLE_PIN    0x28
#define INS_UNBLOCK_PIN   0x2C
#define INS_AUTHENTICATE  0x88
#define INS_GET_IDENTITY  0x78

/* SELECT P1 (§11.1.1.2 Table 11.1) */
#define SEL_FID       0x00
#define SEL_CHILD_DF  0x01
#define SEL_PARENT_DF 0x03
#define SEL_DF_NAME   0x04
#define SEL_PATH_MF   0x08
#define SEL_PATH_CUR  0x09

/* SELECT P2 (§11.1.1.2 Table 11.2) */
#define P2_RETURN_MASK     0x0C
#define P2_FCP             0x04
#define P2_NO_DATA         0x0C
#define P2_RETURN_FCI      0x00 /* ISO 7816-4 Table 40 b4-b3 00 */
#define P2_RETURN_FMD      0x08 /* b4-b3 10 */
#define P2_OCCURRENCE_MASK 0x03
#define P2_FIRST           0x00
#define P2_LAST            0x01
#define P2_NEXT            0x02
#define P2_PREVIOUS        0x03
#define P2_TERMINATE       0x40
#define P2_AID_RFU_BITS    0xB0

/* STATUS P1/P2 (§11.1.2.2) */
#define STATUS_P1_MAX     0x02
#define STATUS_P2_FCP     0x00
#define STATUS_P2_DF_NAME 0x01
#define STATUS_P2_NONE    0x0C
#define TAG_DF_NAME       0x84

/* READ/UPDATE BINARY P1 (§11.1.3.2 Table 11.10) */
#define P1_SFI_FLAG 0x80
#define P1_SFI_RFU  0x60
#define SFI_MASK    0x1F
#define SFI_RFU     0x1F

/* READ/UPDATE RECORD and SEARCH RECORD P2 (§11.1.5.2 Table 11.11, §11.1.7.2 Table 11.12) */
#define REC_MODE_MASK     0x07
#define REC_NEXT          0x02
#define REC_PREVIOUS      0x03
#define REC_ABSOLUTE      0x04
#define SEARCH_SIMPLE_FWD 0x04
#define SEARCH_SIMPLE_BWD 0x05
#define SEARCH_ENHANCED   0x06
#define REC_P1_RFU        0xFF

/* §10.2.1.4: INCREASE cannot be performed, maximum value reached */
#define SW_MAX_VALUE_REACHED 0x9850u

/* Selection of one logical channel (§8.6). */
typedef struct chan_sel {
	veuicc_fs_node *df;  /**< current directory: MF, DF or ADF */
	veuicc_fs_node *ef;  /**< current EF, NULL if a directory was selected last */
	veuicc_fs_node *adf; /**< current application, NULL if none */
	uint8_t rec;         /**< record pointer, 0: not set */
} chan_sel;

typedef struct uicc_app {
	veuicc_fs *fs;
	chan_sel ch[VEUICC_MAX_CHANNELS];
	/* randomness of GET IDENTITY (ephemeral SUCI keys): the caller's, or
	 * a CTR_DRBG of our own seeded on first use */
	veuicc_suci_rng rng;
	void *rng_ctx;
	bool drbg_ready;
	mbedtls_ctr_drbg_context drbg;
	/* remote file management (TS 102 226 §7): a file view of its own */
	veuicc_uicc_view rfm;
	const veuicc_uicc_view *view; /* the view whose command runs, else NULL */
} uicc_app;

/* Entropy straight from the system: an mbedtls_entropy_context would cost
 * 38 KB and ~170 µs per profile for a generator most profiles never use. */
static int system_entropy(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	size_t done = 0;
	while (done < len) {
		ssize_t n = getrandom(out + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		}
		done += (size_t)n;
	}
	return 0;
}

static int own_rng(void *ctx, unsigned char *out, size_t len)
{
	uicc_app *a = ctx;
	if (!a->drbg_ready) {
		static const unsigned char pers[] = "veuicc uicc suci";
		if (mbedtls_ctr_drbg_seed(&a->drbg, system_entropy, NULL, pers, sizeof(pers) - 1) !=
		    0)
			return -1;
		a->drbg_ready = true;
	}
	return mbedtls_ctr_drbg_random(&a->drbg, out, len);
}

void veuicc_uicc_app_set_rng(void *ctx, veuicc_suci_rng rng, void *rng_ctx)
{
	uicc_app *a = ctx;
	a->rng = rng ? rng : own_rng;
	a->rng_ctx = rng ? rng_ctx : a;
}

static void chan_reset(uicc_app *a, uint8_t channel)
{
	chan_sel *c = &a->ch[channel];
	c->df = a->fs->mf;
	c->ef = NULL;
	c->adf = NULL;
	c->rec = 0;
}

void veuicc_uicc_app_reset(void *ctx)
{
	uicc_app *a = ctx;
	veuicc_pin_reset_status(&a->fs->pins, NULL);
	for (uint8_t i = 0; i < VEUICC_MAX_CHANNELS; i++)
		chan_reset(a, i);
}

void veuicc_uicc_app_channel_opened(void *ctx, uint8_t channel, uint8_t from)
{
	uicc_app *a = ctx;
	if (channel >= VEUICC_MAX_CHANNELS || from >= VEUICC_MAX_CHANNELS)
		return;
	if (from == 0) {
		chan_reset(a, channel);
		return;
	}
	a->ch[channel] = a->ch[from];
}

/* ---- SELECT ------------------------------------------------------------ */

/* §8.4.1: what a FID may name from the current directory. */
static veuicc_fs_node *find_by_fid(const uicc_app *a, const chan_sel *c, uint16_t fid)
{
	if (fid == VEUICC_FS_FID_MF)
		return a->fs->mf;
	if (fid == VEUICC_FS_FID_CURRENT_ADF)
		return c->adf;
	veuicc_fs_node *cur = c->df;
	veuicc_fs_node *n = veuicc_fs_child(cur, fid); /* a child of the current DF */
	if (n)
		return n;
	if (cur->fid == fid) /* the current DF */
		return cur;
	if (cur->type == VEUICC_FS_MF)
		return NULL;
	veuicc_fs_node *parent = cur->parent;
	if (parent->fid == fid) /* the parent of the current DF */
		return parent;
	n = veuicc_fs_child(parent, fid); /* a sibling DF */
	return n && veuicc_fs_is_dir(n) ? n : NULL;
}

/* §8.4.2: a path of FIDs, each a child of the previous one; from the MF the
 * first FID may be 7FFF, the current application. */
static veuicc_fs_node *find_by_path(const chan_sel *c, veuicc_fs_node *start, bool from_mf,
                                    const uint8_t *path, size_t len)
{
	veuicc_fs_node *n = start;
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint16_t fid = (uint16_t)(path[i] << 8 | path[i + 1]);
		if (i == 0 && from_mf && fid == VEUICC_FS_FID_CURRENT_ADF) {
			n = c->adf;
		} else {
			if (!veuicc_fs_is_dir(n))
				return NULL;
			n = veuicc_fs_child(n, fid);
		}
		if (!n)
			return NULL;
	}
	return n;
}

static uint16_t put_fcp(uicc_app *a, const veuicc_fs_node *n, veuicc_rsp *rsp)
{
	uint8_t buf[VEUICC_FS_FCP_MAX];
	size_t len;
	if (veuicc_fs_fcp_quirks(n, &a->fs->pins, a->fs->quirks, buf, sizeof(buf), &len) !=
	    VEUICC_OK)
		return VEUICC_SW_NO_DIAGNOSIS;
	if (veuicc_rsp_put(rsp, buf, len) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}

/* Make \p n current on the channel and answer; \p n is not NULL. The FCP is
 * written first so that a failure leaves the selection as it was. */
static uint16_t select_done(uicc_app *a, chan_sel *c, veuicc_fs_node *n, bool is_app,
                            const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if ((cmd->p2 & P2_RETURN_MASK) == P2_FCP) {
		uint16_t sw = put_fcp(a, n, rsp);
		if (sw != VEUICC_SW_OK)
			return sw;
	}
	if (veuicc_fs_is_dir(n)) {
		c->df = n;
		c->ef = NULL;
	} else {
		c->df = n->parent;
		c->ef = n;
	}
	if (is_app)
		c->adf = n;
	c->rec = 0;
	/* §11.1.1.4.9: a deactivated file is selected with a warning */
	return n->lcsi == VEUICC_FS_LCS_DEACTIVATED ? VEUICC_SW_WARN_DEACTIVATED : VEUICC_SW_OK;
}

static bool aid_prefix(const veuicc_fs_node *adf, const uint8_t *aid, size_t len)
{
	return len <= adf->aid_len && !memcmp(adf->aid, aid, len);
}

/* ISO 7816-4 §11.1.1 occurrences among the ADFs whose AID starts with \p aid. */
static veuicc_fs_node *find_adf(const uicc_app *a, const chan_sel *c, const uint8_t *aid,
                                size_t len, uint8_t occurrence)
{
	const veuicc_fs *fs = a->fs;
	veuicc_fs_node *cur = c->adf && aid_prefix(c->adf, aid, len) ? c->adf : NULL;
	veuicc_fs_node *n, *last = NULL;
	switch (occurrence) {
	case P2_FIRST: return veuicc_fs_find_adf(fs, aid, len, NULL);
	case P2_NEXT:
		if (!cur)
			return veuicc_fs_find_adf(fs, aid, len, NULL);
		return veuicc_fs_find_adf(fs, aid, len, cur);
	default: /* last, previous: the last match (before the current one) */
		for (n = veuicc_fs_find_adf(fs, aid, len, NULL); n;
		     n = veuicc_fs_find_adf(fs, aid, len, n)) {
			if (occurrence == P2_PREVIOUS && cur && n == cur)
				break;
			last = n;
		}
		return last;
	}
}

/* §11.1.1: SELECT by DF name, i.e. an ADF by its full or right-truncated AID. */
static uint16_t select_aid(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	uint8_t ret = cmd->p2 & P2_RETURN_MASK;
	if ((cmd->p2 & P2_AID_RFU_BITS) || ret == P2_RETURN_FMD)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (cmd->lc > VEUICC_FS_AID_MAX)
		return VEUICC_SW_NOT_FOUND;
	if (ret == P2_RETURN_FCI) {
		/* ISO 7816-4 "return FCI": the card's applets take it (GP), an
		 * ADF does not (TS 102 221 Table 11.2); an AID that names no ADF
		 * here names nothing on the card: not found (decision A23) */
		if (cmd->p2 & P2_TERMINATE)
			return VEUICC_SW_WRONG_P1P2;
		return find_adf(a, c, cmd->data, cmd->lc, cmd->p2 & P2_OCCURRENCE_MASK)
		           ? VEUICC_SW_WRONG_P1P2
		           : VEUICC_SW_NOT_FOUND;
	}
	if (cmd->p2 & P2_TERMINATE) {
		/* §11.1.1.3: end the session of the current application */
		if (!c->adf || !aid_prefix(c->adf, cmd->data, cmd->lc))
			return VEUICC_SW_NOT_FOUND;
		/* the local PINs of the application lose their status */
		veuicc_pin_reset_status(&a->fs->pins, c->adf);
		c->adf = NULL;
		c->df = a->fs->mf;
		c->ef = NULL;
		c->rec = 0;
		return VEUICC_SW_OK;
	}
	veuicc_fs_node *n = find_adf(a, c, cmd->data, cmd->lc, cmd->p2 & P2_OCCURRENCE_MASK);
	if (!n)
		return VEUICC_SW_NOT_FOUND;
	return select_done(a, c, n, true, cmd, rsp);
}

static uint16_t cmd_select(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	switch (cmd->p1) {
	case SEL_FID:
	case SEL_CHILD_DF:
	case SEL_PARENT_DF:
	case SEL_PATH_MF:
	case SEL_PATH_CUR: break;
	case SEL_DF_NAME: return select_aid(a, c, cmd, rsp);
	default: return VEUICC_SW_WRONG_P1P2;
	}
	/* §11.1.1.2: by FID or path, P2 is 04 (FCP) or 0C (no data) */
	if (cmd->p2 != P2_FCP && cmd->p2 != P2_NO_DATA)
		return VEUICC_SW_WRONG_P1P2;
	veuicc_fs_node *n = NULL;
	switch (cmd->p1) {
	case SEL_FID:
	case SEL_CHILD_DF:
		if (cmd->lc != 2)
			return VEUICC_SW_WRONG_LENGTH;
		uint16_t fid = (uint16_t)(cmd->data[0] << 8 | cmd->data[1]);
		if (cmd->p1 == SEL_FID) {
			n = find_by_fid(a, c, fid);
		} else {
			n = veuicc_fs_child(c->df, fid);
			if (n && !veuicc_fs_is_dir(n))
				n = NULL;
		}
		break;
	case SEL_PARENT_DF:
		if (cmd->lc != 0)
			return VEUICC_SW_WRONG_LENGTH;
		if (c->df->type != VEUICC_FS_MF)
			n = c->df->parent; /* an ADF's parent is the MF */
		break;
	default: /* paths */
		if (cmd->lc == 0 || cmd->lc % 2)
			return VEUICC_SW_WRONG_LENGTH;
		if (cmd->p1 == SEL_PATH_MF)
			n = find_by_path(c, a->fs->mf, true, cmd->data, cmd->lc);
		else
			n = find_by_path(c, c->df, false, cmd->data, cmd->lc);
		break;
	}
	if (!n)
		return VEUICC_SW_NOT_FOUND;
	return select_done(a, c, n, false, cmd, rsp);
}

/* ---- STATUS ------------------------------------------------------------ */

static uint16_t cmd_status(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->p1 > STATUS_P1_MAX)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	switch (cmd->p2) {
	case STATUS_P2_FCP: return put_fcp(a, c->df, rsp);
	case STATUS_P2_DF_NAME: {
		if (!c->adf)
			return VEUICC_SW_REF_DATA_NOT_FOUND;
		uint8_t *p = veuicc_rsp_reserve(rsp, 2u + c->adf->aid_len);
		if (!p)
			return VEUICC_SW_MEMORY_FAILURE;
		p[0] = TAG_DF_NAME;
		p[1] = c->adf->aid_len;
		memcpy(p + 2, c->adf->aid, c->adf->aid_len);
		return VEUICC_SW_OK;
	}
	case STATUS_P2_NONE: return VEUICC_SW_OK;
	default: return VEUICC_SW_WRONG_P1P2;
	}
}

/* ---- transparent EFs --------------------------------------------------- */

/* §8.4.3: an EF named by its SFI becomes the current EF; the record pointer
 * is kept when it already was. */
static void select_by_sfi(chan_sel *c, veuicc_fs_node *ef)
{
	if (c->ef != ef)
		c->rec = 0;
	c->ef = ef;
}

/* The EF a READ/UPDATE BINARY works on (§11.1.3.2: SFI in P1 or the current
 * EF) and the offset. An SFI makes its EF the current one (§8.4.3). */

/* The checks every EF command makes once it has its EF (TS 102 221 §11.1):
 * the structure the command needs (6981), a deactivated file (6283), and
 * the access rule of EF.ARR (§9.2.4, 6982). */
static uint16_t ef_usable(uicc_app *a, const veuicc_fs_node *ef, bool right_structure,
                          veuicc_arr_op op)
{
	if (!right_structure)
		return VEUICC_SW_INCOMPATIBLE_FILE;
	if (ef->lcsi == VEUICC_FS_LCS_DEACTIVATED)
		return VEUICC_SW_WARN_DEACTIVATED;
	if (a->view) {
		/* TS 102 226 §8.2.1.3.2.2: the access domain of the file's tree;
		 * an ADF the view has no domain for is out of reach */
		const veuicc_fs_node *adf = veuicc_fs_adf_of(ef);
		const veuicc_uicc_domain *d = adf ? NULL : &a->view->uicc;
		for (size_t i = 0; adf && i < a->view->nadf; i++)
			if (a->view->adfs[i].adf == adf)
				d = &a->view->adfs[i].dom;
		if (!d)
			return VEUICC_SW_SECURITY_STATUS;
		return veuicc_arr_check_domain_data(ef, op, d->param, d->data, d->data_len);
	}
	return veuicc_arr_check(a->fs, ef, op);
}

static uint16_t binary_target(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_arr_op op,
                              veuicc_fs_node **ef, size_t *offset)
{
	veuicc_fs_node *n;
	if (cmd->p1 & P1_SFI_FLAG) {
		uint8_t sfi = cmd->p1 & SFI_MASK;
		if (a->fs->quirks & VEUICC_FSQ_SFI_UNSUPP)
			return VEUICC_SW_FUNC_NOT_SUPP; /* quirk Q3: ISO 7816-4 §5.6 6A81 */
		if ((cmd->p1 & P1_SFI_RFU) || sfi == 0 || sfi == SFI_RFU)
			return VEUICC_SW_WRONG_P1P2;
		n = veuicc_fs_by_sfi(c->df, sfi);
		if (!n)
			return VEUICC_SW_NOT_FOUND;
		select_by_sfi(c, n);
		*offset = cmd->p2;
	} else {
		n = c->ef;
		if (!n)
			return VEUICC_SW_NO_CURRENT_EF;
		*offset = (size_t)cmd->p1 << 8 | cmd->p2;
	}
	uint16_t sw = ef_usable(a, n, n->structure == VEUICC_FS_TRANSPARENT, op);
	if (sw == VEUICC_SW_OK)
		*ef = n;
	return sw;
}

static uint16_t cmd_read_binary(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_fs_node *ef;
	size_t off;
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t sw = binary_target(a, c, cmd, VEUICC_ARR_READ, &ef, &off);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->ne == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (off >= ef->size)
		return VEUICC_SW_WRONG_P1P2_OFFSET;
	size_t avail = ef->size - off;
	size_t n = cmd->ne < avail ? cmd->ne : avail;
	if (veuicc_rsp_put(rsp, ef->data + off, n) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	/* §11.1.3: fewer bytes than Ne up to the end of the file */
	return n < cmd->ne ? VEUICC_SW_WARN_EOF : VEUICC_SW_OK;
}

static uint16_t cmd_update_binary(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd)
{
	veuicc_fs_node *ef;
	size_t off;
	uint16_t sw = binary_target(a, c, cmd, VEUICC_ARR_UPDATE, &ef, &off);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (off >= ef->size)
		return VEUICC_SW_WRONG_P1P2_OFFSET;
	if (cmd->lc > ef->size - off)
		return VEUICC_SW_WRONG_LENGTH;
	memcpy(ef->data + off, cmd->data, cmd->lc);
	return VEUICC_SW_OK;
}

/* ---- record EFs -------------------------------------------------------- */

static bool is_record_ef(const veuicc_fs_node *n)
{
	return n->structure == VEUICC_FS_LINEAR_FIXED || n->structure == VEUICC_FS_CYCLIC;
}

/* The EF of a record command: SFI in P2 b8-b4, or the current EF (§11.1.5.2). */
static uint16_t record_target(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_arr_op op,
                              veuicc_fs_node **ef)
{
	uint8_t sfi = cmd->p2 >> 3;
	veuicc_fs_node *n;
	if (sfi == SFI_RFU)
		return VEUICC_SW_WRONG_P1P2;
	if (sfi && (a->fs->quirks & VEUICC_FSQ_SFI_UNSUPP))
		return VEUICC_SW_FUNC_NOT_SUPP; /* quirk Q3 */
	if (sfi) {
		n = veuicc_fs_by_sfi(c->df, sfi);
		if (!n)
			return VEUICC_SW_NOT_FOUND;
		select_by_sfi(c, n);
	} else {
		n = c->ef;
		if (!n)
			return VEUICC_SW_NO_CURRENT_EF;
	}
	uint16_t sw = ef_usable(a, n, is_record_ef(n), op);
	if (sw == VEUICC_SW_OK)
		*ef = n;
	return sw;
}

/*
 * §11.1.5.1: the record a mode names and the record pointer after the
 * command. NEXT/PREVIOUS move the pointer (first/last record when it is not
 * set; a cyclic EF wraps, a linear fixed one answers 6A83 at its ends);
 * ABSOLUTE (P1 > 0) and CURRENT (P1 = 0) leave it where it is.
 */
static uint16_t record_number(const chan_sel *c, const veuicc_fs_node *ef, uint8_t p1, uint8_t mode,
                              unsigned *rec, uint8_t *ptr_after)
{
	bool cyclic = ef->structure == VEUICC_FS_CYCLIC;
	unsigned cur = c->rec;
	switch (mode) {
	case REC_ABSOLUTE:
		if (p1 == REC_P1_RFU)
			return VEUICC_SW_WRONG_P1P2;
		*rec = p1 ? p1 : cur;
		*ptr_after = c->rec;
		break;
	case REC_NEXT:
		if (cur == 0)
			*rec = 1;
		else if (cur < ef->nrec)
			*rec = cur + 1;
		else if (cyclic)
			*rec = 1;
		else
			return VEUICC_SW_RECORD_NOT_FOUND;
		*ptr_after = (uint8_t)*rec;
		break;
	case REC_PREVIOUS:
		if (cur == 0)
			*rec = ef->nrec;
		else if (cur > 1)
			*rec = cur - 1;
		else if (cyclic)
			*rec = ef->nrec;
		else
			return VEUICC_SW_RECORD_NOT_FOUND;
		*ptr_after = (uint8_t)*rec;
		break;
	default: return VEUICC_SW_WRONG_P1P2;
	}
	if (*rec == 0 || *rec > ef->nrec)
		return VEUICC_SW_RECORD_NOT_FOUND;
	return VEUICC_SW_OK;
}

static uint16_t cmd_read_record(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	veuicc_fs_node *ef;
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint8_t mode = cmd->p2 & REC_MODE_MASK;
	if (mode != REC_ABSOLUTE && mode != REC_NEXT && mode != REC_PREVIOUS)
		return VEUICC_SW_WRONG_P1P2;
	uint16_t sw = record_target(a, c, cmd, VEUICC_ARR_READ, &ef);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->ne == 0)
		return VEUICC_SW_WRONG_LENGTH;
	unsigned rec;
	uint8_t ptr;
	sw = record_number(c, ef, cmd->p1, mode, &rec, &ptr);
	if (sw != VEUICC_SW_OK)
		return sw;
	/* the whole record: a Le that differs is the transport's business
	 * (T=0: 6Cxx with the record length) */
	if (veuicc_rsp_put(rsp, veuicc_fs_record(ef, rec), ef->rec_len) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	c->rec = ptr;
	return VEUICC_SW_OK;
}

static uint16_t cmd_update_record(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd)
{
	veuicc_fs_node *ef;
	uint8_t mode = cmd->p2 & REC_MODE_MASK;
	if (mode != REC_ABSOLUTE && mode != REC_NEXT && mode != REC_PREVIOUS)
		return VEUICC_SW_WRONG_P1P2;
	uint16_t sw = record_target(a, c, cmd, VEUICC_ARR_UPDATE, &ef);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (ef->structure == VEUICC_FS_CYCLIC) {
		/* §11.1.6.1: a cyclic EF is updated in PREVIOUS mode only; the
		 * oldest record is overwritten and becomes record 1 */
		if (mode != REC_PREVIOUS)
			return VEUICC_SW_INCOMPATIBLE_FILE;
		if (cmd->lc != ef->rec_len)
			return VEUICC_SW_WRONG_LENGTH;
		memcpy(veuicc_fs_cyclic_push(ef), cmd->data, cmd->lc);
		c->rec = 1;
		return VEUICC_SW_OK;
	}
	unsigned rec;
	uint8_t ptr;
	sw = record_number(c, ef, cmd->p1, mode, &rec, &ptr);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->lc != ef->rec_len)
		return VEUICC_SW_WRONG_LENGTH;
	memcpy(veuicc_fs_record(ef, rec), cmd->data, cmd->lc);
	c->rec = ptr;
	return VEUICC_SW_OK;
}

/* §11.1.7: simple search, forward or backward from record P1 (00: the
 * current record), for records that begin with the pattern. The answer lists
 * the matching record numbers; the record pointer goes to the first one. */
static uint16_t cmd_search_record(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp)
{
	veuicc_fs_node *ef;
	uint8_t mode = cmd->p2 & REC_MODE_MASK;
	if (mode == SEARCH_ENHANCED)
		return VEUICC_SW_FUNC_NOT_SUPP;
	if (mode != SEARCH_SIMPLE_FWD && mode != SEARCH_SIMPLE_BWD)
		return VEUICC_SW_WRONG_P1P2;
	uint16_t sw = record_target(a, c, cmd, VEUICC_ARR_READ, &ef);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	if (cmd->p1 == REC_P1_RFU)
		return VEUICC_SW_WRONG_P1P2;
	unsigned start = cmd->p1 ? cmd->p1 : c->rec;
	if (start == 0 || start > ef->nrec)
		return VEUICC_SW_RECORD_NOT_FOUND;
	int step = mode == SEARCH_SIMPLE_FWD ? 1 : -1;
	uint8_t first = 0;
	for (int r = (int)start; r >= 1 && r <= ef->nrec; r += step) {
		if (cmd->lc > ef->rec_len ||
		    memcmp(veuicc_fs_record(ef, (unsigned)r), cmd->data, cmd->lc) != 0)
			continue;
		if (veuicc_rsp_put(rsp, &(uint8_t){(uint8_t)r}, 1) != VEUICC_OK)
			return VEUICC_SW_MEMORY_FAILURE;
		if (!first)
			first = (uint8_t)r;
	}
	if (first)
		c->rec = first;
	return VEUICC_SW_OK;
}

/* §11.1.8: add the value to record 1 of the current cyclic EF; the sum
 * becomes the new record 1. Answer: the new record, then the value added. */
static uint16_t cmd_increase(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return VEUICC_SW_WRONG_P1P2;
	veuicc_fs_node *ef = c->ef;
	if (!ef)
		return VEUICC_SW_NO_CURRENT_EF;
	uint16_t sw = ef_usable(a, ef, ef->structure == VEUICC_FS_CYCLIC, VEUICC_ARR_INCREASE);
	if (sw != VEUICC_SW_OK)
		return sw;
	if (cmd->lc == 0 || cmd->lc > ef->rec_len)
		return VEUICC_SW_WRONG_LENGTH;
	uint8_t sum[VEUICC_FS_REC_LEN_MAX];
	const uint8_t *r1 = veuicc_fs_record(ef, 1);
	unsigned carry = 0;
	/* big-endian, the value right-aligned on the record */
	for (size_t i = ef->rec_len; i-- > 0;) {
		size_t from_end = ef->rec_len - 1 - i;
		unsigned add = from_end < cmd->lc ? cmd->data[cmd->lc - 1 - from_end] : 0;
		unsigned s = r1[i] + add + carry;
		sum[i] = (uint8_t)s;
		carry = s >> 8;
	}
	if (carry)
		return SW_MAX_VALUE_REACHED;
	uint8_t *p = veuicc_rsp_reserve(rsp, (size_t)ef->rec_len + cmd->lc);
	if (!p)
		return VEUICC_SW_MEMORY_FAILURE;
	memcpy(veuicc_fs_cyclic_push(ef), sum, ef->rec_len);
	memcpy(p, sum, ef->rec_len);
	memcpy(p + ef->rec_len, cmd->data, cmd->lc);
	c->rec = 1;
	return VEUICC_SW_OK;
}

/* ---- applet interface -------------------------------------------------- */

static uint16_t dispatch(uicc_app *a, chan_sel *c, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* §10.1.2 Table 10.5: STATUS and INCREASE use CLA 8X, the others 0X */
	bool prop = cmd->cl.proprietary;
	switch (cmd->ins) {
	case INS_SELECT: return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_select(a, c, cmd, rsp);
	case INS_STATUS: return prop ? cmd_status(a, c, cmd, rsp) : VEUICC_SW_CLA_NOT_SUPP;
	case INS_READ_BINARY:
		return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_read_binary(a, c, cmd, rsp);
	case INS_UPDATE_BINARY: return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_update_binary(a, c, cmd);
	case INS_READ_RECORD:
		return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_read_record(a, c, cmd, rsp);
	case INS_UPDATE_RECORD: return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_update_record(a, c, cmd);
	case INS_SEARCH_RECORD:
		return prop ? VEUICC_SW_CLA_NOT_SUPP : cmd_search_record(a, c, cmd, rsp);
	case INS_INCREASE: return prop ? cmd_increase(a, c, cmd, rsp) : VEUICC_SW_CLA_NOT_SUPP;
	case INS_VERIFY_PIN:
	case INS_CHANGE_PIN:
	case INS_DISABLE_PIN:
	case INS_ENABLE_PIN:
	case INS_UNBLOCK_PIN:
		/* §11.1.9 to §11.1.13: local key references name the PINs of
		 * the channel's current application */
		return prop ? VEUICC_SW_CLA_NOT_SUPP
		            : veuicc_pin_command(&a->fs->pins, c->adf, cmd);
	case INS_AUTHENTICATE:
		/* TS 31.102 §7.1.2: CLA 0X */
		return prop ? VEUICC_SW_CLA_NOT_SUPP
		            : veuicc_uicc_authenticate(a->fs, c->adf, cmd, rsp);
	case INS_GET_IDENTITY:
		/* TS 31.102 §7.5 (either class accepted, see the decision record) */
		return veuicc_uicc_get_identity(a->fs, c->adf, cmd, rsp, a->rng, a->rng_ctx);
	default: return VEUICC_SW_INS_NOT_SUPP;
	}
}

static uint16_t app_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	uicc_app *a = ctx;
	if (cmd->cl.channel >= VEUICC_MAX_CHANNELS)
		return VEUICC_SW_CHANNEL_NOT_SUPP;
	return dispatch(a, &a->ch[cmd->cl.channel], cmd, rsp);
}

/* ---- remote file management (TS 102 226 §7, §8) ----------------------- */

void veuicc_uicc_view_start(void *ctx, veuicc_uicc_view *v, const veuicc_uicc_domain *uicc)
{
	uicc_app *a = ctx;
	memset(v, 0, sizeof(*v));
	v->df = a->fs->mf;
	v->uicc = *uicc;
}

uint16_t veuicc_uicc_view_add_adf(void *ctx, veuicc_uicc_view *v, const uint8_t *aid, size_t len,
                                  const veuicc_uicc_domain *dom)
{
	uicc_app *a = ctx;
	const veuicc_fs_node *adf = len ? veuicc_fs_find_adf(a->fs, aid, len, NULL) : NULL;
	if (!adf)
		return VEUICC_SW_NOT_FOUND;
	if (v->nadf == VEUICC_UICC_VIEW_ADFS)
		return VEUICC_SW_MEMORY_FAILURE;
	v->adfs[v->nadf].adf = adf;
	v->adfs[v->nadf++].dom = *dom;
	return VEUICC_SW_OK;
}

uint16_t veuicc_uicc_view_root(void *ctx, veuicc_uicc_view *v, const uint8_t *aid, size_t len)
{
	uicc_app *a = ctx;
	veuicc_fs_node *n = a->fs->mf;
	if (aid && !(n = veuicc_fs_find_adf(a->fs, aid, len, NULL)))
		return VEUICC_SW_NOT_FOUND;
	v->df = n;
	v->ef = NULL;
	if (aid)
		v->adf = n;
	v->rec = 0;
	return VEUICC_SW_OK;
}

uint16_t veuicc_uicc_view_cmd(void *ctx, veuicc_uicc_view *v, const veuicc_capdu *cmd,
                              veuicc_rsp *rsp)
{
	uicc_app *a = ctx;
	switch (cmd->ins) {
	case INS_SELECT:
		/* TS 102 226 §8.3: no selection by DF name in RFM */
		if (cmd->p1 == SEL_DF_NAME)
			return VEUICC_SW_WRONG_P1P2;
		break;
	case INS_STATUS:
	case INS_READ_BINARY:
	case INS_UPDATE_BINARY:
	case INS_READ_RECORD:
	case INS_UPDATE_RECORD:
	case INS_SEARCH_RECORD:
	case INS_INCREASE: break;
	default:
		/* PIN commands would change the card-wide security status of
		 * the terminal's session (docs/spec-decisions.md R5); the
		 * other commands are not RFM commands (TS 102 226 §8.3) */
		return VEUICC_SW_INS_NOT_SUPP;
	}
	chan_sel c = {.df = v->df, .ef = v->ef, .adf = v->adf, .rec = v->rec};
	a->view = v;
	uint16_t sw = dispatch(a, &c, cmd, rsp);
	a->view = NULL;
	v->df = c.df;
	v->ef = c.ef;
	v->adf = c.adf;
	v->rec = c.rec;
	return sw;
}

uint16_t veuicc_uicc_app_rfm_start(void *ctx, const veuicc_uicc_rfm *rfm)
{
	uicc_app *a = ctx;
	veuicc_uicc_domain d = {.param = rfm->uicc_ad, .data_len = 0};
	veuicc_uicc_view_start(a, &a->rfm, &d);
	if (!rfm->adf_aid_len)
		return VEUICC_SW_OK; /* §7.2: the MF is the current directory */
	/* §7.3: the ADF (its full AID) is selected first */
	veuicc_fs_node *adf = veuicc_fs_find_adf(a->fs, rfm->adf_aid, rfm->adf_aid_len, NULL);
	if (!adf || adf->aid_len != rfm->adf_aid_len)
		return VEUICC_SW_NOT_FOUND;
	d.param = rfm->adf_ad;
	(void)veuicc_uicc_view_add_adf(a, &a->rfm, rfm->adf_aid, rfm->adf_aid_len, &d);
	return veuicc_uicc_view_root(a, &a->rfm, rfm->adf_aid, rfm->adf_aid_len);
}

uint16_t veuicc_uicc_app_rfm_cmd(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	uicc_app *a = ctx;
	return veuicc_uicc_view_cmd(a, &a->rfm, cmd, rsp);
}

/* The engine's SELECT by DF name: the same SELECT, which selects an ADF. */
static uint16_t app_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	return app_process(ctx, cmd, rsp);
}

static void app_deselect(void *ctx, uint8_t channel)
{
	if (channel < VEUICC_MAX_CHANNELS)
		chan_reset(ctx, channel);
}

static void app_destroy(void *ctx)
{
	uicc_app *a = ctx;
	if (!a)
		return;
	veuicc_fs_free(a->fs);
	mbedtls_ctr_drbg_free(&a->drbg);
	mbedtls_platform_zeroize(a, sizeof(*a));
	free(a);
}

const veuicc_applet_ops veuicc_uicc_app_ops = {
    .name = "UICC",
    .select = app_select,
    .process = app_process,
    .deselect = app_deselect,
    .channel_opened = veuicc_uicc_app_channel_opened,
    .destroy = app_destroy,
};

int veuicc_uicc_app_new(veuicc_fs *fs, const veuicc_applet_ops **ops, void **ctx)
{
	if (!fs || !ops || !ctx) {
		veuicc_fs_free(fs);
		return VEUICC_ERR_INVALID_ARG;
	}
	uicc_app *a = calloc(1, sizeof(*a));
	if (!a) {
		veuicc_fs_free(fs);
		return VEUICC_ERR_NO_MEMORY;
	}
	a->fs = fs;
	mbedtls_ctr_drbg_init(&a->drbg);
	veuicc_uicc_app_set_rng(a, NULL, NULL);
	veuicc_uicc_app_reset(a);
	*ops = &veuicc_uicc_app_ops;
	*ctx = a;
	return VEUICC_OK;
}
