/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cat_state.h
 * \brief Private per-card CAT state shared by the files of src/cat/: SCP80
 *        counters of the ISD-R key sets, the terminal's TERMINAL PROFILE,
 *        the proactive command queue and the concatenated SMS reassembly
 *        buffer (docs/cat.md).
 */
#ifndef VEUICC_CAT_CAT_STATE_H
#define VEUICC_CAT_CAT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/factory.h"
#include "gp/registry.h"
#include "scp/scp80.h"
#include "veuicc/veuicc.h"

#define VEUICC_CAT_TP_MAX     64  /* TERMINAL PROFILE bytes kept (TS 102 223 §5.2 uses < 40) */
#define VEUICC_CAT_QUEUE_MAX  16  /* pending proactive commands per card */
#define VEUICC_CAT_PCMD_MAX   255 /* one proactive command: 91xx can announce 1..255 */
#define VEUICC_CAT_UD_MAX     140 /* TS 23.040 §9.2.3.16: 8-bit TP-UD octets */
#define VEUICC_CAT_CONCAT_SEG 8   /* segments of one concatenated command packet */
#define VEUICC_CAT_ADDR_MAX   12  /* TS 23.040 §9.1.2.5: address of up to 20 digits */
/** Largest reassembled command packet (concatenation of TP-UDs without UDH). */
#define VEUICC_CAT_PACKET_MAX (VEUICC_CAT_CONCAT_SEG * VEUICC_CAT_UD_MAX)

/** One queued proactive command, BER-TLV `D0` (TS 102 223 §6.6). */
typedef struct veuicc_cat_pcmd {
	uint8_t len;
	uint8_t b[VEUICC_CAT_PCMD_MAX];
} veuicc_cat_pcmd;

/** A concatenated command packet being reassembled (TS 23.040 §9.2.3.24.1). */
typedef struct veuicc_cat_concat {
	bool active;
	bool ref16;                      /**< IE 08 (16-bit reference) rather than IE 00 */
	uint16_t ref;                    /**< concatenated short message reference number */
	uint8_t total;                   /**< maximum number of short messages */
	uint16_t have;                   /**< bit i-1: segment i received */
	uint8_t oa[VEUICC_CAT_ADDR_MAX]; /**< TP-OA of the sender (length, TON/NPI, BCD) */
	uint8_t oa_len;
	uint8_t seg_len[VEUICC_CAT_CONCAT_SEG];
	uint8_t seg[VEUICC_CAT_CONCAT_SEG][VEUICC_CAT_UD_MAX];
} veuicc_cat_concat;

struct veuicc_cat {
	veuicc_scp80_counter cntr[VEUICC_FACTORY_KEYSETS_MAX]; /**< by key set index */
	bool cntr_used;     /**< an SCP80 packet was processed: counters worth saving */
	uint8_t pkt_kvn[2]; /**< KIc, KID key indexes of the running ISD-R packet (volatile) */
	/** The ISD-R's SCP80 key sets as last used, with their AES schedules
	 *  prepared (scp80.h veuicc_scp80_keyset_prepare); rebuilt when the
	 *  card's key set differs. Secret, wiped on free. */
	veuicc_scp80_keyset isdr_ks[VEUICC_FACTORY_KEYSETS_MAX];

	/* proactive session (TS 102 221 §14.7, TS 102 223 §6); volatile */
	uint8_t tp[VEUICC_CAT_TP_MAX];           /**< TERMINAL PROFILE of this card session */
	uint8_t tp_len;                          /**< 0: none received since the last reset */
	veuicc_cat_pcmd q[VEUICC_CAT_QUEUE_MAX]; /**< ring of pending commands */
	uint8_t q_head, q_count;
	bool fetched;       /**< the head was FETCHed and waits for its TERMINAL RESPONSE */
	uint8_t cmd_number; /**< last command number handed out (01..FE) */
	bool in_packet;     /**< an OTA packet is running: REFRESH waits for its PoR */
	bool refresh_wanted;
	uint8_t sms_ref;   /**< reference number of the last concatenated SMS-SUBMIT */
	bool notif_wanted; /**< notifications wait for the running packet's PoR */
	uint16_t notif_sent[VEUICC_NOTIF_MAX]; /**< sequence numbers sent this session */
	uint8_t notif_sent_count;

	veuicc_cat_concat cc;   /**< incoming concatenated SMS (volatile) */
	struct veuicc_bip *bip; /**< SCP81 admin session over BIP (cat/bip.h), NULL: none yet */
};

/** The card's CAT state, allocated on first use. NULL: out of memory. */
struct veuicc_cat *veuicc_cat_state(veuicc_card *card);

#endif /* VEUICC_CAT_CAT_STATE_H */
