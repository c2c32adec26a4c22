/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_reader.c
 * \brief `veuicc reader`: configure and drive veuicc readers in pcscd.
 *
 *   veuicc reader config [options]   write a reader.conf.d entry for one card
 *   veuicc reader list               readers pcscd knows, with their cards
 *   veuicc reader status READER      presence, power, protocol, EID
 *   veuicc reader remove READER      take the card out (pcscd sees a removal)
 *   veuicc reader insert READER      put it back
 *
 * remove/insert/status send the driver's control codes (src/pcsc/ifd_veuicc.h)
 * with SCardControl() on a SCARD_SHARE_DIRECT connection, so they reach the
 * pcscd that PCSCLITE_CSOCK_NAME (or the default socket) points to.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pcsc/devname.h"
#include "pcsc/ifd_veuicc.h"

#ifdef VEUICC_HAVE_PCSCLITE
#include <reader.h>
#include <winscard.h>
#endif

#ifndef VEUICC_PCSC_DRIVER_PATH
/* Debian's pcscd: <usbdropdir>/serial (pkg-config libpcsclite). */
#define VEUICC_PCSC_DRIVER_PATH "/usr/lib/pcsc/drivers/serial/libifd-veuicc.so"
#endif

static void usage(FILE *f)
{
	fputs("usage: veuicc reader config [--name ID] [--eid EID] [--seed N] [--atr HEX]\n"
	      "                            [--trace FILE.pcap] [--absent] [--test-mode]\n"
	      "                            [--friendly NAME]\n"
	      "                            [--driver PATH] [--channel N] [-o FILE]\n"
	      "       veuicc reader list\n"
	      "       veuicc reader status|remove|insert READER\n"
	      "\n"
	      "config writes a pcscd reader.conf.d entry for one virtual card (stdout, or\n"
	      "FILE, e.g. /etc/reader.conf.d/veuicc); restart pcscd to load it. The card:\n"
	      "  --name ID        reader id in logs and trace names ([A-Za-z0-9._-])\n"
	      "  --eid EID        32-digit EID (default: the SGP.26 test EID)\n"
	      "  --seed N         deterministic card RNG (tests)\n"
	      "  --atr HEX        ATR instead of the default one (offers T=0 and T=1)\n"
	      "  --trace FILE     write every APDU to FILE (pcap, GSMTAP SIM; absolute path)\n"
	      "  --absent         start with the card out of the reader\n"
	      "  --test-mode      plain ES5/ES8 APDUs accepted (DEVICENAME testmode=1)\n"
	      "  --applet-dir DIR applet plugin directory (appletdir=, absolute path;\n"
	      "                   docs/applets.md)\n"
	      "The entry:\n"
	      "  --friendly NAME  FRIENDLYNAME (default: 'veuicc' or 'veuicc ID')\n"
	      "  --driver PATH    LIBPATH (default: " VEUICC_PCSC_DRIVER_PATH ")\n"
	      "  --channel N      CHANNELID (default 0)\n"
	      "\n"
	      "list, status, remove and insert talk to pcscd (PCSCLITE_CSOCK_NAME is\n"
	      "honoured). READER is a reader name or a part naming exactly one reader.\n",
	      f);
}

/* ---- config ------------------------------------------------------------ */

static int append(char *dst, size_t cap, const char *key, const char *value)
{
	size_t n = strlen(dst);
	/* "veuicc:" before the first key, "," before the others */
	const char *sep = strcmp(dst, VEUICC_PCSC_DEVNAME_PREFIX) == 0 ? ":" : ",";
	int w = snprintf(dst + n, cap - n, "%s%s=%s", sep, key, value);
	return (w < 0 || (size_t)w >= cap - n) ? -1 : 0;
}

