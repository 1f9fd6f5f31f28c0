/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/*
 * Every MCUboot mode of spec §3.5, driven with raw SMP frames (independently of the engine):
 * the mode bootloader info reports, whether the state write exists (§4.2), where an upload
 * goes (§4.3), what the state read shows (§4.1), slot info (§4.5), what boots after a reset.
 */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"
#define RAM "ramload-hashonly_1k_v1.0.0.bin"
#define RAM_HASH "c244145f94a97b6fb129e868d732d9c3d8b4335a15defef3eca28177e0dc0ea1"
#define XIP0 "directxip-slot0-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP0_HASH "c714624eec58a3116c3f51d238db613b21282716b97511e95a4bb99708e6d6cf"
#define XIP1 "directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP1_HASH "0ab07fd77eb0f6e3524d6489c111590aaefc2aaae10932312592a1255f0680e9"

/* the first chunk of @name: the answer (an error where the mode has no free slot) */
static GBytes *
upload_first(SimFx *fx, const gchar *name)
{
	g_autoptr(GBytes) file = sim_read_file(name);
	g_autoptr(GBytes) req = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL), 64,
						 (gint64)g_bytes_get_size(file), NULL, FALSE);

	return sim_fx_call(fx, req);
}

/* {"query": "mode"} */
static gint64
bootloader_mode(SimFx *fx)
{
	static const guint8 body[] = {0xa1, 0x65, 'q', 'u', 'e', 'r',
				      'y',  0x64, 'm', 'o', 'd', 'e'};
	g_autoptr(GBytes) req = sim_frame(fx, 1, 0, 0, 8, body, sizeof(body));
	g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	return sim_get_int(b, "mode");
}

/* per mode: the number bootloader info reports (spec §3.5 table; os_mgmt.c answers -1 for the
 * RAM-load builds, whose Kconfig it does not map) and whether Zephyr registers the state write
 * (§4.2: not in direct-XIP, RAM-load, firmware-loader builds; single slot RAM-load has it) */
static void
test_table(void)
{
	static const struct {
		const gchar *name;
		gint64 mode;
		gboolean state_write;
	} rows[] = {
	    {"single-slot", 0, TRUE},
	    {"swap-scratch", 1, TRUE},
	    {"overwrite-only", 2, TRUE},
	    {"swap-move", 3, TRUE},
	    {"direct-xip", 4, FALSE},
	    {"direct-xip-revert", 5, TRUE},
	    {"ram-load", -1, FALSE},
	    {"firmware-loader", 7, FALSE},
	    {"single-slot-ram-load", -1, TRUE},
	    {"swap-offset", 9, TRUE},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		DfudSimBootMode mode;
		SimFx *fx;
		g_autoptr(GBytes) r = NULL;

		g_test_message("mode %s", rows[i].name);
		g_assert_true(dfud_sim_boot_mode_from_string(rows[i].name, &mode));
		g_assert_cmpstr(dfud_sim_boot_mode_to_string(mode), ==, rows[i].name);
		fx = sim_fx_new_mode(mode, OLD);
		sim_fx_start(fx);
		g_assert_cmpint(bootloader_mode(fx), ==, rows[i].mode);
		/* confirm the running image: the state, or no handler (rc 8) */
		r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
		if (rows[i].state_write) {
			g_autoptr(cbor_item_t) b = sim_body(r);
			g_assert_true(sim_get_bool(sim_state_entry(b, 0, 0), "active"));
		} else {
			sim_assert_rc(r, 8);
		}
		sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
		sim_fx_free(fx);
	}
}

/* the slots of image 0 in slot info: their count, sizes, and which carries upload_image_id */
static void
assert_slot_info(SimFx *fx, guint n, const guint64 *sizes, gint upload_slot)
{
	g_autoptr(GBytes) req = sim_frame(fx, 1, 0, 1, 6, (const guint8 *)"\xa0", 1);
	g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
	g_autoptr(cbor_item_t) b = sim_body(rsp);
	const cbor_item_t *images = NULL;
	const cbor_item_t *slots = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_array(b, "images", DFUD_SMP_CBOR_REQUIRED, &images, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cbor_array_size(images), ==, 1);
	dfud_smp_cbor_map_get_array(cbor_array_handle(images)[0], "slots", DFUD_SMP_CBOR_REQUIRED,
				    &slots, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cbor_array_size(slots), ==, n);
	for (guint s = 0; s < n; s++) {
		const cbor_item_t *e = cbor_array_handle(slots)[s];
		g_assert_cmpint(sim_get_int(e, "slot"), ==, s);
		g_assert_cmpint(sim_get_int(e, "size"), ==, (gint64)sizes[s]);
		g_assert_cmpint(sim_has(e, "upload_image_id"), ==, (gint)s == upload_slot);
	}
}

