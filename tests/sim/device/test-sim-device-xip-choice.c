/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sim-test-util.h"

/*
 * Which slot MCUboot boots in direct-XIP and RAM-load, with raw SMP frames: the highest version
 * by major.minor.revision (boot_version_cmp(), build number only with
 * CONFIG_BOOT_VERSION_CMP_USE_BUILD_NUMBER), slot 0 on a tie (find_slot_with_highest_version()),
 * RAM_LOAD images inside the executable RAM only (boot_load_image_to_sram()), a failing
 * candidate erased, a lower version never looked at (boot_load_and_validate_images()); all in
 * mcu-tools/mcuboot boot/bootutil/src/loader.c.
 */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"
#define RAM "ramload-hashonly_1k_v1.0.0.bin" /* RAM_LOAD at 0x20000000 */
#define RAM_HASH "c244145f94a97b6fb129e868d732d9c3d8b4335a15defef3eca28177e0dc0ea1"
#define CORRUPT "broken_body-corrupt.bin"     /* 1.2.3+4, hash mismatch */
#define CORRUPT_HASH "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146"
#define F_RAM_LOAD 0x20

/* RAM-load boots RAM_LOAD images only: an update without the flag is erased, the old runs */
static void
test_ram_load_flag(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_RAM_LOAD, RAM);
	g_autofree gchar *reason = NULL;
	g_autofree gchar *action = NULL;
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) up = sim_restamp(RAM, "2.0.0+0", F_RAM_LOAD, 0x20000000, &hash);

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, &reason);
	g_assert_cmpstr(action, ==, "refused");
	g_assert_nonnull(strstr(reason, "RAM_LOAD"));
	sim_assert_state(fx, RAM_HASH, "-CA-", NULL, NULL);
	/* the RAM_LOAD build of the higher version runs */
	sim_upload(fx, 0, up);
	sim_fx_reset(fx);
	sim_assert_state(fx, RAM_HASH, "----", hash, "-CA-");
	sim_fx_free(fx);
}

/* boot_verify_ram_load_address(): [ih_load_addr, + image) must lie in the executable RAM */
static void
test_ram_load_address(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_RAM_LOAD, RAM);
	g_autofree gchar *reason = NULL;
	g_autofree gchar *action = NULL;
	/* its 1576 bytes cross the end of the default 256 KiB at 0x20000000 */
	g_autoptr(GBytes) past = sim_restamp(RAM, "2.0.0+0", F_RAM_LOAD, 0x2003fc00, NULL);
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) fits = NULL;

	sim_fx_start(fx);
	sim_upload(fx, 0, past);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, &reason);
	g_assert_cmpstr(action, ==, "refused");
	g_assert_nonnull(strstr(reason, "0x2003fc00"));
	sim_assert_state(fx, RAM_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);

	/* --exec-ram-size makes the same address fit */
	fx = sim_fx_new_mode(DFUD_SIM_BOOT_RAM_LOAD, RAM);
	fx->config->exec_ram_size = 0x80000;
	fits = sim_restamp(RAM, "2.0.0+0", F_RAM_LOAD, 0x2003fc00, &hash);
	sim_fx_start(fx);
	sim_upload(fx, 0, fits);
	sim_fx_reset(fx);
	sim_assert_state(fx, RAM_HASH, "----", hash, "-CA-");
	sim_fx_free(fx);
}

/* the build number is not compared by default: an equal version in slot 1 does not run, is
 * not shown pending (img_mgmt_vercmp()) and stays; with --version-cmp-build-number it runs */
static void
test_build_number(gconstpointer data)
{
	gboolean with_build = GPOINTER_TO_INT(data);
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP, OLD);
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) up = sim_restamp(OLD, "1.2.3+9", 0, 0, &hash);

	fx->config->version_cmp_build_number = with_build;
	sim_fx_start(fx);
	sim_upload(fx, 0, up);
	sim_assert_state(fx, OLD_HASH, "-CA-", hash, "----");
	sim_fx_reset(fx);
	if (with_build)
		sim_assert_state(fx, OLD_HASH, "----", hash, "-CA-");
	else
		sim_assert_state(fx, OLD_HASH, "-CA-", hash, "----");
	sim_fx_free(fx);
}

/* on a tie slot 0 wins, also against a running slot 1 */
static void
test_tie_slot0(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP, OLD);
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) same = sim_restamp(OLD, "2.0.0+0", 0, 0, &hash);

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "----", NEW_HASH, "-CA-");
	/* 2.0.0 again, now in slot 0: Zephyr shows nothing pending, MCUboot boots it */
	sim_upload(fx, 0, same);
	sim_assert_state(fx, hash, "----", NEW_HASH, "-CA-");
	sim_fx_reset(fx);
	sim_assert_state(fx, hash, "-CA-", NEW_HASH, "----");
	sim_fx_free(fx);
}

/* a lower version is never validated: a corrupt one stays where it is; a corrupt higher one is
 * erased (boot_validate_slot() scrambles it, ARE_SLOTS_EQUIVALENT()) */
static void
test_lower_untouched(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP, NEW);
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) bad = NULL;

	sim_fx_start(fx);
	sim_upload_name(fx, CORRUPT);
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", CORRUPT_HASH, "----");
	sim_fx_free(fx);

	fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP, OLD);
	bad = sim_restamp(OLD, "3.0.0+0", 0, 0, &hash);
	/* a header change after the hash: the TLV no longer matches */
	{
		gsize len = 0;
		guint8 *b = g_bytes_unref_to_data(g_steal_pointer(&bad), &len);
		b[0x300] ^= 0xff;
		bad = g_bytes_new_take(b, len);
	}
	sim_fx_start(fx);
	sim_upload(fx, 0, bad);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

/* with revert, a higher version nobody marked is erased by boot_select_or_erase() */
static void
test_revert_unmarked(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP_REVERT, OLD);
	g_autofree gchar *reason = NULL;
	g_autofree gchar *action = NULL;

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, &reason);
	g_assert_cmpstr(action, ==, "refused");
	g_assert_nonnull(strstr(reason, "not marked"));
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	/* a marked lower version is not shown pending and does not run */
	sim_fx_free(fx);
	fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP_REVERT, NEW);
	sim_fx_start(fx);
	sim_upload_name(fx, OLD);
	sim_mark(fx, OLD_HASH, FALSE);
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/xip-choice/ram-load-flag", test_ram_load_flag);
	g_test_add_func("/sim/device/xip-choice/ram-load-address", test_ram_load_address);
	g_test_add_data_func("/sim/device/xip-choice/build-number-ignored", GINT_TO_POINTER(FALSE),
			     test_build_number);
	g_test_add_data_func("/sim/device/xip-choice/build-number-compared", GINT_TO_POINTER(TRUE),
			     test_build_number);
	g_test_add_func("/sim/device/xip-choice/tie-slot0", test_tie_slot0);
	g_test_add_func("/sim/device/xip-choice/lower-untouched", test_lower_untouched);
	g_test_add_func("/sim/device/xip-choice/revert-unmarked", test_revert_unmarked);
	return g_test_run();
}
