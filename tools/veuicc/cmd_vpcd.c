/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_vpcd.c
 * \brief `veuicc vpcd`: plug a card into vsmartcard's vpcd reader driver.
 *
 * vpcd (Debian package vsmartcard-vpcd) is a pcscd driver that listens on a
 * TCP port and forwards to whichever "virtual ICC" connects. Its socket
 * protocol: every message is a 2-byte big-endian length and the payload. A
 * 1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 ATR
 * request) and only the ATR request is answered (with the ATR); a longer
 * payload is a C-APDU, answered with the R-APDU in the same framing.
 *
 * The card lives as long as the connection; when vpcd closes it, the command
 * ends with status 0.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pcsc/trace.h"

/* vsmartcard vpcd.h: default port (0x8C7B) and control codes. */
#define VPCD_DEFAULT_PORT "35963"
#define VPCD_CTRL_OFF     0x00
#define VPCD_CTRL_ON      0x01
#define VPCD_CTRL_RESET   0x02
#define VPCD_CTRL_ATR     0x04
/* The length prefix is 16 bits: no message may be longer. */
#define VPCD_MSG_MAX 0xFFFF
/* ISO 7816-4 §5.6: no precise diagnosis, sent when a response cannot be framed. */
#define SW_NO_DIAGNOSIS_HI 0x6F
#define SW_NO_DIAGNOSIS_LO 0x00

static void usage(FILE *f)
{
	fputs("usage: veuicc vpcd [--host H] [--port P] [--eid EID] [--seed N] [--atr HEX]\n"
	      "                   [--factory FILE] [--card FILE] [--test-mode]\n"
	      "                   [--protocol T=0|T=1] [--trace FILE.pcap] [--wait SECONDS] [-v]\n"
	      "\n"
	      "Connect a fresh card to vsmartcard's vpcd driver running in pcscd, and serve\n"
	      "it until vpcd closes the connection.\n"
	      "  --host H        vpcd host (default localhost)\n"
	      "  --port P        vpcd port (default " VPCD_DEFAULT_PORT ", vpcd's first reader)\n"
	      "  --eid EID       the card's EID (default: the SGP.26 test EID)\n"
	      "  --seed N        deterministic card RNG (tests)\n"
	      "  --atr HEX       ATR instead of the default one\n"
	      "  --factory FILE  personalise the card from this factory configuration\n"
	      "                  (docs/factory.md: EID, ISD-R keys, ECASD, profiles)\n"
	      "  --card FILE     serve the card file FILE (every change is saved; created\n"
	      "                  from --factory when it does not exist)\n"
	      "  --test-mode     accept plain ES5/ES8 APDUs (docs/scp03.md, Policy)\n"
	      "  --protocol P    protocol the card uses after each reset (default T=1).\n"
	      "                  vpcd does not pass the PTS on to the card; in T=1 the card\n"
	      "                  serves T=1 clients and T=0-style commands (61xx) alike\n"
	      "  --trace FILE    write every APDU to FILE (pcap, GSMTAP SIM)\n"
	      "  --wait SECONDS  keep trying to connect this long (default 10)\n"
	      "  -v              print every exchange on stderr\n",
	      f);
}

static int hex_to_bytes(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);
	if (len % 2 != 0 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

/* Connect to host:port, retrying for \p wait_s seconds. \returns fd or -1. */
static int connect_vpcd(const char *host, const char *port, double wait_s)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(host, port, &hints, &res);
		if (rc != 0) {
			fprintf(stderr, "veuicc vpcd: %s:%s: %s\n", host, port, gai_strerror(rc));
			return -1;
		}
		for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
			int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
			if (fd < 0)
				continue;
			if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
				freeaddrinfo(res);
				return fd;
			}
			close(fd);
		}
		freeaddrinfo(res);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - start.tv_sec) +
		            (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (el >= wait_s) {
			fprintf(stderr, "veuicc vpcd: cannot connect to %s:%s: %s\n", host, port,
			        strerror(errno));
			return -1;
		}
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
}

/* The peer closed the connection (orderly or by a reset). */
static int peer_gone(void)
{
	return errno == ECONNRESET || errno == EPIPE;
}

/* Read exactly n bytes. \returns 1, 0 when the peer closed the connection,
 * -1 on another error (errno set). */
static int read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return peer_gone() ? 0 : -1;
		}
		got += (size_t)r;
	}
	return 1;
}

