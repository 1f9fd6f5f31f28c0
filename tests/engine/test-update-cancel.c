/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name
/* a cancelled update ends within this time after the cancel (generous) */
#define CANCEL_MAX_US (2 * G_TIME_SPAN_SECOND)

/*
 * Cancelling a running update never hangs: cancelled during the upload, during the wait for the
 * device after the reset, and while connecting to a port where nothing answers, the update ends
 * promptly with DFUD_ERROR_CANCELLED and a last progress in stage CANCELLED.
 */

typedef struct {
	GMainLoop *loop;
	GCancellable *cancellable;
	DfudUpdateStage cancel_stage; /* cancel once this stage is reached ... */
	guint64 cancel_after_bytes;   /* ... and this many bytes are acknowledged ... */
	guint cancel_delay_ms;	      /* ... this long after */
	guint cancel_timer;
	gint64 cancelled_at;
	gint64 done_at;
	gboolean reached;
	DfudUpdateStage last_stage;
	guint64 bytes_done;
	GError *error;
	gboolean done;
} CancelRun;

static gboolean
do_cancel(gpointer user_data)
{
	CancelRun *run = user_data;

	run->cancel_timer = 0;
	run->cancelled_at = g_get_monotonic_time();
	g_test_message("cancelling in stage %s", dfud_update_stage_to_string(run->last_stage));
	g_cancellable_cancel(run->cancellable);
	return G_SOURCE_REMOVE;
}

static void
arm_cancel(CancelRun *run)
{
	run->reached = TRUE;
	run->cancel_timer = g_timeout_add(run->cancel_delay_ms, do_cancel, run);
}

static void
on_progress(DfudUpdater *updater, gconstpointer data, gpointer user_data)
{
	const DfudUpdateProgress *p = data;
	CancelRun *run = user_data;

	(void)updater;
	run->last_stage = p->stage;
	run->bytes_done = p->bytes_done;
	/* nothing after the end */
	g_assert_false(run->done);
	if (!run->reached && p->stage == run->cancel_stage &&
	    p->bytes_done >= run->cancel_after_bytes)
		arm_cancel(run);
}

static void
update_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CancelRun *run = user_data;

	run->done_at = g_get_monotonic_time();
	dfud_updater_run_finish(DFUD_UPDATER(source), res, &run->error);
	run->done = TRUE;
	g_main_loop_quit(run->loop);
}

static gboolean
too_long(gpointer user_data)
{
	g_assert_not_reached();
	return G_SOURCE_REMOVE;
}

/* runs the update until cancelled, then checks that the cancel ended it promptly */
static void
run_and_cancel(const gchar *uri, DfudPackage *package, const DfudUpdateOptions *options,
	       CancelRun *run)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) transport = dfud_transport_new_for_uri(uri, &error);
	g_autoptr(DfudUpdater) updater = NULL;
	guint guard;

	g_assert_no_error(error);
	updater = dfud_updater_new(transport, package, options);
	g_signal_connect(updater, "progress", G_CALLBACK(on_progress), run);
	run->loop = g_main_loop_new(NULL, FALSE);
	run->cancellable = g_cancellable_new();
	run->last_stage = DFUD_UPDATE_STAGE_QUEUED;
	if (run->cancel_stage == DFUD_UPDATE_STAGE_QUEUED)
		arm_cancel(run);
	/* the test fails rather than hangs */
	guard = g_timeout_add_seconds(60, too_long, NULL);
	dfud_updater_run_async(updater, run->cancellable, update_done, run);
	g_main_loop_run(run->loop);
	g_source_remove(guard);
	g_clear_handle_id(&run->cancel_timer, g_source_remove);

	if (!run->reached)
		g_assert_no_error(run->error); /* it ended by itself: say why */
	g_assert_true(run->reached);
	g_assert_cmpint(run->cancelled_at, >, 0);
	g_assert_error(run->error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpint(run->last_stage, ==, DFUD_UPDATE_STAGE_CANCELLED);
	g_assert_cmpint(dfud_updater_get_progress(updater)->stage, ==, DFUD_UPDATE_STAGE_CANCELLED);
	g_test_message("ended %" G_GINT64_FORMAT " ms after the cancel",
		       (run->done_at - run->cancelled_at) / 1000);
	g_assert_cmpint(run->done_at - run->cancelled_at, <, CANCEL_MAX_US);
	/* the transport is left closed */
	g_assert_false(dfud_transport_is_open(transport));

	/* nothing of the update fires later: run the loop a little and see no progress */
	g_signal_handlers_disconnect_by_data(updater, run);
	g_clear_error(&run->error);
	g_main_loop_unref(run->loop);
	g_object_unref(run->cancellable);
}

