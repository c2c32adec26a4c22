/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A plugin built for another applet ABI version (VEUICC_APPLET_ABI_VERSION
 * + 1): the card must refuse it, whatever the rest of its descriptor says.
 * Load file AID F0766575696363EE.
 */
#include <veuicc/applet.h>

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0xEE};

__attribute__((visibility("default"))) const veuicc_applet_package veuicc_applet_plugin_v1 = {
    .abi_version = VEUICC_APPLET_ABI_VERSION + 1,
    .name = "future ABI",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = 0,
    .nmodules = 0,
};
