/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "device/dfud-sim-device-private.h"
#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/*
 * What a real Zephyr showed (tests/peer, Zephyr 4.3's smp_svr): no MCUboot under the
 * application, the reset delay, the two SMP buffers and when they are free again, packets of
 * several messages, retransmissions, lost reset requests and answers.
 */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"
/* {"d": "hi"}, v2 write, seq 0 */
#define ECHO_HEX "0a00000600000000a16164626869"
#define RESET_HEX "0a00000100000005a0"
/* {"hash": 32 bytes of 01}: no slot holds it */
#define TEST_BODY_HEX                                                                              \
	"a164686173685820"                                                                         \
	"0101010101010101010101010101010101010101010101010101010101010101"

static SimFx *
fx_new(void)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	return fx;
}

/* the responses that came since @before, waiting up to @ms for @want of them */
static guint
wait_responses(SimFx *fx, guint before, guint want, guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (fx->responses->len - before < want && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE);
	return fx->responses->len - before;
}

/* the response's body has @key */
static gboolean
has_key(GBytes *rsp, const gchar *key)
{
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	return sim_has(b, key);
}

/* the response's body is an empty map */
static gboolean
is_empty(GBytes *rsp)
{
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	return cbor_map_size(b) == 0;
}

static gint64
off_of(GBytes *rsp)
{
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	return sim_get_int(b, "off");
}

static gint64
log_time(JsonObject *o)
{
	return json_object_get_int_member(o, "t_ms");
}

static void
test_no_bootloader(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) h = sim_hex(NEW_HASH);
	g_autoptr(GPtrArray) boots = NULL;
	GBytes *r;

	fx->config->boot_mode = DFUD_SIM_BOOT_NONE;
	sim_fx_start(fx);
	sim_upload(fx, 0, file);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "----");
	/* Zephyr 4.3 without MCUboot: confirming a slot that does not run is 32 (v1: 1) */
	r = sim_state_write(fx, 1, h, TRUE, TRUE);
	sim_assert_err(r, 1, 32);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, h, TRUE, TRUE);
	sim_assert_rc(r, 1);
	g_bytes_unref(r);
	/* confirming what runs is fine */
	r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
	g_assert_false(has_key(r, "err"));
	g_bytes_unref(r);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P---");
	/* a reset swaps nothing: the test stays pending, again and again */
	for (guint i = 0; i < 2; i++) {
		sim_fx_reset(fx);
		sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P---");
	}
	boots = sim_log_events(fx, "boot");
	{
		guint restarts = 0;
		for (guint i = 0; i < boots->len; i++) {
			JsonObject *o = g_ptr_array_index(boots, i);
			if (g_strcmp0(json_object_get_string_member_with_default(o, "action", ""),
				      "restart") == 0)
				restarts++;
			g_assert_cmpstr(json_object_get_string_member_with_default(o, "action", ""),
					!=, "swap-test");
		}
		g_assert_cmpuint(restarts, ==, 2);
	}
	/* a test pending: confirm of what runs is 28 */
	r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
	sim_assert_err(r, 1, 28);
	g_bytes_unref(r);
	/* the pending slot may be erased; the mark goes with it */
	r = sim_fx_call_raw(fx, "\x0a\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
	g_assert_true(is_empty(r));
	g_bytes_unref(r);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

static GBytes *
bl_info(SimFx *fx, guint ver, const gchar *query)
{
	guint8 buf[32];
	DfudSmpCborWriter w;
	g_autoptr(GBytes) req = NULL;

	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, query != NULL);
	if (query != NULL)
		dfud_smp_cbor_writer_key_text(&w, "query", query);
	req = sim_frame(fx, ver, 0, 0, 8, buf, w.pos);
	return sim_fx_call(fx, req);
}