static int cmd_config(int argc, char **argv)
{
	const char *name = NULL, *eid = NULL, *seed = NULL, *atr = NULL, *trace = NULL;
	const char *applet_dir = NULL;
	const char *friendly = NULL, *driver = VEUICC_PCSC_DRIVER_PATH, *channel = "0";
	const char *out = NULL;
	int absent = 0, test_mode = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if ((r = veuicc_cli_opt(argc, argv, &i, "--name", &name)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--eid", &eid)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--seed", &seed)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--atr", &atr)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--trace", &trace)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--applet-dir", &applet_dir)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--friendly", &friendly)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--driver", &driver)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--channel", &channel)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "-o", &out))) {
			if (r < 0)
				return VEUICC_CLI_EXIT_USAGE;
			continue;
		}
		if (strcmp(argv[i], "--absent") == 0) {
			absent = 1;
			continue;
		}
		if (strcmp(argv[i], "--test-mode") == 0) {
			test_mode = 1;
			continue;
		}
		fprintf(stderr, "veuicc reader config: unknown argument '%s'\n", argv[i]);
		return VEUICC_CLI_EXIT_USAGE;
	}

	/* Build the DEVICENAME, then check it with the driver's own parser. */
	char dev[VEUICC_PCSC_DEVNAME_MAX + 64] = VEUICC_PCSC_DEVNAME_PREFIX;
	const char *keys[] = {"name", "eid", "seed", "atr", "trace", "appletdir"};
	const char *vals[] = {name, eid, seed, atr, trace, applet_dir};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (vals[k] != NULL && append(dev, sizeof(dev), keys[k], vals[k]) != 0) {
			fprintf(stderr, "veuicc reader config: DEVICENAME too long\n");
			return VEUICC_CLI_EXIT_USAGE;
		}
	}
	if ((absent && append(dev, sizeof(dev), "present", "0") != 0) ||
	    (test_mode && append(dev, sizeof(dev), "testmode", "1") != 0)) {
		fprintf(stderr, "veuicc reader config: DEVICENAME too long\n");
		return VEUICC_CLI_EXIT_USAGE;
	}
	/* pcscd refuses a DEVICENAME without ':' that is not a file */
	if (strcmp(dev, VEUICC_PCSC_DEVNAME_PREFIX) == 0)
		strcat(dev, ":");
	veuicc_pcsc_devcfg dc;
	char err[160];
	if (veuicc_pcsc_devname_parse(dev, &dc, err, sizeof(err)) != VEUICC_OK) {
		fprintf(stderr, "veuicc reader config: %s\n", err);
		return VEUICC_CLI_EXIT_USAGE;
	}
	/* The card must be creatable (EID check digits, ATR syntax). */
	veuicc_config cfg;
	veuicc_card *card = NULL;
	veuicc_pcsc_devcfg_to_config(&dc, &cfg);
	int rc = veuicc_card_new(&cfg, &card);
	veuicc_card_free(card);
	if (rc != VEUICC_OK) {
		fprintf(stderr, "veuicc reader config: the card cannot be created: %s\n",
		        rc == VEUICC_ERR_INVALID_ARG ? "bad EID check digits or ATR"
		                                     : veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	uint64_t ch;
	if (veuicc_cli_parse_u64(channel, &ch) != 0) {
		fprintf(stderr, "veuicc reader config: bad --channel '%s'\n", channel);
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (strpbrk(driver, " \t\"#") != NULL ||
	    (friendly != NULL && strpbrk(friendly, "\"\n#") != NULL)) {
		fprintf(stderr, "veuicc reader config: no quotes, blanks or '#' in --driver, "
		                "no quotes or '#' in --friendly\n");
		return VEUICC_CLI_EXIT_USAGE;
	}
	char fname[80];
	if (friendly == NULL) {
		snprintf(fname, sizeof(fname), "veuicc%s%s", name ? " " : "", name ? name : "");
		friendly = fname;
	}

	FILE *f = out ? fopen(out, "w") : stdout;
	if (f == NULL) {
		perror(out);
		return VEUICC_CLI_EXIT_USAGE;
	}
	/* pcsc-lite reader.conf(5): four keys per reader; the DEVICENAME is
	 * quoted because its lexer refuses '=' and ',' outside quotes. */
	fprintf(f,
	        "# veuicc virtual eUICC reader, written by `veuicc reader config`.\n"
	        "# DEVICENAME keys: docs/pcsc.md.\n"
	        "FRIENDLYNAME \"%s\"\n"
	        "DEVICENAME   \"%s\"\n"
	        "LIBPATH      %s\n"
	        "CHANNELID    %llu\n",
	        friendly, dev, driver, (unsigned long long)ch);
	if (out != NULL && fclose(f) != 0) {
		perror(out);
		return VEUICC_CLI_EXIT_USAGE;
	}
	return VEUICC_CLI_EXIT_OK;
}

/* ---- pcscd ------------------------------------------------------------- */

#ifdef VEUICC_HAVE_PCSCLITE

static int pcsc_fail(const char *what, LONG rv)
{
	fprintf(stderr, "veuicc reader: %s: %s (0x%08lX)\n", what, pcsc_stringify_error(rv),
	        (unsigned long)rv);
	return VEUICC_CLI_EXIT_MISMATCH;
}

/* All reader names (a multi-string), or NULL with *rv set. */
static char *reader_names(SCARDCONTEXT ctx, LONG *rv)
{
	DWORD len = 0;
	*rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (*rv != SCARD_S_SUCCESS)
		return NULL;
	char *all = malloc(len);
	if (all == NULL) {
		*rv = SCARD_E_NO_MEMORY;
		return NULL;
	}
	*rv = SCardListReaders(ctx, NULL, all, &len);
	if (*rv != SCARD_S_SUCCESS) {
		free(all);
		return NULL;
	}
	return all;
}

/* The one reader named \p want, or whose name contains it. */
static int find_reader(SCARDCONTEXT ctx, const char *want, char *out, size_t cap)
{
	LONG rv;
	char *all = reader_names(ctx, &rv);
	if (all == NULL)
		return pcsc_fail("listing readers", rv);
	int matches = 0;
	for (const char *p = all; *p; p += strlen(p) + 1) {
		if (strcmp(p, want) == 0) {
			snprintf(out, cap, "%s", p);
			matches = 1;
			break;
		}
		if (strstr(p, want) != NULL) {
			snprintf(out, cap, "%s", p);
			matches++;
		}
	}
	free(all);
	if (matches != 1) {
		fprintf(stderr, "veuicc reader: '%s' matches %d readers\n", want, matches);
		return VEUICC_CLI_EXIT_USAGE;
	}
	return VEUICC_CLI_EXIT_OK;
}

/* Send one control code on a direct connection; *n in: capacity, out: length. */
static LONG control(SCARDCONTEXT ctx, const char *reader, DWORD code, uint8_t *out, DWORD *n)
{
	SCARDHANDLE h;
	DWORD proto = 0, got = 0;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_DIRECT, 0, &h, &proto);
	if (rv != SCARD_S_SUCCESS)
		return rv;
	rv = SCardControl(h, code, NULL, 0, out, n ? *n : 0, &got);
	if (n != NULL)
		*n = rv == SCARD_S_SUCCESS ? got : 0;
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return rv;
}

/* Is \p reader served by the veuicc driver? (SCARD_ATTR_VENDOR_NAME) */
static int is_veuicc(SCARDCONTEXT ctx, const char *reader)
{
	SCARDHANDLE h;
	DWORD proto = 0;
	if (SCardConnect(ctx, reader, SCARD_SHARE_DIRECT, 0, &h, &proto) != SCARD_S_SUCCESS)
		return 0;
	uint8_t v[32];
	DWORD n = sizeof(v);
	LONG rv = SCardGetAttrib(h, SCARD_ATTR_VENDOR_NAME, v, &n);
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return rv == SCARD_S_SUCCESS && n >= 6 && memcmp(v, "veuicc", 6) == 0;
}

static int print_status(SCARDCONTEXT ctx, const char *reader)
{
	uint8_t st[VEUICC_IFD_STATUS_LEN + 8];
	DWORD n = sizeof(st);
	LONG rv = control(ctx, reader, VEUICC_IFD_CTL_STATUS, st, &n);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("status (is this a veuicc reader?)", rv);
	if (n != VEUICC_IFD_STATUS_LEN) {
		fprintf(stderr, "veuicc reader: unexpected status answer (%lu bytes)\n",
		        (unsigned long)n);
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	printf("reader: %s\npresent: %s\npowered: %s\nprotocol: T=%d\neid: %.32s\n", reader,
	       st[0] ? "yes" : "no", st[1] ? "yes" : "no", st[2], (const char *)st + 3);
	/* event counters (decision MC7) */
	uint8_t c[VEUICC_IFD_COUNTERS_LEN + 8];
	n = sizeof(c);
	rv = control(ctx, reader, VEUICC_IFD_CTL_COUNTERS, c, &n);
	if (rv != SCARD_S_SUCCESS || n != VEUICC_IFD_COUNTERS_LEN) {
		fprintf(stderr, "veuicc reader: no event counters from this driver\n");
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	unsigned long v[2];
	for (int i = 0; i < 2; i++)
		v[i] = (unsigned long)c[4 * i] << 24 | (unsigned long)c[4 * i + 1] << 16 |
		       (unsigned long)c[4 * i + 2] << 8 | c[4 * i + 3];
	printf("removals: %lu\npower-ups: %lu\n", v[0], v[1]);
	return VEUICC_CLI_EXIT_OK;
}

static int cmd_list(SCARDCONTEXT ctx)
{
	LONG rv;
	char *all = reader_names(ctx, &rv);
	if (all == NULL && rv == SCARD_E_NO_READERS_AVAILABLE) {
		printf("no readers\n");
		return VEUICC_CLI_EXIT_OK;
	}
	if (all == NULL)
		return pcsc_fail("listing readers", rv);
	for (const char *p = all; *p; p += strlen(p) + 1) {
		SCARD_READERSTATE rs;
		memset(&rs, 0, sizeof(rs));
		rs.szReader = p;
		rs.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(ctx, 0, &rs, 1);
		const char *state = rv != SCARD_S_SUCCESS                     ? "unknown"
		                    : (rs.dwEventState & SCARD_STATE_PRESENT) ? "card"
		                                                              : "empty";
		printf("%s\n  state: %s\n", p, state);
		if (rv == SCARD_S_SUCCESS && (rs.dwEventState & SCARD_STATE_PRESENT)) {
			printf("  atr:   ");
			veuicc_cli_hex_rows(stdout, rs.rgbAtr, rs.cbAtr, 0, 0);
		}
		if (is_veuicc(ctx, p)) {
			uint8_t st[VEUICC_IFD_STATUS_LEN + 8];
			DWORD n = sizeof(st);
			if (control(ctx, p, VEUICC_IFD_CTL_STATUS, st, &n) == SCARD_S_SUCCESS &&
			    n == VEUICC_IFD_STATUS_LEN)
				printf("  veuicc card, EID %.32s\n", (const char *)st + 3);
		}
	}
	free(all);
	return VEUICC_CLI_EXIT_OK;
}

static int run_pcsc(int argc, char **argv)
{
	const char *sub = argv[0];
	int is_list = strcmp(sub, "list") == 0;
	if ((is_list && argc != 1) || (!is_list && argc != 2)) {
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("connecting to pcscd", rv);
	int ret;
	if (is_list) {
		ret = cmd_list(ctx);
	} else {
		char reader[MAX_READERNAME + 1];
		ret = find_reader(ctx, argv[1], reader, sizeof(reader));
		if (ret == VEUICC_CLI_EXIT_OK) {
			if (strcmp(sub, "status") == 0) {
				ret = print_status(ctx, reader);
			} else {
				DWORD code = strcmp(sub, "remove") == 0 ? VEUICC_IFD_CTL_REMOVE
				                                        : VEUICC_IFD_CTL_INSERT;
				rv = control(ctx, reader, code, NULL, NULL);
				ret =
				    rv == SCARD_S_SUCCESS ? VEUICC_CLI_EXIT_OK : pcsc_fail(sub, rv);
				if (ret == VEUICC_CLI_EXIT_OK)
					printf("%s: card %s\n", reader,
					       code == VEUICC_IFD_CTL_REMOVE ? "removed"
					                                     : "inserted");
			}
		}
	}
	SCardReleaseContext(ctx);
	return ret;
}

#else

static int run_pcsc(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "veuicc reader %s: this veuicc was built without libpcsclite\n", argv[0]);
	return VEUICC_CLI_EXIT_USAGE;
}

#endif

int veuicc_cli_reader(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? VEUICC_CLI_EXIT_USAGE : VEUICC_CLI_EXIT_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "config") == 0)
		return cmd_config(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0 || strcmp(sub, "status") == 0 || strcmp(sub, "remove") == 0 ||
	    strcmp(sub, "insert") == 0)
		return run_pcsc(argc - 1, argv + 1);
	fprintf(stderr, "veuicc reader: unknown subcommand '%s'\n", sub);
	usage(stderr);
	return VEUICC_CLI_EXIT_USAGE;
}
