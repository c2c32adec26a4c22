/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_bip.c
 * \brief `veuicc bip`: play the terminal for a card's BIP channel and
 *        bridge it to a real TCP socket (include/veuicc/bip.h), so that any
 *        HTTPS admin server (an SM-SR, `openssl s_server -psk`) can run an
 *        SCP81 session with the card. docs/scp81.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cat/bip.h"
#include "cli.h"
#include "ota.h"
#include "sm.h"
#include "veuicc/bip.h"

static void usage(FILE *f)
{
	fputs("usage: veuicc bip [options] C-APDU...\n"
	      "\n"
	      "Cold-resets the card, sends a TERMINAL PROFILE offering BIP (TCP client), the\n"
	      "events and SMS, then each C-APDU (hex; e.g. an SMS-PP ENVELOPE with a PUSH, or\n"
	      "in test mode SELECT ISD-R and a plain PUSH 80EC0101...), and then plays the\n"
	      "terminal: FETCH, OPEN CHANNEL to the address the card names, SEND/RECEIVE\n"
	      "DATA through the socket, the Data available / Channel status ENVELOPEs,\n"
	      "CLOSE CHANNEL, until the channel is closed and nothing is pending.\n"
	      "\n"
	      "options:\n"
	      "  --card FILE        a persistent card (created from --factory when missing);\n"
	      "                     default: a card in memory\n"
	      "  --factory FILE     factory configuration (default factory/default.json)\n"
	      "  --test-mode        the ISD-R accepts plain ES5 APDUs (a PUSH without SCP80)\n"
	      "  --connect IP:PORT  connect there instead of the OPEN CHANNEL's address (IPv4, or\n"
	      "                     IPv6 without brackets: ::1:4433)\n"
	      "  --idle-ms N        give up after N ms without progress (default 10000)\n"
	      "  --trace            print every C-APDU and R-APDU\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "exit status: 0 the card's admin session ended with 204 and CLOSE CHANNEL;\n"
	      "1 it did not (or no session ran); 2 usage.\n",
	      f);
}

struct ctx {
	veuicc_card *card;
	int trace;
};

static int xfer(void *arg, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	struct ctx *x = arg;
	int rc = veuicc_transmit(x->card, c, cn, r, cap, rn);
	if (x->trace && !rc) {
		fputs("  > ", stdout);
		for (size_t i = 0; i < cn; i++)
			printf("%02X", c[i]);
		fputs("\n  < ", stdout);
		for (size_t i = 0; i < *rn; i++)
			printf("%02X", r[i]);
		fputc('\n', stdout);
	}
	return rc;
}

/* Send with GET RESPONSE after 61xx; \returns the last SW or -1. */
static int send_hex(struct ctx *x, const uint8_t *c, size_t cn)
{
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t rn = 0;
	int rc = xfer(x, c, cn, r, sizeof(r), &rn);
	for (int k = 0; !rc && rn >= 2 && r[rn - 2] == 0x61 && k < 64; k++) {
		uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, r[rn - 1]};
		rc = xfer(x, gr, sizeof(gr), r, sizeof(r), &rn);
	}
	if (rc || rn < 2)
		return -1;
	return r[rn - 2] << 8 | r[rn - 1];
}

