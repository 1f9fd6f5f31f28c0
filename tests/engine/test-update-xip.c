/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Updates whose image must fit the slot it runs from: direct-XIP with the nRF Connect SDK's
 * two-variant zip and with bare ROM-fixed builds (spec §8.3, §7.2), and compressed images in
 * overwrite-only mode (DECOMP_SHA, DECOMP_SIZE), against dfud-sim over UDP.
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name
#define XIP_ZIP "dfu_application_directxip_nrf52840.zip"
#define XIP0 "directxip-slot0-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP1 "directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define COMPRESSED "compressed-lzma2armthumb-ecdsa-p256_60k_v1.5.0.bin"

static void
options_init(DfudUpdateOptions *options, DfudUpdateMode mode)
{
	engine_test_options(options);
	options->mode = mode;
}

/* @running in slot 0 (sim default addresses: slot 0 at 0xc000, slot 1 right after it at
 * 0x82000, the direct-XIP fixture's layout) */
static EngineSim *
xip_sim(const gchar *bootloader, const gchar *running)
{
	g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, running, NULL);

	return engine_sim_start("--slot0", path, "--bootloader", bootloader, "--time-scale", "0",
				"--reset-delay", "20", NULL);
}

/*
 * @file over the 1k image in @bootloader mode ends in @outcome, and a second run has nothing to
 * do: the device runs what @running names ("image 0 runs VERSION (hash PREFIX")
 */
