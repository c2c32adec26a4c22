/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file notify.h
 * \brief SGP.02 §3.15.1 default notification by SMS: each pending
 *        notification (euicc/notif.h) goes to the SM-SR's SMS address in a
 *        SEND SHORT MESSAGE carrying an SCP80 command packet secured with
 *        the ISD-R keys, counter 0, "no counter available" (digest
 *        sgp02-euicc §3.0, §5.3). See docs/cat.md "Notifications by SMS".
 */
#ifndef VEUICC_CAT_NOTIFY_H
#define VEUICC_CAT_NOTIFY_H

#include "veuicc/veuicc.h"

/**
 * Queue a SEND SHORT MESSAGE for every pending notification not yet sent in
 * this card session, oldest first, when the terminal supports SEND SHORT
 * MESSAGE, the SM-SR SMS address is known (UpdateSMSRAddressingParameters)
 * and the ISD-R has an SCP80 key set. During an OTA packet it waits for the
 * packet's PoR and REFRESH. Called when a notification is created and when
 * a TERMINAL PROFILE starts a session (so every power cycle retries).
 */
void veuicc_cat_notifications_send(veuicc_card *card);

#endif /* VEUICC_CAT_NOTIFY_H */
