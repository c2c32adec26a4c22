/* SPDX-License-Identifier: Apache-2.0 */
/* `veuicc card`: a persistent card in a file, its profiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: veuicc card [--card FILE] install PROFILE.der|:default [--activate]\n"
	      "       veuicc card [--card FILE] ls [--json]\n"
	      "       veuicc card [--card FILE] activate ICCID|INDEX\n"
	      "\n"
	      "A persistent card lives in FILE (default: $VEUICC_CARD, else\n"
	      "$XDG_STATE_HOME/veuicc/card.db or ~/.local/state/veuicc/card.db); it is created\n"
	      "with the default EID on first use. `veuicc apdu --card FILE` runs scripts on it.\n"
	      "  install   decode, validate and install a SAIP profile package (all or nothing);\n"
	      "            :default is the built-in GSMA TS.48 V7 test profile\n"
	      "  ls        the EID and the installed profiles (ICCID, name, files, active)\n"
	      "  activate  make a profile the one the terminal sees\n",
	      f);
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int list(veuicc_card *card, int json)
{
	char eid[33];
	veuicc_get_eid(card, eid);
	size_t n = veuicc_card_profile_count(card);
	if (json) {
		printf("{\"eid\": \"%s\", \"profiles\": [", eid);
		for (size_t i = 0; i < n; i++) {
			veuicc_profile_info in;
			veuicc_card_profile_info(card, i, &in);
			printf("%s{\"index\": %zu, \"iccid\": \"%s\", \"name\": ", i ? ", " : "", i,
			       in.iccid);
			print_json_string(in.name);
			printf(", \"files\": %zu, \"active\": %s}", in.files,
			       in.active ? "true" : "false");
		}
		printf("]}\n");
		return VEUICC_CLI_EXIT_OK;
	}
	printf("EID %s\n", eid);
	if (!n) {
		printf("no profile installed\n");
		return VEUICC_CLI_EXIT_OK;
	}
	printf("%-5s %-20s %-7s %-6s %s\n", "INDEX", "ICCID", "STATE", "FILES", "NAME");
	for (size_t i = 0; i < n; i++) {
		veuicc_profile_info in;
		veuicc_card_profile_info(card, i, &in);
		printf("%-5zu %-20s %-7s %-6zu %s\n", i, in.iccid, in.active ? "active" : "-",
		       in.files, in.name);
	}
	return VEUICC_CLI_EXIT_OK;
}

static int activate(veuicc_card *card, const char *which)
{
	size_t n = veuicc_card_profile_count(card);
	for (size_t i = 0; i < n; i++) {
		veuicc_profile_info in;
		char idx[24];
		veuicc_card_profile_info(card, i, &in);
		snprintf(idx, sizeof(idx), "%zu", i);
		if (!strcmp(in.iccid, which) || !strcmp(idx, which)) {
			int rc = veuicc_card_activate_profile(card, i);
			if (rc) {
				fprintf(stderr, "veuicc card: cannot activate %s: %s\n", which,
				        veuicc_strerror(rc));
				return VEUICC_CLI_EXIT_MISMATCH;
			}
			printf("profile %s (%s) is active\n", in.iccid, in.name);
			return VEUICC_CLI_EXIT_OK;
		}
	}
	fprintf(stderr, "veuicc card: no installed profile has ICCID or index '%s'\n", which);
	return VEUICC_CLI_EXIT_MISMATCH;
}

int veuicc_cli_card(int argc, char **argv)
{
	const char *file = NULL, *verb = NULL, *arg = NULL;
	int json = 0, act = 0;
	for (int i = 1; i < argc; i++) {
		int m;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if ((m = veuicc_cli_opt(argc, argv, &i, "--card", &file)) != 0) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--activate")) {
			act = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "veuicc card: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return VEUICC_CLI_EXIT_USAGE;
		} else if (!verb) {
			verb = argv[i];
		} else if (!arg) {
			arg = argv[i];
		} else {
			fprintf(stderr, "veuicc card: unexpected argument '%s'\n", argv[i]);
			return VEUICC_CLI_EXIT_USAGE;
		}
	}
	int known =
	    verb && (!strcmp(verb, "ls") || !strcmp(verb, "install") || !strcmp(verb, "activate"));
	if (!known || (strcmp(verb, "ls") != 0) != (arg != NULL)) {
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	char buf[1024];
	const char *path = veuicc_cli_card_path(file, buf, sizeof(buf));
	veuicc_card *card;
	int rc = veuicc_card_open(path, NULL, &card);
	if (rc) {
		fprintf(stderr, "veuicc card: cannot open the card file %s: %s\n", path,
		        veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	int status = VEUICC_CLI_EXIT_OK;
	if (!strcmp(verb, "ls")) {
		status = list(card, json);
	} else if (!strcmp(verb, "activate")) {
		status = activate(card, arg);
	} else {
		rc = veuicc_cli_add_profile(card, arg, act);
		if (rc) {
			status = VEUICC_CLI_EXIT_MISMATCH;
		} else {
			size_t n = veuicc_card_profile_count(card);
			veuicc_profile_info in;
			veuicc_card_profile_info(card, n - 1, &in);
			printf("installed profile %zu: ICCID %s, %zu files%s (%s)\n", n - 1,
			       in.iccid, in.files, in.active ? ", active" : "", path);
		}
	}
	veuicc_card_free(card);
	return status;
}
