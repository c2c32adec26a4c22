/* SPDX-License-Identifier: Apache-2.0 */
/* Where the CLI's persistent card lives, and loading profile packages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "saip/saip.h"

/* mkdir -p of the directory part of path */
static int make_parent_dirs(const char *path)
{
	char buf[1024];
	if (strlen(path) >= sizeof(buf))
		return -1;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

const char *veuicc_cli_card_path(const char *given, char *buf, size_t cap)
{
	if (given)
		return given;
	const char *env = getenv("VEUICC_CARD");
	if (env && *env)
		return env;
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state && *state)
		snprintf(buf, cap, "%s/veuicc/card.db", state);
	else
		snprintf(buf, cap, "%s/.local/state/veuicc/card.db", home && *home ? home : ".");
	if (make_parent_dirs(buf))
		fprintf(stderr, "veuicc: cannot create the folder of %s: %s\n", buf,
		        strerror(errno));
	return buf;
}

int veuicc_cli_load_profile(const char *path, uint8_t **der, size_t *len)
{
	if (strcmp(path, ":default") == 0) {
		const uint8_t *d = veuicc_saip_default_profile(len);
		*der = malloc(*len);
		if (!*der)
			return VEUICC_ERR_NO_MEMORY;
		memcpy(*der, d, *len);
		return VEUICC_OK;
	}
	char *text;
	int rc = veuicc_cli_read_file(path, &text, len);
	if (rc)
		return rc;
	*der = (uint8_t *)text;
	return VEUICC_OK;
}

int veuicc_cli_add_profile(veuicc_card *card, const char *path, int activate)
{
	uint8_t *der = NULL;
	size_t len = 0, idx;
	int rc = veuicc_cli_load_profile(path, &der, &len);
	if (rc) {
		fprintf(stderr, "veuicc: cannot read %s: %s\n", path, veuicc_strerror(rc));
		return rc;
	}
	char msg[256] = "";
	rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
	free(der);
	if (rc) {
		fprintf(stderr, "veuicc: %s does not install: %s (%s)\n", path, msg,
		        veuicc_strerror(rc));
		return rc;
	}
	if (activate)
		rc = veuicc_card_activate_profile(card, idx);
	if (rc)
		fprintf(stderr, "veuicc: cannot activate %s: %s\n", path, veuicc_strerror(rc));
	return rc;
}
