/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tear test extended to the ES5/ES8 functions (issue 11 item 2;
 * docs/testbench.md "Tear test"): a card file made from a factory
 * configuration runs, in test mode (plain APDUs), PUT KEY (the ISD-P token
 * key), UpdateConnectivityParameters, UpdateSMSRAddressingParameters,
 * EnableProfile, SetFallBackAttribute, SetEmergencyProfileAttribute,
 * notification confirmation, DisableProfile, MasterDelete, CreateISDP,
 * EstablishISDPKeySet, the profile download (its last STORE DATA installs),
 * EnableProfile, DisableProfile, DeleteProfile, SetEmergencyProfileAttribute,
 * EstablishISDRKeySet, FinaliseISDRHandover — each after a cold reset.
 *
 * The reference run records, for every command (APDU or reset), the write
 * points it passed and the card file's records before and after it. Then for
 * every write point k a child process builds the same card, arms "cut:k"
 * through veuicc_card_fault() and runs the scenario; the injected cut's log
 * line ends the process on the spot (a real power loss: no close, no
 * cleanup). The parent reopens the file (which must write nothing: the card
 * is rebuilt exactly) and its records must equal those before or after the
 * interrupted command. Printed: writes, cut points tried, recovered.
 *
 * Vectors: the token key wrapped under DEK 60..6F and the MasterDelete token
 * are those of tests/euicc/make_esx_vectors.py (python3-cryptography).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "keyest/keyest_host.h"
#include "store/store.h"
#include "testbench/store_dump.h"
#include "test_tmp.h"

#define PFX      "A0000005591010FFFFFFFF89"
#define ISDR     PFX "00000100"
#define ELF      PFX "00000D00"
#define EM       PFX "00000E00"
#define ISDP10   PFX "00001000"
#define ISDP11   PFX "00001100"
#define ISDP13   PFX "00001300"
#define ISDP14   PFX "00001400"
#define SEL_ISDR "00A4040C10" ISDR
#define SEL_11   "00A4040C10" ISDP11
#define V7       "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"

/* tests/euicc/make_esx_vectors.py: token key 70..7F under the ISD-P DEK 60..6F */
#define PUT_TOKEN_KEY "80D80001 18 70881110F057B7718646644F9ACC5C6080B872D303DCC3AC 00"
#define MDEL_11_P2_40                                                                              \
	"80E40040 24 4F10A0000005591010FFFFFFFF89000011009E10358B04A94BBCB7643EC3FA5E033A8E98 00"
#define SCP03_KEYS                                                                                 \
	"[{\"type\": \"scp03\", \"kvn\": 48, \"enc\": \"404142434445464748494A4B4C4D4E4F\", "      \
	"\"mac\": \"505152535455565758595A5B5C5D5E5F\", \"dek\": "                                 \
	"\"606162636465666768696A6B6C6D6E6F\"}]"

