/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file notif.h
 * \brief Profile changes with their SGP.02 notification (§3.15, §4.1.1.11),
 *        the notification confirmation (§4.1.1.12, DGI 3A08), POL1
 *        "deletion mandatory when disabled", the Fall-Back mechanism (§3.16)
 *        and the local Emergency Profile switches (ESx). The pending
 *        notifications live in the ISD-R's registry entry (gp/registry.h).
 */
#ifndef VEUICC_EUICC_NOTIF_H
#define VEUICC_EUICC_NOTIF_H

#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"

/**
 * Enable the ISD-P at registry index \p target (the enabled one becomes
 * DISABLED; the security domains keep their sessions) and queue a
 * notification of \p type naming \p target. \p left is the registry index
 * of the profile this change disables (or -1): if \p pol1_delete is set and
 * its POL1 says "deletion mandatory when disabled", it is deleted when the
 * notification is confirmed (never the Fall-Back profile).
 * \param may_drop non-zero: a full queue loses its oldest notification;
 *                 zero: a full queue refuses the change
 * \returns VEUICC_OK, VEUICC_ERR_NO_MEMORY (queue full, nothing changed),
 *          VEUICC_ERR_IO (the card file could not be written, nothing changed)
 */
int veuicc_notif_switch(veuicc_card *card, long target, uint8_t type, long left, int pol1_delete,
                        int may_drop);

/** Non-zero when no further notification fits without dropping one. */
int veuicc_notif_full(const veuicc_card *card);

/**
 * HandleNotificationConfirmation: \p v is the value of DGI 3A08 (4E 02 seq).
 * Removes the notification, deletes the ISD-Ps waiting for it (POL1) and
 * writes 80 L { 4F 10 AID ... } to \p rsp.
 * \returns 9000, 6A80 (coding), 6A88 (no pending notification has that
 *          sequence number)
 */
uint16_t veuicc_notif_confirm(veuicc_card *card, const uint8_t *v, size_t len, veuicc_rsp *rsp);

/** A cold reset: every pending notification is retried (its counter grows). */
void veuicc_notif_power_cycle(veuicc_card *card);

/** Delete the ISD-P at registry index \p idx with its profile (isdr.c). */
void veuicc_isdr_remove_isdp(veuicc_card *card, size_t idx);

#endif /* VEUICC_EUICC_NOTIF_H */
