/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sm.h
 * \brief The off-card SM-SR / SM-DP of `veuicc sm` (docs/sm.md), shared by
 *        cmd_sm.c and cmd_demo.c. The SM-SR speaks ES5 to the ISD-R in SCP80
 *        command packets carried by SMS-PP download ENVELOPEs (ota.c); the
 *        SM-DP's ES8 (EstablishISDPKeySet, DownloadAndInstallation in
 *        SCP03t) travels inside those scripts after INSTALL [for
 *        personalization] of the ISD-P (SGP.02 §3.1.2, §3.1.3, §4.1.3).
 *        The simulator also acts as the terminal: T=0 transport, proactive
 *        commands (REFRESH, SEND SHORT MESSAGE with PoRs and notifications).
 */
#ifndef VEUICC_TOOLS_SM_H
#define VEUICC_TOOLS_SM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ota.h"
#include "sm_crypto.h"
#include "sm_https.h"

/** Card-side limit of one concatenated command packet (docs/cat.md, CT9). */
#define VEUICC_SM_MAX_SMS    8
#define VEUICC_SM_MAX_STEPS  64
#define VEUICC_SM_MAX_NOTIFS 16

/** Most C-APDUs in one ES5 script. */
#define VEUICC_SM_SCRIPT_APDUS 16

/** The R-APDUs of one ES5 script's PoR: R-APDU i (data ‖ SW) is
 *  buf[off[i] .. off[i] + len[i]). */
typedef struct veuicc_sm_rapdus {
	size_t n;
	size_t off[VEUICC_SM_SCRIPT_APDUS], len[VEUICC_SM_SCRIPT_APDUS];
	uint8_t buf[4096];
} veuicc_sm_rapdus;

/** One step as reported (text and --json). */
typedef struct veuicc_sm_step {
	char function[64];
	unsigned apdus; /**< C-APDUs exchanged with the card */
	size_t bytes;   /**< C-APDU + R-APDU bytes */
	unsigned sms;   /**< SMS-PP ENVELOPEs */
	size_t wire;    /**< --https: TLS bytes on the TCP connection, both directions */
	double ms;
	int ok;
	char detail[256];
} veuicc_sm_step;

/** A notification received by SMS (SGP.02 §4.1.1.11, E1 template). */
typedef struct veuicc_sm_notif {
	uint8_t type;
	uint16_t seq;
	uint8_t aid[16];
	size_t aid_len;
} veuicc_sm_notif;

/** Cold-resets the card; fills the ATR. \returns veuicc_err. */
typedef int (*veuicc_sm_reset_fn)(void *ctx);

