/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file keyest.h
 * \brief ES8.EstablishISDPKeySet on the card (SGP.02 §3.1.2 / §4.1.3.1,
 *        Scenario#3 of GP CS v2.2 Amendment E; project digest sgp02-euicc.md
 *        §4.1, §9): the ISD-R's INSTALL [for personalization] that names the
 *        target ISD-P, then on that ISD-P
 *
 *   STORE DATA 80 E2 09 00  3A01 { 7F21 CERT.DP.ECDSA }        -> 85 10 RC
 *   STORE DATA 80 E2 89 01  3A02 { A6 CRT } 7F49 ePK 5F37 sig  -> [85 10 DR] 86 10 receipt
 *
 * The ECASD checks CERT.DP.ECDSA against its CI keys and does the ECKA with
 * the SM-DP's ephemeral key; the KDF is X9.63 with SHA-256 (BSI TR-03111
 * §4.3.3); the derived AES keys become the ISD-P's SCP03 key set (kept in its
 * registry entry, so the card file keeps it) and the ISD-P PERSONALIZED.
 * docs/keyest.md describes the bytes; docs/spec-decisions.md "K" the choices.
 */
#ifndef VEUICC_EUICC_KEYEST_H
#define VEUICC_EUICC_KEYEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/applet.h"
#include "core/card.h"
#include "euicc/cert.h"
#include "scp/scp03.h"

/** INSTALL P1 "for personalization" (GP CS v2.3 §11.5.2.1). */
#define VEUICC_KEYEST_P1_PERSO 0x20
/** DGIs of EstablishISDPKeySet (SGP.02 §4.1.3.1; digest §4.1 [I×2]). */
#define VEUICC_KEYEST_DGI_CERT   0x3A01
#define VEUICC_KEYEST_DGI_PARAMS 0x3A02
/** Random challenge and derivation random for 256-bit curves (digest §4.1 [I]). */
#define VEUICC_KEYEST_RC_LEN 16
#define VEUICC_KEYEST_DR_LEN 16
/** Receipt: AES-CMAC, 16 bytes (digest §4.1 [I]). */
#define VEUICC_KEYEST_RECEIPT_LEN 16
/** Largest HostID (CRT tag 84) accepted. */
#define VEUICC_KEYEST_HOSTID_MAX 32

/** Scenario#3 parameter bits (CRT 90 02 03 PP; digest §4.1, §8 item 3 [I]). */
enum {
	VEUICC_KEYEST_SP_DELETE_KEYS = 0x01, /**< delete existing keys (none exist here) */
	VEUICC_KEYEST_SP_DR = 0x02,          /**< the card generates DR, used in SharedInfo */
	VEUICC_KEYEST_SP_HOSTID = 0x04,      /**< HostID, SIN and SDIN in SharedInfo */
	VEUICC_KEYEST_SP_CERT = 0x08,        /**< certificate verification precedes */
};

/** Key usage qualifiers (CRT 95) of the new key set (digest §4.1 [I]). */
enum {
	VEUICC_KEYEST_KU_3KEYS = 0x10, /**< Key-ENC, Key-MAC, Key-DEK (WHTY) */
	VEUICC_KEYEST_KU_1KEY = 0x5C,  /**< one key for ENC, MAC and DEK (Njiwa) */
};

/** Compatibility options (veuicc_keyest_set_options); default 0 = the spec form. */
enum {
	/** 3A02 signature made with eSK.DP.ECKA, verified with the ePK it
	 *  carries (both public implementations; digest §8 item 1). */
	VEUICC_KEYEST_OPT_EPHEMERAL_SIG = 1u << 0,
	/** Receipt = AES-CMAC over the input padded with 80 00.. to 16 bytes
	 *  first, as Njiwa computes it (digest §9). */
	VEUICC_KEYEST_OPT_RECEIPT_PAD = 1u << 1,
	/** Also accept DER-encoded ECDSA signatures (5F37 of CERT.DP.ECDSA and
	 *  of 3A02), as Njiwa sends them (digest §9, decision C4). */
	VEUICC_KEYEST_OPT_DER_SIG = 1u << 2,
};

