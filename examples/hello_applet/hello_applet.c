/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal third-party applet for veuicc, built as a plugin (shared object)
 * against include/veuicc/applet.h alone (docs/applets.md, README.md here).
 *
 *   package (load file) F0766575696363 10, module F0766575696363 1001
 *   SELECT               -> "hello" (68656C6C6F) 9000
 *   80 50 00 00 Lc name  -> "hello, " name 9000
 *   80 52 00 00 00       -> the number of 80 52 commands so far, 4 bytes,
 *                           kept in the instance's persistent storage
 *   other instructions   -> 6D00
 */
#include <stdlib.h>
#include <string.h>

#include <veuicc/applet.h>

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x10};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x10, 0x01};

static uint16_t hello_install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	(void)ctx; /* no volatile state: everything is in storage */
	if (!p->restoring) {
		static const uint8_t zero[4];
		if (veuicc_applet_put(env, "count", zero, sizeof(zero)))
			return 0x6A84; /* not enough memory */
	}
	veuicc_applet_log(env, "installed");
	return 0x9000;
}

static uint16_t hello_select(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)ctx;
	(void)a;
	return veuicc_applet_respond(env, "hello", 5) ? 0x6F00 : 0x9000;
}

static uint16_t hello_process(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)ctx;
	if ((a->cla & 0x80) == 0)
		return 0x6E00;
	if (a->ins == 0x50) {
		if (veuicc_applet_respond(env, "hello, ", 7) ||
		    veuicc_applet_respond(env, a->data, a->lc))
			return 0x6F00;
		return 0x9000;
	}
	if (a->ins == 0x52) {
		uint8_t c[4] = {0};
		if (veuicc_applet_get(env, "count", c, sizeof(c)) != 4)
			return 0x6F00;
		for (int i = 3; i >= 0; i--)
			if (++c[i])
				break;
		if (veuicc_applet_put(env, "count", c, sizeof(c)))
			return 0x6581;
		return veuicc_applet_respond(env, c, sizeof(c)) ? 0x6F00 : 0x9000;
	}
	return 0x6D00;
}

static const veuicc_applet_module modules[] = {{
    .aid = mod_aid,
    .aid_len = sizeof(mod_aid),
    .name = "hello",
    .install = hello_install,
    .select = hello_select,
    .process = hello_process,
}};

/* The one symbol veuicc looks for (VEUICC_APPLET_PLUGIN_SYMBOL). */
__attribute__((visibility("default"))) const veuicc_applet_package veuicc_applet_plugin_v1 = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "hello example",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = modules,
    .nmodules = 1,
};