/** The simulator's whole state for one card. */
typedef struct veuicc_sm {
	/* transport */
	veuicc_cli_ota_xfer_fn xfer;
	veuicc_sm_reset_fn reset;
	void *xctx;
	FILE *out;        /**< progress for humans (NULL: silent) */
	FILE *trace;      /**< every C-APDU / R-APDU (NULL: none) */
	FILE *transcript; /**< ES5/ES8 inner commands and answers, "C hex" / "R hex" */
	/* SM-SR */
	veuicc_cli_ota_ctx ota;
	uint64_t counter;                /**< last SCP80 counter used */
	veuicc_scp80_counter notif_cntr; /**< unused: notifications have no counter */
	uint8_t smsr_addr[12];
	size_t smsr_addr_len;
	/* SM-DP */
	veuicc_sm_dp *dp;
	uint8_t ecasd_pk[65];
	int have_ecasd;
	uint8_t aid[16]; /**< the ISD-P of the keys below */
	size_t aid_len;
	uint8_t kvn;
	uint8_t enc[16], mac[16], dek[16];
	int have_keys;
	size_t segment;      /**< SCP03t segment plaintext size (0: automatic) */
	int corrupt_segment; /**< 1-based: flip a bit in this segment's ciphertext (tests) */
	/* terminal */
	int refresh;
	veuicc_sm_notif notifs[VEUICC_SM_MAX_NOTIFS];
	size_t nnotifs;
	char iccid[21], imsi[16];
	/* the step being run and the finished ones */
	veuicc_sm_step cur;
	veuicc_sm_step steps[VEUICC_SM_MAX_STEPS];
	size_t nsteps;
	char error[256];     /**< why the last step failed */
	const char *pki_dir; /**< --pki (NULL: factory/pki/<curve of the ECASD>) */
	void (*on_step)(void *arg, const char *function); /**< announces a step (NULL: print) */
	void *on_step_arg;
	int no_por;           /**< the last ES5 packet got no PoR (the card discarded it) */
	int smsr_changed;     /**< the SM-SR keys are SM-SR2's, not the factory's (state file) */
	uint8_t smsr_dek[16]; /**< DEK of SM-SR2's SCP80 set (key 3, kept for PUT KEY) */
	/* SCP81 (--https, docs/scp81.md): ES5/ES8 scripts in HTTPS admin sessions */
	int https;       /**< scripts go over SCP81; the PUSH goes by SMS */
	uint8_t psk[32]; /**< the ISD-R's SCP81 PSK (first SCP81 key set) */
	size_t psk_len;
	char psk_id[65];
	uint8_t psk_kvn;
	int have_psk;
	uint16_t https_port;      /**< server port (0: any free one) */
	uint16_t push_retries;    /**< retry counter of the PUSH */
	unsigned push_delay;      /**< its retry waiting delay, seconds (< 100 h) */
	int https_content_length; /**< answer with Content-Length instead of chunked */
	veuicc_sm_https *srv;
	veuicc_bip_term *term;
	veuicc_sm_https_card hcard;
	int https_open;            /**< a POST waits for the next script */
	unsigned pushes;           /**< PUSH SMS sent */
	unsigned https_sessions;   /**< admin sessions ended with 204 */
	uint16_t push_port;        /**< port named in the PUSH, 0: the server's (tests) */
	unsigned https_drop_after; /**< drop the connection instead of script N (tests) */
	unsigned https_scripts;    /**< scripts sent over HTTPS */
	unsigned notifs_sms;       /**< notifications received by SMS */
	unsigned notifs_https;     /**< ... in the card's own HTTPS sessions (§3.15.2) */
	/** --es8-tunnel: ES8 over HTTPS through the ISD-R's INSTALL [for
	 *  personalization] + STORE DATA instead of a script targeted at the
	 *  ISD-P (X-Admin-Targeted-Application, the default; H81-17) */
	int es8_tunnel;
	uint8_t target[16];   /**< the next HTTPS script's targeted application */
	size_t target_len;    /**< 0: none (the ISD-R) */
	char last_target[80]; /**< the header value of the last script sent ("" none) */
} veuicc_sm;

/**
 * End the running SCP81 admin session, if any: 204 to the waiting POST, the
 * card's close_notify and CLOSE CHANNEL, then the proactive commands it
 * queued (REFRESH, notifications). \returns 0 or -1 (sm->error)
 */
int veuicc_sm_https_close(veuicc_sm *sm);

/**
 * Take the SM-SR's keys (the ISD-R's first SCP80 key set) and TAR from a card
 * personalised from the factory file \p factory; SPI 16 19.
 * \returns 0 or -1 (message in sm->error)
 */
int veuicc_sm_smsr_from_factory(veuicc_sm *sm, const char *factory);

/** Release keys and the SM-DP (everything zeroised). */
void veuicc_sm_free(veuicc_sm *sm);

/**
 * The SM-DP's identity from the folder \p dir: smdp.7f21 (or smdp.hex) and
 * smdp.pem, else the SGP.26 key SK_S_SM_DPauth_ECDSA_<NIST|BRP>.pem in
 * \p dir/../../keys/ (tests/data/cert layout). \p curve_hint: VEUICC_SM_CURVE_*.
 * \returns 0 or -1 (sm->error)
 */
int veuicc_sm_load_pki(veuicc_sm *sm, const char *dir, int curve_hint);

/** The ECASD's curve as `F0` reference, read from its certificate (reads it once). */
int veuicc_sm_ecasd_curve(veuicc_sm *sm);

/** Cold reset + TERMINAL PROFILE + proactive commands (notifications kept). */
int veuicc_sm_terminal_start(veuicc_sm *sm);

