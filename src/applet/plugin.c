/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Native packages: the built-in ones and plugins (docs/applets.md "Plugin
 * ABI"). A plugin is a shared object in the card's plugin directory
 * (veuicc_config.applet_dir) exporting `veuicc_applet_plugin_v1`, a
 * veuicc_applet_package whose first member, abi_version, must equal
 * VEUICC_APPLET_ABI_VERSION: another version is refused (logged) without
 * reading the rest of the descriptor. The directory is searched when a load
 * file AID is not built in; a matching plugin stays open until the card is
 * freed, the others are closed at once.
 */
#include "applet/rt_int.h"

#include <dirent.h>
#include <stdarg.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const veuicc_applet_package *const builtins[] = {
    &veuicc_applet_pkg_aram,
    &veuicc_applet_pkg_stkmenu,
};

static bool pkg_is(const veuicc_applet_package *p, const uint8_t *aid, size_t len)
{
	return p->aid_len == len && !memcmp(p->aid, aid, len);
}

__attribute__((format(printf, 2, 3))) static void plog(veuicc_card *card, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	veuicc_applets_log(card, line);
}

/* A descriptor that can be used: version, AID and modules well formed. */
static bool descriptor_ok(veuicc_card *card, const char *path, const veuicc_applet_package *p)
{
	if (p->abi_version != VEUICC_APPLET_ABI_VERSION) {
		plog(card, "applet plugin %s: ABI version %u, this card supports %u: refused", path,
		     (unsigned)p->abi_version, (unsigned)VEUICC_APPLET_ABI_VERSION);
		return false;
	}
	if (!p->aid || p->aid_len < 5 || p->aid_len > 16 || !p->modules || !p->nmodules) {
		plog(card, "applet plugin %s: malformed descriptor: refused", path);
		return false;
	}
	for (size_t i = 0; i < p->nmodules; i++) {
		const veuicc_applet_module *m = &p->modules[i];
		if (!m->aid || m->aid_len < 5 || m->aid_len > 16 || !m->install || !m->process) {
			plog(card, "applet plugin %s: module %zu malformed: refused", path, i);
			return false;
		}
	}
	return true;
}

static const veuicc_applet_package *search_dir(veuicc_card *card, struct veuicc_applets *a,
                                               const uint8_t *aid, size_t len)
{
	if (!a->dir || a->nplugins >= RT_PLUGINS_MAX)
		return NULL;
	DIR *d = opendir(a->dir);
	if (!d) {
		plog(card, "applet plugin directory %s: cannot be read", a->dir);
		return NULL;
	}
	const veuicc_applet_package *found = NULL;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 3, ".so"))
			continue;
		char path[4096];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->dir, de->d_name) >=
		    sizeof(path))
			continue;
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			plog(card, "applet plugin %s: %s", path, dlerror());
			continue;
		}
		const veuicc_applet_package *p = dlsym(h, VEUICC_APPLET_PLUGIN_SYMBOL);
		if (!p) {
			dlclose(h);
			continue; /* not a veuicc plugin */
		}
		bool same = false;
		for (size_t i = 0; i < a->nplugins; i++)
			same = same || a->plugins[i].pkg == p;
		if (same || !descriptor_ok(card, path, p) || !pkg_is(p, aid, len)) {
			dlclose(h);
			continue;
		}
		a->plugins[a->nplugins].handle = h;
		a->plugins[a->nplugins].pkg = p;
		a->nplugins++;
		found = p;
	}
	closedir(d);
	return found;
}

const veuicc_applet_package *veuicc_applets_find_pkg(veuicc_card *card, const uint8_t *aid,
                                                     size_t len)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (pkg_is(builtins[i], aid, len))
			return builtins[i];
	struct veuicc_applets *a = veuicc_applets_of(card);
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->nplugins; i++)
		if (pkg_is(a->plugins[i].pkg, aid, len))
			return a->plugins[i].pkg;
	return search_dir(card, a, aid, len);
}

void veuicc_applets_close_plugins(struct veuicc_applets *a)
{
	for (size_t i = 0; i < a->nplugins; i++)
		dlclose(a->plugins[i].handle);
	a->nplugins = 0;
}
