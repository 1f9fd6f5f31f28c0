/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

/*
 * Bounded under hostile and slow devices (issue 14): a first chunk never answered fails after
 * FirstChunk, not after tries and reconnects of it; answers slower than Chunk are progress; a
 * busy answer to a command is answered again later, not a failure; an upload slower than MinRate
 * ends when its time runs out.
 */

#define DATA(name) TEST_DATA_DIR "/" name

static GError *
update(EngineSim *sim, const DfudUpdateOptions *options, gint64 *elapsed_us)
{
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	gint64 start = g_get_monotonic_time();
	GError *error = engine_run_update(sim->uri, package, options);

	if (elapsed_us != NULL)
		*elapsed_us = g_get_monotonic_time() - start;
	return error;
}

/*
 * every upload request is lost: the update fails once FirstChunk has passed since the first
 * chunk went out (copies within it), with no reconnect over UDP: not tries x reconnects of it
 */
static void
test_first_chunk_never_answered(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "drop-request:p=1,cmd=image.upload", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gint64 elapsed = 0;

	engine_test_options(&options);
	options.first_chunk_timeout_ms = 2000;
	error = update(sim, &options, &elapsed);
	g_assert_nonnull(error);
	g_test_message("%s (%" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_nonnull(strstr(error->message, "first chunk"));
	/* FirstChunk and the device read, not six of them */
	g_assert_cmpint(elapsed, <, 2 * 2000 * G_TIME_SPAN_MILLISECOND);
	engine_sim_stop(sim);
	/* one device read: no reconnect */
	g_assert_cmpuint(engine_sim_count_requests(sim, "image state read"), ==, 1);
}

/* every answer comes 1.5 s late, the chunks' timeout is 1 s: the late answers are progress */
static void
test_late_answers(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--buf-size=8192", "--fault", "delay-response:ms=1500", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.chunk_timeout_ms = 1000;
	options.first_chunk_timeout_ms = 5000;
	options.last_chunk_timeout_ms = 5000;
	options.command_timeout_ms = 5000;
	options.reset_timeout_ms = 20000;
	error = update(sim, &options, NULL);
	g_assert_no_error(error);
	engine_sim_stop(sim);
}

/* a busy answer to the image state read, the echo and the state write: answered again */
static void
test_busy_commands(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0", "--fault",
	    "busy:p=1,cmd=os.echo,count=2", "--fault", "busy:p=1,cmd=image.state-read,count=2",
	    "--fault", "busy:p=1,cmd=image.state-write,count=2", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = update(sim, &options, NULL);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_events(sim, "fault"), ==, 6);
}

/* a device busy for good on the state write: Busy, named, after the client's retries within
 * Command (a copy went out, so the state is read to see whether one was taken) */
static void
test_busy_always(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "busy:p=1,cmd=image.state-write", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.command_timeout_ms = 1500;
	error = update(sim, &options, NULL);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_BUSY);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
}

/* a device slower than MinRate: the upload ends when its time runs out, named */
static void
test_min_rate(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--link-phy=1M", "--link-interval=100", "--buf-size=256", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gint64 elapsed = 0;

	engine_test_options(&options);
	options.chunk_timeout_ms = 2000;
	options.min_rate = 200000; /* 62 KB within 0.3 s, the link carries a few kB/s */
	error = update(sim, &options, &elapsed);
	g_assert_nonnull(error);
	g_test_message("%s (%" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_nonnull(strstr(error->message, "time ran out"));
	/* FirstChunk + LastChunk + 0.3 s, and the device read */
	g_assert_cmpint(elapsed, <, 5000 * G_TIME_SPAN_MILLISECOND);
	engine_sim_stop(sim);
}

/*
 * a device that answers every chunk at or after 4096 with off 4096 and writes nothing: a named
 * error after a few back-offs, a few dozen requests, not a loop at the link's speed
 */
static void
test_stuck_offset(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "stuck-offset:offset=4096", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gint64 elapsed = 0;

	engine_test_options(&options);
	error = update(sim, &options, &elapsed);
	g_assert_nonnull(error);
	g_test_message("%s (%" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE);
	g_assert_nonnull(strstr(error->message, "answers offset 4096"));
	g_assert_cmpint(elapsed, <, 20 * G_USEC_PER_SEC);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), <, 100);
}

/*
 * rc 2 (ENOMEM) to chunks of a size the device took before: Zephyr had no buffer for the answer
 * (smp_on_err). Twice: asked again after a back-off, verified. For good: a named Device error
 * after the stuck device's few back-offs, not a failure at the first one, not a loop.
 */
static void
test_enomem(void)
{
	for (guint always = 0; always < 2; always++) {
		g_autoptr(EngineSim) sim = engine_sim_start(
		    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0", "--fault",
		    always ? "error:cmd=image.upload,rc=2,offset=4096,count=10000"
			   : "error:cmd=image.upload,rc=2,offset=4096,count=2",
		    NULL);
		g_autoptr(GError) error = NULL;
		DfudUpdateOptions options;
		gint64 elapsed = 0;

		engine_test_options(&options);
		error = update(sim, &options, &elapsed);
		engine_sim_stop(sim);
		if (!always) {
			g_assert_no_error(error);
			g_assert_cmpuint(engine_sim_count_events(sim, "fault"), ==, 2);
			continue;
		}
		g_assert_nonnull(error);
		g_test_message("%s (%" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE);
		g_assert_nonnull(strstr(error->message, "rc 2 (ENOMEM) at offset "));
		g_assert_cmpint(elapsed, <, 20 * G_USEC_PER_SEC);
		g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), <, 100);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/engine/bounds/first-chunk-never-answered",
			test_first_chunk_never_answered);
	g_test_add_func("/engine/bounds/late-answers", test_late_answers);
	g_test_add_func("/engine/bounds/busy-commands", test_busy_commands);
	g_test_add_func("/engine/bounds/busy-always", test_busy_always);
	g_test_add_func("/engine/bounds/min-rate", test_min_rate);
	g_test_add_func("/engine/bounds/stuck-offset", test_stuck_offset);
	g_test_add_func("/engine/bounds/enomem", test_enomem);
	return g_test_run();
}
