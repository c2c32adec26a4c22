/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the APDU script parser and matcher (scripts are outside input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "apdu/script.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	veuicc_script s;
	veuicc_script_error err;
	if (veuicc_script_parse((const char *)data, size, &s, &err) == VEUICC_OK) {
		int *bind = calloc(s.n_vars + 1, sizeof(int));
		veuicc_script_unbind_all(&s, bind);
		uint8_t cmd[64];
		for (size_t i = 0; i < s.n_steps; i++) {
			size_t n, d, u;
			veuicc_script_build_cmd(&s, &s.steps[i], bind, cmd, sizeof(cmd), &n, &u);
			veuicc_script_match(&s, s.steps[i].alt_first, s.steps[i].alt_count, bind,
			                    data, size > 40 ? 40 : size, &d);
			char buf[32];
			veuicc_script_format_pattern(&s, s.steps[i].alt_first, s.steps[i].alt_count,
			                             bind, buf, sizeof(buf));
		}
		free(bind);
	}
	veuicc_script_free(&s);
	return 0;
}
