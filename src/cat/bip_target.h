/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file bip_target.h
 * \brief X-Admin-Targeted-Application of an SCP81 admin script (GP Amd B
 *        §3.4.2; SGP.02 §2.4.4 via the digest sgp02-euicc §3.0: "routes the
 *        script to an ISD-P (ES8)"; docs/scp81.md "Targeted application",
 *        decisions H81-9, H81-17): which application runs the script and
 *        the X-Admin-Script-Status when none does.
 */
#ifndef VEUICC_CAT_BIP_TARGET_H
#define VEUICC_CAT_BIP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "core/card.h"
#include "gp/registry.h"

/** What a targeted application is to the admin agent. */
typedef enum veuicc_scp81_target_kind {
	VEUICC_SCP81_TGT_ISDR = 0, /**< the ISD-R (or no header): runs there */
	VEUICC_SCP81_TGT_ISDP,     /**< an ISD-P: runs there as the ISD-P's commands (ES8) */
	VEUICC_SCP81_TGT_UNKNOWN,  /**< unknown-application: no such application */
	VEUICC_SCP81_TGT_NOT_SD,   /**< not-a-security-domain: an applet instance */
	VEUICC_SCP81_TGT_REFUSED,  /**< security-error: an SD the ISD-R's session may not reach */
} veuicc_scp81_target_kind;

/** The target of an admin script. */
typedef struct veuicc_scp81_target {
	veuicc_card *card;
	veuicc_scp81_target_kind kind;
	uint8_t aid[16];
	size_t aid_len;
} veuicc_scp81_target;

/**
 * Parse `//aid/<RID>/<PIX>` (GP Amd B §3.4.2: RID 5 bytes, PIX 0-11 bytes,
 * hex, either case) into \p aid.
 * \returns VEUICC_OK or VEUICC_ERR_MALFORMED
 */
int veuicc_scp81_target_aid(const char *hdr, uint8_t aid[16], size_t *len);

/**
 * Classify the header value \p hdr ("" = no header: the ISD-R) on \p card
 * (decision H81-17): the ISD-R; an ISD-P of the registry (any state); the
 * ECASD, an MNO-SD or an applet instance with the Security Domain privilege
 * → REFUSED; another applet instance → NOT_SD; anything else (a malformed
 * value, a deleted ISD-P) → UNKNOWN.
 */
void veuicc_scp81_target_of(veuicc_card *card, const char *hdr, veuicc_scp81_target *out);

/** The X-Admin-Script-Status value of \p kind ("ok" for ISDR and ISDP). */
const char *veuicc_scp81_target_status(veuicc_scp81_target_kind kind);

/**
 * remote_apdu.h callback: one C-APDU of a script targeted at an ISD-P,
 * \p ctx a veuicc_scp81_target of kind ISDP. The command goes to the
 * ISD-P's own handler exactly as the ISD-R's INSTALL [for personalization]
 * forwards a STORE DATA (keyest.c, veuicc_isdp_app()), in the OTA hidden
 * context (veuicc_cat_exec_on()). An ISD-P gone meanwhile answers 6985.
 */
int veuicc_scp81_exec_isdp(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                           size_t *rlen);

#endif /* VEUICC_CAT_BIP_TARGET_H */