/* spin the main loop for @ms: late sources of the cancelled update must not crash */
static void
spin(guint ms)
{
	gint64 end = g_get_monotonic_time() + ms * G_TIME_SPAN_MILLISECOND;

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE);
}

/* (a) mid-upload: the device spends real flash time on every chunk */
static void
test_cancel_upload(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"), "--time-scale=1",
			     "--buf-size=256", "--buf-count=2", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_300k_v1.0.0.bin");
	g_autoptr(GArray) offsets = NULL;
	DfudUpdateOptions options;
	CancelRun run = {
	    .cancel_stage = DFUD_UPDATE_STAGE_UPLOADING,
	    .cancel_after_bytes = 1,
	    .cancel_delay_ms = 300,
	};

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	options.first_chunk_timeout_ms = 20000;
	options.chunk_timeout_ms = 5000;
	options.last_chunk_timeout_ms = 20000;
	run_and_cancel(sim->uri, package, &options, &run);
	/* it was mid-upload: some bytes acknowledged, far from all */
	g_assert_cmpuint(run.bytes_done, >, 0);
	g_assert_cmpuint(run.bytes_done, <, 300000);
	spin(500);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
	offsets = engine_sim_upload_offsets(sim);
	g_assert_cmpuint(offsets->len, >, 1);
}

/* (b) after the reset: the device swaps for 3 s and does not answer meanwhile */
static void
test_cancel_reset_wait(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"),
						    "--time-scale=1", "--swap-time=3000", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	DfudUpdateOptions options;
	CancelRun run = {
	    .cancel_stage = DFUD_UPDATE_STAGE_RESETTING,
	    .cancel_delay_ms = 1000,
	};

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	options.first_chunk_timeout_ms = 20000;
	options.chunk_timeout_ms = 5000;
	options.last_chunk_timeout_ms = 20000;
	options.reset_timeout_ms = 30000;
	run_and_cancel(sim->uri, package, &options, &run);
	spin(500);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* (c) connecting: a UDP port that receives and never answers, with long timeouts */
static void
test_cancel_connect(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) silent = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
						 G_SOCKET_PROTOCOL_UDP, &error);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autofree gchar *uri = NULL;
	DfudUpdateOptions options;
	CancelRun run = {
	    .cancel_stage = DFUD_UPDATE_STAGE_QUEUED,
	    .cancel_delay_ms = 700,
	};

	g_assert_no_error(error);
	g_socket_bind(silent, any, FALSE, &error);
	g_assert_no_error(error);
	bound = g_socket_get_local_address(silent, &error);
	g_assert_no_error(error);
	uri = g_strdup_printf("udp:127.0.0.1:%u",
			      g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	dfud_update_options_init(&options);
	options.command_timeout_ms = 30000;
	options.connect_timeout_ms = 30000;
	run_and_cancel(uri, package, &options, &run);
	spin(300);
}

/* (c') the same, cancelled at once (before the first request could time out) */
static void
test_cancel_at_once(void)
{
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) silent = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
						 G_SOCKET_PROTOCOL_UDP, &error);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree gchar *uri = NULL;
	DfudUpdateOptions options;
	CancelRun run = {
	    .cancel_stage = DFUD_UPDATE_STAGE_QUEUED,
	    .cancel_delay_ms = 0,
	};

	g_assert_no_error(error);
	g_socket_bind(silent, any, FALSE, &error);
	g_assert_no_error(error);
	bound = g_socket_get_local_address(silent, &error);
	g_assert_no_error(error);
	uri = g_strdup_printf("udp:127.0.0.1:%u",
			      g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	dfud_update_options_init(&options);
	run_and_cancel(uri, package, &options, &run);
	spin(300);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/cancel/upload", test_cancel_upload);
	g_test_add_func("/engine/cancel/reset-wait", test_cancel_reset_wait);
	g_test_add_func("/engine/cancel/connect", test_cancel_connect);
	g_test_add_func("/engine/cancel/at-once", test_cancel_at_once);
	return g_test_run();
}