/** The 3A02 message, parsed (pointers into the parsed buffer). */
typedef struct veuicc_keyest_params {
	const uint8_t *dgi; /**< the whole 3A02 DGI (signed) */
	size_t dgi_len;
	const uint8_t *crt; /**< the whole A6 TLV (receipt input) */
	size_t crt_len;
	const uint8_t *epk_tlv; /**< the whole 7F49 TLV (signed) */
	size_t epk_tlv_len;
	veuicc_cert_pubkey epk; /**< ePK.DP.ECKA on the caller's curve */
	const uint8_t *sig;     /**< value of 5F37 */
	size_t sig_len;
	uint8_t scenario;    /**< parameter byte PP of 90 02 03 PP */
	uint8_t key_usage;   /**< 95 */
	uint8_t key_type;    /**< 80: 88 AES */
	uint8_t key_len;     /**< 81: 10 */
	uint8_t kid;         /**< 82: first key id */
	uint8_t kvn;         /**< 83: key version number of the new set */
	uint32_t counter;    /**< 91: initial sequence counter (0 when absent or empty) */
	const uint8_t *sdin; /**< 45, or NULL */
	size_t sdin_len;
	const uint8_t *host_id; /**< 84, or NULL */
	size_t host_id_len;
} veuicc_keyest_params;

/**
 * Parse the data field of the 3A02 STORE DATA: DGI 3A02 holding exactly one
 * A6 CRT, then the BER-TLVs 7F49 (B0 point [F0 01 ref], or the raw 64-byte
 * X‖Y) and 5F37, nothing else. CRT: 90 02 03 PP, 95, [96], 80, 81, 82, 83,
 * [91 (0 or 3 bytes)], [45], [84]; each at most once, no other tag. Values
 * are checked: scenario 03, PP without unknown bits, 95 10/5C, 80 88, 81 10,
 * 82 and 83 not 00/FF, HostID present exactly when PP has HOSTID. The ePK
 * must be a valid point of \p curve (an F0 must name \p curve).
 * \returns VEUICC_OK or VEUICC_ERR_MALFORMED (VEUICC_ERR_INVALID_ARG for NULL)
 */
int veuicc_keyest_parse_params(const uint8_t *buf, size_t len, uint8_t curve,
                               veuicc_keyest_params *out);

/**
 * Parse the data field of the 3A01 STORE DATA: exactly DGI 3A01 holding
 * exactly one 7F21 certificate (veuicc_cert_parse() with \p cert_flags).
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED, VEUICC_ERR_UNSUPPORTED (curve)
 */
int veuicc_keyest_parse_cert(const uint8_t *buf, size_t len, unsigned cert_flags,
                             veuicc_cert *cert);

/**
 * INSTALL [for personalization] on the ISD-R (GP CS v2.3 §11.5.2.3.3; digest
 * §4.1 step 1): data `00 00 L <ISD-P AID> 00 00 00`; the ISD-P becomes the
 * target of the STORE DATA commands that follow on the ISD-R. Answers `00`.
 * \returns 9000, 6A86 (P2), 6700 (no data), 6A80 (coding), 6A88 (no such ISD-P)
 */
