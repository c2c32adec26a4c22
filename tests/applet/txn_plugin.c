/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test plugin for the runtime's storage services (docs/applets.md, AP10).
 * Load file F0766575696363 11, module ...1101. Commands (CLA 8x):
 *   30 P1: value "v" := P1 inside a transaction that is aborted
 *   32 P1: value "v" := P1 inside a transaction left open (the runtime aborts it)
 *   34 P1: value "v" := P1 inside a committed transaction
 *   36   : read "v" (1 byte; 6A88 when absent)
 *   38 n : store n values "k0".."k(n-1)"; answers the number stored before
 *          the first refusal
 *   3A   : a value of 4097 bytes and a key of 17 characters, both must be
 *          refused by the runtime; 9000 only when both are
 */
#include <stdio.h>
#include <string.h>

#include <veuicc/applet.h>

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x11};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x11, 0x01};

static uint16_t t_install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	(void)env;
	(void)p;
	*ctx = NULL;
	return 0x9000;
}

static uint16_t t_process(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)ctx;
	const veuicc_applet_services *s = env->svc;
	uint8_t v = a->p1;
	switch (a->ins) {
	case 0x30:
	case 0x32:
	case 0x34:
		if (s->txn_begin(env) || s->txn_begin(env) == 0) /* no nesting */
			return 0x6F00;
		if (veuicc_applet_put(env, "v", &v, 1))
			return 0x6F00;
		if (a->ins == 0x30)
			return s->txn_abort(env) ? 0x6F00 : 0x9000;
		if (a->ins == 0x34)
			return s->txn_commit(env) ? 0x6F00 : 0x9000;
		return 0x9000;
	case 0x36: {
		uint8_t b = 0;
		if (veuicc_applet_get(env, "v", &b, 1) != 1)
			return 0x6A88;
		return veuicc_applet_respond(env, &b, 1) ? 0x6F00 : 0x9000;
	}
	case 0x38: {
		uint8_t n = 0;
		for (unsigned i = 0; i < a->p1; i++, n++) {
			char key[8];
			snprintf(key, sizeof(key), "k%u", i);
			if (veuicc_applet_put(env, key, &v, 1))
				break;
		}
		return veuicc_applet_respond(env, &n, 1) ? 0x6F00 : 0x9000;
	}
	case 0x3A: {
		static uint8_t big[4097];
		int r1 = veuicc_applet_put(env, "big", big, sizeof(big));
		int r2 = veuicc_applet_put(env, "seventeen-chars-x", &v, 1);
		return r1 < 0 && r2 < 0 ? 0x9000 : 0x6F00;
	}
	default: return 0x6D00;
	}
}

static const veuicc_applet_module modules[] = {{
    .aid = mod_aid,
    .aid_len = sizeof(mod_aid),
    .name = "txn",
    .install = t_install,
    .process = t_process,
}};

__attribute__((visibility("default"))) const veuicc_applet_package veuicc_applet_plugin_v1 = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "storage test",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = modules,
    .nmodules = 1,
};