static void
test_slot_info(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_SWAP_MOVE, OLD);
	guint64 both[2] = {0x76000, 0x76000};
	guint64 differ[2] = {0x76000, 0x40000};
	g_autoptr(GBytes) req = NULL;
	g_autoptr(GBytes) rsp = NULL;

	/* off by default with one image (CONFIG_MCUMGR_GRP_IMG_SLOT_INFO): rc 8 */
	sim_fx_start(fx);
	req = sim_frame(fx, 1, 0, 1, 6, (const guint8 *)"\xa0", 1);
	rsp = sim_fx_call(fx, req);
	sim_assert_rc(rsp, 8);
	sim_fx_free(fx);

	fx = sim_fx_new_mode(DFUD_SIM_BOOT_SWAP_MOVE, OLD);
	fx->config->slot_info = TRUE;
	sim_fx_start(fx);
	assert_slot_info(fx, 2, both, 1);
	sim_fx_free(fx);

	fx = sim_fx_new_mode(DFUD_SIM_BOOT_OVERWRITE_ONLY, OLD);
	fx->config->slot_info = TRUE;
	fx->config->slot1_size = 0x40000;
	sim_fx_start(fx);
	assert_slot_info(fx, 2, differ, 1);
	sim_fx_free(fx);

	fx = sim_fx_new_mode(DFUD_SIM_BOOT_SINGLE_SLOT, OLD);
	fx->config->slot_info = TRUE;
	sim_fx_start(fx);
	assert_slot_info(fx, 1, both, -1);
	sim_fx_free(fx);
}

/* single application slot: no slot to upload to (9), nothing but slot 0 boots */
static void
test_single_slot(gconstpointer data)
{
	DfudSimBootMode mode = GPOINTER_TO_INT(data);
	SimFx *fx = sim_fx_new_mode(mode, OLD);
	g_autoptr(GBytes) h = sim_hex(OLD_HASH);
	g_autoptr(GBytes) r1 = NULL;
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;
	g_autofree gchar *action = NULL;

	sim_fx_start(fx);
	r1 = upload_first(fx, NEW);
	sim_assert_err(r1, 1, 9);
	/* image erase of slot 1: no such flash area (10) */
	r2 = sim_fx_call_raw(fx, "\x0a\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
	sim_assert_err(r2, 1, 10);
	/* a test of the running slot: 33 (both register the write: sdk-zephyr img_mgmt.c leaves
	 * it out for MODE_RAM_LOAD, not for MODE_SINGLE_APP_RAM_LOAD) */
	r3 = sim_state_write(fx, 1, h, TRUE, FALSE);
	sim_assert_err(r3, 1, 33);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, NULL);
	g_assert_cmpstr(action, ==, "boot");
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

/* RAM-load: the highest valid version of the two RAM_LOAD images runs, no flags, no state
 * write (which images RAM-load takes: test-sim-device-xip-choice) */
static void
test_ram_load(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_RAM_LOAD, RAM);
	g_autofree gchar *hash = NULL;
	g_autoptr(GBytes) up = sim_restamp(RAM, "2.0.0+0", 0x20, 0x20000000, &hash);
	g_autoptr(GBytes) h = sim_hex(hash);
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GBytes) again = sim_read_file(RAM);

	sim_fx_start(fx);
	sim_upload(fx, 0, up);
	sim_assert_state(fx, RAM_HASH, "-CA-", hash, "----");
	r = sim_state_write(fx, 1, h, TRUE, FALSE);
	sim_assert_rc(r, 8);
	sim_fx_reset(fx);
	sim_assert_state(fx, RAM_HASH, "----", hash, "-CA-");
	/* slot 0 is the free one now; the lower version there does not run */
	sim_upload(fx, 0, again);
	sim_fx_reset(fx);
	sim_assert_state(fx, RAM_HASH, "----", hash, "-CA-");
	sim_fx_free(fx);
}

/* direct-XIP: an image linked (ROM_FIXED) for slot 0 uploaded to slot 1 is not run
 * (boot_rom_address_check); the slot 1 build is */
static void
test_direct_xip_wrong_slot(gconstpointer data)
{
	DfudSimBootMode mode = GPOINTER_TO_INT(data);
	SimFx *fx = sim_fx_new_mode(mode, OLD);
	g_autofree gchar *action = NULL;
	g_autofree gchar *reason = NULL;

	sim_fx_start(fx);
	sim_upload_name(fx, XIP0);
	if (mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT)
		sim_mark(fx, XIP0_HASH, TRUE);
	else /* the device cannot tell: a higher version is shown as what boots next */
		sim_assert_state(fx, OLD_HASH, "-CA-", XIP0_HASH, "P--M");
	sim_fx_reset(fx);
	action = sim_last_boot(fx, &reason);
	g_assert_cmpstr(action, ==, "not-booted");
	g_assert_nonnull(strstr(reason, "0xc000"));
	g_assert_nonnull(strstr(reason, "0x82000"));
	/* the old image runs on; the upload stays in its slot */
	sim_assert_state(fx, OLD_HASH, "-CA-", XIP0_HASH,
			 mode == DFUD_SIM_BOOT_DIRECT_XIP ? "P--M" : "----");
	sim_upload_name(fx, XIP1);
	if (mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT)
		sim_mark(fx, XIP1_HASH, TRUE);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "----", XIP1_HASH, "-CA-");
	sim_fx_free(fx);
}

