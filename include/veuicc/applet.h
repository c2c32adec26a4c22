/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file applet.h
 * \brief The applet API of veuicc: native (C) applets hosted by the card's
 *        applet runtime with the life cycle GlobalPlatform gives Java Card
 *        applets (docs/applets.md).
 *
 * A **package** (GP executable load file) has an AID and one or more
 * **modules** (GP executable modules), each with its AID. GP INSTALL [for
 * load] + LOAD of a load file whose AID is a package the card knows (built
 * in, or a plugin shared object) puts the package on the card; INSTALL [for
 * install] creates an **instance** of a module with its own AID, privileges
 * and install parameters; DELETE removes them; SAIP PE-Application does the
 * same at profile installation.
 *
 * An instance reaches the card only through the services of its
 * veuicc_applet_env: its response, its own persistent storage (saved with
 * the card's state after every command: one store transaction per APDU,
 * plus applet-level transactions), the proactive command queue and its
 * toolkit menu entries. An instance of a profile exists for the terminal
 * only while that profile is enabled.
 *
 * This header is self-contained (C11, no other veuicc header) so that a
 * plugin can be built against it alone. Plugin ABI: a shared object exports
 * one object `const veuicc_applet_package veuicc_applet_plugin_v1` whose
 * abi_version is VEUICC_APPLET_ABI_VERSION; the loader refuses any other
 * version. Plugins call the card only through the function pointers of
 * veuicc_applet_services (the static inline helpers below), never through
 * linked symbols. The services table only grows at its end; a plugin uses a
 * member of a later revision only when veuicc_applet_svc_revision() says the
 * card has it (the file helpers below check it).
 */
#ifndef VEUICC_APPLET_H
#define VEUICC_APPLET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this ABI (descriptor, services, callbacks). */
#define VEUICC_APPLET_ABI_VERSION 1u
/** Revision of the services table: members are only ever appended, so a
 *  plugin built for an older revision works with a newer card. Revision 1
 *  appended the file services (file_select .. file_increase), revision 2
 *  the timers (timer_start, timer_stop). The card
 *  reports its revision in bits 31..16 of veuicc_applet_services.abi_version
 *  (veuicc_applet_svc_revision()). */
#define VEUICC_APPLET_SVC_REVISION 2u
/** Name of the descriptor a plugin exports. */
#define VEUICC_APPLET_PLUGIN_SYMBOL "veuicc_applet_plugin_v1"

/** Events an instance may handle (veuicc_applet_module.events). */
enum {
	/** TERMINAL PROFILE received (TS 102 223 §5.2). data: the profile. */
	VEUICC_APPLET_EV_PROFILE_DOWNLOAD = 0x01,
	/** MENU SELECTION envelope for one of its menu entries (TS 102 223
	 *  §7.3, tag D3). item: the item identifier; help: help request. */
	VEUICC_APPLET_EV_MENU_SELECTION = 0x02,
	/** The TERMINAL RESPONSE (TS 102 223 §6.8) to a proactive command this
	 *  instance queued. data: its COMPREHENSION-TLVs (command details,
	 *  device identities, result, ...). */
	VEUICC_APPLET_EV_TERMINAL_RESPONSE = 0x04,
	/** Timer expiration ENVELOPE (TS 102 223 §7.4, tag D7) of a timer
	 *  this instance started (services revision 2): item: the timer
	 *  identifier; data: the envelope's COMPREHENSION-TLVs. The timer is
	 *  free again; the SW answers the ENVELOPE. */
	VEUICC_APPLET_EV_TIMER = 0x08,
};

/** A command as an instance sees it (ISO 7816-4 §5.1; chaining and GET
 *  RESPONSE are handled by the card). */
typedef struct veuicc_applet_apdu {
	uint8_t cla, ins, p1, p2;
	uint8_t channel;     /**< logical channel 0..19 */
	const uint8_t *data; /**< command data (Lc bytes) */
	size_t lc;
	size_t ne; /**< expected response length, 0: none */
} veuicc_applet_apdu;

/** One event. */
typedef struct veuicc_applet_event {
	uint32_t type;       /**< one VEUICC_APPLET_EV_* */
	uint8_t item;        /**< menu selection: item identifier */
	uint8_t help;        /**< menu selection: help requested */
	size_t entry;        /**< menu selection: index of the entry in the instance's
	                          toolkit parameters (0-based) */
	const uint8_t *data; /**< profile download: TERMINAL PROFILE bytes;
	                          terminal response: its data */
	size_t len;
} veuicc_applet_event;