/* factory/default.json's ISD-R: SCP80 KVN 01, SCP81 KVN 40, SCP03 KVN 30 */
#define ISDR_KEYS                                                                                  \
	"{\"tar\": \"000001\", \"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": "          \
	"{\"algorithm\": \"aes-128\", \"key\": \"000102030405060708090A0B0C0D0E0F\"}, \"kid\": "   \
	"{\"algorithm\": \"aes-128\", \"key\": \"101112131415161718191A1B1C1D1E1F\"}}, "           \
	"{\"type\": \"scp81\", \"kvn\": 64, \"psk_id\": \"veuicc-isdr-psk\", \"psk\": "            \
	"\"202122232425262728292A2B2C2D2E2F\"}, {\"type\": \"scp03\", \"kvn\": 48, \"enc\": "      \
	"\"303132333435363738393A3B3C3D3E3F\", \"mac\": \"404142434445464748494A4B4C4D4E4F\", "    \
	"\"dek\": \"505152535455565758595A5B5C5D5E5F\"}]}"

#define MAX_CMDS 128
/* HandleNotificationConfirmation answer (isdr.c) */
#define NOTIF_CONF_RSP "8000 9000"

static char factory_file[256];
static uint8_t *pkg_v7;
static size_t len_v7;

/* ---- the harness ------------------------------------------------------------ */

/* One command of the reference run that wrote something. */
struct cmd {
	uint64_t w0, w1; /* write points before and after it */
	char *before, *after;
	char what[64];
};

struct tear {
	int reference; /* 1: record the commands */
	struct cmd c[MAX_CMDS];
	size_t n;
	uint64_t w_cur;
	char *cur; /* records now (reference run) */
};

static struct tear T;

static void note_start(veuicc_card *card, uint64_t *w0)
{
	*w0 = veuicc_store_writes(card->store);
}

static void note_end(veuicc_card *card, uint64_t w0, const char *what)
{
	if (!T.reference)
		return;
	uint64_t w1 = veuicc_store_writes(card->store);
	if (w1 == w0)
		return;
	assert_true(T.n < MAX_CMDS);
	struct cmd *c = &T.c[T.n++];
	c->w0 = w0;
	c->w1 = w1;
	c->before = T.cur;
	c->after = store_dump(card->store, NULL);
	T.cur = strdup(c->after);
	snprintf(c->what, sizeof(c->what), "%.63s", what);
}

/* One APDU; the SW (last 4 hex digits of expect) must match, data too if given. */
static void tx(veuicc_card *card, const char *capdu, const char *expect, const char *what)
{
	uint64_t w0;
	note_start(card, &w0);
	th_xfer(card, capdu, expect);
	note_end(card, w0, what);
}

static void reset(veuicc_card *card)
{
	uint64_t w0;
	note_start(card, &w0);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	note_end(card, w0, "cold reset");
}

/* The profile package in plain STORE DATA blocks to the selected ISD-P
 * (test mode); the last block installs it. */
static void download(veuicc_card *card)
{
	static char apdu[2 * 300];
	size_t off = 0;
	unsigned block = 0;
	while (off < len_v7) {
		size_t n = len_v7 - off > 255 ? 255 : len_v7 - off;
		int last = off + n == len_v7;
		int k = snprintf(apdu, sizeof(apdu), "80E2%02X%02X%02zX", last ? 0x90 : 0x10,
		                 block & 0xFF, n);
		th_hex(pkg_v7 + off, n, apdu + k);
		if (last)
			strcat(apdu, "00");
		tx(card, apdu, last ? "3003800100 9000" : "9000",
		   last ? "download: last STORE DATA" : "download: STORE DATA");
		off += n;
		block++;
	}
}

/* ---- EstablishISDPKeySet through the card (host side: keyest/keyest_host.h) */

/* STORE DATA 3A01 { CERT.DP.ECDSA } then 3A02 { CRT } 7F49 { ePK } 5F37 { sig
 * over 3A02 || 7F49 || 0085 10 RC } to the ISD-P after INSTALL [for
 * personalization] (SGP.02 §4.1.3.1, GP Amd E scenario #3). */
static void establish(veuicc_card *card, const char *aid, const char *cert_name, const char *key,
                      uint8_t kvn, const char *fn)
{
	static char hex[2 * 600 + 64];
	static uint8_t r[600];
	char apdu[128];
	tx(card, SEL_ISDR, "9000", "select");
	if (aid) { /* ES8 through the ISD-R; NULL: to the ISD-R itself */
		snprintf(apdu, sizeof(apdu), "80E62000 16 000010%s000000 00", aid);
		tx(card, apdu, "009000", "INSTALL [for personalization]");
	}
	size_t cn;
	char cpath[64];
	snprintf(cpath, sizeof(cpath), "cert/minted/nist/%s.7f21", cert_name);
	uint8_t *cert = th_load("VEUICC_TEST_DATA", cpath, &cn);
	assert_true(cn < 250);
	int k = snprintf(hex, sizeof(hex), "80E20900 %02zX 3A01%02zX", cn + 3, cn);
	th_hex(cert, cn, hex + k);
	strcat(hex, "00");
	free(cert);
	uint8_t c[300];
	size_t cl = th_unhex(hex, c, sizeof(c)), rl = 0;
	uint64_t w0;
	note_start(card, &w0);
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	char what[64];
	snprintf(what, sizeof(what), "%s 3A01", fn);
	note_end(card, w0, what);
	assert_int_equal(rl, 20);
	assert_int_equal(r[0], 0x85);
	uint8_t rc[16];
	memcpy(rc, r + 2, 16);
	/* 3A02 */
	uint8_t crt[sizeof(keyest_crt_whty)];
	memcpy(crt, keyest_crt_whty, sizeof(crt));
	crt[KEYEST_CRT_KVN_AT] = kvn; /* 83 01 KVN */
	keyest_blob p;
	keyest_params(crt, sizeof(crt), rc, key, &p);
	k = snprintf(hex, sizeof(hex), "80E28901 %02zX", p.n);
	th_hex(p.b, p.n, hex + k);
	strcat(hex, "00");
	cl = th_unhex(hex, c, sizeof(c));
	note_start(card, &w0);
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	snprintf(what, sizeof(what), "%s 3A02", fn);
	note_end(card, w0, what);
	assert_int_equal(rl, 20); /* 86 10 receipt 9000 */
	assert_int_equal(r[0], 0x86);
	assert_int_equal(r[18] << 8 | r[19], 0x9000);
}

/* The scenario: every function after a cold reset. */
static void scenario(veuicc_card *card)
{
	reset(card);
	tx(card, SEL_11, "9000", "select");
	tx(card, PUT_TOKEN_KEY, "70DCC3AC 9000", "PUT KEY (token key, ISD-P)");
	tx(card, "80E28800 0D 3A070A A008 0606 91214365870F", "9000",
	   "UpdateConnectivityParameters");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 0F 3A070C A30A 8108 0B91447758100650", "9000",
	   "UpdateSMSRAddressingParameters");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0312 4F10" ISDP11, "9000", "EnableProfile");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0512 4F10" ISDP11, "9000", "SetFallBackAttribute");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	{
		/* the oldest pending notification, by its sequence number */
		assert_true(veuicc_card_notification_count(card) > 0);
		veuicc_notification nf;
		assert_int_equal(veuicc_card_notification_get(card, 0, &nf), VEUICC_OK);
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "80E28900 07 3A08 04 4E02 %04X 00", nf.seq);
		size_t before_n = veuicc_card_notification_count(card);
		tx(card, cmd, NOTIF_CONF_RSP, "notification confirmation");
		assert_int_equal(veuicc_card_notification_count(card), before_n - 1);
	}
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0512 4F10" ISDP10, "9000", "SetFallBackAttribute");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0412 4F10" ISDP11, "9000", "DisableProfile");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, MDEL_11_P2_40, "00 9000", "MasterDelete");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E60C00 3F 10" ELF " 10" EM " 10" ISDP13 " 03 80C000 06 C90481028100 00 00",
	   "00 9000", "CreateISDP");
	reset(card);
	establish(card, ISDP13, "smdp", "SK_S_SM_DPauth_ECDSA_NIST.pem", 0x30,
	          "EstablishISDPKeySet");
	reset(card);
	tx(card, "00A4040C10" ISDP13, "9000", "select");
	download(card);
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0312 4F10" ISDP13, "9000", "EnableProfile");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0412 4F10" ISDP13, "9000", "DisableProfile");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E40000 12 4F10" ISDP13 " 00", "00 9000", "DeleteProfile");
	/* the package again in a new ISD-P, which gets the Emergency Profile
	 * Attribute (an Emergency Profile cannot be deleted nor be the Fall-Back
	 * one, so this comes last) */
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E60C00 3F 10" ELF " 10" EM " 10" ISDP14 " 03 80C000 06 C90481028100 00 00",
	   "00 9000", "CreateISDP");
	reset(card);
	tx(card, "00A4040C10" ISDP14, "9000", "select");
	download(card);
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E28800 15 3A0612 4F10" ISDP14, "9000", "SetEmergencyProfileAttribute");
	/* the SM-SR change (SGP.02 §3.8): the new SM-SR's key set (SCP80 KVN 02,
	 * the WHTY CRT, signed with the SGP.26 key of the minted SM-SR
	 * certificate, as tests/keyest/smsr_oracle.py), then the old SCP80 and
	 * SCP81 key sets go (digest §3.11) */
	reset(card);
	establish(card, NULL, "smsr", "SK_S_SM_DPpb_ECDSA_NIST.pem", 0x02, "EstablishISDRKeySet");
	reset(card);
	tx(card, SEL_ISDR, "9000", "select");
	tx(card, "80E400000A F203010103F203400102 00", "009000", "FinaliseISDRHandover");
}

