/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file rt_int.h
 * \brief Private structures shared by the files of src/applet/.
 */
#ifndef VEUICC_APPLET_RT_INT_H
#define VEUICC_APPLET_RT_INT_H

#include "applet/runtime.h"
#include "uicc/uicc_app.h"

#define RT_AID_MAX     16
#define RT_KEY_MAX     16   /* storage key characters */
#define RT_VAL_MAX     4096 /* one stored value */
#define RT_KEYS_MAX    64   /* values per instance */
#define RT_MENU_MAX    8    /* menu entries per instance */
#define RT_TEXT_MAX    32   /* menu text / title bytes */
#define RT_PARAMS_MAX  1024 /* C9 or EA value kept */
#define RT_LOAD_MAX    65536
#define RT_PLUGINS_MAX 32
#define RT_TR_MAX      16                    /* proactive commands of applets awaiting a response */
#define RT_FS_ADFS     VEUICC_UICC_VIEW_ADFS /* ADFs with an access domain */
#define RT_TIMER_FIRST 2 /* AP20: timers 02..08 are the applets'; 01 the SCP81 agent's */
#define RT_TIMER_LAST  8 /* TS 102 223 §8.37: timer identifiers 1..8 */

typedef struct rt_aid {
	uint8_t len;
	uint8_t b[RT_AID_MAX];
} rt_aid;

typedef struct rt_kv {
	char key[RT_KEY_MAX + 1];
	uint8_t *val;
	size_t len;
} rt_kv;

typedef struct rt_store {
	rt_kv *kv;
	size_t n;
} rt_store;

/** A load file on the card. */
typedef struct rt_file {
	rt_aid aid;
	rt_aid sd; /**< associated security domain */
	uint64_t owner;
	bool from_saip;
	const veuicc_applet_package *pkg;
} rt_file;

/** An instance on the card. */
typedef struct rt_inst {
	veuicc_applet_env env; /* first: env->rt points here */
	veuicc_card *card;
	rt_aid aid, file, module, sd;
	uint64_t owner;
	uint8_t lcs;
	uint8_t priv[3];
	bool from_saip;
	uint8_t *c9, *ea;
	size_t c9_len, ea_len;
	const veuicc_applet_module *mod;
	void *ctx;
	bool live;       /* install() succeeded: ctx is the applet's */
	rt_store store;  /* persistent */
	rt_store *saved; /* open applet transaction: storage at begin */
	uint32_t sel;    /* channels it is selected on (bit per channel) */
	veuicc_rsp *rsp; /* response of the callback running */
	size_t nmenu;
	uint8_t menu_id[RT_MENU_MAX];
	char menu_text[RT_MENU_MAX][RT_TEXT_MAX + 1];
	char title[RT_TEXT_MAX + 1];
	/* file access (files.c): access domains of EA / 81 and the file view */
	veuicc_uicc_domain fs_uicc; /* MF tree; FF when EA / 81 names none */
	size_t fs_nadf;
	rt_aid fs_adf_aid[RT_FS_ADFS];
	veuicc_uicc_domain fs_adf[RT_FS_ADFS];
	veuicc_uicc_view view;
	uint64_t view_seq;  /* profile reference the view was started on, 0: none */
	uint8_t max_timers; /* EA / 80 byte 2 (TS 102 226 §8.2.1.3.2.1) */
} rt_inst;

typedef struct rt_plugin {
	void *handle;
	const veuicc_applet_package *pkg;
} rt_plugin;

struct veuicc_applets {
	rt_file *files;
	size_t nfiles, cfiles;
	rt_inst **inst;
	size_t ninst, cinst;
	size_t last_install; /* first instance of the last profile installation */
	size_t last_file;    /* first load file of the last profile installation */
	char *dir;           /* plugin directory, NULL: none */
	rt_plugin plugins[RT_PLUGINS_MAX];
	size_t nplugins;
	/* proactive commands queued by instances: command number -> instance */
	uint8_t tr_num[RT_TR_MAX];
	uint8_t tr_timer[RT_TR_MAX]; /* TIMER MANAGEMENT: its timer, else 0 */
	rt_inst *tr_inst[RT_TR_MAX];
	/* timers of instances (timers.c), volatile: owner per identifier */
	rt_inst *timer[RT_TIMER_LAST + 1];
	size_t ntr;
	/* INSTALL [for load] then LOAD (GP CS v2.3 §11.6): volatile */
	bool loading;
	rt_file pending;
	uint8_t hash[64];
	size_t hash_len;
	uint8_t *buf;
	size_t len, cap;
	uint8_t next_block;
};

/** The package providing load file \p aid: built in, already loaded
 *  plugin, or a plugin found now in the plugin directory (plugin.c). */
const veuicc_applet_package *veuicc_applets_find_pkg(veuicc_card *card, const uint8_t *aid,
                                                     size_t len);

/** Close every plugin (plugin.c). */
void veuicc_applets_close_plugins(struct veuicc_applets *a);

/** Create an instance (runtime.c): module \p mod of load file \p f. The
 *  install parameters are copied. Returns the status word of install(). */