static int write_msg(int fd, const uint8_t *p, size_t n)
{
	uint8_t hdr[2] = {(uint8_t)(n >> 8), (uint8_t)n};
	const uint8_t *parts[2] = {hdr, p};
	size_t lens[2] = {2, n};
	for (int k = 0; k < 2; k++) {
		size_t done = 0;
		while (done < lens[k]) {
			ssize_t w = send(fd, parts[k] + done, lens[k] - done, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			done += (size_t)w;
		}
	}
	return 0;
}

struct vpcd_session {
	veuicc_card *card;
	veuicc_protocol proto;
	veuicc_pcsc_trace *trace;
	int verbose;
	uint8_t *rbuf; /* VPCD_MSG_MAX bytes */
};

static int reset_card(struct vpcd_session *s, veuicc_reset_kind kind)
{
	if (kind == VEUICC_RESET_WARM && !veuicc_is_powered(s->card))
		kind = VEUICC_RESET_COLD;
	int rc = veuicc_reset(s->card, kind, NULL, NULL);
	if (rc == VEUICC_OK && veuicc_get_protocol(s->card) != s->proto)
		rc = veuicc_set_protocol(s->card, s->proto);
	if (rc != VEUICC_OK)
		fprintf(stderr, "veuicc vpcd: reset: %s\n", veuicc_strerror(rc));
	if (s->verbose)
		fprintf(stderr, "veuicc vpcd: %s reset\n",
		        kind == VEUICC_RESET_WARM ? "warm" : "cold");
	return rc;
}

/* One control message (1 byte). \returns 0, or -1 if the connection failed. */
static int on_control(int fd, struct vpcd_session *s, uint8_t code)
{
	switch (code) {
	case VPCD_CTRL_OFF:
		veuicc_power_off(s->card);
		if (s->verbose)
			fprintf(stderr, "veuicc vpcd: power off\n");
		return 0;
	case VPCD_CTRL_ON: reset_card(s, VEUICC_RESET_COLD); return 0;
	case VPCD_CTRL_RESET: reset_card(s, VEUICC_RESET_WARM); return 0;
	case VPCD_CTRL_ATR: {
		/* vpcd also asks for the ATR to learn whether a card is there. */
		uint8_t atr[VEUICC_ATR_MAX];
		size_t n = 0;
		veuicc_get_atr(s->card, atr, &n);
		return write_msg(fd, atr, n);
	}
	default:
		fprintf(stderr, "veuicc vpcd: unknown control code 0x%02X ignored\n", code);
		return 0;
	}
}

static int on_apdu(int fd, struct vpcd_session *s, const uint8_t *c, size_t cn)
{
	if (!veuicc_is_powered(s->card)) {
		/* vpcd powers the card on before any APDU; be lenient if it did not. */
		fprintf(stderr, "veuicc vpcd: APDU to an unpowered card: cold reset first\n");
		reset_card(s, VEUICC_RESET_COLD);
	}
	size_t rn = 0;
	int rc = veuicc_transmit(s->card, c, cn, s->rbuf, VPCD_MSG_MAX, &rn);
	if (rc != VEUICC_OK) {
		fprintf(stderr, "veuicc vpcd: transmit: %s\n", veuicc_strerror(rc));
		s->rbuf[0] = SW_NO_DIAGNOSIS_HI;
		s->rbuf[1] = SW_NO_DIAGNOSIS_LO;
		rn = 2;
	}
	if (s->trace != NULL && veuicc_pcsc_trace_apdu(s->trace, c, cn, s->rbuf, rn) != VEUICC_OK)
		fprintf(stderr, "veuicc vpcd: writing the trace failed\n");
	if (s->verbose)
		veuicc_cli_trace_exchange(stderr, "vpcd", c, cn, s->rbuf, rn);
	return write_msg(fd, s->rbuf, rn);
}

static int serve(int fd, struct vpcd_session *s)
{
	uint8_t *msg = malloc(VPCD_MSG_MAX);
	if (msg == NULL)
		return VEUICC_CLI_EXIT_MISMATCH;
	int ret = VEUICC_CLI_EXIT_OK;
	for (;;) {
		uint8_t hdr[2] = {0, 0};
		/* pcscd (vpcd) going away ends the session normally, even in the
		 * middle of an exchange: it polls with ATR requests all the time. */
		int r = read_full(fd, hdr, 2);
		size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
		if (r == 1 && n > 0)
			r = read_full(fd, msg, n);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "veuicc vpcd: receiving failed: %s\n", strerror(errno));
			ret = VEUICC_CLI_EXIT_MISMATCH;
			break;
		}
		int w;
		if (n == 0) /* an empty answer: vpcd reports a failed transmission */
			w = write_msg(fd, NULL, 0);
		else if (n == 1)
			w = on_control(fd, s, msg[0]);
		else
			w = on_apdu(fd, s, msg, n);
		if (w != 0 && peer_gone())
			break;
		if (w != 0) {
			fprintf(stderr, "veuicc vpcd: sending failed: %s\n", strerror(errno));
			ret = VEUICC_CLI_EXIT_MISMATCH;
			break;
		}
	}
	free(msg);
	return ret;
}

