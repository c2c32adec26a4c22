/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file registry.h
 * \brief The GlobalPlatform registry of one card (GP Card Specification v2.3
 *        §5.3): the security domains ISD-R, ECASD and the ISD-Ps with their
 *        AIDs, life-cycle states, privileges and associated domain, plus the
 *        SGP.02 attributes of an ISD-P (Fall-Back, Emergency, POL1) and the
 *        profile slot it holds. One registry per card, no global state.
 */
#ifndef VEUICC_GP_REGISTRY_H
#define VEUICC_GP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "scp/scp03.h"
#include "veuicc/veuicc.h"

/* GP CS v2.3 §11.1.1 life-cycle coding; SGP.02 §2.x ISD-P states (digest §2.1) */
#define VEUICC_GP_LCS_INSTALLED    0x03
#define VEUICC_GP_LCS_SELECTABLE   0x07
#define VEUICC_GP_LCS_PERSONALIZED 0x0F
#define VEUICC_GP_LCS_DISABLED     0x1F /* SGP.02: profile installed, not enabled */
#define VEUICC_GP_LCS_ENABLED      0x3F /* SGP.02: the one enabled profile */

/* POL1 bits (SGP.02 §2.4.x, digest §2.4 [M]: b1, b2, b3 of the first byte) */
#define VEUICC_POL1_DISABLE_NOT_ALLOWED 0x01
#define VEUICC_POL1_DELETE_NOT_ALLOWED  0x02
#define VEUICC_POL1_DELETE_ON_DISABLE   0x04

/** What kind of entry. */
typedef enum veuicc_gp_kind {
	VEUICC_GP_ISDR = 0,
	VEUICC_GP_ECASD = 1,
	VEUICC_GP_ISDP = 2,
} veuicc_gp_kind;

/** Pending notifications the ISD-R keeps (docs/euicc.md, decision N-rows). */
#define VEUICC_NOTIF_MAX 16
/** Largest SM-SR addressing parameters template value (A3) kept. */
#define VEUICC_SMSR_ADDR_MAX 128
/** Largest connectivity parameters (DGI 3A07 value) an ISD-P keeps. */
#define VEUICC_CONN_PARAMS_MAX 128
/** Key sets one ISD-P holds (SCP03 set(s), the token key). */
#define VEUICC_ISDP_KEYSETS_MAX 4
/** Longest SD identification value (DGI 0070: 42, 45, 5F20) an ISD-P keeps. */
#define VEUICC_SD_IDENT_MAX 16
/** Index of a DGI 0070 value in veuicc_gp_entry.sd_ident (GP CS v2.3 §11.11). */
enum {
	VEUICC_SD_IDENT_SIN = 0,  /**< 42: Security Domain Provider Identification Number */
	VEUICC_SD_IDENT_SDIN = 1, /**< 45: Security Domain Image Number */
	VEUICC_SD_IDENT_APID = 2, /**< 5F20: Application Provider Identifier */
	VEUICC_SD_IDENT_COUNT = 3
};

/** One pending notification (SGP.02 §3.15, §4.1.1.11; digest §5.2). */
typedef struct veuicc_gp_notif {
	uint16_t seq;    /**< sequence number (tag 4E), never 0 */
	uint8_t type;    /**< notification type (tag 4D) */
	uint8_t aid[16]; /**< ISD-P AID of the profile enabled after the change (tag 2F) */
	uint8_t aid_len;
	uint32_t retries; /**< power cycles since it was created (each one retries it) */
} veuicc_gp_notif;

/** STORE DATA blocks being received by one domain (GP CS v2.3 §11.11). */
typedef struct veuicc_gp_rx {
	uint8_t *buf;
	size_t len, cap;
	bool active;   /**< a sequence was started (block 00 received, last not yet) */
	uint8_t next;  /**< expected block number (P2) */
	uint8_t p1fmt; /**< P1 without b8 of the first block: later blocks must match */
} veuicc_gp_rx;

