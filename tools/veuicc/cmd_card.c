/* SPDX-License-Identifier: Apache-2.0 */
/* `veuicc card`: a persistent card in a file, its profiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: veuicc card [--card FILE] install PROFILE.der|:default [--activate]\n"
	      "       veuicc card [--card FILE] ls [--json]\n"
	      "       veuicc card [--card FILE] activate ICCID|INDEX\n"
	      "       veuicc card [--card FILE] create --factory CONFIG.json\n"
	      "       veuicc card [--card FILE] status [--json]\n"
	      "       veuicc card [--card FILE] event "
	      "attach-failed|emergency-on|emergency-off|test-on|test-off\n"
	      "       veuicc card [--card FILE] snapshot OUT\n"
	      "       veuicc card [--card FILE] restore SNAPSHOT\n"
	      "  --fault SPEC  arm test bench faults before the verb runs (docs/testbench.md)\n"
	      "\n"
	      "A persistent card lives in FILE (default: $VEUICC_CARD, else\n"
	      "$XDG_STATE_HOME/veuicc/card.db or ~/.local/state/veuicc/card.db); it is created\n"
	      "with the default EID on first use. `veuicc apdu --card FILE` runs scripts on it.\n"
	      "  install   decode, validate and install a SAIP profile package (all or nothing);\n"
	      "            :default is the built-in GSMA TS.48 V7 test profile\n"
	      "  ls        the EID and the installed profiles (ICCID, name, files, active)\n"
	      "  activate  make a profile the one the terminal sees\n"
	      "  create    mint a new card file from a factory configuration (docs/factory.md;\n"
	      "            factory/default.json is the shipped one); an existing FILE is refused\n"
	      "  status    EID, ISD-R key sets and TAR, every ISD-P (AID, ICCID, state:\n"
	      "            created, personalised, disabled, enabled; attributes, POL1) and\n"
	      "            the notifications waiting for the SM-SR's confirmation\n"
	      "  event     what the device reports to the eUICC (SGP.02): attach-failed runs the\n"
	      "            fall-back mechanism (the Fall-Back profile is enabled); emergency-on /\n"
	      "            emergency-off enable or disable the Emergency Profile locally (each\n"
	      "            queues its notification); test-on / test-off enable or disable the\n"
	      "            Test Profile locally (SGP.02 v4 ESx, no notification)\n"
	      "  snapshot  save the whole card (registry, profiles, files, keys, counters,\n"
	      "            notifications) to OUT, itself a card file\n"
	      "  restore   replace FILE atomically by SNAPSHOT (FILE must not be in use)\n",
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

static const char *state_name(veuicc_isdp_state s)
{
	switch (s) {
	case VEUICC_ISDP_ENABLED: return "enabled";
	case VEUICC_ISDP_DISABLED: return "disabled";
	case VEUICC_ISDP_PERSONALISED: return "personalised";
	default: return "created";
	}
}

static const char *keyset_name(veuicc_keyset_type t)
{
	return t == VEUICC_KEYSET_SCP80 ? "scp80" : t == VEUICC_KEYSET_SCP81 ? "scp81" : "scp03";
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
	out[2 * n] = '\0';
}

static void attributes(const veuicc_isdp_info *in, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s", in->fallback ? "fall-back" : "",
	         in->fallback && in->emergency ? "," : "", in->emergency ? "emergency" : "",
	         (in->fallback || in->emergency) && in->test ? "," : "", in->test ? "test" : "");
	if (!out[0])
		snprintf(out, cap, "-");
}

/* Key check values of an AES key set (GP CS v2.3.1 Amd D §7.1.1.5 / the PUT
 * KEY KCV: the first 3 bytes of AES(key, 16 x 01)), "null" for other keys:
 * an oracle can compare the keys it derived without the card revealing
 * them. */
static void print_kcvs(const veuicc_keyset *k)
{
	int aes = k->type == VEUICC_KEYSET_SCP03 ||
	          (k->type == VEUICC_KEYSET_SCP80 && (k->kic_algo & 0x03) == 0x02 &&
	           (k->kid_algo & 0x03) == 0x02);
	const uint8_t *keys[3] = {k->key1, k->key2, k->key3};
	const size_t lens[3] = {k->key1_len, k->key2_len, k->key3_len};
	printf(", \"kcv\": [");
	for (int i = 0; i < 3; i++) {
		uint8_t in[16], out[16];
		memset(in, 0x01, sizeof(in));
		mbedtls_aes_context a;
		mbedtls_aes_init(&a);
		int ok = aes && (lens[i] == 16 || lens[i] == 24 || lens[i] == 32) &&
		         mbedtls_aes_setkey_enc(&a, keys[i], (unsigned)(lens[i] * 8)) == 0 &&
		         mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, in, out) == 0;
		mbedtls_aes_free(&a);
		if (ok)
			printf("%s\"%02X%02X%02X\"", i ? ", " : "", out[0], out[1], out[2]);
		else
			printf("%snull", i ? ", " : "");
		mbedtls_platform_zeroize(out, sizeof(out));
	}
	printf("]");
}