static veuicc_card *open_card(const char *path)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory_file; /* used only when the file is created */
	cfg.test_mode = 1;
	cfg.rng_deterministic = 1;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	return card;
}

static void die_now(void *ctx, const char *line)
{
	(void)ctx;
	if (strstr(line, "power cut"))
		_exit(0); /* the power is gone: nothing after the cut runs */
}

static void test_tear_every_function(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/veuicc-tear-%ld.db", test_tmp_dir(), (long)getpid());
	test_rm_card_file(path);

	/* reference run */
	veuicc_card *card = open_card(path);
	memset(&T, 0, sizeof(T));
	T.reference = 1;
	T.cur = store_dump(card->store, NULL);
	uint64_t start = veuicc_store_writes(card->store);
	scenario(card);
	uint64_t writes = veuicc_store_writes(card->store) - start;
	T.reference = 0;
	veuicc_card_free(card);
	/* the final state: ISD-P ..1100 deleted, ..1300 gone again */
	card = open_card(path);
	assert_int_equal(veuicc_store_writes(card->store), 0);
	char *final = store_dump(card->store, NULL);
	assert_string_equal(final, T.cur);
	free(final);
	veuicc_card_free(card);
	test_rm_card_file(path);
	/* every function of the list wrote (is a tear candidate) */
	static const char *const fns[] = {
	    "PUT KEY (token key, ISD-P)",
	    "UpdateConnectivityParameters",
	    "UpdateSMSRAddressingParameters",
	    "EnableProfile",
	    "SetFallBackAttribute",
	    "SetEmergencyProfileAttribute",
	    "notification confirmation",
	    "DisableProfile",
	    "MasterDelete",
	    "CreateISDP",
	    "download: last STORE DATA",
	    "DeleteProfile",
	};
	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		size_t i = 0;
		while (i < T.n && strcmp(T.c[i].what, fns[f]))
			i++;
		if (i == T.n)
			fail_msg("%s wrote nothing", fns[f]);
		assert_string_not_equal(T.c[i].before, T.c[i].after);
	}

	/* every cut point */
	uint64_t tried = 0, recovered = 0, before = 0, after = 0;
	for (uint64_t k = 1; k <= writes; k++) {
		size_t ci = 0;
		while (ci < T.n && !(T.c[ci].w0 - start < k && k <= T.c[ci].w1 - start))
			ci++;
		assert_true(ci < T.n);
		fflush(stdout);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			veuicc_card *c = open_card(path);
			veuicc_set_log(c, die_now, NULL);
			char spec[32];
			snprintf(spec, sizeof(spec), "cut:%llu", (unsigned long long)k);
			if (veuicc_card_fault(c, spec))
				_exit(4);
			scenario(c);
			_exit(3); /* the cut never came */
		}
		int ws;
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			fail_msg("cut %llu (%s): child status %d", (unsigned long long)k,
			         T.c[ci].what, ws);
		tried++;
		card = open_card(path);                                /* power up */
		assert_int_equal(veuicc_store_writes(card->store), 0); /* rebuilt exactly */
		char *got = store_dump(card->store, NULL);
		if (!strcmp(got, T.c[ci].before))
			before++;
		else if (!strcmp(got, T.c[ci].after))
			after++;
		else
			fail_msg("cut %llu in %s: the card is neither before nor after it",
			         (unsigned long long)k, T.c[ci].what);
		recovered++;
		/* and it works: a GET STATUS of the ISD-R */
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
		th_xfer(card, SEL_ISDR, "9000");
		free(got);
		veuicc_card_free(card);
		test_rm_card_file(path);
	}
	printf("ES5/ES8 tear test: %zu commands wrote; writes: %llu, cut points tried: %llu, "
	       "recovered: %llu (before the command: %llu, after: %llu)\n",
	       T.n, (unsigned long long)writes, (unsigned long long)tried,
	       (unsigned long long)recovered, (unsigned long long)before,
	       (unsigned long long)after);
	assert_int_equal(tried, writes);
	assert_int_equal(recovered, tried);
	for (size_t i = 0; i < T.n; i++) {
		free(T.c[i].before);
		free(T.c[i].after);
	}
	free(T.cur);
}