uint16_t veuicc_keyest_install_perso(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/** True while an INSTALL [for personalization] target is set on the ISD-R. */
bool veuicc_keyest_perso_active(const veuicc_card *card);

/**
 * End the STORE DATA forwarding of an INSTALL [for personalization] but keep
 * a pending 3A01 challenge: an OTA script to the ISD-R starts and ends a
 * session of its own (TS 102 226 §5; decision SM1).
 */
void veuicc_keyest_end_forward(veuicc_card *card);

/**
 * A STORE DATA the ISD-R received after INSTALL [for personalization]: passed
 * to the target ISD-P's command handler as if the ISD-P were selected.
 * \returns its status word; 6985 if the ISD-P no longer exists
 */
uint16_t veuicc_keyest_forward(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * The engine entry of the ISD-P \p aid (its command handler), NULL when the
 * registry has no such ISD-P: where an INSTALL [for personalization]
 * forwards STORE DATA, and where an SCP81 script targeted at the ISD-P
 * runs (cat/bip_target.c).
 */
const veuicc_app *veuicc_isdp_app(veuicc_card *card, const uint8_t *aid, size_t aid_len);

/** End the INSTALL [for personalization] context and any pending key
 *  establishment (ISD-R selected again, deselected, another command). */
void veuicc_keyest_end_perso(veuicc_card *card);

/** Drop a pending key establishment of the ISD-P \p aid (its deselection). */
void veuicc_keyest_abort(veuicc_card *card, const uint8_t *aid, size_t aid_len);

/** True for a STORE DATA whose P1 says DGIs (b5-b4 = 01) and whose data start
 *  with DGI 3A01 or 3A02 (the key establishment messages). */
bool veuicc_keyest_is_dgi_store_data(const veuicc_capdu *cmd);

/**
 * STORE DATA with DGIs on the ISD-P \p isdp (its registry entry): 3A01 or
 * 3A02 of EstablishISDPKeySet. Nothing changes unless 9000 (a failed 3A02
 * still uses up the random challenge).
 * \returns 9000; 6A86 (P1 encryption/RFU bits, block number); 6A80 (coding,
 *          certificate format, role, key usage, curve, CRT values, ePK);
 *          6982 (certificate not signed by a trusted CI, expired with a
 *          clock, 3A02 signature); 6985 (ISD-P not SELECTABLE, no 3A01
 *          before 3A02, ECASD without identity); 6A86 also for another DGI
 */
uint16_t veuicc_keyest_store_data(veuicc_card *card, veuicc_gp_entry *isdp, const veuicc_capdu *cmd,
                                  veuicc_rsp *rsp);

/** Where a key establishment runs (an ISD-P, or the ISD-R for the SM-SR
 *  change, euicc/smsr_change.c) and what becomes of the derived keys. */
typedef struct veuicc_keyest_target {
	const uint8_t *aid; /**< the domain: the challenge is bound to it */
	size_t aid_len;
	int role;   /**< certificate role required (VEUICC_CERT_ROLE_SMDP / _SMSR) */
	bool ready; /**< false: the domain takes no key set now (6985) */
	/** After the 3A02 signature verified: may this key set be made? Returns
	 *  9000 or the status word refusing it (nothing changes). NULL: yes. */
	uint16_t (*accept)(void *arg, const veuicc_keyest_params *p);
	/** Store the key set: \p keys = \p nkeys keys of p->key_len bytes in
	 *  key id order (1 or 3). Called once the response is written. */
	void (*commit)(void *arg, const veuicc_keyest_params *p, const uint8_t *keys, size_t nkeys);
	void *arg;
} veuicc_keyest_target;

/**
 * STORE DATA with DGI 3A01 or 3A02 for the domain \p t (the common part of
 * EstablishISDPKeySet and EstablishISDRKeySet): P1 and DGI checks, CERT.xx
 * .ECDSA with the ECASD (role t->role), then ECKA, KDF, receipt; the keys
 * go to t->commit. Status words as veuicc_keyest_store_data().
 */
uint16_t veuicc_keyest_run(veuicc_card *card, const veuicc_keyest_target *t,
                           const veuicc_capdu *cmd, veuicc_rsp *rsp);

/**
 * Compatibility options VEUICC_KEYEST_OPT_* of \p card (tests, tools).
 * \returns VEUICC_OK or VEUICC_ERR_NO_MEMORY
 */
int veuicc_keyest_set_options(veuicc_card *card, unsigned opts);

/**
 * The SCP03 key set EstablishISDPKeySet gave the ISD-P \p aid, or NULL (no
 * such ISD-P, no key set). For the ISD-P's secure channel and for tests; the
 * record is updated in place (sequence counter).
 */
veuicc_scp03_keyset *veuicc_isdp_keyset(veuicc_card *card, const uint8_t *aid, size_t aid_len);

/** Free the card's key establishment state (zeroised). NULL is ignored. */
void veuicc_keyest_free(struct veuicc_keyest *ks);

#endif /* VEUICC_EUICC_KEYEST_H */
