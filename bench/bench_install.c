/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAIP installation (src/saip/install.c) per TS.48 profile of
 * tests/data/saip/profiles: decode alone, install of an already decoded
 * profile (validation included, decode excluded), and decode + install, in
 * µs per profile, with the ratio install / decode. A FNV-1a checksum over
 * every installed EF body (walked in tree order) shows that the work was
 * done and lets two runs be compared. Usage: bench_install [iterations]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "saip/install.h"

#define MAX_PROFILE (1 << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t sum_tree(const veuicc_fs_node *n, uint64_t h, size_t *files)
{
	for (; n; n = n->next) {
		(*files)++;
		h = fnv(h, &n->fid, sizeof(n->fid));
		if (n->type == VEUICC_FS_EF)
			h = fnv(h, n->data, n->size);
		else
			h = sum_tree(n->child, h, files);
	}
	return h;
}

static uint64_t checksum(const veuicc_fs *fs, size_t *files)
{
	*files = 0;
	uint64_t h = sum_tree(fs->mf, 1469598103934665603ull, files);
	for (const veuicc_fs_node *a = fs->adfs; a; a = a->next) {
		(*files)++;
		h = fnv(h, a->aid, a->aid_len);
		h = sum_tree(a->child, h, files);
	}
	return h;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200;
	if (iters < 1)
		iters = 1;
	const char *dir_path = VEUICC_SOURCE_DIR "/tests/data/saip/profiles";
	DIR *dir = opendir(dir_path);
	if (!dir) {
		fprintf(stderr, "cannot open %s\n", dir_path);
		return 1;
	}
	char *names[64];
	size_t nn = 0;
	for (struct dirent *e; (e = readdir(dir)) != NULL && nn < 64;) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".der") == 0)
			names[nn++] = strdup(e->d_name);
	}
	closedir(dir);
	qsort(names, nn, sizeof(names[0]), cmp);
	uint8_t *buf = malloc(MAX_PROFILE);
	static veuicc_saip_install_result res;
	printf("%-48s %6s %9s %9s %9s %6s %5s %16s\n", "profile", "bytes", "decode", "install",
	       "dec+inst", "ratio", "files", "checksum");
	double tot_dec = 0, tot_inst = 0, tot_both = 0;
	uint64_t all = 1469598103934665603ull;
	int failures = 0;
	for (size_t i = 0; i < nn; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir_path, names[i]);
		FILE *f = fopen(path, "rb");
		if (!f)
			return 1;
		size_t len = fread(buf, 1, MAX_PROFILE, f);
		fclose(f);

		veuicc_saip_profile *p = NULL;
		double t0 = now();
		for (long k = 0; k < iters; k++) {
			veuicc_saip_decode(buf, len, &p, NULL);
			veuicc_saip_free(p);
		}
		double dec = (now() - t0) / (double)iters * 1e6;

		veuicc_saip_decode(buf, len, &p, NULL);
		veuicc_fs *fs = NULL;
		t0 = now();
		for (long k = 0; k < iters; k++) {
			if (veuicc_saip_install(p, &fs, NULL, &res) != VEUICC_OK) {
				fprintf(stderr, "%s: %s\n", names[i], res.msg);
				failures++;
				break;
			}
			if (k + 1 < iters)
				veuicc_fs_free(fs);
		}
		double inst = (now() - t0) / (double)iters * 1e6;
		veuicc_saip_free(p);
		size_t files = 0;
		uint64_t h = fs ? checksum(fs, &files) : 0;
		veuicc_fs_free(fs);

		t0 = now();
		for (long k = 0; k < iters; k++) {
			veuicc_saip_install_der(buf, len, &fs, NULL, &res);
			veuicc_fs_free(fs);
		}
		double both = (now() - t0) / (double)iters * 1e6;

		printf("%-48s %6zu %7.1fus %7.1fus %7.1fus %5.2fx %5zu %016llx\n", names[i], len,
		       dec, inst, both, inst / dec, files, (unsigned long long)h);
		tot_dec += dec;
		tot_inst += inst;
		tot_both += both;
		all = fnv(all, &h, sizeof(h));
		free(names[i]);
	}
	if (nn)
		printf("%-48s %6s %7.1fus %7.1fus %7.1fus %5.2fx %5s %016llx\n", "mean", "",
		       tot_dec / (double)nn, tot_inst / (double)nn, tot_both / (double)nn,
		       tot_inst / tot_dec, "", (unsigned long long)all);
	free(buf);
	return failures ? 1 : 0;
}