static int setup(void **state)
{
	(void)state;
	const char *data = getenv("VEUICC_TEST_DATA"), *prof = getenv("VEUICC_PROFILES");
	assert_non_null(data);
	assert_non_null(prof);
	pkg_v7 = th_load("VEUICC_PROFILES", V7, &len_v7);
	snprintf(factory_file, sizeof(factory_file), "%s/veuicc-tear-%ld.json", test_tmp_dir(),
	         (long)getpid());
	FILE *f = fopen(factory_file, "w");
	assert_non_null(f);
	/* the Fall-Back profile enabled in ..1000, TS.48 V7 disabled in ..1100,
	 * both with the SM-DP's SCP03 key set (DEK 60..6F for PUT KEY) */
	fprintf(
	    f,
	    "{\"version\": 1, \"eid\": \"89049032123451234512345678901235\", \"isdr\": " ISDR_KEYS
	    ",\n"
	    " \"profiles\": [\n"
	    "  {\"file\": \"%s/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der\", "
	    "\"fallback\": true, \"state\": \"enabled\", \"isdp_keysets\": " SCP03_KEYS "},\n"
	    "  {\"file\": \"%s/" V7 "\", \"isdp_keysets\": " SCP03_KEYS "}\n"
	    "]}\n",
	    data, prof);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(factory_file);
	free(pkg_v7);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tear_every_function),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