/** What INSTALL [for install] (or SAIP) gives a new instance. */
typedef struct veuicc_applet_install {
	const uint8_t *aid; /**< instance AID */
	size_t aid_len;
	uint8_t privileges[3]; /**< GP privileges (GP CS v2.3 §6.6.1) */
	const uint8_t *c9;     /**< application specific parameters (tag C9 value) */
	size_t c9_len;
	const uint8_t *ea; /**< UICC system specific parameters (tag EA value, TS 102 226
	                        §8.2.1.3.2), NULL if none */
	size_t ea_len;
	/** Non-zero when the card re-creates an instance that exists already
	 *  (card file opened again): its storage holds what it stored; it must
	 *  not initialise it again. */
	int restoring;
} veuicc_applet_install;

/** The runtime side of one instance (opaque). */
typedef struct veuicc_applet_env veuicc_applet_env;

/** Services of the runtime. Every function returns 0 (VEUICC_OK) or a
 *  negative veuicc error code unless stated otherwise. */
typedef struct veuicc_applet_services {
	/** Bits 15..0: VEUICC_APPLET_ABI_VERSION; bits 31..16: the revision
	 *  of this table (VEUICC_APPLET_SVC_REVISION; 0 on cards before it). */
	uint32_t abi_version;
	/** Append response data to the command being processed. */
	int (*respond)(veuicc_applet_env *env, const void *data, size_t len);
	/** Read value \p key (1..16 characters) of the instance's storage into
	 *  \p buf. Returns the value length (>= 0; truncated to cap), or
	 *  -7 (VEUICC_ERR_NOT_FOUND). */
	long (*store_get)(veuicc_applet_env *env, const char *key, uint8_t *buf, size_t cap);
	/** Set value \p key (at most 4096 bytes; at most 64 keys). */
	int (*store_put)(veuicc_applet_env *env, const char *key, const void *val, size_t len);
	/** Remove value \p key (absent: 0). */
	int (*store_del)(veuicc_applet_env *env, const char *key);
	/** Applet transaction (Java Card JCSystem.beginTransaction semantics):
	 *  storage changes after begin are undone by abort; one still open when
	 *  the callback returns is aborted. */
	int (*txn_begin)(veuicc_applet_env *env);
	int (*txn_commit)(veuicc_applet_env *env);
	int (*txn_abort)(veuicc_applet_env *env);
	/** Queue a proactive command (TS 102 223 §6.6) of \p type with
	 *  \p qualifier to device \p dest; \p body: its further
	 *  COMPREHENSION-TLVs. -5 (VEUICC_ERR_UNSUPPORTED) when the terminal's
	 *  TERMINAL PROFILE does not offer it (only DISPLAY TEXT 21 and SEND
	 *  SHORT MESSAGE 13 are checked), -2 when the queue is full. */
	int (*proactive)(veuicc_applet_env *env, uint8_t type, uint8_t qualifier, uint8_t dest,
	                 const uint8_t *body, size_t len);
	/** Set the text of menu entry \p index (0-based) of the instance's
	 *  UICC toolkit parameters (TS 102 226 §8.2.1.3.2.1); 1..32 bytes of
	 *  SMS default alphabet / 8-bit text (TS 102 223 §8.9). */
	int (*menu_text)(veuicc_applet_env *env, size_t index, const char *text);
	/** Offer a menu title (alpha identifier of SET UP MENU, TS 102 223
	 *  §6.6.7): the card uses the first visible instance's, 1..32 bytes. */
	int (*menu_title)(veuicc_applet_env *env, const char *text);
	/** One line to the card's log (no newline). */
	void (*log)(veuicc_applet_env *env, const char *line);

	/* ---- revision 1: file access (docs/applets.md "File access") ----
	 * The files of the enabled profile (ETSI TS 102 221 file system),
	 * through a file view of the instance's own (TS 102 241 FileView: no
	 * logical channel of the terminal changes), checked against each EF's
	 * access rule (EF.ARR) with the instance's access domains (install
	 * parameter EA / 81, TS 102 226 §8.2.1.3.2.2) instead of the PIN
	 * status. Each returns the status word the same command would get
	 * from the file system: 9000, 6982 (the access domain does not allow
	 * it), 6A82 (no such file), 6986 (no current EF), 6981, 6B00, 6A83,
	 * 6700, 6282, ... A profile's instance reaches only its profile's
	 * files (6982 once another profile is enabled); a card-level instance
	 * the enabled profile's. Writes are saved with the command being
	 * processed, like any write of an APDU (one store transaction). */
	/** Select: the MF (\p aid NULL) or the ADF whose AID starts with
	 *  \p aid, then the \p path (FIDs, 2 bytes each, may be empty) from
	 *  there (TS 102 221 §8.4.2); a path from the MF may start with 3F00. */
	uint16_t (*file_select)(veuicc_applet_env *env, const uint8_t *aid, size_t aid_len,
	                        const uint8_t *path, size_t path_len);
	/** READ BINARY of the selected transparent EF: \p len (1..256)
	 *  bytes at \p offset (0..7FFF) into \p buf; *got the bytes read
	 *  (fewer at the end of the file: 6282). */
	uint16_t (*file_read_binary)(veuicc_applet_env *env, uint16_t offset, uint8_t *buf,
	                             size_t len, size_t *got);
	/** UPDATE BINARY: \p len (1..255) bytes at \p offset. */
	uint16_t (*file_update_binary)(veuicc_applet_env *env, uint16_t offset, const uint8_t *data,
	                               size_t len);
	/** READ RECORD \p rec in \p mode (VEUICC_APPLET_REC_*) of the selected
	 *  linear fixed or cyclic EF into \p buf (\p cap >= record length). */
	uint16_t (*file_read_record)(veuicc_applet_env *env, uint8_t rec, uint8_t mode,
	                             uint8_t *buf, size_t cap, size_t *got);
	/** UPDATE RECORD \p rec in \p mode; \p len is the record length. */
	uint16_t (*file_update_record)(veuicc_applet_env *env, uint8_t rec, uint8_t mode,
	                               const uint8_t *data, size_t len);
	/** INCREASE (TS 102 221 §11.1.8) of the selected cyclic EF by \p value
	 *  (1..record length bytes); \p buf gets the new record then the value
	 *  added. */
	uint16_t (*file_increase)(veuicc_applet_env *env, const uint8_t *value, size_t len,
	                          uint8_t *buf, size_t cap, size_t *got);

	/* ---- revision 2: timers (docs/applets.md "Timers") ---- */
	/** Take a free timer of the terminal and start it for \p seconds
	 *  (1..86399) with TIMER MANAGEMENT (TS 102 223 §6.4.21); its
	 *  expiration ENVELOPE comes as VEUICC_APPLET_EV_TIMER. At most as
	 *  many timers at once as the toolkit parameters allow (EA / 80 byte
	 *  2, TS 102 226 §8.2.1.3.2.1). Returns the timer identifier (2..8),
	 *  or -5 (VEUICC_ERR_UNSUPPORTED: the TERMINAL PROFILE lacks timers),
	 *  -8 (VEUICC_ERR_STATE: no timer left for it), -2 (queue full), -1. */
	int (*timer_start)(veuicc_applet_env *env, uint32_t seconds);
	/** Stop (deactivate) one of its timers and free it. */
	int (*timer_stop)(veuicc_applet_env *env, uint8_t timer);
} veuicc_applet_services;

