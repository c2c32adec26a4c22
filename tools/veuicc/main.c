/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file main.c
 * \brief `veuicc`: command-line front end of libveuicc.
 *
 * Global options, then a subcommand from the table below. To add a
 * subcommand: implement `int veuicc_cli_<name>(int argc, char **argv)` in
 * tools/veuicc/cmd_<name>.c (argv[0] is the subcommand name, it must answer
 * -h/--help), declare it in cli.h and add one line to the table.
 */
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"apdu", veuicc_cli_apdu, "run an APDU script against a fresh card, check the responses"},
    {"demo", veuicc_cli_demo, "an SCP80 OTA session on a factory card, then a modem"},
    {"card", veuicc_cli_card, "install and list profiles on a persistent card (a file)"},
    {"reader", veuicc_cli_reader, "configure veuicc readers for pcscd, remove/insert their cards"},
    {"vpcd", veuicc_cli_vpcd, "serve a card to vsmartcard's vpcd reader driver over TCP"},
    {"saip", veuicc_cli_saip, "dump, check, build or personalize a SAIP profile package"},
    {"sm", veuicc_cli_sm, "off-card SM-SR and SM-DP: ES5, ES8 key establishment, SCP03t download"},
    {"bip", veuicc_cli_bip, "play the terminal for a card's BIP channel, bridged to TCP (SCP81)"},
    {"ota", veuicc_cli_ota, "SM-SR side of SCP80 over SMS: build, send and decode OTA packets"},
    /* veuicc-commands: add new subcommands above this line, one line each */
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: veuicc [--help] [--version] COMMAND [ARGS...]\n"
	      "\n"
	      "A virtual M2M eUICC (GSMA SGP.02) in a process.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "options:\n"
	      "  -h, --help     show this help ('veuicc COMMAND --help' for a command)\n"
	      "  -V, --version  print the version\n"
	      "\n"
	      "exit status: 0 success, 1 the card answered unexpectedly, 2 usage or input error\n",
	      f);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("veuicc %s\n", VEUICC_VERSION_STRING);
			return VEUICC_CLI_EXIT_OK;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		fprintf(stderr, "veuicc: unknown option '%s'\nTry 'veuicc --help'.\n", a);
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (i >= argc) {
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	/* "veuicc help [COMMAND]" */
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		const struct command *c = find(argv[i + 1]);
		if (!c) {
			fprintf(stderr, "veuicc: unknown command '%s'\nTry 'veuicc --help'.\n",
			        argv[i + 1]);
			return VEUICC_CLI_EXIT_USAGE;
		}
		char help[] = "--help";
		char *sub[] = {argv[i + 1], help, NULL};
		return c->run(2, sub);
	}
	const struct command *c = find(argv[i]);
	if (!c) {
		fprintf(stderr, "veuicc: unknown command '%s'\nTry 'veuicc --help'.\n", argv[i]);
		return VEUICC_CLI_EXIT_USAGE;
	}
	return c->run(argc - i, argv + i);
}
