/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "dfud-error.h"
#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/*
 * The faults of slow and hostile devices (issue 14): an upload stuck at an offset, answers late
 * for one command or for upload chunks from an offset on, a command that holds the work queue,
 * requests lost from an offset on, busy answers from an offset on, and faults that wait for the
 * device's reboot (boot=).
 */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_SIZE 61992
#define CHUNK 1000
/* an SMP v1 echo of "hi" */
#define ECHO "\x0a\x00\x00\x06\x00\x00\x00\x00\xa1\x61\x64\x62\x68\x69"
#define ECHO_LEN 14

static SimFx *
fx_with(const gchar *spec)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	sim_fx_add_fault(fx, spec);
	sim_fx_start(fx);
	return fx;
}

/* the upload chunk at @off of @file (CHUNK bytes, or what is left), sent and answered */
static GBytes *
chunk_call(SimFx *fx, GBytes *file, guint64 off)
{
	gsize size = g_bytes_get_size(file);
	gsize n = MIN((gsize)CHUNK, size - off);
	g_autoptr(GBytes) sha = off == 0 ? sim_sha256(file) : NULL;
	g_autoptr(GBytes) q =
	    sim_upload_frame(fx, 1, 0, off, (const guint8 *)g_bytes_get_data(file, NULL) + off, n,
			     off == 0 ? (gint64)size : -1, sha, FALSE);

	return sim_fx_call(fx, q);
}

/* the `off` the device answers to the chunk at @off */
static gint64
chunk_off(SimFx *fx, GBytes *file, guint64 off)
{
	g_autoptr(GBytes) frame = chunk_call(fx, file, off);
	g_autoptr(cbor_item_t) body = NULL;

	g_assert_nonnull(frame);
	body = sim_body(frame);
	return sim_get_int(body, "off");
}

static guint
count_events(SimFx *fx, const gchar *event)
{
	g_autoptr(GPtrArray) events = sim_log_events(fx, event);

	return events->len;
}

/* the first @len bytes of image 0's secondary slot, where an upload goes (the flash file ends
 * after the last byte written: erased flash, 0xff, beyond) */
static GBytes *
slot1_bytes(SimFx *fx, gsize len)
{
	g_autofree gchar *path = g_build_filename(fx->root, "dev0", "image0-slot1.bin", NULL);
	g_autofree gchar *data = NULL;
	gsize got = 0;
	g_autoptr(GError) error = NULL;
	guint8 *out = g_malloc(len);

	g_assert_true(g_file_get_contents(path, &data, &got, &error));
	g_assert_no_error(error);
	memset(out, 0xff, len);
	memcpy(out, data, MIN(got, len));
	return g_bytes_new_take(out, len);
}

static void
test_stuck_offset(void)
{
	SimFx *fx = fx_with("stuck-offset:offset=2048");
	g_autoptr(GBytes) file = sim_read_file(NEW);
	const guint8 *p = g_bytes_get_data(file, NULL);
	g_autoptr(GBytes) slot = NULL;

	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	g_assert_cmpint(chunk_off(fx, file, 1000), ==, 2000);
	/* the chunk that crosses 2048 is written up to 2048 only */
	g_assert_cmpint(chunk_off(fx, file, 2000), ==, 2048);
	/* and from there on, for ever: the same chunk again, the next one */
	for (guint i = 0; i < 20; i++)
		g_assert_cmpint(chunk_off(fx, file, 2048), ==, 2048);
	g_assert_cmpint(chunk_off(fx, file, 3048), ==, 2048);
	/* the same upload started again resumes at the stuck offset */
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 2048);
	slot = slot1_bytes(fx, 3000);
	g_assert_cmpmem(g_bytes_get_data(slot, NULL), 2048, p, 2048);
	for (gsize i = 2048; i < 3000; i++)
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(slot, NULL))[i], ==, 0xff);
	/* every stuck answer is a logged firing: 1 + 20 (the next chunk and the resume answer
	 * are the device's ordinary answers to an unexpected offset) */
	g_assert_cmpuint(count_events(fx, "fault"), ==, 21);
	sim_fx_free(fx);
}