/** Record modes of file_read_record / file_update_record (TS 102 221
 *  §11.1.5.2 P2): next, previous, absolute (rec 0: the current record). */
enum {
	VEUICC_APPLET_REC_NEXT = 0x02,
	VEUICC_APPLET_REC_PREVIOUS = 0x03,
	VEUICC_APPLET_REC_ABSOLUTE = 0x04,
};

/** The runtime side of one instance, as every callback receives it. */
struct veuicc_applet_env {
	const veuicc_applet_services *svc;
	void *rt; /**< the runtime's own, not for the applet */
};

/** An executable module: the code of one kind of instance. Every callback
 *  but install and process may be NULL. */
typedef struct veuicc_applet_module {
	const uint8_t *aid; /**< module AID, 5..16 bytes */
	size_t aid_len;
	const char *name;
	uint32_t events; /**< VEUICC_APPLET_EV_* it wants */
	/** Create the instance object (*ctx). Returns a status word: 9000,
	 *  or an error SW for INSTALL (e.g. 6A80 for bad parameters). */
	uint16_t (*install)(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx);
	/** SELECT chose it on apdu->channel; returns the status word. */
	uint16_t (*select)(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *apdu);
	/** One command; returns the status word. */
	uint16_t (*process)(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *apdu);
	/** No longer selected on \p channel. */
	void (*deselect)(void *ctx, veuicc_applet_env *env, uint8_t channel);
	/** An event it registered for; response data (envelopes) by respond();
	 *  returns the status word. */
	uint16_t (*event)(void *ctx, veuicc_applet_env *env, const veuicc_applet_event *ev);
	/** Free the instance object (DELETE, or the card is freed). */
	void (*uninstall)(void *ctx, veuicc_applet_env *env);
} veuicc_applet_module;