static void
test_no_bootloader_info(void)
{
	SimFx *fx = fx_new();
	const gchar *queries[] = {NULL, "mode", "active_b0_slot", "x"};

	fx->config->boot_mode = DFUD_SIM_BOOT_NONE;
	sim_fx_start(fx);
	/* the peer: every query, and none, yields no answer: err {0, 3}; v1 rc 5 */
	for (guint i = 0; i < G_N_ELEMENTS(queries); i++) {
		g_autoptr(GBytes) r2 = bl_info(fx, 1, queries[i]);
		g_autoptr(GBytes) r1 = bl_info(fx, 0, queries[i]);
		sim_assert_err(r2, 0, 3);
		sim_assert_rc(r1, 5);
	}
	/* without a body: no map, rc 3 */
	{
		g_autoptr(GBytes) r = sim_fx_call_raw(fx, "\x08\x00\x00\x00\x00\x00\x00\x08", 8);
		sim_assert_rc(r, 3);
	}
	sim_fx_free(fx);
}

/* sends a reset; returns the log time of its answer */
static gint64
reset_answered(SimFx *fx)
{
	g_autoptr(GBytes) req = sim_hex(RESET_HEX);
	g_autoptr(GBytes) r = sim_fx_call(fx, req);
	g_autoptr(GPtrArray) rsps = NULL;

	g_assert_nonnull(r);
	g_assert_true(is_empty(r));
	rsps = sim_log_events(fx, "response");
	return log_time(g_ptr_array_index(rsps, rsps->len - 1));
}

static void
test_reset_delay(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GPtrArray) resets = NULL;
	g_autoptr(GBytes) file = sim_read_file(NEW);
	gint64 answered, second;

	/* 250 ms, the default, at time scale 0: a software timer, not flash work */
	fx->config->reset_delay_ms = 250;
	sim_fx_start(fx);
	sim_upload(fx, 0, file);
	sim_mark(fx, NEW_HASH, FALSE);
	answered = reset_answered(fx);
	/* the old firmware answers meanwhile, its test still pending */
	sim_fx_iterate(fx, 100);
	{
		g_autoptr(GBytes) e = sim_hex(ECHO_HEX);
		g_autoptr(GBytes) r = sim_fx_call(fx, e);
		sim_assert_text(r, "r", "hi");
	}
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P---");
	g_assert_cmpuint(fx->drop_links, ==, 0);
	/* another reset meanwhile does not move the reboot (k_work_schedule()) */
	second = reset_answered(fx);
	g_assert_cmpint(second - answered, >=, 100);
	sim_fx_iterate(fx, 300);
	g_assert_cmpuint(fx->drop_links, ==, 1);
	resets = sim_log_events(fx, "reset");
	g_assert_cmpuint(resets->len, ==, 1);
	g_assert_cmpint(log_time(g_ptr_array_index(resets, 0)) - answered, >=, 249);
	g_assert_cmpint(log_time(g_ptr_array_index(resets, 0)) - answered, <, 250 + 60);
	/* the swap happened at that reboot */
	sim_assert_state(fx, NEW_HASH, "--A-", OLD_HASH, "-C--");
	sim_fx_free(fx);
}

static void
test_reset_delay_option(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GPtrArray) resets = NULL;
	gint64 answered;

	/* --reset-delay 40 with --time-scale 1: the delay is not scaled either way */
	fx->config->reset_delay_ms = 40;
	fx->config->time_scale = 1.0;
	sim_fx_start(fx);
	answered = reset_answered(fx);
	sim_fx_iterate(fx, 20);
	g_assert_cmpuint(fx->drop_links, ==, 0);
	sim_fx_iterate(fx, 100);
	g_assert_cmpuint(fx->drop_links, ==, 1);
	resets = sim_log_events(fx, "reset");
	g_assert_cmpuint(resets->len, ==, 1);
	g_assert_cmpint(log_time(g_ptr_array_index(resets, 0)) - answered, >=, 39);
	sim_fx_free(fx);
}

