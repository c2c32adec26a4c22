/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_apdu.c
 * \brief `veuicc apdu FILE`: run an APDU script (docs/apdu-script.md)
 *        against a fresh card and report the first unexpected response.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "apdu/script.h"

static void usage(FILE *f)
{
	fputs("usage: veuicc apdu [options] FILE\n"
	      "\n"
	      "Run an APDU script against a fresh virtual eUICC (FILE '-' reads standard\n"
	      "input). Each line holds one C-APDU in hex, optionally followed by ': ' and\n"
	      "the expected R-APDU ('xx' any byte, '*' any bytes, '|' alternatives);\n"
	      "see docs/apdu-script.md.\n"
	      "\n"
	      "options:\n"
	      "  --trace              print every exchange, decoded\n"
	      "  --profile FILE       install and activate this SAIP profile package first\n"
	      "                       (:default = the built-in GSMA TS.48 V7 test profile)\n"
	      "  --card FILE          run on the persistent card in FILE (see `veuicc card`)\n"
	      "  --protocol T=0|T=1   protocol chosen after every reset (default T=0)\n"
	      "  --eid EID            the card's EID, 32 digits (overrides .eid)\n"
	      "  --seed N|random      seed of the card's random generator (overrides .seed;\n"
	      "                       default 0, so that every run is the same)\n"
	      "  --applet-dir DIR     load applet plugin packages from DIR (docs/applets.md)\n"
	      "  --test-mode          the ISD-R and ISD-Ps also take plain ES5/ES8 commands\n"
	      "                       (no SCP80/SCP03 protection; see docs/scp03.md)\n"
	      "  --quirk NAME[=VALUE] a card quirk (repeatable; docs/quirks.md), e.g.\n"
	      "                       atr-ta1=95, atr-protocols=t0, fcp-no-pin-status, refresh=04\n"
	      "  --clock UTC|now      give the card a clock: seconds since 1970-01-01 UTC, or\n"
	      "                       the host's time; certificate dates are then checked\n"
	      "                       (default: no clock, see docs/keyest.md)\n"
	      "  --fault SPEC         arm test bench faults (';'-separated; repeatable):\n"
	      "                       cut:N, sw:SW:HEXPREFIX[:N], latency:MS, drop:N,\n"
	      "                       ota:N[:OFF]; see docs/testbench.md\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "exit status: 0 every response as expected, 1 a response differed or the\n"
	      "card failed, 2 bad usage, unreadable file or script syntax error.\n",
	      f);
}

/* The state of one run. */
struct run {
	const char *file;
	const veuicc_script *s;
	int *bind;
	veuicc_card *card;
	veuicc_cli_term term;
	veuicc_protocol proto; /* chosen after every reset */
	int auto_gr;           /* .get-response auto */
	uint8_t atr[VEUICC_ATR_MAX];
	size_t atr_len;
	uint8_t *cmd;
	uint8_t *resp;
	unsigned commands;
};

#define PER_ROW 16
#define LABEL_W 12 /* width of "  expected: " */