/** A package (executable load file) of native code. */
typedef struct veuicc_applet_package {
	uint32_t abi_version; /**< VEUICC_APPLET_ABI_VERSION */
	const char *name;
	const uint8_t *aid; /**< load file AID, 5..16 bytes */
	size_t aid_len;
	const veuicc_applet_module *modules;
	size_t nmodules;
} veuicc_applet_package;

/* ---- helpers for applet code --------------------------------------------- */

/** Append response data. */
static inline int veuicc_applet_respond(veuicc_applet_env *env, const void *data, size_t len)
{
	return env->svc->respond(env, data, len);
}

/** Read a stored value; see veuicc_applet_services.store_get. */
static inline long veuicc_applet_get(veuicc_applet_env *env, const char *key, uint8_t *buf,
                                     size_t cap)
{
	return env->svc->store_get(env, key, buf, cap);
}

/** Store a value; see veuicc_applet_services.store_put. */
static inline int veuicc_applet_put(veuicc_applet_env *env, const char *key, const void *val,
                                    size_t len)
{
	return env->svc->store_put(env, key, val, len);
}

/** Log one line. */
static inline void veuicc_applet_log(veuicc_applet_env *env, const char *line)
{
	env->svc->log(env, line);
}

/** Revision of the card's services table (VEUICC_APPLET_SVC_REVISION). */
static inline unsigned veuicc_applet_svc_revision(const veuicc_applet_env *env)
{
	return (unsigned)(env->svc->abi_version >> 16);
}

/** SW of a file helper on a card without the file services (6A81,
 *  function not supported, ISO 7816-4 §5.6). */
#define VEUICC_APPLET_SW_NO_SERVICE 0x6A81u

/** Start a timer; see veuicc_applet_services.timer_start. -5 on a card
 *  without timers for applets. */
static inline int veuicc_applet_timer_start(veuicc_applet_env *env, uint32_t seconds)
{
	if (veuicc_applet_svc_revision(env) < 2)
		return -5; /* VEUICC_ERR_UNSUPPORTED */
	return env->svc->timer_start(env, seconds);
}

/** Stop a timer; see veuicc_applet_services.timer_stop. */
static inline int veuicc_applet_timer_stop(veuicc_applet_env *env, uint8_t timer)
{
	if (veuicc_applet_svc_revision(env) < 2)
		return -5; /* VEUICC_ERR_UNSUPPORTED */
	return env->svc->timer_stop(env, timer);
}

/** Select a file; see veuicc_applet_services.file_select. */
static inline uint16_t veuicc_applet_file_select(veuicc_applet_env *env, const uint8_t *aid,
                                                 size_t aid_len, const uint8_t *path,
                                                 size_t path_len)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_select(env, aid, aid_len, path, path_len);
}

/** READ BINARY; see veuicc_applet_services.file_read_binary. */
static inline uint16_t veuicc_applet_read_binary(veuicc_applet_env *env, uint16_t offset,
                                                 uint8_t *buf, size_t len, size_t *got)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_read_binary(env, offset, buf, len, got);
}

/** UPDATE BINARY; see veuicc_applet_services.file_update_binary. */
static inline uint16_t veuicc_applet_update_binary(veuicc_applet_env *env, uint16_t offset,
                                                   const uint8_t *data, size_t len)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_update_binary(env, offset, data, len);
}

/** READ RECORD; see veuicc_applet_services.file_read_record. */
static inline uint16_t veuicc_applet_read_record(veuicc_applet_env *env, uint8_t rec, uint8_t mode,
                                                 uint8_t *buf, size_t cap, size_t *got)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_read_record(env, rec, mode, buf, cap, got);
}

/** UPDATE RECORD; see veuicc_applet_services.file_update_record. */
static inline uint16_t veuicc_applet_update_record(veuicc_applet_env *env, uint8_t rec,
                                                   uint8_t mode, const uint8_t *data, size_t len)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_update_record(env, rec, mode, data, len);
}

/** INCREASE; see veuicc_applet_services.file_increase. */
static inline uint16_t veuicc_applet_increase(veuicc_applet_env *env, const uint8_t *value,
                                              size_t len, uint8_t *buf, size_t cap, size_t *got)
{
	if (veuicc_applet_svc_revision(env) < 1)
		return VEUICC_APPLET_SW_NO_SERVICE;
	return env->svc->file_increase(env, value, len, buf, cap, got);
}

#ifdef __cplusplus
}
#endif

#endif /* VEUICC_APPLET_H */
