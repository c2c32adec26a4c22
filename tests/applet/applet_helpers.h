/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the applet runtime tests (docs/applets.md): cards from
 * factory/default.json in test mode, GP INSTALL/LOAD APDUs of the built-in
 * packages, the R-APDU of a command as hex, a log sink.
 */
#ifndef VEUICC_TESTS_APPLET_HELPERS_H
#define VEUICC_TESTS_APPLET_HELPERS_H

#include <unistd.h>

#include "apdu/card_helpers.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define SEL_ISDR "00A4040C10" ISDR

/* veuicc's built-in packages (src/applet/aram.c, stkmenu.c; decision AP5) */
#define ARAM_PKG "F076657569636301"
#define ARAM_MOD "F07665756963630101"
#define ARAM_AID "A00000015141434C00" /* GP SEAC v1.1 */
#define STK_PKG  "F076657569636302"
#define STK_MOD  "F07665756963630201"
#define STK_AID  "F0766575696363020101"

/* INSTALL [for load] of an 8-byte load file AID, no SD, hash, params, token */
#define INSTALL_LOAD(pkg) "80E60200 0D 08" pkg "00 00 00 00"
/* the one LOAD block: a Load File Data Block of 4 bytes (content not run) */
#define LOAD_LAST "80E88000 06 C404CAFEBABE 00"
/* INSTALL [for install and make selectable] of the ARA-M: C9 empty */
#define INSTALL_ARAM(p1, lc, priv_lv)                                                              \
	"80E6" p1 "00" lc "08" ARAM_PKG "09" ARAM_MOD "09" ARAM_AID priv_lv "02C900 00 00"
#define OK0 "009000"

typedef struct logbuf {
	char text[4096];
} logbuf;

static inline void log_sink(void *ctx, const char *line)
{
	logbuf *l = ctx;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s\n", line);
}

/* factory/default.json (its profile in ISD-P ...1000, enabled), test mode,
 * T=1, ISD-R selected on the basic channel. */
static inline veuicc_card *ap_card(const char *applet_dir)
{
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = f;
	cfg.test_mode = 1;
	cfg.applet_dir = applet_dir;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	return card;
}

/* A card file name under $TMPDIR for \p stem, with no file there yet;
 * test_rm_card_file() removes it and SQLite's side files. */
static inline void ap_card_file(char *path, size_t cap, const char *stem)
{
	snprintf(path, cap, "%s/veuicc-%s-%ld.db", test_tmp_dir(), stem, (long)getpid());
	unlink(path);
}

/* As ap_card, on the card file \p path (created when new). */
static inline veuicc_card *ap_file_card(const char *path, const char *applet_dir)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = getenv("VEUICC_FACTORY");
	cfg.test_mode = 1;
	cfg.applet_dir = applet_dir;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, SEL_ISDR, "9000");
	return card;
}

/* Cold reset, T=1, logical channel 1 opened. */
static inline void ap_power(veuicc_card *card)
{
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "0070000001", "019000");
}

/* The R-APDU of \p capdu as hex (static buffer). */
static inline const char *ap_rsp(veuicc_card *card, const char *capdu)
{
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX];
	static char out[2 * VEUICC_RAPDU_MAX + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	th_hex(r, rl, out);
	return out;
}

/* \p hay contains \p needle (hex, spaces ignored). */
static inline void ap_contains(const char *hay, const char *needle)
{
	char n[2048];
	size_t k = 0;
	for (const char *p = needle; *p && k + 1 < sizeof(n); p++)
		if (*p != ' ')
			n[k++] = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	n[k] = 0;
	if (!strstr(hay, n))
		fail_msg("%s\n  does not contain %s", hay, n);
}

#endif
