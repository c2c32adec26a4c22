/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file applet.h
 * \brief The one interface every selectable application implements: the
 *        security domains (ISD-R, ISD-P, ECASD), the UICC file system and,
 *        later, loadable applets. The dispatcher (engine.h) owns the logical
 *        channels and calls these operations; an application never sees
 *        another one.
 */
#ifndef VEUICC_APDU_APPLET_H
#define VEUICC_APDU_APPLET_H

#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"

/** Response data being built for one command (SW1 SW2 excluded). */
typedef struct veuicc_rsp {
	uint8_t *buf;
	size_t cap;
	size_t len;
	void *owner; /**< the engine, which can grow buf */
	int err;     /**< sticky VEUICC_ERR_NO_MEMORY if growing failed */
} veuicc_rsp;

/**
 * Reserve \p n more bytes at the end of the response and return them, or NULL
 * when memory is exhausted (the caller then answers 6F00).
 */
uint8_t *veuicc_rsp_reserve(veuicc_rsp *rsp, size_t n);

/** Append \p n bytes. Returns VEUICC_OK or VEUICC_ERR_NO_MEMORY. */
int veuicc_rsp_put(veuicc_rsp *rsp, const void *bytes, size_t n);

/** Operations of an application. Every function but process may be NULL. */
typedef struct veuicc_applet_ops {
	const char *name;
	/** Secure-messaging indications the application unwraps itself; a
	 *  command with SM for an application that has none gets 6882. */
	int accepts_sm;
	/**
	 * SELECT by DF name chose this application on cmd->cl.channel. Write
	 * the FCI/FCP the command asks for (P2) into \p rsp.
	 * \returns the status word; on an error status the application is not
	 *          selected and the channel keeps its previous selection
	 */
	uint16_t (*select)(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp);
	/** Process a command sent to the channel this application is selected on. */
	uint16_t (*process)(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp);
	/** The application stops being selected on \p channel. */
	void (*deselect)(void *ctx, uint8_t channel);
	/** MANAGE CHANNEL opened \p channel from \p from with this application
	 *  selected on it (ISO 7816-4 §5.4.2: the new channel inherits the
	 *  selection of \p from; from the basic channel, the MF). */
	void (*channel_opened)(void *ctx, uint8_t channel, uint8_t from);
	/** Free ctx (uninstall). Secrets must be zeroised here. */
	void (*destroy)(void *ctx);
} veuicc_applet_ops;

#endif /* VEUICC_APDU_APPLET_H */