static void
test_buffer_release(void)
{
	for (guint count = 2; count <= 4; count += 2) {
		SimFx *fx = fx_new();
		g_autoptr(GBytes) e = sim_hex(ECHO_HEX);
		g_autoptr(GBytes) first = NULL;
		g_autoptr(GPtrArray) drops = NULL;
		gint64 t0;
		guint before;

		/* the answer's and the request's buffers are held 30 ms after the answer left */
		fx->config->buf_count = count;
		fx->config->buf_release_us = 30000;
		sim_fx_start(fx);
		first = sim_fx_call(fx, e);
		sim_assert_text(first, "r", "hi");
		/* the next request, sent at once */
		t0 = g_get_monotonic_time();
		before = fx->responses->len;
		sim_fx_send(fx, e);
		if (count == 2) {
			/* both buffers are taken: it is lost */
			g_assert_cmpuint(wait_responses(fx, before, 1, 100), ==, 0);
			drops = sim_log_events(fx, "drop");
			g_assert_cmpuint(drops->len, ==, 1);
			g_assert_cmpstr(
			    json_object_get_string_member(g_ptr_array_index(drops, 0), "reason"),
			    ==, "no free SMP buffer");
		} else {
			/* it takes a third buffer and runs once the first's are free */
			g_assert_cmpuint(wait_responses(fx, before, 1, 1000), ==, 1);
			g_assert_cmpint(g_get_monotonic_time() - t0, >=, 29000);
		}
		/* after the window the next one is answered */
		before = fx->responses->len;
		sim_fx_send(fx, e);
		g_assert_cmpuint(wait_responses(fx, before, 1, 1000), ==, 1);
		sim_fx_free(fx);
	}
	/* without the window (the default), the next request sent at once is answered */
	{
		SimFx *fx = fx_new();
		g_autoptr(GBytes) e = sim_hex(ECHO_HEX);

		fx->config->buf_count = 2;
		sim_fx_start(fx);
		for (guint i = 0; i < 20; i++) {
			g_autoptr(GBytes) r = sim_fx_call(fx, e);
			sim_assert_text(r, "r", "hi");
		}
		sim_fx_free(fx);
	}
}

/* a packet handled without a response buffer: rc 2 in the request's buffer (smp.c) */
static void
test_no_response_buffer(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GBytes) e = sim_hex(ECHO_HEX);
	g_autoptr(GBytes) op4 = sim_hex("0c00000600000000a16164626869");
	DfudSimResult result;

	sim_fx_start(fx);
	dfud_sim_dispatch(fx->device, fx->session, g_bytes_get_data(e, NULL), g_bytes_get_size(e),
			  FALSE, &result);
	g_assert_cmpuint(result.frames->len, ==, 1);
	sim_assert_rc(g_ptr_array_index(result.frames, 0), 2);
	dfud_sim_result_clear(&result);
	/* an op that needs no response buffer fails first: rc 8 */
	dfud_sim_dispatch(fx->device, fx->session, g_bytes_get_data(op4, NULL),
			  g_bytes_get_size(op4), FALSE, &result);
	sim_assert_rc(g_ptr_array_index(result.frames, 0), 8);
	dfud_sim_result_clear(&result);
	/* with the buffer: the echo */
	dfud_sim_dispatch(fx->device, fx->session, g_bytes_get_data(e, NULL), g_bytes_get_size(e),
			  TRUE, &result);
	sim_assert_text(g_ptr_array_index(result.frames, 0), "r", "hi");
	dfud_sim_result_clear(&result);
	sim_fx_free(fx);
}

/* @hex as one packet; @want responses expected: their bodies' first key, in order */
static void
check_packet(SimFx *fx, const gchar *hex, const gchar *const *want_keys)
{
	g_autoptr(GBytes) req = sim_hex(hex);
	guint want = g_strv_length((gchar **)want_keys);
	guint before = fx->responses->len;

	sim_fx_send(fx, req);
	g_assert_cmpuint(wait_responses(fx, before, want + 1, 200), ==, want);
	for (guint i = 0; i < want; i++)
		g_assert_true(has_key(g_ptr_array_index(fx->responses, before + i), want_keys[i]));
}