static void
check_update(const gchar *bootloader, const gchar *file, DfudUpdateOutcome outcome,
	     const gchar *running)
{
	g_autoptr(EngineSim) sim = xip_sim(bootloader, "hashonly_1k_v1.2.3+4.bin");
	g_autoptr(DfudPackage) package = engine_load_package(file);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update_full(sim->uri, package, &options, &last);
	g_assert_no_error(error);
	g_assert_cmpint(last.steps.outcome, ==, outcome);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	g_assert_nonnull(strstr(error->message, running));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* the SDK's zip: the build for slot 1 is sent and runs there */
static void
test_xip_zip(void)
{
	check_update("direct-xip", XIP_ZIP, DFUD_UPDATE_OUTCOME_PERMANENT,
		     "image 0 runs 1.4.0 (hash 0ab0");
}

static void
test_xip_revert_zip(void)
{
	check_update("direct-xip-revert", XIP_ZIP, DFUD_UPDATE_OUTCOME_CONFIRMED,
		     "image 0 runs 1.4.0 (hash 0ab0");
}

/* running the slot-0 build: the zip has nothing newer (and its slot-1 build is no update) */
static void
test_xip_zip_running(void)
{
	g_autoptr(EngineSim) sim = xip_sim("direct-xip", XIP0);
	g_autoptr(DfudPackage) package = engine_load_package(XIP_ZIP);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	g_assert_nonnull(strstr(error->message, "image 0 runs 1.4.0 (hash c714"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

/* a bare build for slot 1: it lands in slot 1 and runs */
static void
test_xip_bare_right_slot(void)
{
	g_autoptr(EngineSim) sim = xip_sim("direct-xip", "hashonly_1k_v1.2.3+4.bin");
	g_autoptr(DfudPackage) package = engine_load_package(XIP1);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image state write"), ==, 0);
}

/*
 * A bare build for slot 0 sent while slot 0 runs: it lands in slot 1, where MCUboot does not
 * run it. Slot info carries no addresses (spec §4.5), so dfud can only tell after the reset:
 * WrongSlot, not Reverted.
 */
static void
test_xip_bare_wrong_slot(void)
{
	g_autoptr(EngineSim) sim = xip_sim("direct-xip", "hashonly_1k_v1.2.3+4.bin");
	g_autoptr(DfudPackage) package = engine_load_package(XIP0);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_WRONG_SLOT);
	g_assert_nonnull(strstr(error->message, "linked for 0xc000 (ROM_FIXED) and stays unused "
						"in slot 1"));
	engine_sim_stop(sim);
}

/*
 * The same with CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT: the device refuses the
 * first chunk (image error 25) before it erases anything, and dfud says WrongSlot
 */
static void
test_xip_bare_wrong_slot_rejected(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--bootloader", "direct-xip",
	    "--reject-mismatched-slot", "--time-scale", "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(XIP0);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_WRONG_SLOT);
	g_assert_nonnull(strstr(error->message, "refused before erasing anything"));
	engine_sim_stop(sim);
	/* one first chunk, refused; no reset */
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 1);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
}

/* direct-XIP boots the higher version: the same version is refused before any upload */
static void
test_xip_not_newer(void)
{
	g_autoptr(EngineSim) sim = xip_sim("direct-xip", XIP0);
	g_autoptr(DfudPackage) package = engine_load_package(XIP1);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	options.allow_downgrade = TRUE; /* no help: the bootloader would not run it */
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_NEWER);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

/*
 * A device that does not say its mode (bootloader info compiled out: rc 8) but has no image
 * state write either: it runs the highest version where it lies, so the zip's build for the
 * inactive slot is sent
 */
static void
test_xip_zip_mode_unknown(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--bootloader", "direct-xip",
	    "--time-scale", "0", "--reset-delay", "20", "--fault",
	    "error:cmd=os.bootloader-info,rc=8", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(XIP_ZIP);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update_full(sim->uri, package, &options, &last);
	g_assert_no_error(error);
	g_assert_cmpint(last.steps.bootloader_mode, ==, -1);
	g_assert_cmpint(last.steps.strategy, ==, DFUD_UPDATE_STRATEGY_DIRECT_XIP);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	g_assert_nonnull(strstr(error->message, "image 0 runs 1.4.0 (hash 0ab0"));
	engine_sim_stop(sim);
}

/* a mode not reported with a state write (swap, or direct-XIP with revert): which build can
 * run is unknown */
static void
test_xip_zip_mode_unknown_state_write(void)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--bootloader", "direct-xip-revert",
	    "--time-scale", "0", "--fault", "error:cmd=os.bootloader-info,rc=8", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(XIP_ZIP);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "does not report its MCUboot mode"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

/* overwrite-only decompresses: the device then reports DECOMP_SHA, a success for good */
static void
test_compressed(void)
{
	/* DECOMP_SHA runs */
	check_update("overwrite-only", COMPRESSED, DFUD_UPDATE_OUTCOME_PERMANENT,
		     "image 0 runs 1.5.0 (hash 1c6a");
}

/* slot info: the upload must fit slot 1, the decompressed image slot 0; before any byte */
static void
check_compressed_slots(const gchar *slot_size, const gchar *slot1_size, const gchar *needle)
{
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--bootloader", "overwrite-only",
	    "--slot-info", "--slot-size", slot_size, "--slot1-size", slot1_size, "--time-scale",
	    "0", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(COMPRESSED);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	options_init(&options, DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, needle));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
}

static void
test_compressed_slots(void)
{
	/* 34499 bytes uploaded, 0x200 + 60000 installed */
	check_compressed_slots("0xf000", "0x8000",
			       "the upload of 34499 bytes does not fit slot 1 of 32768 bytes");
	check_compressed_slots("0xe000", "0x9000",
			       "the decompressed image of 60512 bytes does not fit slot 0 of "
			       "57344 bytes");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/xip/zip", test_xip_zip);
	g_test_add_func("/engine/xip/revert-zip", test_xip_revert_zip);
	g_test_add_func("/engine/xip/zip-running", test_xip_zip_running);
	g_test_add_func("/engine/xip/bare-right-slot", test_xip_bare_right_slot);
	g_test_add_func("/engine/xip/bare-wrong-slot", test_xip_bare_wrong_slot);
	g_test_add_func("/engine/xip/not-newer", test_xip_not_newer);
	g_test_add_func("/engine/xip/zip-mode-unknown", test_xip_zip_mode_unknown);
	g_test_add_func("/engine/xip/zip-mode-unknown-state-write",
			test_xip_zip_mode_unknown_state_write);
	g_test_add_func("/engine/xip/bare-wrong-slot-rejected", test_xip_bare_wrong_slot_rejected);
	g_test_add_func("/engine/compressed/update", test_compressed);
	g_test_add_func("/engine/compressed/slots", test_compressed_slots);
	return g_test_run();
}
