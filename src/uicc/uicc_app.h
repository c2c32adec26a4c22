/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file uicc_app.h
 * \brief The UICC file system application: the file commands of ETSI TS
 *        102 221 §11.1 (SELECT, STATUS, READ/UPDATE BINARY, READ/UPDATE
 *        RECORD, SEARCH RECORD, INCREASE), the PIN commands (§11.1.9 to
 *        §11.1.13) and AUTHENTICATE (TS 31.102 §7.1.2, TS 31.103 §7.1.2)
 *        on a veuicc_fs, behind the applet interface of apdu/applet.h.
 *
 * The application keeps a selection per logical channel (current DF, EF,
 * application and record pointer), indexed by cmd->cl.channel. After
 * creation, and after deselect or reset, a channel has the MF selected and
 * no current application (TS 102 221 §8.4, §8.6).
 *
 * Access conditions from EF.ARR are enforced on READ/UPDATE BINARY/RECORD,
 * SEARCH RECORD and INCREASE (arr.h); the PIN security status is card wide
 * (pin.h). GET IDENTITY answers in SUCI context. Not done here yet: BER-TLV EF commands (their EFs
 * answer 6981), ACTIVATE/DEACTIVATE FILE, access conditions of DFs.
 */
#ifndef VEUICC_UICC_UICC_APP_H
#define VEUICC_UICC_UICC_APP_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "uicc/auth/suci.h"
#include "uicc/fs.h"

/** Operations of the UICC file system application. */
extern const veuicc_applet_ops veuicc_uicc_app_ops;

/**
 * Create a UICC application over \p fs. The application owns \p fs from now
 * on (its destroy operation frees it); on error \p fs is freed too.
 * \param[out] ops the operations (veuicc_uicc_app_ops)
 * \param[out] ctx the context to pass to them
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY
 */
int veuicc_uicc_app_new(veuicc_fs *fs, const veuicc_applet_ops **ops, void **ctx);

/** Every channel back to the power-on state: MF selected, no application,
 *  no PIN verified. The card's reset must call it (TS 102 221 §9.5: the
 *  security status is lost at reset). */
void veuicc_uicc_app_reset(void *ctx);

/**
 * MANAGE CHANNEL opened \p channel from \p from: the new channel gets the MF
 * when opened from the basic channel, otherwise the selection of \p from
 * (TS 102 221 §11.1.17.2, ISO 7816-4 §5.4.2).
 */
void veuicc_uicc_app_channel_opened(void *ctx, uint8_t channel, uint8_t from);

/**
 * The random generator of GET IDENTITY (the SUCI ephemeral keys): \p rng
 * with \p rng_ctx, e.g. the card's DRBG; NULL restores the default, a
 * CTR_DRBG of the application seeded from mbedtls' entropy on first use.
 */
void veuicc_uicc_app_set_rng(void *ctx, veuicc_suci_rng rng, void *rng_ctx);

/** One access domain (ETSI TS 102 226 §8.2.1.3.2.2): the access domain
 *  parameter (arr.h VEUICC_ARR_DOMAIN_*) and its access domain data. */
typedef struct veuicc_uicc_domain {
	uint8_t param;
	uint8_t data[4]; /**< '02': the key references granted (arr.h) */
	uint8_t data_len;
} veuicc_uicc_domain;

/** A remote file management context (ETSI TS 102 226 §7): the RFM
 *  application's access domains (TS 102 226 §8.2.1.3.2.2 access domain
 *  parameter, arr.h VEUICC_ARR_DOMAIN_*) and, for ADF RFM, its ADF. */
typedef struct veuicc_uicc_rfm {
	uint8_t uicc_ad;        /**< for the MF and the files under it */
	uint8_t adf_ad;         /**< for the files of the ADF (ADF RFM) */
	const uint8_t *adf_aid; /**< the ADF's full AID; NULL for UICC RFM */
	size_t adf_aid_len;
} veuicc_uicc_rfm;

/** Most ADFs a file view has an access domain for. */
#define VEUICC_UICC_VIEW_ADFS 4

/**
 * A file view: a hidden selection of its own (no logical channel of the
 * terminal changes) with the access domains that replace the PIN status,
 * for remote file management (TS 102 226 §7) and applets (TS 102 241
 * FileView, docs/applets.md). Node pointers belong to the file system of
 * the application it was started on; start it again for another one.
 */
typedef struct veuicc_uicc_view {
	void *df, *ef, *adf;     /**< current DF, EF, application (private) */
	uint8_t rec;             /**< record pointer */
	veuicc_uicc_domain uicc; /**< for the MF and the files under it */
	size_t nadf;
	struct {
		const veuicc_fs_node *adf;
		veuicc_uicc_domain dom;
	} adfs[VEUICC_UICC_VIEW_ADFS]; /**< per ADF; any other ADF: no access */
} veuicc_uicc_view;

/**
 * Start \p v on the application \p ctx: the MF current, the domain of the
 * MF tree \p uicc, no ADF domain yet (veuicc_uicc_view_add_adf()).
 */
void veuicc_uicc_view_start(void *ctx, veuicc_uicc_view *v, const veuicc_uicc_domain *uicc);

/**
 * Give the ADF whose AID starts with \p aid (\p len bytes; the first one)
 * the access domain \p dom in \p v. \returns VEUICC_SW_OK, VEUICC_SW_NOT_FOUND
 * (no such ADF), VEUICC_SW_MEMORY_FAILURE (too many).
 */
uint16_t veuicc_uicc_view_add_adf(void *ctx, veuicc_uicc_view *v, const uint8_t *aid, size_t len,
                                  const veuicc_uicc_domain *dom);

/**
 * Make the MF (\p aid NULL) or the ADF whose AID starts with \p aid the
 * current directory of \p v (TS 102 241 UICC view / ADF view).
 * \returns VEUICC_SW_OK or VEUICC_SW_NOT_FOUND
 */
uint16_t veuicc_uicc_view_root(void *ctx, veuicc_uicc_view *v, const uint8_t *aid, size_t len);

/**
 * Run one command in \p v: SELECT (not by DF name: 6A86), STATUS, READ/UPDATE
 * BINARY/RECORD, SEARCH RECORD, INCREASE, with the access domains instead of
 * the PIN status; every other INS answers 6D00. \returns the status word.
 */
uint16_t veuicc_uicc_view_cmd(void *ctx, veuicc_uicc_view *v, const veuicc_capdu *cmd,
                              veuicc_rsp *rsp);

/**
 * Start a command session of remote file management: a file view of the
 * application's own with the MF current (UICC RFM, TS 102 226 §7.2) or the
 * ADF named in \p rfm (ADF RFM, §7.3).
 * \returns VEUICC_SW_OK, or VEUICC_SW_NOT_FOUND when the ADF does not exist.
 */
uint16_t veuicc_uicc_app_rfm_start(void *ctx, const veuicc_uicc_rfm *rfm);

/**
 * Run one command of the RFM session started by veuicc_uicc_app_rfm_start()
 * (veuicc_uicc_view_cmd() on its view). \returns the status word.
 */
uint16_t veuicc_uicc_app_rfm_cmd(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp);

#endif /* VEUICC_UICC_UICC_APP_H */
