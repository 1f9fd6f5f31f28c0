/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name

/* no first chunk (off 0) after the device acknowledged any progress */
static void
assert_never_restarted(EngineSim *sim)
{
	gboolean progress = FALSE;

	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		const gchar *event = json_object_get_string_member_with_default(o, "event", "");
		const gchar *command = json_object_get_string_member_with_default(o, "command", "");
		JsonObject *body;
		if (g_strcmp0(command, "image upload") != 0 || !json_object_has_member(o, "body"))
			continue;
		body = json_object_get_object_member(o, "body");
		if (g_strcmp0(event, "response") == 0 &&
		    json_object_get_int_member_with_default(body, "off", 0) > 0)
			progress = TRUE;
		if (g_strcmp0(event, "request") == 0 && progress)
			g_assert_cmpint(json_object_get_int_member_with_default(body, "off", -1), >,
					0);
	}
}

/* one sim and one update of the 1k image in 256-byte packets, with @faults */
static void
update_small(const gchar *const *faults, gboolean check_no_restart)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(EngineSim) sim = NULL;
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	g_ptr_array_add(args, (gpointer) "--slot0");
	g_ptr_array_add(args, (gpointer)DATA("hashonly_60k_v2.0.0.bin"));
	g_ptr_array_add(args, (gpointer) "--time-scale=0");
	g_ptr_array_add(args, (gpointer) "--buf-size=256");
	for (guint i = 0; faults[i] != NULL; i++) {
		g_ptr_array_add(args, (gpointer) "--fault");
		g_ptr_array_add(args, (gpointer)faults[i]);
	}
	g_ptr_array_add(args, NULL);
	sim = engine_sim_startv((const gchar *const *)args->pdata);
	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	if (check_no_restart)
		assert_never_restarted(sim);
}

/*
 * The device completes the upload but its final answer (off == len) is lost: the engine must
 * find the image by reading state, never send a fresh first chunk (Zephyr would start over
 * and erase the completed image)
 */
static void
test_final_ack_lost(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_60k_v2.0.0.bin"), "--time-scale=0", "--buf-size=256",
	    "--fault", "drop-response:cmd=image.upload,offset=1576", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	guint fired = 0;

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""),
			      "fault") == 0)
			fired++;
	}
	/* the final answer really was lost, and the update still ended verified */
	g_assert_cmpuint(fired, ==, 1);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	assert_never_restarted(sim);
}

/* the link drops at 50 seeded random offsets: every update resumes and completes verified */
static void
test_drop_link(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(4242);

	for (guint i = 0; i < 50; i++) {
		g_autofree gchar *fault =
		    g_strdup_printf("drop-link:offset=%d", g_rand_int_range(rand, 0, 1576));
		const gchar *faults[] = {fault, NULL};
		g_test_message("%s", fault);
		update_small(faults, TRUE);
	}
}

static void
test_drop_response(void)
{
	const gchar *faults[] = {"drop-response:p=0.05", NULL};

	for (guint seed = 1; seed <= 3; seed++) {
		g_autoptr(EngineSim) sim = NULL;
		g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
		g_autoptr(GError) error = NULL;
		g_autofree gchar *seed_arg = g_strdup_printf("--seed=%u", seed);
		DfudUpdateOptions options;

		sim =
		    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
				     "--buf-size=512", "--fault", faults[0], seed_arg, NULL);
		engine_test_options(&options);
		error = engine_run_update(sim->uri, package, &options);
		g_assert_no_error(error);
		engine_sim_stop(sim);
	}
}

static void
test_duplicate_response(void)
{
	const gchar *faults[] = {"duplicate-response:p=0.3", NULL};

	update_small(faults, TRUE);
}

static void
test_busy(void)
{
	const gchar *faults[] = {"busy:p=0.2", NULL};

	update_small(faults, TRUE);
}

