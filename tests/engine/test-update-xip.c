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

#include <glib/gstdio.h>
#include <string.h>

#include "engine-sim.h"
#include "test-image-stamp.h"

#define DATA(name) TEST_DATA_DIR "/" name
#define XIP_ZIP "dfu_application_directxip_nrf52840.zip"
#define XIP0 "directxip-slot0-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP1 "directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define RAM "ramload-hashonly_1k_v1.0.0.bin" /* RAM_LOAD at 0x20000000 */
#define COMPRESSED "compressed-lzma2armthumb-ecdsa-p256_60k_v1.5.0.bin"

/*
 * dfud-sim with @args, the 1k image running in slot 0 unless they name another, instant flash
 * and a short reset delay (its default slot addresses, 0xc000 and right after it 0x82000, are
 * the direct-XIP fixture's layout)
 */
static EngineSim *
sim_start(const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	if (!g_strv_contains(args, "--slot0")) {
		g_ptr_array_add(argv, (gpointer) "--slot0");
		g_ptr_array_add(argv, (gpointer)DATA("hashonly_1k_v1.2.3+4.bin"));
	}
	g_ptr_array_add(argv, (gpointer) "--time-scale=0");
	g_ptr_array_add(argv, (gpointer) "--reset-delay=20");
	g_ptr_array_add(argv, NULL);
	return engine_sim_startv((const gchar *const *)argv->pdata);
}

/*
 * @file on a device started with @args ends in @outcome with @strategy (-1: any), and a second
 * run has nothing to do: the device runs what @running names ("image 0 runs VERSION (hash
 * PREFIX")
 */
static void
check_update(const gchar *const *args, const gchar *file, gint strategy,
	     DfudUpdateOutcome outcome, const gchar *running)
{
	g_autoptr(EngineSim) sim = sim_start(args);
	g_autoptr(DfudPackage) package = engine_load_package(file);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update_full(sim->uri, package, &options, &last);
	g_assert_no_error(error);
	g_assert_cmpint(last.steps.outcome, ==, outcome);
	if (strategy >= 0)
		g_assert_cmpint(last.steps.strategy, ==, strategy);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	g_assert_nonnull(strstr(error->message, running));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/*
 * @file on a device started with @args fails with @code naming @needle, after @uploads upload
 * requests (-1: any)
 */
static void
check_refused(const gchar *const *args, const gchar *file, gint code, const gchar *needle,
	      gint uploads)
{
	g_autoptr(EngineSim) sim = sim_start(args);
	g_autoptr(DfudPackage) package = engine_load_package(file);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.allow_downgrade = TRUE; /* no help where the bootloader runs the highest version */
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, code);
	if (strstr(error->message, needle) == NULL)
		g_error("\"%s\" names no \"%s\"", error->message, needle);
	engine_sim_stop(sim);
	if (uploads >= 0)
		g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, (guint)uploads);
}

static const gchar *const xip[] = {"--bootloader", "direct-xip", NULL};
static const gchar *const xip_revert[] = {"--bootloader", "direct-xip-revert", NULL};

/* the SDK's zip: the build for slot 1 is sent and runs there */
static void
test_xip_zip(void)
{
	check_update(xip, XIP_ZIP, DFUD_UPDATE_STRATEGY_DIRECT_XIP, DFUD_UPDATE_OUTCOME_PERMANENT,
		     "image 0 runs 1.4.0 (hash 0ab0");
}

/* with revert: tested, verified, confirmed */
static void
test_xip_revert_zip(void)
{
	check_update(xip_revert, XIP_ZIP, DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT,
		     DFUD_UPDATE_OUTCOME_CONFIRMED, "image 0 runs 1.4.0 (hash 0ab0");
}