/* Print a canonical pattern, wrapped every PER_ROW units. */
static void print_pattern(FILE *f, const char *text)
{
	size_t units = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (units && units % PER_ROW == 0 && !(n == 1 && *p == '|'))
			fprintf(f, "\n%*s", LABEL_W, "");
		else if (units)
			fputc(' ', f);
		fwrite(p, 1, n, f);
		units++;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "got:" rows with a marker under byte \p diff (== n: after the last byte). */
static void print_got(FILE *f, const uint8_t *b, size_t n, size_t diff)
{
	size_t rows = n ? (n + PER_ROW - 1) / PER_ROW : 1;
	size_t mark_row = 0, mark_col = 0;
	if (diff < n) {
		mark_row = diff / PER_ROW;
		mark_col = 3 * (diff % PER_ROW);
	} else if (n) {
		mark_row = (n - 1) / PER_ROW;
		mark_col = 3 * ((n - 1) % PER_ROW) + 3;
	}

	fprintf(f, "%-*s", LABEL_W, "  got:");
	for (size_t row = 0; row < rows; row++) {
		if (row)
			fprintf(f, "%*s", LABEL_W, "");
		for (size_t i = row * PER_ROW; i < n && i < (row + 1) * PER_ROW; i++)
			fprintf(f, "%s%02X", i % PER_ROW ? " " : "", b[i]);
		if (n == 0)
			fputs("(nothing)", f);
		fputc('\n', f);
		if (row != mark_row)
			continue;
		fprintf(f, "%*s^^ ", LABEL_W + (int)mark_col, "");
		if (diff < n)
			fprintf(f, "first difference at byte %zu\n", diff);
		else
			fprintf(f, "it ends here after %zu bytes; more bytes expected\n", n);
	}
}

static void print_mismatch(struct run *rn, const veuicc_script_step *st, const char *what,
                           const uint8_t *cmd, size_t cmd_len, const uint8_t *got, size_t got_len,
                           size_t diff)
{
	FILE *f = stderr;
	size_t need =
	    veuicc_script_format_pattern(rn->s, st->alt_first, st->alt_count, rn->bind, NULL, 0);
	char *pat = malloc(need + 1);

	fprintf(f, "%s:%u: error: %s differs from the expected one (protocol T=%d)\n", rn->file,
	        st->line, what, rn->proto == VEUICC_PROTO_T1 ? 1 : 0);
	if (cmd) {
		char desc[256];
		veuicc_cli_describe_capdu(cmd, cmd_len, desc, sizeof(desc));
		fprintf(f, "%-*s", LABEL_W, "  command:");
		veuicc_cli_hex_rows(f, cmd, cmd_len, PER_ROW, LABEL_W);
		fprintf(f, "%*s%s\n", LABEL_W, "", desc);
	}
	fprintf(f, "%-*s", LABEL_W, "  expected:");
	if (pat) {
		veuicc_script_format_pattern(rn->s, st->alt_first, st->alt_count, rn->bind, pat,
		                             need + 1);
		print_pattern(f, pat);
		free(pat);
	} else {
		fputs("(out of memory)\n", f);
	}
	print_got(f, got, got_len, diff);
	if (cmd) {
		fprintf(f, "%*s", LABEL_W, "");
		veuicc_cli_print_sw(f, got, got_len);
	}
}

static int do_reset(struct run *rn, veuicc_reset_kind kind, unsigned line)
{
	int rc = veuicc_reset(rn->card, kind, rn->atr, &rn->atr_len);
	if (rc) {
		fprintf(stderr, "%s:%u: error: %s reset failed: %s\n", rn->file, line,
		        kind == VEUICC_RESET_WARM ? "warm" : "cold", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	if (rn->proto != VEUICC_PROTO_T0) { /* as a reader does PPS after each ATR */
		rc = veuicc_set_protocol(rn->card, rn->proto);
		if (rc) {
			fprintf(stderr, "%s:%u: error: the card refused T=1 after reset: %s\n",
			        rn->file, line, veuicc_strerror(rc));
			return VEUICC_CLI_EXIT_MISMATCH;
		}
	}
	if (rn->term.trace) {
		if (line)
			fprintf(rn->term.trace, "%s:%u  %s reset", rn->file, line,
			        kind == VEUICC_RESET_WARM ? "warm" : "cold");
		else
			fprintf(rn->term.trace, "%s  power on (cold reset)", rn->file);
		fprintf(rn->term.trace, ", then T=%d\n",
		        veuicc_get_protocol(rn->card) == VEUICC_PROTO_T1 ? 1 : 0);
		veuicc_cli_print_atr(rn->term.trace, 2, rn->atr, rn->atr_len);
	}
	return VEUICC_CLI_EXIT_OK;
}

static int run_apdu(struct run *rn, const veuicc_script_step *st)
{
	size_t cn = 0, n = 0, unbound = 0, diff = 0;
	char label[512];
	int rc =
	    veuicc_script_build_cmd(rn->s, st, rn->bind, rn->cmd, VEUICC_CAPDU_MAX, &cn, &unbound);
	if (rc == VEUICC_ERR_STATE) {
		fprintf(stderr,
		        "%s:%u: error: variable $%s has no value (the pattern meant to capture it "
		        "matched through an alternative without it)\n",
		        rn->file, st->line, rn->s->vars[unbound]);
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	if (rc) {
		fprintf(stderr, "%s:%u: error: %s\n", rn->file, st->line, veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	snprintf(label, sizeof(label), "%s:%u", rn->file, st->line);
	rn->commands++;
	if (rn->auto_gr)
		rc = veuicc_cli_xfer_auto(&rn->term, label, rn->cmd, cn, rn->resp, VEUICC_RAPDU_MAX,
		                          &n);
	else
		rc = veuicc_cli_xfer(&rn->term, label, rn->cmd, cn, rn->resp, VEUICC_RAPDU_MAX, &n);
	if (rc) {
		fprintf(stderr, "%s:%u: error: veuicc_transmit failed: %s\n", rn->file, st->line,
		        veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	if (!veuicc_script_match(rn->s, st->alt_first, st->alt_count, rn->bind, rn->resp, n,
	                         &diff)) {
		print_mismatch(rn, st, "the response", rn->cmd, cn, rn->resp, n, diff);
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	return VEUICC_CLI_EXIT_OK;
}

static int run_step(struct run *rn, const veuicc_script_step *st)
{
	size_t diff = 0;
	int rc;

	switch (st->op) {
	case VEUICC_SCRIPT_OP_APDU: return run_apdu(rn, st);
	case VEUICC_SCRIPT_OP_RESET: return do_reset(rn, (veuicc_reset_kind)st->arg, st->line);
	case VEUICC_SCRIPT_OP_PROTOCOL:
		rn->proto = (veuicc_protocol)st->arg;
		rc = veuicc_set_protocol(rn->card, rn->proto);
		if (rc) {
			fprintf(stderr, "%s:%u: error: the card refused T=%d: %s\n", rn->file,
			        st->line, st->arg, veuicc_strerror(rc));
			return VEUICC_CLI_EXIT_MISMATCH;
		}
		if (rn->term.trace)
			fprintf(rn->term.trace, "%s:%u  protocol T=%d\n", rn->file, st->line,
			        st->arg);
		return VEUICC_CLI_EXIT_OK;
	case VEUICC_SCRIPT_OP_GET_RESPONSE: rn->auto_gr = st->arg; return VEUICC_CLI_EXIT_OK;
	case VEUICC_SCRIPT_OP_EXPECT_ATR:
		if (!veuicc_script_match(rn->s, st->alt_first, st->alt_count, rn->bind, rn->atr,
		                         rn->atr_len, &diff)) {
			print_mismatch(rn, st, "the ATR", NULL, 0, rn->atr, rn->atr_len, diff);
			return VEUICC_CLI_EXIT_MISMATCH;
		}
		return VEUICC_CLI_EXIT_OK;
	}
	return VEUICC_CLI_EXIT_MISMATCH;
}

static int run_script(const char *file, const veuicc_script *s, veuicc_config *cfg, int trace,
                      veuicc_protocol proto, const char *profile, const char *card_file,
                      char **faults, int n_faults)
{
	struct run rn = {.file = file, .s = s, .proto = proto};
	int status = VEUICC_CLI_EXIT_MISMATCH;
	int rc =
	    card_file ? veuicc_card_open(card_file, cfg, &rn.card) : veuicc_card_new(cfg, &rn.card);
	if (rc) {
		fprintf(stderr, "veuicc apdu: cannot create the card%s%s: %s\n",
		        card_file ? " from " : "", card_file ? card_file : "", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (profile && veuicc_cli_add_profile(rn.card, profile, 1)) {
		veuicc_card_free(rn.card);
		return VEUICC_CLI_EXIT_USAGE;
	}
	for (int i = 0; i < n_faults; i++) {
		rc = veuicc_card_fault(rn.card, faults[i]);
		if (rc) {
			fprintf(stderr, "veuicc apdu: --fault %s: %s\n", faults[i],
			        veuicc_strerror(rc));
			veuicc_card_free(rn.card);
			return VEUICC_CLI_EXIT_USAGE;
		}
	}
	rn.bind = calloc(s->n_vars ? s->n_vars : 1, sizeof(int));
	rn.cmd = malloc(VEUICC_CAPDU_MAX);
	rn.resp = malloc(VEUICC_RAPDU_MAX);
	if (!rn.bind || !rn.cmd || !rn.resp ||
	    veuicc_cli_term_init(&rn.term, rn.card, trace ? stdout : NULL)) {
		fprintf(stderr, "veuicc apdu: out of memory\n");
		goto out;
	}
	veuicc_script_unbind_all(s, rn.bind);

	/* every script starts on a freshly powered card */
	status = do_reset(&rn, VEUICC_RESET_COLD, 0);
	for (size_t i = 0; status == VEUICC_CLI_EXIT_OK && i < s->n_steps; i++)
		status = run_step(&rn, &s->steps[i]);
	if (status == VEUICC_CLI_EXIT_OK) {
		printf("%u exchange%s", rn.commands, rn.commands == 1 ? "" : "s");
		if (rn.term.automatic)
			printf(" (and %u GET RESPONSE or repeated command%s sent automatically)",
			       rn.term.automatic, rn.term.automatic == 1 ? "" : "s");
		printf(", all as expected\n");
	}
out:
	veuicc_cli_term_free(&rn.term);
	free(rn.bind);
	free(rn.cmd);
	free(rn.resp);
	veuicc_card_free(rn.card);
	return status;
}

int veuicc_cli_apdu(int argc, char **argv)
{
	const char *file = NULL, *eid = NULL, *seed = NULL, *proto_s = NULL;
	const char *profile = NULL, *card_file = NULL, *clock_s = NULL, *applet_dir = NULL;
	int trace = 0, test_mode = 0, n_faults = 0;
	char *faults[16];
	veuicc_quirks quirks = {0};
	const char *quirk = NULL;

	for (int i = 1; i < argc; i++) {
		int m;
		const char *fault = NULL;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if ((m = veuicc_cli_opt(argc, argv, &i, "--trace", NULL)) != 0)
			trace = 1;
		else if ((m = veuicc_cli_opt(argc, argv, &i, "--test-mode", NULL)) != 0)
			test_mode = 1;
		else if ((m = veuicc_cli_opt(argc, argv, &i, "--quirk", &quirk)) != 0) {
			char why[200];
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
			if (veuicc_quirks_parse(quirk, &quirks, why, sizeof(why))) {
				fprintf(stderr, "veuicc apdu: --quirk: %s\n", why);
				return VEUICC_CLI_EXIT_USAGE;
			}
		} else if ((m = veuicc_cli_opt(argc, argv, &i, "--fault", &fault)) != 0) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
			if (n_faults == (int)(sizeof(faults) / sizeof(faults[0]))) {
				fprintf(stderr, "veuicc apdu: too many --fault options\n");
				return VEUICC_CLI_EXIT_USAGE;
			}
			faults[n_faults++] = (char *)fault;
		} else if ((m = veuicc_cli_opt(argc, argv, &i, "--protocol", &proto_s)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--eid", &eid)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--applet-dir", &applet_dir)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--seed", &seed)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--profile", &profile)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--card", &card_file)) != 0 ||
		           (m = veuicc_cli_opt(argc, argv, &i, "--clock", &clock_s)) != 0) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "veuicc apdu: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return VEUICC_CLI_EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, "veuicc apdu: one script at a time ('%s' and '%s')\n", file,
			        argv[i]);
			return VEUICC_CLI_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		fprintf(stderr, "veuicc apdu: no script given\n");
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	veuicc_protocol proto = VEUICC_PROTO_T0;
	if (proto_s && veuicc_cli_parse_protocol(proto_s, &proto)) {
		fprintf(stderr, "veuicc apdu: --protocol takes T=0 or T=1, not '%s'\n", proto_s);
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (eid && veuicc_eid_check(eid) != VEUICC_OK) {
		fprintf(stderr,
		        "veuicc apdu: '%s' is not a valid EID (32 digits whose value mod 97 is "
		        "1)\n",
		        eid);
		return VEUICC_CLI_EXIT_USAGE;
	}
	uint64_t seed_v = 0;
	int seed_random = seed && strcmp(seed, "random") == 0;
	if (seed && !seed_random && veuicc_cli_parse_u64(seed, &seed_v)) {
		fprintf(stderr, "veuicc apdu: --seed takes a number or 'random', not '%s'\n", seed);
		return VEUICC_CLI_EXIT_USAGE;
	}
	uint64_t clock_v = 0;
	if (clock_s && strcmp(clock_s, "now") != 0 &&
	    (veuicc_cli_parse_u64(clock_s, &clock_v) || clock_v == 0 || clock_v > INT64_MAX)) {
		fprintf(stderr,
		        "veuicc apdu: --clock takes seconds since 1970 (UTC) or 'now', not '%s'\n",
		        clock_s);
		return VEUICC_CLI_EXIT_USAGE;
	}

	char *text = NULL;
	size_t len = 0;
	int rc = veuicc_cli_read_file(file, &text, &len);
	if (rc) {
		fprintf(stderr, "veuicc apdu: cannot read %s: %s\n", file, veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	const char *name = strcmp(file, "-") == 0 ? "<stdin>" : file;
	veuicc_script s;
	veuicc_script_error err;
	rc = veuicc_script_parse(text, len, &s, &err);
	free(text);
	if (rc) {
		if (rc == VEUICC_ERR_MALFORMED)
			fprintf(stderr, "%s:%u:%u: error: %s\n", name, err.line, err.col, err.msg);
		else
			fprintf(stderr, "veuicc apdu: %s: %s\n", name, veuicc_strerror(rc));
		veuicc_script_free(&s);
		return VEUICC_CLI_EXIT_USAGE;
	}

	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.eid = eid ? eid : s.has_eid ? s.eid : NULL;
	cfg.rng_deterministic = !seed_random;
	cfg.rng_seed = seed ? seed_v : s.has_seed ? s.seed : 0;
	cfg.test_mode = test_mode;
	cfg.quirks = quirks;
	cfg.applet_dir = applet_dir;
	if (clock_s)
		cfg.clock_utc = clock_v ? (int64_t)clock_v : VEUICC_CLOCK_HOST;
	int status = run_script(name, &s, &cfg, trace, proto, profile, card_file, faults, n_faults);
	veuicc_script_free(&s);
	return status;
}