static void
test_slow_erase(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"), "--time-scale=1",
			     "--swap-time=200", "--fault", "slow-erase:ms=3000", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) offsets = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	options.first_chunk_timeout_ms = 6000;
	options.chunk_timeout_ms = 1000;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	/*
	 * the slow erase was waited for, never restarted: the first chunk may have gone out again
	 * while the device erased (copies after the retransmission timeout, each answered with the
	 * offset the device resumed at, spec §4.3 step 6), but once past offset 0 never again
	 */
	offsets = engine_sim_upload_offsets(sim);
	g_assert_cmpuint(offsets->len, >=, 2);
	g_assert_cmpint(g_array_index(offsets, gint64, 0), ==, 0);
	for (guint i = 1; i < offsets->len; i++) {
		if (g_array_index(offsets, gint64, i - 1) > 0)
			g_assert_cmpint(g_array_index(offsets, gint64, i), >,
					g_array_index(offsets, gint64, i - 1));
	}
	g_assert_cmpint(g_array_index(offsets, gint64, offsets->len - 1), >, 0);
	/* copies back off: 0.2, 0.4, 0.8, 1.6 s (a 1 s timeout before the first round trip) */
	g_assert_cmpuint(offsets->len, <=, 2 + 5);
}

static void
test_device_error(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "error:cmd=image.upload,rc=12,group=1,offset=4096", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE);
	g_assert_nonnull(strstr(error->message, "IMG_MGMT_ERR_FLASH_WRITE_FAILED"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
}

static void
test_corrupt_image(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "corrupt-image", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED);
	g_assert_cmpstr(error->message, ==,
			"the device booted its previous image again: image 0 runs 1.2.3.4 (hash "
			"6b28…), expected 2.0.0 (hash f225…); 2.0.0 is no longer on the device: the "
			"bootloader refused it (MCUboot erases an image that fails its checks)");
	engine_sim_stop(sim);
}

/* the driver refuses a broken file before it connects: the device sees no request */
static void
test_broken_package(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(GSubprocess) run =
	    g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, DFUD_UPDATE_RUN, sim->uri,
			     DATA("broken_bad-magic.bin"), NULL);

	g_assert_no_error(error);
	g_subprocess_communicate_utf8(run, NULL, NULL, &out, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(run), ==, DFUD_EXIT_INVALID_FILE);
	g_assert_true(g_str_has_prefix(out, "result error ImageBadMagic "));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, NULL), ==, 0);
}

static guint
in_flight_with(const gchar *buf_count)
{
	g_autofree gchar *arg = g_strdup_printf("--buf-count=%s", buf_count);
	/* the device spends (scaled) flash time on every chunk, so a window that the engine
	 * fills is seen filled whatever the machine's load: never an instant device here */
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"),
						    "--time-scale=0.1", arg, NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.mode = DFUD_UPDATE_MODE_UPLOAD_ONLY;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	return engine_sim_max_in_flight(sim);
}

/* buf_count 4: up to 3 requests in flight; buf_count 2: window 1, stop and wait (the simulator
 * needs a request and a response buffer, so it serves nothing with buf_count 1) */
static void
test_pipelining(void)
{
	guint four = in_flight_with("4");

	g_assert_cmpuint(four, >, 1);
	g_assert_cmpuint(four, <=, 3);
	g_assert_cmpuint(in_flight_with("2"), ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/faults/drop-link", test_drop_link);
	g_test_add_func("/engine/faults/final-ack-lost", test_final_ack_lost);
	g_test_add_func("/engine/faults/drop-response", test_drop_response);
	g_test_add_func("/engine/faults/duplicate-response", test_duplicate_response);
	g_test_add_func("/engine/faults/busy", test_busy);
	g_test_add_func("/engine/faults/slow-erase", test_slow_erase);
	g_test_add_func("/engine/faults/device-error", test_device_error);
	g_test_add_func("/engine/faults/corrupt-image", test_corrupt_image);
	g_test_add_func("/engine/faults/broken-package", test_broken_package);
	g_test_add_func("/engine/faults/pipelining", test_pipelining);
	return g_test_run();
}