static void
test_several_messages(void)
{
	SimFx *fx = fx_new();
	const gchar *two_echoes[] = {"r", "r", NULL};
	const gchar *rc_only[] = {"rc", NULL};
	const gchar *err_echo[] = {"err", "r", NULL};
	const gchar *echo_only[] = {"r", NULL};

	sim_fx_start(fx);
	/* two echoes: two answers, in order (spec §1.4) */
	check_packet(fx, ECHO_HEX "0a00000600000100a16164626869", two_echoes);
	/* an SMP error ends the packet: unknown group, malformed body */
	check_packet(fx, "0800000100400004a0" ECHO_HEX, rc_only);
	check_packet(fx, "0a0000010000090001" ECHO_HEX, rc_only);
	/* a v2 group error does not; the same error of a v1 request (an rc) does */
	check_packet(fx, "0a00002800010000" TEST_BODY_HEX ECHO_HEX, err_echo);
	check_packet(fx, "0200002800010000" TEST_BODY_HEX ECHO_HEX, rc_only);
	/* a rest shorter than a header: no answer for it */
	check_packet(fx, ECHO_HEX "0102030405", echo_only);
	/* a second message whose len runs past the packet: rc 9 */
	{
		const gchar *echo_rc[] = {"r", "rc", NULL};
		check_packet(fx, ECHO_HEX "0a00000600000100a161646268", echo_rc);
	}
	sim_fx_free(fx);
}

static void
test_empty_bodies(void)
{
	SimFx *fx = fx_new();
	/* len 0: no map; what takes parameters answers rc 3, what takes none answers */
	const gchar *rc3[] = {"0800000000000007", "0800000000000008", "0a00000000010000",
			      "0a00000000010001", "0a00000000010005", "0a00000000000000"};

	sim_fx_start(fx);
	for (guint i = 0; i < G_N_ELEMENTS(rc3); i++) {
		g_autoptr(GBytes) req = sim_hex(rc3[i]);
		g_autoptr(GBytes) r = sim_fx_call(fx, req);
		sim_assert_rc(r, 3);
	}
	{
		g_autoptr(GBytes) req = sim_hex("0800000000010000");
		g_autoptr(GBytes) r = sim_fx_call(fx, req);
		g_assert_true(has_key(r, "images"));
	}
	sim_fx_free(fx);
}

static void
test_retransmit(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GBytes) e = sim_hex(ECHO_HEX);
	g_autoptr(GBytes) reset = sim_hex(RESET_HEX);
	g_autoptr(GPtrArray) resets = NULL;
	guint before;

	fx->config->reset_delay_ms = 100;
	sim_fx_start(fx);
	/* Zephyr does not look at seq: every copy is handled */
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GBytes) r = sim_fx_call(fx, e);
		sim_assert_text(r, "r", "hi");
	}
	before = fx->responses->len;
	sim_fx_send(fx, reset);
	g_assert_cmpuint(wait_responses(fx, before, 1, 50), ==, 1);
	sim_fx_send(fx, reset);
	g_assert_cmpuint(wait_responses(fx, before, 2, 50), ==, 2);
	sim_fx_iterate(fx, 250);
	resets = sim_log_events(fx, "reset");
	g_assert_cmpuint(resets->len, ==, 1);
	sim_fx_free(fx);
}