/** One registry entry. */
typedef struct veuicc_gp_entry {
	uint8_t aid[16];
	uint8_t aid_len;
	veuicc_gp_kind kind;
	uint8_t lcs;       /**< GP life-cycle byte (tag 9F70) */
	uint8_t priv[3];   /**< GP privileges (tag C5), 3 bytes */
	uint8_t assoc[16]; /**< associated security domain AID (tag CC) */
	uint8_t assoc_len;
	bool fallback;   /**< ISD-P: SGP.02 Fall-Back Attribute */
	bool emergency;  /**< ISD-P: SGP.02 Emergency Profile Attribute */
	uint8_t pol1;    /**< ISD-P: POL1 of its profile (VEUICC_POL1_*) */
	long slot;       /**< ISD-P: index of its profile slot, -1: none */
	uint32_t quota;  /**< ISD-P: reserved memory (CreateISDP EF/83), 0: none */
	size_t used;     /**< ISD-P: bytes of the installed package */
	veuicc_gp_rx rx; /**< volatile: STORE DATA sequence in progress */
	/* ---- notifications, Emergency Profile, SM-SR addressing (SGP.02 §5,
	 * §3.x; docs/euicc.md "Notifications"). Plain values, persistent. ---- */
	uint16_t del_seq;     /**< ISD-P: POL1 "deletion mandatory when disabled" pending:
	                           deleted when notification del_seq is confirmed; 0: none */
	bool emergency_prev;  /**< ISD-P: enabled before the local Emergency enable;
	                           re-enabled by the local Emergency disable */
	bool fallback_return; /**< ISD-P: left by the Fall-Back mechanism while its POL1
	                           forbade disabling: only it may be enabled next */
	uint16_t notif_seq;   /**< ISD-R: last notification sequence number, 0: none yet */
	uint8_t notif_count;  /**< ISD-R: pending (unconfirmed) notifications */
	veuicc_gp_notif notif[VEUICC_NOTIF_MAX]; /**< ISD-R: oldest first */
	uint8_t smsr_addr[VEUICC_SMSR_ADDR_MAX]; /**< ISD-R: value of the A3 template */
	uint16_t smsr_addr_len;                  /**< ISD-R: its length, 0: never set */
	/* ---- ISD-P key set from EstablishISDPKeySet (euicc/keyest.c). Secret,
	 * persistent, zeroised when the entry goes. ---- */
	veuicc_scp03_keyset sd_keys; /**< ISD-P: SCP03 key set; kvn 0: none */
	uint8_t sd_kid;              /**< ISD-P: id of its first key (CRT 82) */
	uint8_t sd_usage;            /**< ISD-P: key usage qualifier (CRT 95: 10 or 5C) */
	/* ---- Test Profile, connectivity parameters, ISD-P keys (SGP.02 §2.5,
	 * §4.1.3.4, §3.10; docs/euicc.md). Plain values, persistent. ---- */
	bool test;      /**< ISD-P: its profile is the Test Profile (factory attribute) */
	bool test_prev; /**< ISD-P: enabled before the local Test Profile enable;
	                     re-enabled by the local Test Profile disable */
	uint8_t conn[VEUICC_CONN_PARAMS_MAX]; /**< ISD-P: connectivity parameters (3A07 value) */
	uint16_t conn_len;                    /**< ISD-P: their length, 0: never set */
	veuicc_keyset keys[VEUICC_ISDP_KEYSETS_MAX]; /**< ISD-P: its key sets (secrets) */
	size_t nkeys;                                /**< ISD-P: how many */
	/* ---- SD identification personalised by DGI 0070 (SGP.02 §3.10 token
	 * key provisioning; docs/euicc.md "Master Delete"). Plain, persistent. ---- */
	uint8_t sd_ident[VEUICC_SD_IDENT_COUNT][VEUICC_SD_IDENT_MAX]; /**< ISD-P: 42, 45, 5F20 */
	uint8_t sd_ident_len[VEUICC_SD_IDENT_COUNT]; /**< ISD-P: their lengths, 0: not given */
} veuicc_gp_entry;

/** The registry: entries in creation order (the GET STATUS order). */
typedef struct veuicc_gp_registry {
	veuicc_gp_entry *e;
	size_t count, cap;
} veuicc_gp_registry;

/** An empty registry. */
void veuicc_gp_registry_init(veuicc_gp_registry *r);

/** Free the registry and its reception buffers. */
void veuicc_gp_registry_free(veuicc_gp_registry *r);

/**
 * Append a copy of \p tmpl (its rx is ignored).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (AID length, duplicate AID),
 *          VEUICC_ERR_NO_MEMORY
 */
int veuicc_gp_registry_add(veuicc_gp_registry *r, const veuicc_gp_entry *tmpl, size_t *index);

/** Index of the entry with exactly this AID, or -1. */
long veuicc_gp_registry_find(const veuicc_gp_registry *r, const uint8_t *aid, size_t len);

/** Index of the ISD-P holding profile slot \p slot, or -1. */
long veuicc_gp_registry_find_slot(const veuicc_gp_registry *r, long slot);

/** Index of the ISD-P with the Fall-Back Attribute, or -1. */
long veuicc_gp_registry_fallback(const veuicc_gp_registry *r);

/** Index of the ENABLED ISD-P, or -1. */
long veuicc_gp_registry_enabled(const veuicc_gp_registry *r);

/** Remove entry \p index (later entries move down by one). */
void veuicc_gp_registry_remove(veuicc_gp_registry *r, size_t index);

/** Drop every STORE DATA sequence in progress (reset, power loss). */
void veuicc_gp_registry_power_cycle(veuicc_gp_registry *r);

/** Forget the STORE DATA sequence of \p rx (buffer zeroised, kept allocated). */
void veuicc_gp_rx_reset(veuicc_gp_rx *rx);

/**
 * Take one STORE DATA block (GP CS v2.3 §11.11.2): P2 is the block number,
 * 00 for the first block, then +1 (modulo 256); P1 b8 marks the last block;
 * the other P1 bits must stay the same through a sequence. Data are
 * appended to rx.
 * \param max       most bytes a sequence may hold
 * \param[out] last true when this was the last block (the data are complete)
 * \returns 9000; 6700 (no data); 6A86 (block out of order, or P1 changed:
 *          the sequence is abandoned); 6A84 (more than \p max bytes: the
 *          sequence is abandoned)
 */
uint16_t veuicc_gp_rx_block(veuicc_gp_rx *rx, const veuicc_capdu *cmd, size_t max, bool *last);

#endif /* VEUICC_GP_REGISTRY_H */
