/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file runtime.h
 * \brief The card's applet runtime (docs/applets.md): native packages (built
 *        in or plugins), the load files and instances on the card, their
 *        engine entries, storage, toolkit menu and events, GP content
 *        management (INSTALL, LOAD, DELETE, GET STATUS) and the card-file
 *        record. One runtime per card (card->applets), no global state.
 */
#ifndef VEUICC_APPLET_RUNTIME_H
#define VEUICC_APPLET_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"
#include "gp/registry.h"
#include "veuicc/applet.h"

struct veuicc_applets;
struct veuicc_saip_gp_info;

/** GP life-cycle states of applications and load files (GP CS v2.3 §11.1.1). */
#define VEUICC_APPLET_LCS_LOADED     0x01
#define VEUICC_APPLET_LCS_INSTALLED  0x03
#define VEUICC_APPLET_LCS_SELECTABLE 0x07

/** The built-in packages (aram.c, stkmenu.c). */
extern const veuicc_applet_package veuicc_applet_pkg_aram;
extern const veuicc_applet_package veuicc_applet_pkg_stkmenu;

/** The card's runtime, allocated on first use; NULL: out of memory. */
struct veuicc_applets *veuicc_applets_of(veuicc_card *card);

/** Free the runtime (instances uninstalled, storage wiped, plugins closed). */
void veuicc_applets_free(struct veuicc_applets *a);

/** Set the directory plugins are loaded from (NULL: none). \returns
 *  VEUICC_OK or VEUICC_ERR_NO_MEMORY */
int veuicc_applets_set_dir(veuicc_card *card, const char *dir);

/** Log one line through the card's log sink (veuicc_set_log). */
void veuicc_applets_log(veuicc_card *card, const char *line);

/**
 * GP content management for applets on security domain \p sd_aid (GP CS
 * v2.3 §11.2, §11.4, §11.5, §11.6): INSTALL [for load / install / make
 * selectable], LOAD, DELETE of an applet instance or load file, GET STATUS
 * P1 20/10 (load files after the ISD-P's when \p isdr). \p owner: profile
 * reference the SD belongs to, 0 for the ISD-R (card level).
 * \returns the status word, or 0 when the command is not one of these
 *          (CreateISDP, DeleteProfile, ...): the SD handles it.
 */
uint16_t veuicc_applets_gp_cmd(veuicc_card *card, bool isdr, uint64_t owner, const uint8_t *sd_aid,
                               size_t sd_len, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** Number of applet instances GET STATUS P1 40 on the ISD-R lists. */
size_t veuicc_applets_count(veuicc_card *card);

/** True when instance \p i belongs to profile \p owner and was installed
 *  by INSTALL [for install] (not by its profile package): GET STATUS P1 40
 *  on the profile's MNO-SD lists it after the SAIP applications. */
bool veuicc_applets_installed_for(veuicc_card *card, size_t i, uint64_t owner);

/** Registry-style view of instance \p i for GET STATUS (AID, LCS,
 *  privileges, associated SD). \returns 0 or VEUICC_ERR_NOT_FOUND */
int veuicc_applets_entry(veuicc_card *card, size_t i, veuicc_gp_entry *out);

/** ENVELOPE other than SMS-PP download (TS 102 223 §7): MENU SELECTION
 *  (D3), timer expiration (D7) of a timer an instance holds (timers.c;
 *  timer 01 is the card's SCP81 retry timer, never an applet's).
 *  \returns the status word, or 0 when not handled here. */
uint16_t veuicc_applets_envelope(veuicc_card *card, const uint8_t *data, size_t len,
                                 veuicc_rsp *rsp);

/** A TERMINAL PROFILE arrived: profile download events, then SET UP MENU. */
void veuicc_applets_terminal_profile(veuicc_card *card, const uint8_t *tp, size_t len);

/** A TERMINAL RESPONSE (data \p d, \p len) to proactive command number
 *  \p number arrived: the instance that queued it gets the event.
 *  \returns true when an instance had queued it (nobody else's then) */
bool veuicc_applets_terminal_response(veuicc_card *card, uint8_t number, const uint8_t *d,
                                      size_t len);

/** The card was reset: every instance's file view is gone (TS 102 241
 *  FileView selections are CLEAR_ON_RESET; files.c). */
void veuicc_applets_power_cycle(veuicc_card *card);

/** The enabled profile changed: instances of other profiles lose their
 *  channels (SGP.02 §2.2.1). */
void veuicc_applets_profile_changed(veuicc_card *card);

/**
 * SAIP PE-Application instances of profile slot \p slot (installed just
 * now, its gp info in slot->gp): create them. \returns VEUICC_OK, or an
 * error with \p msg filled (the profile installation then fails).
 */
int veuicc_applets_profile_installed(veuicc_card *card, size_t slot, char *msg, size_t msg_len);

/** Profile \p ref is deleted: its instances and load files go. */
void veuicc_applets_profile_removed(veuicc_card *card, uint64_t ref);

/** The last installed profile's instances get profile reference \p to
 *  (card file load: the package's stored reference). */
void veuicc_applets_renumber_last(veuicc_card *card, uint64_t to);

/** Non-zero when the card knows a native package with this AID (built in
 *  or a plugin of the plugin directory). \p card is a veuicc_card *. */
int veuicc_applets_pkg_known(void *card, const uint8_t *aid, size_t len);

/** The card-file record (docs/store.md "applet/state"): *out NULL when
 *  there is nothing on the card. Caller frees. */
int veuicc_applets_save(veuicc_card *card, uint8_t **out, size_t *len);

/** Replace the runtime's load files and instances by those of a record. */
int veuicc_applets_load(veuicc_card *card, const uint8_t *in, size_t len);

#endif /* VEUICC_APPLET_RUNTIME_H */