static void
test_lost_reset(void)
{
	/* the reset request lost: no reboot; the echo is not a reset and gets through */
	{
		SimFx *fx = fx_new();
		g_autoptr(GBytes) reset = sim_hex(RESET_HEX);
		g_autoptr(GBytes) e = sim_hex(ECHO_HEX);
		g_autoptr(GBytes) r1 = NULL;
		g_autoptr(GBytes) r2 = NULL;
		g_autoptr(GBytes) r3 = NULL;
		g_autoptr(GPtrArray) resets = NULL;

		sim_fx_add_fault(fx, "drop-request:cmd=os.reset,p=1,count=1");
		sim_fx_start(fx);
		r1 = sim_fx_call(fx, e);
		sim_assert_text(r1, "r", "hi");
		r2 = sim_fx_call(fx, reset);
		g_assert_null(r2);
		sim_fx_iterate(fx, 50);
		g_assert_cmpuint(fx->drop_links, ==, 0);
		/* the retry gets through */
		r3 = sim_fx_call(fx, reset);
		g_assert_nonnull(r3);
		sim_fx_iterate(fx, 50);
		resets = sim_log_events(fx, "reset");
		g_assert_cmpuint(resets->len, ==, 1);
		sim_fx_free(fx);
	}
	/* the reset's answer lost: the device reboots all the same */
	{
		SimFx *fx = fx_new();
		g_autoptr(GBytes) reset = sim_hex(RESET_HEX);
		g_autoptr(GBytes) r = NULL;
		g_autoptr(GPtrArray) resets = NULL;

		sim_fx_add_fault(fx, "drop-response:cmd=os.reset,p=1,count=1");
		sim_fx_start(fx);
		r = sim_fx_call(fx, reset);
		g_assert_null(r);
		sim_fx_iterate(fx, 50);
		resets = sim_log_events(fx, "reset");
		g_assert_cmpuint(resets->len, ==, 1);
		sim_fx_free(fx);
	}
	/* state read and state write are told apart, in requests and in responses */
	{
		SimFx *fx = fx_new();
		g_autoptr(GBytes) rd1 = NULL;
		g_autoptr(GBytes) wr = NULL;
		g_autoptr(GBytes) rd2 = NULL;

		sim_fx_add_fault(fx, "drop-response:cmd=image.state-write,p=1,count=1");
		sim_fx_start(fx);
		rd1 = sim_state_read(fx);
		g_assert_nonnull(rd1);
		wr = sim_state_write(fx, 1, NULL, TRUE, TRUE);
		g_assert_null(wr);
		rd2 = sim_state_read(fx);
		g_assert_nonnull(rd2);
		sim_fx_free(fx);
	}
}

static void
test_erase_bad_slot(void)
{
	SimFx *fx = fx_new();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	const guint8 *p = g_bytes_get_data(file, NULL);
	g_autoptr(GBytes) first = sim_upload_frame(fx, 1, 0, 0, p, 512, 61992, NULL, FALSE);
	g_autoptr(GBytes) next = sim_upload_frame(fx, 1, 0, 512, p + 512, 512, -1, NULL, FALSE);
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;

	sim_fx_start(fx);
	r1 = sim_fx_call(fx, first);
	g_assert_cmpint(off_of(r1), ==, 512);
	/* slot 2 of one image has no flash area: 10, and the upload is gone all the same */
	r2 = sim_fx_call_raw(fx, "\x0a\x00\x00\x07\x00\x01\x00\x05\xa1\x64slot\x02", 15);
	sim_assert_err(r2, 1, 10);
	r3 = sim_fx_call(fx, next);
	g_assert_cmpint(off_of(r3), ==, 0);
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/zephyr/no-bootloader", test_no_bootloader);
	g_test_add_func("/sim/device/zephyr/no-bootloader-info", test_no_bootloader_info);
	g_test_add_func("/sim/device/zephyr/reset-delay", test_reset_delay);
	g_test_add_func("/sim/device/zephyr/reset-delay-option", test_reset_delay_option);
	g_test_add_func("/sim/device/zephyr/buffer-release", test_buffer_release);
	g_test_add_func("/sim/device/zephyr/no-response-buffer", test_no_response_buffer);
	g_test_add_func("/sim/device/zephyr/several-messages", test_several_messages);
	g_test_add_func("/sim/device/zephyr/empty-bodies", test_empty_bodies);
	g_test_add_func("/sim/device/zephyr/retransmit", test_retransmit);
	g_test_add_func("/sim/device/zephyr/lost-reset", test_lost_reset);
	g_test_add_func("/sim/device/zephyr/erase-bad-slot", test_erase_bad_slot);
	return g_test_run();
}
