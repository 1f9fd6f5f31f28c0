/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name

/* hashonly_1k v1.2.3+4 running, update to hashonly_60k v2.0.0 in @mode */
static void
update_single(DfudUpdateMode mode, gboolean no_reset)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"),
						    "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gboolean resets = mode != DFUD_UPDATE_MODE_UPLOAD_ONLY && !no_reset;

	engine_test_options(&options);
	options.mode = mode;
	options.no_reset = no_reset;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	if (resets) {
		/* running now: a second run has nothing to do */
		error = engine_run_update(sim->uri, package, &options);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
		g_assert_nonnull(strstr(error->message, "already up to date: image 0 runs 2.0.0 "
							"(hash f225"));
	}
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, resets ? 1 : 0);
	/* a 61992-byte image in 1500-byte packets */
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), >=, 61992 / 1500);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image state write"), ==,
			 mode == DFUD_UPDATE_MODE_UPLOAD_ONLY		       ? 0
			 : mode == DFUD_UPDATE_MODE_TEST_AND_CONFIRM && resets ? 2
									       : 1);
}

static void
test_test_and_confirm(void)
{
	update_single(DFUD_UPDATE_MODE_TEST_AND_CONFIRM, FALSE);
}

static void
test_confirm_only(void)
{
	update_single(DFUD_UPDATE_MODE_CONFIRM_ONLY, FALSE);
}

static void
test_test_only(void)
{
	update_single(DFUD_UPDATE_MODE_TEST_ONLY, FALSE);
}

static void
test_upload_only(void)
{
	update_single(DFUD_UPDATE_MODE_UPLOAD_ONLY, FALSE);
}

static void
test_no_reset(void)
{
	update_single(DFUD_UPDATE_MODE_TEST_AND_CONFIRM, TRUE);
}

/* an upload already complete is not sent again: only marked */
static void
test_uploaded_not_resent(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"),
						    "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) offsets = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.mode = DFUD_UPDATE_MODE_UPLOAD_ONLY;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	options.mode = DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	offsets = engine_sim_upload_offsets(sim);
	/* exactly one first chunk: the second run went straight to marking */
	g_assert_cmpint(g_array_index(offsets, gint64, 0), ==, 0);
	for (guint i = 1; i < offsets->len; i++)
		g_assert_cmpint(g_array_index(offsets, gint64, i), >, 0);
}

/* an update cut short after its reset (the new image runs in test) is finished by a rerun that
 * only confirms; a third run has nothing to do */
static void
test_running_in_test_confirmed(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"),
						    "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.mode = DFUD_UPDATE_MODE_TEST_ONLY;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	options.mode = DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	/* the test mark of the first run, the confirm of the second */
	g_assert_cmpuint(engine_sim_count_requests(sim, "image state write"), ==, 2);
}

static void
test_downgrade_refused(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"), "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "older than the running 2.0.0"));
	g_clear_error(&error);
	options.allow_downgrade = TRUE;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* MCUboot's no-downgrade mode refuses even with allow_downgrade */
static void
test_downgrade_device_refuses(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"),
						    "--no-downgrade", "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "no-downgrade"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

static void
test_zip_single(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_60k_v2.0.0.bin"), "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("dfu_application_single_nrf52840.zip");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.allow_downgrade = TRUE; /* 1.2.3+4 over 2.0.0 */
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	engine_sim_stop(sim);
}

/* slot info says the network core's slot is 16 KiB: its 37528-byte image is refused before
 * any upload (issue 4: "refuse an image larger than its slot") */
static void
test_image_larger_than_slot(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--images", "2", "--net-slot-size", "0x4000", "--slot0",
			     DATA("hashonly_1k_v1.2.3+4.bin"), "--slot0-net",
			     DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("dfu_application_multi_nrf5340.zip");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.allow_downgrade = TRUE;
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "image 1: the upload of 37528 bytes does not fit slot 1"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

static void
test_zip_multi(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--images", "2", "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--slot0-net",
	    DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("dfu_application_multi_nrf5340.zip");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gint marked_first = -1;

	engine_test_options(&options);
	options.allow_downgrade = TRUE; /* the network core image is 0.0.0 */
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	g_assert_nonnull(strstr(error->message, "image 0 runs 2.0.0"));
	g_assert_nonnull(strstr(error->message, "image 1 runs 0.0.0"));
	engine_sim_stop(sim);
	/* both uploaded before the first mark; the network core (image 1) marked first */
	for (guint i = 0; i < sim->log->len && marked_first < 0; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""),
			      "response") == 0 &&
		    g_strcmp0(json_object_get_string_member_with_default(o, "command", ""),
			      "image state write") == 0)
			marked_first = 1;
	}
	g_assert_cmpint(marked_first, ==, 1);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

static void
update_mcuboot(const gchar *active)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--mcuboot-s0",
			     DATA("mcuboot-s0.bin"), "--mcuboot-s1", DATA("mcuboot-s1.bin"),
			     "--b0-active", active, "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("dfu_mcuboot.zip");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	guint b0_after = G_MAXUINT;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		if (json_object_has_member(o, "b0_active"))
			b0_after = (guint)json_object_get_int_member(o, "b0_active");
	}
	g_assert_cmpuint(b0_after, ==, active[0] == '0' ? 1 : 0);
}

static void
test_mcuboot_s0(void)
{
	update_mcuboot("0");
}

static void
test_mcuboot_s1(void)
{
	update_mcuboot("1");
}

/* a device that does not report active_b0_slot cannot take an MCUboot update */
static void
test_mcuboot_no_b0(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"),
						    "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package("dfu_mcuboot.zip");
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "does not report its active S slot"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/update/test-and-confirm", test_test_and_confirm);
	g_test_add_func("/engine/update/confirm-only", test_confirm_only);
	g_test_add_func("/engine/update/test-only", test_test_only);
	g_test_add_func("/engine/update/upload-only", test_upload_only);
	g_test_add_func("/engine/update/no-reset", test_no_reset);
	g_test_add_func("/engine/update/running-in-test-confirmed", test_running_in_test_confirmed);
	g_test_add_func("/engine/update/uploaded-not-resent", test_uploaded_not_resent);
	g_test_add_func("/engine/update/downgrade-refused", test_downgrade_refused);
	g_test_add_func("/engine/update/downgrade-device-refuses", test_downgrade_device_refuses);
	g_test_add_func("/engine/update/zip-single", test_zip_single);
	g_test_add_func("/engine/update/zip-multi", test_zip_multi);
	g_test_add_func("/engine/update/larger-than-slot", test_image_larger_than_slot);
	g_test_add_func("/engine/update/mcuboot-s0", test_mcuboot_s0);
	g_test_add_func("/engine/update/mcuboot-s1", test_mcuboot_s1);
	g_test_add_func("/engine/update/mcuboot-no-b0", test_mcuboot_no_b0);
	return g_test_run();
}