static void
test_stuck_offset_count(void)
{
	/* stuck twice (the chunk across 2048, one at 2048), then the upload goes on to the end */
	SimFx *fx = fx_with("stuck-offset:offset=2048,count=2");
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) slot = NULL;
	guint64 off = 0;
	guint steps = 0;

	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	g_assert_cmpint(chunk_off(fx, file, 1000), ==, 2000);
	g_assert_cmpint(chunk_off(fx, file, 2000), ==, 2048);
	g_assert_cmpint(chunk_off(fx, file, 2048), ==, 2048);
	off = 2048;
	while (off < NEW_SIZE) {
		gint64 next = chunk_off(fx, file, off);
		g_assert_cmpint(next, ==, MIN(off + CHUNK, NEW_SIZE));
		off = (guint64)next;
		g_assert_cmpuint(++steps, <=, NEW_SIZE / CHUNK + 1);
	}
	slot = slot1_bytes(fx, NEW_SIZE);
	g_assert_true(g_bytes_equal(slot, file));
	sim_fx_free(fx);

	/* at 0: the first chunk writes nothing and is answered off 0, also when sent again */
	fx = fx_with("stuck-offset:offset=0,count=2");
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 0);
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 0);
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	g_assert_cmpuint(count_events(fx, "fault"), ==, 2);
	sim_fx_free(fx);
}

static void
test_delay_cmd(void)
{
	SimFx *fx = fx_with("delay-response:cmd=image.state-read,ms=300");
	gint64 start = g_get_monotonic_time();
	g_autoptr(GBytes) echo = sim_fx_call_raw(fx, ECHO, ECHO_LEN);
	gint64 echo_us = g_get_monotonic_time() - start;
	g_autoptr(GBytes) state = NULL;

	/* other commands are answered at once, the state read every time late */
	sim_assert_text(echo, "r", "hi");
	g_assert_cmpint(echo_us, <, 300000);
	for (guint i = 0; i < 2; i++) {
		g_clear_pointer(&state, g_bytes_unref);
		start = g_get_monotonic_time();
		state = sim_state_read(fx);
		g_assert_nonnull(state);
		g_assert_cmpint(g_get_monotonic_time() - start, >=, 300000);
	}
	g_assert_cmpuint(count_events(fx, "fault"), ==, 2);
	sim_fx_free(fx);
}

static void
test_delay_offset(void)
{
	/* the answers that report off >= 2000 come late, every one of them (p=1) */
	SimFx *fx = fx_with("delay-response:cmd=image.upload,offset=2000,p=1,ms=200");
	g_autoptr(GBytes) file = sim_read_file(NEW);
	gint64 start;

	start = g_get_monotonic_time();
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 200000);
	for (guint64 off = 1000; off < 4000; off += CHUNK) {
		start = g_get_monotonic_time();
		g_assert_cmpint(chunk_off(fx, file, off), ==, off + CHUNK);
		g_assert_cmpint(g_get_monotonic_time() - start, >=, 200000);
	}
	sim_fx_free(fx);
}

static void
test_slow(void)
{
	/* the echo takes 300 ms (at --time-scale 0 too), and the state read sent right behind it
	 * waits for it: the work queue is held */
	SimFx *fx = fx_with("slow:cmd=os.echo,ms=300,count=1");
	g_autoptr(GBytes) echo = g_bytes_new_static(ECHO, ECHO_LEN);
	g_autoptr(GBytes) state = sim_frame(fx, 1, 0, 1, 0, NULL, 0);
	gint64 start = g_get_monotonic_time();
	g_autoptr(GBytes) again = NULL;

	sim_fx_send(fx, echo);
	sim_fx_send(fx, state);
	while (fx->responses->len < 2 && g_get_monotonic_time() - start < 2 * G_USEC_PER_SEC)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(fx->responses->len, ==, 2);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 300000);
	sim_assert_text(g_ptr_array_index(fx->responses, 0), "r", "hi");
	/* once (count=1): the next echo is quick */
	start = g_get_monotonic_time();
	again = sim_fx_call_raw(fx, ECHO, ECHO_LEN);
	sim_assert_text(again, "r", "hi");
	g_assert_cmpint(g_get_monotonic_time() - start, <, 300000);
	sim_fx_free(fx);
}

static void
test_drop_request_offset(void)
{
	g_autoptr(GBytes) file = sim_read_file(NEW);
	SimFx *fx = fx_with("drop-request:cmd=image.upload,offset=1000");
	g_autoptr(GBytes) lost = NULL;
	g_autoptr(GBytes) echo = NULL;

	/* alone, offset= loses the first chunk at or after it, once */
	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	lost = chunk_call(fx, file, 1000);
	g_assert_null(lost);
	g_assert_cmpint(chunk_off(fx, file, 1000), ==, 2000);
	sim_fx_free(fx);

	/* with p=1, every upload request from offset 0 on: the first chunk is never answered;
	 * other commands are */
	fx = fx_with("drop-request:cmd=image.upload,offset=0,p=1");
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GBytes) r = chunk_call(fx, file, 0);
		g_assert_null(r);
	}
	echo = sim_fx_call_raw(fx, ECHO, ECHO_LEN);
	sim_assert_text(echo, "r", "hi");
	g_assert_cmpuint(count_events(fx, "fault"), ==, 2);
	sim_fx_free(fx);
}