/* `veuicc card status`: no key values are printed, only what they are (and
 * their check values in --json). */
static int status_cmd(veuicc_card *card, int json)
{
	char eid[33], aid[33], tarhex[7] = "";
	uint8_t tar[3];
	veuicc_get_eid(card, eid);
	if (!veuicc_card_isdr_tar(card, tar))
		hex(tar, 3, tarhex);
	size_t nk = veuicc_card_keyset_count(card), np = veuicc_card_isdp_count(card);
	if (json) {
		printf("{\"eid\": \"%s\", \"isdr\": {\"tar\": ", eid);
		if (tarhex[0])
			printf("\"%s\"", tarhex);
		else
			printf("null");
		printf(", \"keysets\": [");
		for (size_t i = 0; i < nk; i++) {
			veuicc_keyset k;
			veuicc_card_keyset(card, i, &k);
			printf("%s{\"type\": \"%s\", \"kvn\": %u", i ? ", " : "",
			       keyset_name(k.type), k.kvn);
			print_kcvs(&k);
			printf("}");
			mbedtls_platform_zeroize(&k, sizeof(k));
		}
		printf("]}, \"isdps\": [");
		for (size_t i = 0; i < np; i++) {
			veuicc_isdp_info in;
			veuicc_card_isdp_info(card, i, &in);
			hex(in.aid, in.aid_len, aid);
			printf("%s{\"aid\": \"%s\", \"state\": \"%s\", \"lcs\": \"%02X\", "
			       "\"iccid\": ",
			       i ? ", " : "", aid, state_name(in.state), in.lcs);
			if (in.iccid[0])
				printf("\"%s\"", in.iccid);
			else
				printf("null");
			printf(", \"fallback\": %s, \"emergency\": %s, \"test\": %s, "
			       "\"pol1\": \"%02X\"}",
			       in.fallback ? "true" : "false", in.emergency ? "true" : "false",
			       in.test ? "true" : "false", in.pol1);
		}
		printf("], \"notifications\": [");
		for (size_t i = 0; i < veuicc_card_notification_count(card); i++) {
			veuicc_notification nf;
			char data[2 * VEUICC_NOTIFICATION_MAX + 1];
			veuicc_card_notification_get(card, i, &nf);
			hex(nf.data, nf.len, data);
			printf("%s{\"seq\": %u, \"type\": \"%02X\", \"retries\": %lu, "
			       "\"data\": \"%s\"}",
			       i ? ", " : "", nf.seq, nf.type, (unsigned long)nf.retries, data);
		}
		printf("]}\n");
		return VEUICC_CLI_EXIT_OK;
	}
	printf("EID      %s\n", eid);
	printf("ISD-R    TAR %s", tarhex[0] ? tarhex : "-");
	for (size_t i = 0; i < nk; i++) {
		veuicc_keyset k;
		veuicc_card_keyset(card, i, &k);
		printf("%s%s KVN %u", i ? ", " : "; key sets: ", keyset_name(k.type), k.kvn);
		mbedtls_platform_zeroize(&k, sizeof(k));
	}
	printf("\n");
	if (!np)
		printf("no ISD-P\n");
	else
		printf("%-32s  %-12s  %-20s  %-19s  %s\n", "ISD-P AID", "STATE", "ICCID",
		       "ATTRIBUTES", "POL1");
	for (size_t i = 0; i < np; i++) {
		veuicc_isdp_info in;
		char attr[32];
		veuicc_card_isdp_info(card, i, &in);
		hex(in.aid, in.aid_len, aid);
		attributes(&in, attr, sizeof(attr));
		printf("%-32s  %-12s  %-20s  %-19s  %02X\n", aid, state_name(in.state),
		       in.iccid[0] ? in.iccid : "-", attr, in.pol1);
	}
	size_t nn = veuicc_card_notification_count(card);
	if (!nn)
		printf("no pending notification\n");
	for (size_t i = 0; i < nn; i++) {
		veuicc_notification nf;
		char data[2 * VEUICC_NOTIFICATION_MAX + 1];
		veuicc_card_notification_get(card, i, &nf);
		hex(nf.data, nf.len, data);
		printf("notification seq %u type %02X retries %lu: %s\n", nf.seq, nf.type,
		       (unsigned long)nf.retries, data);
	}
	return VEUICC_CLI_EXIT_OK;
}