/* with CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT the upload itself is refused
 * (25, before any erase); the build for the slot is taken */
static void
test_direct_xip_reject_upload(void)
{
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_DIRECT_XIP, OLD);
	g_autoptr(GBytes) r = NULL;

	fx->config->reject_mismatched_slot = TRUE;
	sim_fx_start(fx);
	r = upload_first(fx, XIP0);
	sim_assert_err(r, 1, 25);
	sim_upload_name(fx, XIP1);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "----", XIP1_HASH, "-CA-");
	/* slot 0 is the free one now: the slot 1 build is refused there, the slot 0 one taken */
	g_clear_pointer(&r, g_bytes_unref);
	r = upload_first(fx, XIP1);
	sim_assert_err(r, 1, 25);
	sim_upload_name(fx, XIP0);
	sim_fx_free(fx);
}

/*
 * Firmware loader: the application cannot overwrite its own slot (9) and has no state write
 * (8); `os reset` with boot_mode 1 (spec §3.2) runs the loader, which uploads to slot 0; its
 * reset runs the new application.
 */
static void
test_firmware_loader(void)
{
	static const guint8 to_loader[] = {0xa1, 0x69, 'b', 'o', 'o', 't',
					   '_',	 'm',  'o', 'd', 'e', 0x01};
	static const guint8 too_big[] = {0xa1, 0x69, 'b', 'o', 'o',  't',  '_',
					 'm',  'o',  'd', 'e', 0x19, 0x01, 0x00};
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_FIRMWARE_LOADER, OLD);
	g_autofree gchar *action = NULL;

	sim_fx_start(fx);
	{
		g_autoptr(GBytes) r1 = upload_first(fx, NEW);
		g_autoptr(GBytes) req = sim_frame(fx, 1, 2, 0, 5, too_big, sizeof(too_big));
		g_autoptr(GBytes) r2 = sim_fx_call(fx, req);
		sim_assert_err(r1, 1, 9);
		sim_assert_rc(r2, 3);
	}
	/* a plain reset runs the application again */
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_reset_body(fx, to_loader, sizeof(to_loader));
	action = sim_last_boot(fx, NULL);
	g_assert_cmpstr(action, ==, "firmware-loader");
	/* the loader: mode 7 too, the application's slot listed, not running */
	g_assert_cmpint(bootloader_mode(fx), ==, 7);
	sim_assert_state(fx, OLD_HASH, "----", NULL, NULL);
	sim_upload_name(fx, NEW);
	sim_assert_state(fx, NEW_HASH, "----", NULL, NULL);
	sim_fx_reset(fx);
	g_free(action);
	action = sim_last_boot(fx, NULL);
	g_assert_cmpstr(action, ==, "boot");
	sim_assert_state(fx, NEW_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

/* the loader stays when slot 0 holds no valid application (an upload cut short) */
static void
test_firmware_loader_no_app(void)
{
	static const guint8 to_loader[] = {0xa1, 0x69, 'b', 'o', 'o', 't',
					   '_',	 'm',  'o', 'd', 'e', 0x01};
	SimFx *fx = sim_fx_new_mode(DFUD_SIM_BOOT_FIRMWARE_LOADER, OLD);
	g_autoptr(GBytes) r = NULL;
	g_autofree gchar *action = NULL;

	sim_fx_start(fx);
	sim_fx_reset_body(fx, to_loader, sizeof(to_loader));
	r = upload_first(fx, NEW);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, NULL);
	g_assert_cmpstr(action, ==, "firmware-loader");
	sim_assert_state(fx, NULL, NULL, NULL, NULL);
	sim_upload_name(fx, OLD);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/modes/table", test_table);
	g_test_add_func("/sim/device/modes/slot-info", test_slot_info);
	g_test_add_data_func("/sim/device/modes/single-slot",
			     GINT_TO_POINTER(DFUD_SIM_BOOT_SINGLE_SLOT), test_single_slot);
	g_test_add_data_func("/sim/device/modes/single-slot-ram-load",
			     GINT_TO_POINTER(DFUD_SIM_BOOT_SINGLE_SLOT_RAM_LOAD), test_single_slot);
	g_test_add_func("/sim/device/modes/ram-load", test_ram_load);
	g_test_add_data_func("/sim/device/modes/direct-xip-wrong-slot",
			     GINT_TO_POINTER(DFUD_SIM_BOOT_DIRECT_XIP), test_direct_xip_wrong_slot);
	g_test_add_data_func("/sim/device/modes/direct-xip-revert-wrong-slot",
			     GINT_TO_POINTER(DFUD_SIM_BOOT_DIRECT_XIP_REVERT),
			     test_direct_xip_wrong_slot);
	g_test_add_func("/sim/device/modes/direct-xip-reject-upload",
			test_direct_xip_reject_upload);
	g_test_add_func("/sim/device/modes/firmware-loader", test_firmware_loader);
	g_test_add_func("/sim/device/modes/firmware-loader-no-app", test_firmware_loader_no_app);
	return g_test_run();
}