static void
test_busy_offset(void)
{
	SimFx *fx = fx_with("busy:cmd=image.upload,offset=1000,p=1,count=2");
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) b1 = NULL;
	g_autoptr(GBytes) b2 = NULL;

	g_assert_cmpint(chunk_off(fx, file, 0), ==, 1000);
	b1 = chunk_call(fx, file, 1000);
	sim_assert_rc(b1, 10);
	b2 = chunk_call(fx, file, 1000);
	sim_assert_rc(b2, 10);
	g_assert_cmpint(chunk_off(fx, file, 1000), ==, 2000);
	sim_fx_free(fx);
}

static void
test_boot(void)
{
	/* the first image state read after the first reboot answers busy, none before */
	SimFx *fx = fx_with("busy:cmd=image.state-read,boot=1,p=1,count=1");
	g_autoptr(GBytes) before = sim_state_read(fx);
	g_autoptr(GBytes) busy = NULL;
	g_autoptr(GBytes) after = NULL;
	g_autoptr(GBytes) later = NULL;

	g_assert_nonnull(before);
	{
		g_autoptr(cbor_item_t) b = sim_body(before);
		g_assert_true(sim_has(b, "images"));
	}
	sim_fx_reset(fx);
	busy = sim_state_read(fx);
	sim_assert_rc(busy, 10);
	after = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(after);
		g_assert_true(sim_has(b, "images"));
	}
	/* boot=1 is over at the second reboot */
	sim_fx_reset(fx);
	later = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(later);
		g_assert_true(sim_has(b, "images"));
	}
	g_assert_cmpuint(count_events(fx, "fault"), ==, 1);
	sim_fx_free(fx);
}

static void
test_parse(void)
{
	static const struct {
		const gchar *spec;
		gint64 count; /* the default count when valid */
		const gchar *error;
	} cases[] = {
	    {"stuck-offset:offset=4096", -1, NULL},
	    {"stuck-offset:offset=0,count=3", 3, NULL},
	    {"stuck-offset", 0, "stuck-offset needs offset=N"},
	    {"stuck-offset:offset=1,cmd=os.echo", 0, "unknown key \"cmd\" for stuck-offset"},
	    {"drop-request:cmd=image.upload,offset=0,p=1", -1, NULL},
	    {"drop-request:cmd=image.upload,offset=4096", 1, NULL},
	    {"drop-request:offset=4096", 0, "offset= only applies to cmd=image.upload"},
	    {"drop-request:cmd=image.upload,offset=1,after=2", 0, "needs exactly one of"},
	    {"busy:cmd=image.upload,offset=1,p=0.5", -1, NULL},
	    {"delay-response:ms=1500,cmd=image.upload", -1, NULL},
	    {"delay-response:ms=1500,cmd=image.upload,offset=100", 1, NULL},
	    {"delay-response:ms=1500,cmd=image.upload,offset=100,p=1", -1, NULL},
	    {"delay-response:ms=1500,cmd=os.echo,after=3", 1, NULL},
	    {"delay-response:ms=10,offset=100", 0, "offset= only applies to cmd=image.upload"},
	    {"busy:cmd=image.state-read,boot=1,p=1,count=1", 1, NULL},
	    {"corrupt-image:boot=2", -1, NULL},
	    {"busy:p=1,boot=x", 0, "boot=x is not an integer"},
	    {"busy:p=1,boot=-1", 0, "boot=-1 is out of range"},
	    {"slow:cmd=image.upload,offset=4096,ms=1500,p=1,count=4", 4, NULL},
	    {"slow:cmd=os.echo", 0, "slow needs ms=M"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(DfudSimFault) f = sim_parse_fault(cases[i].spec, cases[i].error);

		if (f != NULL && f->count != cases[i].count)
			g_error("%s: count %" G_GINT64_FORMAT ", wanted %" G_GINT64_FORMAT,
				cases[i].spec, f->count, cases[i].count);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/hostile/stuck-offset", test_stuck_offset);
	g_test_add_func("/sim/device/hostile/stuck-offset-count", test_stuck_offset_count);
	g_test_add_func("/sim/device/hostile/delay-cmd", test_delay_cmd);
	g_test_add_func("/sim/device/hostile/delay-offset", test_delay_offset);
	g_test_add_func("/sim/device/hostile/slow", test_slow);
	g_test_add_func("/sim/device/hostile/drop-request-offset", test_drop_request_offset);
	g_test_add_func("/sim/device/hostile/busy-offset", test_busy_offset);
	g_test_add_func("/sim/device/hostile/boot", test_boot);
	g_test_add_func("/sim/device/hostile/parse", test_parse);
	return g_test_run();
}