static int create(const char *path, const char *factory)
{
	char msg[600];
	int rc = veuicc_card_create(path, factory, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "veuicc card create: %s\n", msg[0] ? msg : veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	printf("created card %s from %s\n", path, factory);
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

/* Device-side events of SGP.02 (fall-back §3.16, emergency profile §3.25). */
static int event(veuicc_card *card, const char *what)
{
	int rc;
	if (!strcmp(what, "attach-failed"))
		rc = veuicc_card_network_attach_failed(card);
	else if (!strcmp(what, "emergency-on"))
		rc = veuicc_card_emergency_enable(card);
	else if (!strcmp(what, "emergency-off"))
		rc = veuicc_card_emergency_disable(card);
	else if (!strcmp(what, "test-on"))
		rc = veuicc_card_test_profile_enable(card);
	else if (!strcmp(what, "test-off"))
		rc = veuicc_card_test_profile_disable(card);
	else {
		fprintf(stderr,
		        "veuicc card: unknown event '%s' (attach-failed, emergency-on, "
		        "emergency-off, test-on, test-off)\n",
		        what);
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "veuicc card: event %s refused: %s%s\n", what, veuicc_strerror(rc),
		        rc == VEUICC_ERR_NOT_FOUND ? " (no such profile installed)"
		        : rc == VEUICC_ERR_STATE   ? " (not allowed in the card's present state)"
		                                   : "");
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	for (size_t i = 0; i < veuicc_card_profile_count(card); i++) {
		veuicc_profile_info in;
		if (!veuicc_card_profile_info(card, i, &in) && in.active)
			printf("event %s: profile %s is enabled\n", what, in.iccid);
	}
	return VEUICC_CLI_EXIT_OK;
}

int veuicc_cli_card(int argc, char **argv)
{
	const char *file = NULL, *verb = NULL, *arg = NULL, *factory = NULL, *fault = NULL;
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
		} else if ((m = veuicc_cli_opt(argc, argv, &i, "--fault", &fault)) != 0) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
		} else if ((m = veuicc_cli_opt(argc, argv, &i, "--factory", &factory)) != 0) {
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
	    verb && (!strcmp(verb, "ls") || !strcmp(verb, "install") || !strcmp(verb, "activate") ||
	             !strcmp(verb, "create") || !strcmp(verb, "status") || !strcmp(verb, "event") ||
	             !strcmp(verb, "snapshot") || !strcmp(verb, "restore"));
	int takes_arg = known && (!strcmp(verb, "install") || !strcmp(verb, "activate") ||
	                          !strcmp(verb, "event") || !strcmp(verb, "snapshot") ||
	                          !strcmp(verb, "restore"));
	if (!known || takes_arg != (arg != NULL) ||
	    (!strcmp(verb, "create")) != (factory != NULL)) {
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	char buf[1024];
	const char *path = veuicc_cli_card_path(file, buf, sizeof(buf));
	if (!strcmp(verb, "create"))
		return create(path, factory);
	if (!strcmp(verb, "restore")) {
		int rrc = veuicc_card_restore_file(arg, path);
		if (rrc) {
			fprintf(stderr, "veuicc card: cannot restore %s from %s: %s\n", path, arg,
			        veuicc_strerror(rrc));
			return VEUICC_CLI_EXIT_MISMATCH;
		}
		printf("restored %s from %s\n", path, arg);
		return VEUICC_CLI_EXIT_OK;
	}
	veuicc_card *card;
	int rc = veuicc_card_open(path, NULL, &card);
	if (rc) {
		fprintf(stderr, "veuicc card: cannot open the card file %s: %s\n", path,
		        veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (fault && (rc = veuicc_card_fault(card, fault)) != VEUICC_OK) {
		fprintf(stderr, "veuicc card: --fault %s: %s\n", fault, veuicc_strerror(rc));
		veuicc_card_free(card);
		return VEUICC_CLI_EXIT_USAGE;
	}
	int status = VEUICC_CLI_EXIT_OK;
	if (!strcmp(verb, "snapshot")) {
		rc = veuicc_card_snapshot(card, arg);
		if (rc) {
			fprintf(stderr, "veuicc card: cannot write the snapshot %s: %s\n", arg,
			        veuicc_strerror(rc));
			status = VEUICC_CLI_EXIT_MISMATCH;
		} else {
			printf("snapshot of %s written to %s\n", path, arg);
		}
	} else if (!strcmp(verb, "ls")) {
		status = list(card, json);
	} else if (!strcmp(verb, "status")) {
		status = status_cmd(card, json);
	} else if (!strcmp(verb, "activate")) {
		status = activate(card, arg);
	} else if (!strcmp(verb, "event")) {
		status = event(card, arg);
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
