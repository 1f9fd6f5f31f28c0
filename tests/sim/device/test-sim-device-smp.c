/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/* frames, error forms and the OS group: request bytes built by hand, exact answers */

static void
assert_frame(GBytes *got, const gchar *want_hex)
{
	g_autoptr(GBytes) want = sim_hex(want_hex);

	g_assert_nonnull(got);
	if (!g_bytes_equal(got, want)) {
		g_autofree gchar *h = NULL;
		GString *s = g_string_new(NULL);
		const guint8 *p = g_bytes_get_data(got, NULL);
		for (gsize i = 0; i < g_bytes_get_size(got); i++)
			g_string_append_printf(s, "%02x", p[i]);
		h = g_string_free(s, FALSE);
		g_error("got %s, want %s", h, want_hex);
	}
}

static GBytes *
call_hex(SimFx *fx, const gchar *hex)
{
	g_autoptr(GBytes) req = sim_hex(hex);

	return sim_fx_call(fx, req);
}

static void
test_echo(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) v2 = NULL;
	g_autoptr(GBytes) v1 = NULL;
	g_autoptr(GBytes) rd = NULL;

	sim_fx_start(fx);
	/* the spec's example (§3.1) */
	v2 = call_hex(fx, "0800000600000000a1616462686"
			  "9");
	assert_frame(v2, "0900000600000000a16172626869");
	/* v1 write, seq 7: answered as v1 write response */
	v1 = call_hex(fx, "0200000600000700a16164626869");
	assert_frame(v1, "0300000600000700a16172626869");
	/* reserved header bits are ignored, as Zephyr does */
	rd = call_hex(fx, "e800000600000900a16164626869");
	assert_frame(rd, "0900000600000900a16172626869");
	sim_fx_free(fx);
}

/* sends @req_hex; the answer must mirror group/seq/id, carry @byte0 and be exactly {"rc": rc} */
static void
check_rc(SimFx *fx, const gchar *req_hex, guint8 byte0, gint64 rc)
{
	g_autoptr(GBytes) req = sim_hex(req_hex);
	g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
	const guint8 *q = g_bytes_get_data(req, NULL);
	const guint8 *p;
	g_autofree gchar *want = g_strdup_printf("a1627263%02x", (guint)rc);
	g_autoptr(GBytes) body = sim_hex(want);
	g_autoptr(GBytes) got = NULL;

	g_assert_nonnull(rsp);
	p = g_bytes_get_data(rsp, NULL);
	g_assert_cmphex(p[0], ==, byte0);
	g_assert_cmphex(p[1], ==, 0);
	g_assert_cmpuint(p[2] << 8 | p[3], ==, 5);
	g_assert_cmpmem(p + 4, 4, q + 4, 4);
	got = g_bytes_new_from_bytes(rsp, 8, g_bytes_get_size(rsp) - 8);
	g_assert_true(g_bytes_equal(got, body));
}

static void
test_frame_errors(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r = NULL;

	sim_fx_start(fx);
	/* shorter than a header: dropped */
	r = call_hex(fx, "08000006000000");
	g_assert_null(r);
	/* len claims more than received: rc 9 */
	check_rc(fx, "0800000700000001a16164626869", 0x09, 9);
	/* versions 2 and 3: rc 13, answered with ver capped at 1 */
	check_rc(fx, "1000000100000002a0", 0x09, 13);
	check_rc(fx, "1a00000100000003a0", 0x0b, 13);
	/* unknown group, unknown command, read of a write-only command, op 1, op 5: rc 8 */
	check_rc(fx, "0800000100400004a0", 0x09, 8);
	check_rc(fx, "0800000100000009a0", 0x09, 8);
	check_rc(fx, "0800000100000505a0", 0x09, 8);
	check_rc(fx, "0a00000100000506a0", 0x0b, 8);
	check_rc(fx, "0900000100000006a0", 0x0b, 8);
	check_rc(fx, "0d00000100000007a0", 0x0b, 8);
	check_rc(fx, "0000000100010001a0", 0x01, 8);
	/* task stats, memory pool, date-time, console echo: not built in */
	check_rc(fx, "0800000100000202a0", 0x09, 8);
	check_rc(fx, "0800000100000303a0", 0x09, 8);
	check_rc(fx, "0800000100000404a0", 0x09, 8);
	check_rc(fx, "0a00000100000101a0", 0x0b, 8);
	/* slot info is only built with several images */
	check_rc(fx, "0800000100010106a0", 0x09, 8);
	/* echo: no body, a body that is not a map, bad CBOR, wrong type of "d": rc 3 */
	check_rc(fx, "0a00000000000800", 0x0b, 3);
	check_rc(fx, "0a0000010000090080", 0x0b, 3);
	check_rc(fx, "0a00000200000a00a161", 0x0b, 3);
	check_rc(fx, "0a00000400000b00a1616401", 0x0b, 3);
	/* a duplicate key: rc 3 */
	check_rc(fx, "0a00000900000c00a26164617861646179", 0x0b, 3);
	/* v1 requests get v1 answers */
	check_rc(fx, "0200000000001000", 0x03, 3);
	/* parameterless read with len 0: fine (params), trailing bytes ignored */
	r = call_hex(fx, "0800000000000d06ff");
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_cmpint(sim_get_int(b, "buf_size"), ==, 2475);
		g_assert_cmpint(sim_get_int(b, "buf_count"), ==, 4);
		g_assert_cmpuint(cbor_map_size(b), ==, 2);
	}
	sim_fx_free(fx);
}