uint16_t veuicc_applets_create(veuicc_card *card, const rt_file *f, const veuicc_applet_module *mod,
                               const rt_aid *aid, const uint8_t priv[3], const uint8_t *c9,
                               size_t c9_len, const uint8_t *ea, size_t ea_len, bool from_saip,
                               rt_inst **out);

/** Create and install an instance (INSTALL [for install]): the status
 *  word of the module's install(); *out the new instance on 9000. */
uint16_t veuicc_applets_install(veuicc_card *card, const rt_file *f,
                                const veuicc_applet_module *mod, const rt_aid *aid,
                                const uint8_t priv[3], const uint8_t *c9, size_t c9_len,
                                const uint8_t *ea, size_t ea_len, rt_inst **out);

/** Delete instance \p i (deselected everywhere, uninstalled, storage wiped). */
void veuicc_applets_destroy(veuicc_card *card, size_t i);

/** Remove load file \p i. */
void veuicc_applets_file_remove(struct veuicc_applets *a, size_t i);

/** Add a load file. \returns VEUICC_OK or VEUICC_ERR_NO_MEMORY */
int veuicc_applets_file_add(struct veuicc_applets *a, const rt_file *f);

/** True when instance \p x exists for the terminal now (card level, or of
 *  the enabled profile). */
bool veuicc_applets_visible(const veuicc_card *card, const rt_inst *x);

/** Instance index with exactly \p aid that could be visible together with
 *  an owner \p owner (card level or the same profile), or -1. */
long veuicc_applets_find_inst(const struct veuicc_applets *a, const uint8_t *aid, size_t len,
                              uint64_t owner);

/** Load file index with exactly \p aid, or -1. */
long veuicc_applets_find_file(const struct veuicc_applets *a, const uint8_t *aid, size_t len);

/** Load file index with \p aid that SD owner \p owner (0: the ISD-R)
 *  may use: exactly its profile's, or for the ISD-R any one, the card's or
 *  the enabled profile's first. -1: none. */
long veuicc_applets_find_file_for(const veuicc_card *card, const struct veuicc_applets *a,
                                  const uint8_t *aid, size_t len, uint64_t owner);

/** The module of \p pkg with AID \p aid, NULL if none. */
const veuicc_applet_module *veuicc_applets_module(const veuicc_applet_package *pkg,
                                                  const uint8_t *aid, size_t len);

/** The access domains of the instance's UICC access application specific
 *  parameters (EA / 81, TS 102 226 §8.2.1.3.2.2; files.c). \returns 9000 or
 *  6A80 (malformed). */
uint16_t veuicc_applets_parse_access(rt_inst *x);

/* The file services (files.c; veuicc_applet_services revision 1). */
uint16_t veuicc_applets_file_select(veuicc_applet_env *env, const uint8_t *aid, size_t aid_len,
                                    const uint8_t *path, size_t path_len);
uint16_t veuicc_applets_read_binary(veuicc_applet_env *env, uint16_t offset, uint8_t *buf,
                                    size_t len, size_t *got);
uint16_t veuicc_applets_update_binary(veuicc_applet_env *env, uint16_t offset, const uint8_t *data,
                                      size_t len);
uint16_t veuicc_applets_read_record(veuicc_applet_env *env, uint8_t rec, uint8_t mode, uint8_t *buf,
                                    size_t cap, size_t *got);
uint16_t veuicc_applets_update_record(veuicc_applet_env *env, uint8_t rec, uint8_t mode,
                                      const uint8_t *data, size_t len);
uint16_t veuicc_applets_increase(veuicc_applet_env *env, const uint8_t *value, size_t len,
                                 uint8_t *buf, size_t cap, size_t *got);

/** Queue a proactive command for instance \p x and remember it for its
 *  TERMINAL RESPONSE (\p timer: the timer of a TIMER MANAGEMENT, else 0).
 *  \returns 0 or a veuicc error (VEUICC_ERR_NO_MEMORY: the queue is full) */
int veuicc_applets_queue(rt_inst *x, uint8_t type, uint8_t qualifier, uint8_t dest,
                         const uint8_t *body, size_t len, uint8_t timer);

/* Timers (timers.c; veuicc_applet_services revision 2). */
int veuicc_applets_timer_start(veuicc_applet_env *env, uint32_t seconds);
int veuicc_applets_timer_stop(veuicc_applet_env *env, uint8_t timer);

/** The TERMINAL RESPONSE to \p x's TIMER MANAGEMENT of \p timer: a failed
 *  start frees the timer. */
void veuicc_applets_timer_response(veuicc_card *card, rt_inst *x, uint8_t timer, const uint8_t *d,
                                   size_t len);

/** Timer expiration ENVELOPE (D7 ..., \p n bytes): the owner's event.
 *  \returns its SW, or 0 when no instance holds the timer. */
uint16_t veuicc_applets_timer_envelope(veuicc_card *card, const uint8_t *d, size_t n,
                                       veuicc_rsp *rsp);

/** Free the timers of \p x (NULL: of every instance). */
void veuicc_applets_timers_drop(struct veuicc_applets *a, const rt_inst *x);

/** SET UP MENU again if the terminal's profile offers it (menu changed). */
void veuicc_applets_menu_changed(veuicc_card *card);

#endif /* VEUICC_APPLET_RT_INT_H */