/** ES5 UpdateSMSRAddressingParameters with sm->smsr_addr (DGI 3A07). */
int veuicc_sm_set_smsr_address(veuicc_sm *sm);
/** ES5 GET STATUS audit of the ISD-Ps (printed). */
int veuicc_sm_audit(veuicc_sm *sm);
/** ES5 CreateISDP of \p aid. */
int veuicc_sm_create_isdp(veuicc_sm *sm, const uint8_t *aid, size_t aid_len);
/** ES8 EstablishISDPKeySet on \p aid (CERT.DP.ECDSA, ePK, receipt check). */
int veuicc_sm_establish_keys(veuicc_sm *sm, const uint8_t *aid, size_t aid_len);
/** ES8 DownloadAndInstallation of the package \p der in SCP03t segments. */
int veuicc_sm_download(veuicc_sm *sm, const uint8_t *der, size_t len);
/** ES5 Enable / Disable / SetFallBackAttribute / Delete (DGI 3A03/3A04/3A05, DELETE). */
int veuicc_sm_profile_op(veuicc_sm *sm, const char *op, const uint8_t *aid, size_t aid_len);
/** Confirm every notification received (DGI 3A08), oldest first. */
int veuicc_sm_confirm_notifications(veuicc_sm *sm);
/**
 * The terminal after the REFRESH: EF.ICCID, the USIM from EF.DIR, PIN1
 * (\p pin, ASCII digits), EF.IMSI, AUTHENTICATE with the AKA parameters of
 * the package \p der (Milenage or the TS 34.108 test algorithm).
 */
int veuicc_sm_modem(veuicc_sm *sm, const uint8_t *der, size_t len, const char *pin);

/**
 * The SM-SR change (SGP.02 §3.8) as five reported steps: GET DATA E0 under
 * the current keys (the new KVN: \p new_kvn, or 0 for the first free SCP80
 * KVN 01..0F); EstablishISDRKeySet of SM-SR2 (smsr.7f21 / smsr.pem of
 * sm->pki_dir or factory/pki/<curve>) relayed under SM-SR1's keys, receipt
 * checked, the simulator's SM-SR keys become the new set (counter 0,
 * sm->smsr_changed); an audit under them; unless \p keep_old,
 * FinaliseISDRHandover deleting every other ISD-R key set and a packet under
 * the old keys that must get no PoR. sm_smsr.c. \returns 0 or -1
 */
int veuicc_sm_smsr_change(veuicc_sm *sm, int new_kvn, int keep_old);

/** Take \p keys (KIc ‖ KID ‖ DEK, AES-128) as the SM-SR's SCP80 key set
 *  \p kvn (SPI unchanged); sets sm->smsr_changed. */
void veuicc_sm_smsr_keys(veuicc_sm *sm, uint8_t kvn, const uint8_t keys[48]);

/** Load the SM-DP identity (sm->pki_dir or the default for the ECASD's curve) once. */
int veuicc_sm_need_pki(veuicc_sm *sm);

/**
 * The whole chain on a card: terminal session, SM-SR address, CreateISDP,
 * EstablishISDPKeySet, DownloadAndInstallation of \p der, EnableProfile,
 * the REFRESH's new session, the modem, notification confirmation, audit.
 * \returns 0 or -1 (the failed step says why)
 */
int veuicc_sm_run(veuicc_sm *sm, const uint8_t *aid, size_t aid_len, const uint8_t *der, size_t len,
                  const char *pin);

/** \p rel ("factory/pki/nist") here, else in the source tree of this build. */
const char *veuicc_sm_source_path(const char *rel, char *buf, size_t cap);

/**
 * One ES5 script: the C-APDUs (\p lens[i] bytes each, back to back in
 * \p apdus) in an SCP80 command packet with the next counter, SMS-PP
 * ENVELOPEs, PoR checked (every R-APDU 90xx/91xx/61xx/62xx/63xx).
 * \returns 0, -1 (sm->error; sm->no_por when the card sent no PoR), -2 when
 * the packet needs more SMS than the card assembles
 */
int veuicc_sm_es5(veuicc_sm *sm, const uint8_t *apdus, const size_t *lens, size_t n,
                  veuicc_sm_rapdus *out);

/** Start / end a reported step (timing, counts); end returns \p rc. */
void veuicc_sm_begin(veuicc_sm *sm, const char *function);
int veuicc_sm_end(veuicc_sm *sm, int rc);

/** Print the steps as JSON. */
void veuicc_sm_print_json(const veuicc_sm *sm, FILE *f, int ok);

/** Parse 32 hex digits of an AID (5..16 bytes). \returns 0 or -1. */
int veuicc_sm_parse_aid(const char *s, uint8_t *aid, size_t *len);

#endif /* VEUICC_TOOLS_SM_H */
