/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file engine.h
 * \brief The APDU engine: ISO 7816-3 transmission rules (T=0 61xx/6Cxx and
 *        GET RESPONSE, T=1), CLA checks, logical channels and MANAGE CHANNEL,
 *        command chaining, SELECT by DF name, and dispatch to the application
 *        selected on each channel (ISO/IEC 7816-4, ETSI TS 102 221 §7.3, §10,
 *        §11.1.17).
 */
#ifndef VEUICC_APDU_ENGINE_H
#define VEUICC_APDU_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "veuicc/veuicc.h"

#define VEUICC_AID_MAX 16
#define VEUICC_AID_MIN 5

/** A registered (installed) application instance. */
typedef struct veuicc_app {
	uint8_t aid[VEUICC_AID_MAX];
	uint8_t aid_len;
	const veuicc_applet_ops *ops;
	void *ctx;
} veuicc_app;

#define VEUICC_NO_APP (-1)

typedef struct veuicc_channel {
	bool open;
	int app; /**< index into apps, or VEUICC_NO_APP */
} veuicc_channel;

typedef struct veuicc_engine {
	veuicc_app *apps;
	size_t napps, capps;
	veuicc_channel ch[VEUICC_MAX_CHANNELS];
	veuicc_protocol proto;
	/** The file system application (UICC): implicitly selected after reset
	 *  and on channels opened from the basic channel, and the target of
	 *  SELECT by file identifier or path. VEUICC_NO_APP: none installed. */
	int default_app;
	/** Card-level commands (ENVELOPE, TS 102 221 §11.2.2), tried for every
	 *  proprietary-class command before the selected application: returns
	 *  the status word with the data in rsp, or 0 when not its command.
	 *  NULL: none. Survives reset. */
	uint16_t (*uicc_cmd)(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp);
	void *uicc_ctx;
	/** Proactive UICC (TS 102 221 §14.7): the length (1..255) of the
	 *  proactive command waiting for FETCH, 0 if none; called with uicc_ctx
	 *  after every command, whose final 9000 then becomes 91xx on any
	 *  channel. NULL: none. Survives reset. */
	size_t (*uicc_pending)(void *ctx);

	/* Response buffer, reused by every command; grows on demand. */
	uint8_t *rbuf;
	size_t rcap;
	/* Response data kept for GET RESPONSE: rbuf[pend_off, pend_off+pend_len). */
	size_t pend_off, pend_len;
	int pend_channel;    /**< -1: nothing pending */
	uint16_t pend_sw;    /**< SW returned with the last part of the pending data */
	uint8_t cur_channel; /**< channel of the command being processed */

	/* ISO 7816-4 §5.1.1.1 command chaining. */
	uint8_t *chain;
	size_t chain_len, chain_cap;
	bool chaining;
	uint8_t chain_ins, chain_p1, chain_p2, chain_channel;

	/* T=0 quirks (veuicc_quirks, docs/quirks.md); 0: standard. Survive reset. */
	uint8_t t0_case2, t0_case4, t0_le00;
} veuicc_engine;

/** Initialise an engine (no allocation until the first command). */
void veuicc_engine_init(veuicc_engine *e);
/** Destroy applications and free buffers. */
void veuicc_engine_free(veuicc_engine *e);
/** Power-on / reset state: only channel 0 open, nothing selected, T=0, no pending data. */
void veuicc_engine_reset(veuicc_engine *e);

/**
 * Register an application instance. The engine owns ctx from now on and
 * calls ops->destroy at the end.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (AID length, duplicate AID),
 *          VEUICC_ERR_NO_MEMORY
 */
int veuicc_engine_add_app(veuicc_engine *e, const uint8_t *aid, size_t aid_len,
                          const veuicc_applet_ops *ops, void *ctx);

/**
 * Register the default application without an AID (the card's UICC front,
 * which forwards to the active profile). The engine owns ctx like any other.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (a default exists already),
 *          VEUICC_ERR_NO_MEMORY
 */
int veuicc_engine_add_default_app(veuicc_engine *e, const veuicc_applet_ops *ops, void *ctx);

/**
 * Make the registered application with \p aid the default application (the
 * UICC file system). Takes effect at the next reset.
 * \returns VEUICC_OK or VEUICC_ERR_NOT_FOUND
 */
int veuicc_engine_set_default_app(veuicc_engine *e, const uint8_t *aid, size_t aid_len);

/** True for the instructions that need a current file or application
 *  (READ/UPDATE, VERIFY, STATUS, GET DATA, ...): with nothing selected they
 *  get 6986, other instructions 6D00 (TS 102 221 §10.2.1). */
bool veuicc_apdu_needs_current_file(uint8_t ins);

/** Process one C-APDU; see veuicc_transmit() for the contract. */
int veuicc_engine_transmit(veuicc_engine *e, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                           size_t rapdu_cap, size_t *rapdu_len);

#endif /* VEUICC_APDU_ENGINE_H */
