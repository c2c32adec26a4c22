/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file devname.h
 * \brief The DEVICENAME format of the veuicc reader: which card a reader holds.
 *
 * pcsc-lite hands the DEVICENAME line of a reader.conf.d entry, verbatim, to
 * IFDHCreateChannelByName(). The veuicc driver reads it as
 *
 *     veuicc:[key=value[,key=value]...]
 *
 * ("veuicc" without the colon is accepted too, but pcscd itself refuses a
 * DEVICENAME with no ':' that is not an existing file.)
 *
 * Keys (each at most once; unknown keys are an error):
 *   name=ID        reader id used in log lines and trace file names
 *                  ([A-Za-z0-9._-], 1..32 characters)
 *   eid=DIGITS     the card's EID, 32 decimal digits (SGP.02 §2.2.2)
 *   seed=N         deterministic card RNG seeded with N (decimal or 0x hex)
 *   atr=HEX        the card's ATR (2..33 bytes, ISO/IEC 7816-3 §8.2)
 *   trace=PATH     write every APDU to PATH as pcap with GSMTAP SIM headers
 *   present=0|1    whether the card is inserted when the reader opens (1)
 *   state=PATH     the persistent card kept in PATH (veuicc_card_open(): EID,
 *                  profiles, the active one); created on first use
 *   profile=PATH   a SAIP package (DER) installed and activated when the reader
 *                  opens (with state=: only if that card has no such profile)
 *   appletdir=PATH the directory applet plugins load from (veuicc_config.applet_dir,
 *                  docs/applets.md)
 *   testmode=0|1   test mode (veuicc_config.test_mode): the ISD-R and ISD-Ps
 *                  also take plain ES5/ES8 APDUs (default 0)
 *   quirk=NAME[=VALUE]  a card quirk (veuicc_quirks, docs/quirks.md); the
 *                  one key that may be repeated, e.g. quirk=atr-ta1=95,quirk=fcp-no-pin-status
 *   fault=SPEC     test bench faults armed when the card is made
 *                  (veuicc_card_fault(), items separated by ';'; cut: needs
 *                  state=); latency:MS makes the driver wait before each APDU
 *
 * pcsc-lite's reader.conf parser accepts '=' and ',' only in a quoted value
 * and passes the quotes on: one enclosing pair of quotes is dropped, so the
 * entry reads  DEVICENAME "veuicc:name=a,eid=..."  .
 *
 * The same parser serves the driver and `veuicc reader config`, so a config
 * written by the CLI is always one the driver accepts.
 */
#ifndef VEUICC_PCSC_DEVNAME_H
#define VEUICC_PCSC_DEVNAME_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Longest DEVICENAME: pcsc-lite keeps at most 255 characters (MAX_DEVICENAME). */
#define VEUICC_PCSC_DEVNAME_MAX 255
/** The prefix every veuicc DEVICENAME starts with. */
#define VEUICC_PCSC_DEVNAME_PREFIX "veuicc"
/** Longest reader id accepted by name=. */
#define VEUICC_PCSC_NAME_MAX 32
/** Longest path accepted by trace=, state=, profile= and appletdir=. */
#define VEUICC_PCSC_PATH_MAX 255

/** A parsed DEVICENAME. */
typedef struct veuicc_pcsc_devcfg {
	char name[VEUICC_PCSC_NAME_MAX + 1]; /**< "" when not given */
	char eid[33];                        /**< "" when not given */
	int has_seed;                        /**< seed= was given */
	uint64_t seed;
	uint8_t atr[VEUICC_ATR_MAX]; /**< valid when atr_len > 0 */
	size_t atr_len;
	char trace[VEUICC_PCSC_PATH_MAX + 1];      /**< "" when not given */
	int present;                               /**< initial presence, default 1 */
	char state[VEUICC_PCSC_PATH_MAX + 1];      /**< "" when not given */
	char profile[VEUICC_PCSC_PATH_MAX + 1];    /**< "" when not given */
	int test_mode;                             /**< testmode=1 (default 0) */
	char applet_dir[VEUICC_PCSC_PATH_MAX + 1]; /**< appletdir=, "" when not given */
	veuicc_quirks quirks;                      /**< quirk= items, all zero by default */

	/** fault= spec (docs/testbench.md), "" when not given */
	char fault[VEUICC_PCSC_DEVNAME_MAX + 1];
} veuicc_pcsc_devcfg;

/**
 * Parse \p devname into \p cfg (filled with defaults first).
 * \param[in]  devname  the DEVICENAME string
 * \param[out] cfg      the parsed configuration
 * \param[out] err      receives a one-line reason on failure (may be NULL)
 * \param[in]  err_len  size of \p err
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (NULL argument),
 *          VEUICC_ERR_MALFORMED (syntax, unknown key, bad value)
 */
int veuicc_pcsc_devname_parse(const char *devname, veuicc_pcsc_devcfg *cfg, char *err,
                              size_t err_len);

/**
 * Fill a card configuration from \p dc. \p out points into \p dc (EID, ATR),
 * so \p dc must outlive the veuicc_card_new() call.
 */
void veuicc_pcsc_devcfg_to_config(const veuicc_pcsc_devcfg *dc, veuicc_config *out);

#endif /* VEUICC_PCSC_DEVNAME_H */