int veuicc_cli_bip(int argc, char **argv)
{
	const char *card_path = NULL, *factory = NULL, *connect = NULL, *idle_s = NULL;
	int test_mode = 0, trace = 0;
	const char *apdus[32];
	size_t napdus = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (!strcmp(argv[i], "--test-mode")) {
			test_mode = 1;
			continue;
		}
		if (!strcmp(argv[i], "--trace")) {
			trace = 1;
			continue;
		}
		int m = veuicc_cli_opt(argc, argv, &i, "--card", &card_path);
		if (!m)
			m = veuicc_cli_opt(argc, argv, &i, "--factory", &factory);
		if (!m)
			m = veuicc_cli_opt(argc, argv, &i, "--connect", &connect);
		if (!m)
			m = veuicc_cli_opt(argc, argv, &i, "--idle-ms", &idle_s);
		if (m < 0)
			return VEUICC_CLI_EXIT_USAGE;
		if (m > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "veuicc bip: unknown option '%s'\n", argv[i]);
			return VEUICC_CLI_EXIT_USAGE;
		}
		if (napdus == sizeof(apdus) / sizeof(apdus[0])) {
			fputs("veuicc bip: too many C-APDUs\n", stderr);
			return VEUICC_CLI_EXIT_USAGE;
		}
		apdus[napdus++] = argv[i];
	}
	uint64_t idle = 10000;
	if (idle_s && (veuicc_cli_parse_u64(idle_s, &idle) || idle < 10 || idle > 600000)) {
		fputs("veuicc bip: --idle-ms: 10..600000\n", stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	char host[64] = "";
	uint64_t port = 0;
	if (connect) {
		const char *colon = strrchr(connect, ':');
		if (!colon || (size_t)(colon - connect) >= sizeof(host) ||
		    veuicc_cli_parse_u64(colon + 1, &port) || port < 1 || port > 65535) {
			fputs("veuicc bip: --connect IP:PORT\n", stderr);
			return VEUICC_CLI_EXIT_USAGE;
		}
		memcpy(host, connect, (size_t)(colon - connect));
		host[colon - connect] = '\0';
	}
	char fbuf[4096];
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory =
	    factory ? factory : veuicc_sm_source_path("factory/default.json", fbuf, sizeof(fbuf));
	cfg.test_mode = test_mode;
	struct ctx x = {NULL, trace};
	int rc =
	    card_path ? veuicc_card_open(card_path, &cfg, &x.card) : veuicc_card_new(&cfg, &x.card);
	if (rc) {
		fprintf(stderr, "veuicc bip: the card: %s\n", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	veuicc_bip_term_opts o = {host[0] ? host : NULL, (uint16_t)port, 0};
	veuicc_bip_term *t = NULL;
	int ret = VEUICC_CLI_EXIT_MISMATCH;
	uint8_t c[5 + 255 + 1];
	if (veuicc_bip_term_new(&o, &t) || veuicc_reset(x.card, VEUICC_RESET_COLD, NULL, NULL))
		goto out;
	c[0] = 0x80, c[1] = 0x10, c[2] = c[3] = 0x00;
	c[4] = (uint8_t)veuicc_bip_term_profile(c + 5, sizeof(c) - 5);
	int sw = send_hex(&x, c, 5u + c[4]);
	for (size_t i = 0; i < napdus && sw >= 0; i++) {
		size_t n = 0;
		char why[96];
		if (veuicc_cli_ota_unhex(apdus[i], c, sizeof(c), &n, why, sizeof(why))) {
			fprintf(stderr, "veuicc bip: C-APDU %zu: %s\n", i + 1, why);
			ret = VEUICC_CLI_EXIT_USAGE;
			goto out;
		}
		sw = send_hex(&x, c, n);
		printf("C-APDU %zu: SW %04X\n", i + 1, sw < 0 ? 0 : sw);
	}
	if (sw < 0) {
		fputs("veuicc bip: the card did not answer\n", stderr);
		goto out;
	}
	rc = veuicc_bip_term_run(t, xfer, &x, NULL, NULL, (uint16_t)sw, (int)idle);
	veuicc_bip_term_stats ts;
	veuicc_bip_term_get_stats(t, &ts);
	veuicc_bip_stats bs;
	veuicc_bip_get_stats(x.card, &bs);
	printf("terminal: %u BIP commands, %u event ENVELOPEs, %u channel(s) opened, %u connect "
	       "failure(s), %zu bytes sent, %zu received\n",
	       ts.commands, ts.envelopes, ts.opens, ts.open_fails, ts.to_net, ts.from_net);
	printf("card: %u admin session(s), %u attempt(s), %u failure(s), %u POST(s), %u "
	       "script(s); last session %s",
	       bs.sessions, bs.attempts, bs.failures, bs.posts, bs.scripts,
	       bs.sessions ? (bs.last_ok ? "ended with 204" : "failed") : "none");
	if (bs.failures)
		printf(" (last error %d = -0x%04X)", bs.last_error, (unsigned)-bs.last_error);
	putchar('\n');
	if (rc)
		fprintf(stderr, "veuicc bip: %s\n",
		        rc == VEUICC_ERR_STATE ? "no progress (--idle-ms)" : veuicc_strerror(rc));
	ret = !rc && bs.sessions && bs.last_ok ? VEUICC_CLI_EXIT_OK : VEUICC_CLI_EXIT_MISMATCH;
out:
	veuicc_bip_term_free(t);
	veuicc_card_free(x.card);
	return ret;
}