static void
test_v1_disabled(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r2 = NULL;

	fx->config->smp_v1 = FALSE;
	sim_fx_start(fx);
	check_rc(fx, "0200000600000000a16164626869", 0x03, 12);
	r2 = call_hex(fx, "0a00000600000100a16164626869");
	assert_frame(r2, "0b00000600000100a16172626869");
	sim_fx_free(fx);
}

/* an OS group read whose map holds at most one text parameter @key (absent when @value is NULL) */
static GBytes *
os_read_with_text(SimFx *fx, guint ver, guint8 id, const gchar *key, const gchar *value)
{
	guint8 buf[64];
	DfudSmpCborWriter w;
	g_autoptr(GBytes) req = NULL;

	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, value != NULL);
	if (value != NULL)
		dfud_smp_cbor_writer_key_text(&w, key, value);
	req = sim_frame(fx, ver, 0, 0, id, buf, w.pos);
	return sim_fx_call(fx, req);
}

static GBytes *
os_info(SimFx *fx, guint ver, const gchar *format)
{
	return os_read_with_text(fx, ver, 7, "format", format);
}

static void
test_os_info(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;
	g_autoptr(GBytes) r4 = NULL;
	g_autoptr(GBytes) r5 = NULL;
	g_autoptr(GBytes) r6 = NULL;

	sim_fx_start(fx);
	r1 = os_info(fx, 1, NULL);
	sim_assert_text(r1, "output", "Zephyr");
	/* fixed order, whatever the order of the letters */
	r2 = os_info(fx, 1, "in");
	sim_assert_text(r2, "output", "dfud-sim nrf52840dk");
	/* r: the build version, v: the kernel's; no b (build date and time not built in) */
	r3 = os_info(fx, 1, "a");
	sim_assert_text(r3, "output",
			"Zephyr dfud-sim v4.0.99-ncs1 4.0.99 arm cortex-m4 nrf52840dk Zephyr");
	/* unknown letter (b among them): OS error 2; v1: rc 3 */
	r4 = os_info(fx, 1, "sb");
	sim_assert_err(r4, 0, 2);
	r5 = os_info(fx, 0, "sx");
	sim_assert_rc(r5, 3);
	/* params */
	r6 = call_hex(fx, "0800000100000106a0");
	/* {"buf_size": 2475, "buf_count": 4} */
	assert_frame(r6, "0900001800000106a2686275665f73697a651909ab696275665f636f756e7404");
	sim_fx_free(fx);
}

static GBytes *
bl_info(SimFx *fx, guint ver, const gchar *query)
{
	return os_read_with_text(fx, ver, 8, "query", query);
}

static void
test_bootloader_info(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;
	g_autoptr(GBytes) r4 = NULL;
	g_autoptr(GBytes) r5 = NULL;
	g_autoptr(GBytes) r6 = NULL;

	fx->config->no_downgrade = TRUE;
	sim_fx_start(fx);
	r1 = bl_info(fx, 1, NULL);
	/* {"bootloader": "MCUboot"} */
	assert_frame(r1, "0900001400000008a16a626f6f746c6f61646572674d4355626f6f74");
	r2 = bl_info(fx, 1, "mode");
	{
		g_autoptr(cbor_item_t) b = sim_body(r2);
		g_assert_cmpint(sim_get_int(b, "mode"), ==, 3);
		g_assert_true(sim_get_bool(b, "no-downgrade"));
		g_assert_cmpuint(cbor_map_size(b), ==, 2);
	}
	/* active_b0_slot only in NSIB mode */
	r3 = bl_info(fx, 1, "active_b0_slot");
	sim_assert_err(r3, 0, 3);
	r4 = bl_info(fx, 1, "nonsense");
	sim_assert_err(r4, 0, 3);
	r5 = bl_info(fx, 0, "nonsense");
	sim_assert_rc(r5, 5);
	/* a mistyped query: rc 3 */
	r6 = call_hex(fx, "0800000800000008a165717565727901");
	sim_assert_rc(r6, 3);
	sim_fx_free(fx);
}

static void
test_reset_params(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;

	sim_fx_start(fx);
	/* boot_mode 256: no boot mode support built in (the peer of tests/peer), a reset */
	r1 = call_hex(fx, "0a00000e00000105a169626f6f745f6d6f6465190100");
	assert_frame(r1, "0b00000100000105a0");
	sim_fx_iterate(fx, 50);
	g_assert_cmpuint(fx->drop_links, ==, 1);
	/* a mistyped force is ignored: empty map, then the device resets */
	r2 = call_hex(fx, "0a00000800000205a165666f726365"
			  "01");
	assert_frame(r2, "0b00000100000205a0");
	sim_fx_iterate(fx, 50);
	g_assert_cmpuint(fx->drop_links, ==, 2);
	g_assert_true(dfud_sim_device_is_running(fx->device));
	sim_fx_free(fx);
}

static void
test_emsgsize(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;

	/* an OS info answer that does not fit a 64-byte buffer: rc 7 */
	fx->config->buf_size = 64;
	sim_fx_start(fx);
	r1 = os_info(fx, 1, "a");
	sim_assert_rc(r1, 7);
	r2 = os_info(fx, 1, "s");
	sim_assert_text(r2, "output", "Zephyr");
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/echo", test_echo);
	g_test_add_func("/sim/device/frame-errors", test_frame_errors);
	g_test_add_func("/sim/device/v1-disabled", test_v1_disabled);
	g_test_add_func("/sim/device/os-info", test_os_info);
	g_test_add_func("/sim/device/bootloader-info", test_bootloader_info);
	g_test_add_func("/sim/device/reset-params", test_reset_params);
	g_test_add_func("/sim/device/emsgsize", test_emsgsize);
	return g_test_run();
}
