/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plugins of the right ABI version whose descriptor is unusable, built
 * twice (BAD_KIND 1: a module without its process callback; BAD_KIND 2: a
 * load file AID of 3 bytes): the card must refuse them with a log line and
 * go on with the other plugins. Load file AID F076657569636377 (kind 1).
 */
#include <stddef.h>
#include <stdint.h>

#include <veuicc/applet.h>

static uint16_t install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	(void)env, (void)p, (void)ctx;
	return 0x9000;
}

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x77};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x77, 0x01};
static const veuicc_applet_module modules[] = {
    {.aid = mod_aid, .aid_len = sizeof(mod_aid), .install = install, .process = NULL},
};

__attribute__((visibility("default"))) const veuicc_applet_package veuicc_applet_plugin_v1 = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "bad descriptor",
    .aid = pkg_aid,
#if BAD_KIND == 2
    .aid_len = 3,
#else
    .aid_len = sizeof(pkg_aid),
#endif
    .modules = modules,
    .nmodules = 1,
};
