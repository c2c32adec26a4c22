/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test plugin for the runtime's file services (docs/applets.md "File
 * access", AP17-AP19). Load file F0766575696363 12, module ...1201.
 * Commands (CLA 8x), each answered with the status word of the service:
 *   40     : select; data = AID length, AID, path (FIDs)
 *   42 P1P2: READ BINARY at offset P1P2, Le bytes (00: 256)
 *   44 P1P2: UPDATE BINARY at offset P1P2 with the data
 *   46 P1P2: READ RECORD P1 in mode P2
 *   48 P1P2: UPDATE RECORD P1 in mode P2 with the data
 *   4A     : INCREASE by the data
 *   4C     : the services revision (1 byte)
 * and the timer services (docs/applets.md "Timers", AP20):
 *   50 P1P2: start a timer of P1P2 seconds; answers its identifier
 *            (6A81: the terminal has no timers, 6985: none left)
 *   52 P1  : stop timer P1
 *   54     : timer expirations seen (1 byte) and the last timer (1 byte)
 *   56     : queue TIMER MANAGEMENT through proactive(): must be refused
 */
#include <string.h>

#include <veuicc/applet.h>

static const uint8_t pkg_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x12};
static const uint8_t mod_aid[] = {0xF0, 0x76, 0x65, 0x75, 0x69, 0x63, 0x63, 0x12, 0x01};

static uint16_t f_install(veuicc_applet_env *env, const veuicc_applet_install *p, void **ctx)
{
	*ctx = NULL;
	static const uint8_t none[2] = {0, 0};
	return p->restoring || !veuicc_applet_put(env, "t", none, 2) ? 0x9000 : 0x6F00;
}

/* Timer expiration: count it and keep the timer identifier. */
static uint16_t f_event(void *ctx, veuicc_applet_env *env, const veuicc_applet_event *ev)
{
	(void)ctx;
	uint8_t t[2] = {0, 0};
	if (ev->type != VEUICC_APPLET_EV_TIMER || veuicc_applet_get(env, "t", t, 2) != 2)
		return 0x6F00;
	t[0]++;
	t[1] = ev->item;
	return veuicc_applet_put(env, "t", t, 2) ? 0x6F00 : 0x9000;
}

static uint16_t timer_sw(int rc)
{
	return rc == -5 ? 0x6A81 : rc == -8 ? 0x6985 : rc == -1 ? 0x6A80 : 0x6F00;
}

/* Answer \p sw with the data read when the status word allows data. */
static uint16_t answer(veuicc_applet_env *env, uint16_t sw, const uint8_t *b, size_t n)
{
	if ((sw == 0x9000 || (sw >> 8) == 0x62) && n && veuicc_applet_respond(env, b, n))
		return 0x6F00;
	return sw;
}

static uint16_t f_process(void *ctx, veuicc_applet_env *env, const veuicc_applet_apdu *a)
{
	(void)ctx;
	uint8_t buf[512];
	size_t got = 0;
	uint16_t off = (uint16_t)(a->p1 << 8 | a->p2);
	switch (a->ins) {
	case 0x40:
		if (a->lc < 1 || a->data[0] > a->lc - 1)
			return 0x6700;
		return veuicc_applet_file_select(env, a->data[0] ? a->data + 1 : NULL, a->data[0],
		                                 a->data + 1 + a->data[0], a->lc - 1 - a->data[0]);
	case 0x42: {
		size_t n = a->ne ? a->ne : 256;
		uint16_t sw = veuicc_applet_read_binary(env, off, buf, n > 256 ? 256 : n, &got);
		return answer(env, sw, buf, got);
	}
	case 0x44: return veuicc_applet_update_binary(env, off, a->data, a->lc);
	case 0x46: {
		uint16_t sw = veuicc_applet_read_record(env, a->p1, a->p2, buf, sizeof(buf), &got);
		return answer(env, sw, buf, got);
	}
	case 0x48: return veuicc_applet_update_record(env, a->p1, a->p2, a->data, a->lc);
	case 0x4A: {
		uint16_t sw = veuicc_applet_increase(env, a->data, a->lc, buf, sizeof(buf), &got);
		return answer(env, sw, buf, got);
	}
	case 0x4C: {
		uint8_t r = (uint8_t)veuicc_applet_svc_revision(env);
		return veuicc_applet_respond(env, &r, 1) ? 0x6F00 : 0x9000;
	}
	case 0x50: {
		int rc = veuicc_applet_timer_start(env, off);
		uint8_t id = (uint8_t)rc;
		if (rc <= 0)
			return timer_sw(rc);
		return veuicc_applet_respond(env, &id, 1) ? 0x6F00 : 0x9000;
	}
	case 0x52: {
		int rc = veuicc_applet_timer_stop(env, a->p1);
		return rc ? timer_sw(rc) : 0x9000;
	}
	case 0x54: {
		uint8_t t[2] = {0, 0};
		(void)veuicc_applet_get(env, "t", t, 2);
		return veuicc_applet_respond(env, t, 2) ? 0x6F00 : 0x9000;
	}
	case 0x56: {
		static const uint8_t body[] = {0xA4, 0x01, 0x02, 0xA5, 0x03, 0x00, 0x00, 0x50};
		int rc = env->svc->proactive(env, 0x27, 0x00, 0x82, body, sizeof(body));
		return rc ? timer_sw(rc) : 0x9000;
	}
	default: return 0x6D00;
	}
}

static const veuicc_applet_module modules[] = {{
    .aid = mod_aid,
    .aid_len = sizeof(mod_aid),
    .name = "files",
    .events = VEUICC_APPLET_EV_TIMER,
    .install = f_install,
    .process = f_process,
    .event = f_event,
}};

__attribute__((visibility("default"))) const veuicc_applet_package veuicc_applet_plugin_v1 = {
    .abi_version = VEUICC_APPLET_ABI_VERSION,
    .name = "file access and timer test",
    .aid = pkg_aid,
    .aid_len = sizeof(pkg_aid),
    .modules = modules,
    .nmodules = 1,
};