/* running the slot-0 build: the zip has nothing newer (and its slot-1 build is no update) */
static void
test_xip_zip_running(void)
{
	const gchar *args[] = {"--bootloader", "direct-xip", "--slot0", DATA(XIP0), NULL};

	check_refused(args, XIP_ZIP, DFUD_ERROR_NOTHING_TO_DO, "image 0 runs 1.4.0 (hash c714", 0);
}

/* a bare build for slot 1: it lands in slot 1 and runs */
static void
test_xip_bare_right_slot(void)
{
	check_update(xip, XIP1, DFUD_UPDATE_STRATEGY_DIRECT_XIP, DFUD_UPDATE_OUTCOME_PERMANENT,
		     "image 0 runs 1.4.0 (hash 0ab0");
}

/*
 * A bare build for slot 0 sent while slot 0 runs: it lands in slot 1, where MCUboot does not
 * run it. Slot info carries no addresses (spec §4.5), so dfud can only tell after the reset:
 * WrongSlot, not Reverted.
 */
static void
test_xip_bare_wrong_slot(void)
{
	check_refused(xip, XIP0, DFUD_ERROR_WRONG_SLOT,
		      "linked for 0xc000 (ROM_FIXED) and stays unused in slot 1", -1);
}

/*
 * The same with CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT: the device refuses the
 * first chunk (image error 25) before it erases anything, and dfud says WrongSlot
 */
static void
test_xip_bare_wrong_slot_rejected(void)
{
	const gchar *args[] = {"--bootloader", "direct-xip", "--reject-mismatched-slot", NULL};

	/* one first chunk, refused */
	check_refused(args, XIP0, DFUD_ERROR_WRONG_SLOT, "refused before erasing anything", 1);
}

/* direct-XIP boots the higher version: the same version is refused before any upload, even
 * with allow-downgrade */
static void
test_xip_not_newer(void)
{
	const gchar *args[] = {"--bootloader", "direct-xip", "--slot0", DATA(XIP0), NULL};

	check_refused(args, XIP1, DFUD_ERROR_NOT_NEWER, "is not newer than the running 1.4.0", 0);
}

/*
 * A device that does not say its mode (bootloader info compiled out: rc 8) but has no image
 * state write either: it runs the highest version where it lies, so the zip's build for the
 * inactive slot is sent
 */
static void
test_xip_zip_mode_unknown(void)
{
	const gchar *args[] = {"--bootloader", "direct-xip", "--fault",
			       "error:cmd=os.bootloader-info,rc=8", NULL};

	check_update(args, XIP_ZIP, DFUD_UPDATE_STRATEGY_DIRECT_XIP,
		     DFUD_UPDATE_OUTCOME_PERMANENT, "image 0 runs 1.4.0 (hash 0ab0");
}

/* a mode not reported with a state write (swap, or direct-XIP with revert): which build can
 * run is unknown */
static void
test_xip_zip_mode_unknown_state_write(void)
{
	const gchar *args[] = {"--bootloader", "direct-xip-revert", "--fault",
			       "error:cmd=os.bootloader-info,rc=8", NULL};

	check_refused(args, XIP_ZIP, DFUD_ERROR_NOT_SUPPORTED, "does not report its MCUboot mode",
		      0);
}

/* overwrite-only decompresses: the device then reports DECOMP_SHA, a success for good */
static void
test_compressed(void)
{
	const gchar *args[] = {"--bootloader", "overwrite-only", NULL};

	check_update(args, COMPRESSED, DFUD_UPDATE_STRATEGY_OVERWRITE,
		     DFUD_UPDATE_OUTCOME_PERMANENT, "image 0 runs 1.5.0 (hash 1c6a");
}