int veuicc_cli_vpcd(int argc, char **argv)
{
	const char *host = "localhost", *port = VPCD_DEFAULT_PORT, *eid = NULL, *seed = NULL;
	const char *atr = NULL, *proto = "T=1", *trace = NULL, *wait = "10";
	const char *factory = NULL, *card_path = NULL;
	int verbose = 0, test_mode = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (strcmp(argv[i], "--test-mode") == 0) {
			test_mode = 1;
			continue;
		}
		if ((r = veuicc_cli_opt(argc, argv, &i, "--host", &host)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--port", &port)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--eid", &eid)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--seed", &seed)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--atr", &atr)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--factory", &factory)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--card", &card_path)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--protocol", &proto)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--trace", &trace)) ||
		    (r = veuicc_cli_opt(argc, argv, &i, "--wait", &wait))) {
			if (r < 0)
				return VEUICC_CLI_EXIT_USAGE;
			continue;
		}
		fprintf(stderr, "veuicc vpcd: unknown argument '%s'\n", argv[i]);
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}

	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.eid = eid;
	cfg.factory = factory;
	cfg.test_mode = test_mode;
	uint8_t atr_buf[VEUICC_ATR_MAX];
	uint64_t seed_v = 0, wait_v = 0;
	if (atr != NULL) {
		if (hex_to_bytes(atr, atr_buf, sizeof(atr_buf), &cfg.atr_len) != 0) {
			fprintf(stderr, "veuicc vpcd: bad --atr\n");
			return VEUICC_CLI_EXIT_USAGE;
		}
		cfg.atr = atr_buf;
	}
	if (seed != NULL) {
		if (veuicc_cli_parse_u64(seed, &seed_v) != 0) {
			fprintf(stderr, "veuicc vpcd: bad --seed\n");
			return VEUICC_CLI_EXIT_USAGE;
		}
		cfg.rng_deterministic = 1;
		cfg.rng_seed = seed_v;
	}
	struct vpcd_session s = {.verbose = verbose};
	if (veuicc_cli_parse_protocol(proto, &s.proto) != 0 ||
	    veuicc_cli_parse_u64(wait, &wait_v) != 0) {
		fprintf(stderr, "veuicc vpcd: bad --protocol or --wait\n");
		return VEUICC_CLI_EXIT_USAGE;
	}
	int rc =
	    card_path ? veuicc_card_open(card_path, &cfg, &s.card) : veuicc_card_new(&cfg, &s.card);
	if (rc != VEUICC_OK) {
		fprintf(stderr, "veuicc vpcd: cannot create the card: %s\n", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	int ret = VEUICC_CLI_EXIT_USAGE;
	s.rbuf = malloc(VPCD_MSG_MAX);
	if (s.rbuf == NULL)
		goto out;
	if (trace != NULL && veuicc_pcsc_trace_open(trace, &s.trace) != VEUICC_OK) {
		fprintf(stderr, "veuicc vpcd: cannot write %s\n", trace);
		goto out;
	}
	int fd = connect_vpcd(host, port, (double)wait_v);
	if (fd < 0) {
		ret = VEUICC_CLI_EXIT_MISMATCH;
		goto out;
	}
	char eid_s[33] = "";
	veuicc_get_eid(s.card, eid_s);
	fprintf(stderr, "veuicc vpcd: card %s connected to %s:%s\n", eid_s, host, port);
	ret = serve(fd, &s);
	close(fd);
	fprintf(stderr, "veuicc vpcd: connection closed\n");
out:
	veuicc_pcsc_trace_close(s.trace);
	free(s.rbuf);
	veuicc_card_free(s.card);
	return ret;
}