/* slot info: the upload must fit slot 1, the decompressed image slot 0; before any byte */
static void
test_compressed_slots(void)
{
	const gchar *small1[] = {"--bootloader", "overwrite-only", "--slot-info", "--slot-size",
				 "0xf000", "--slot1-size", "0x8000", NULL};
	const gchar *small0[] = {"--bootloader", "overwrite-only", "--slot-info", "--slot-size",
				 "0xe000", "--slot1-size", "0x9000", NULL};

	/* 34499 bytes uploaded, 0x200 + 60000 installed */
	check_refused(small1, COMPRESSED, DFUD_ERROR_INVALID_ARGUMENT,
		      "the upload of 34499 bytes does not fit slot 1 of 32768 bytes", 0);
	check_refused(small0, COMPRESSED, DFUD_ERROR_INVALID_ARGUMENT,
		      "the decompressed image of 60512 bytes does not fit slot 0 of 57344 bytes",
		      0);
}

/* @name restamped (test_image_restamp()) into a new temporary directory, whose path it
 * returns in @dir */
static gchar *
restamped(const gchar *name, const gchar *version, guint32 flags, guint32 load_addr, gchar **dir)
{
	g_autoptr(GError) error = NULL;

	*dir = g_dir_make_tmp("dfud-xip-XXXXXX", &error);
	g_assert_no_error(error);
	return test_image_restamp_file(name, *dir, version, flags, load_addr, NULL);
}

static void
remove_restamped(gchar *path, gchar *dir)
{
	g_assert_cmpint(g_remove(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
	g_free(path);
	g_free(dir);
}

/* MCUboot compares major.minor.revision only (boot_version_cmp()): a new build number alone
 * would never run in direct-XIP, and is refused before the upload */
static void
test_xip_build_number_only(void)
{
	gchar *dir = NULL;
	gchar *path = restamped("hashonly_1k_v1.2.3+4.bin", "1.2.3+9", 0, 0, &dir);

	check_refused(xip, path, DFUD_ERROR_NOT_NEWER, "1.2.3+9 is not newer", 0);
	remove_restamped(path, dir);
}

/* RAM-load boots RAM_LOAD builds only (boot_load_image_to_sram()): refused before the upload */
static void
test_ram_load_not_ram_build(void)
{
	const gchar *args[] = {"--bootloader", "ram-load", "--slot0", DATA(RAM), NULL};

	check_refused(args, "hashonly_60k_v2.0.0.bin", DFUD_ERROR_WRONG_SLOT,
		      "no RAM-load build", 0);
}

/*
 * A RAM_LOAD build whose load address runs past the device's RAM: nothing on SMP tells dfud
 * that RAM, so it is sent; MCUboot erases it at the reset (boot_verify_ram_load_address()) and
 * the old image runs on: a failure, never "verified"
 */
static void
test_ram_load_outside_ram(void)
{
	const gchar *args[] = {"--bootloader", "ram-load", "--slot0", DATA(RAM), NULL};
	gchar *dir = NULL;
	gchar *path = restamped(RAM, "2.0.0+0", 0x20, 0x2003fc00, &dir);
	g_autoptr(EngineSim) sim = sim_start(args);
	g_autoptr(DfudPackage) package = engine_load_package(path);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	g_assert_true(g_error_matches(error, DFUD_ERROR, DFUD_ERROR_REVERTED));
	engine_sim_stop(sim);
	remove_restamped(path, dir);
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
	g_test_add_func("/engine/xip/bare-wrong-slot-rejected", test_xip_bare_wrong_slot_rejected);
	g_test_add_func("/engine/xip/not-newer", test_xip_not_newer);
	g_test_add_func("/engine/xip/zip-mode-unknown", test_xip_zip_mode_unknown);
	g_test_add_func("/engine/xip/zip-mode-unknown-state-write",
			test_xip_zip_mode_unknown_state_write);
	g_test_add_func("/engine/xip/build-number-only", test_xip_build_number_only);
	g_test_add_func("/engine/ram-load/not-ram-build", test_ram_load_not_ram_build);
	g_test_add_func("/engine/ram-load/outside-ram", test_ram_load_outside_ram);
	g_test_add_func("/engine/compressed/update", test_compressed);
	g_test_add_func("/engine/compressed/slots", test_compressed_slots);
	return g_test_run();
}
