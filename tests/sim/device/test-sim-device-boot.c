/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/* MCUboot across resets: test, confirm, revert, permanent, refusals, NSIB, persistence */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"

static SimFx *
fx_new(const gchar *slot0)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, slot0, NULL);
	return fx;
}

static void
test_test_confirm(void)
{
	SimFx *fx = fx_new(OLD);
	g_autoptr(GBytes) r = NULL;

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "----");
	sim_mark(fx, NEW_HASH, FALSE);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P---");
	sim_fx_reset(fx);
	/* the test image runs unconfirmed, the old one is the revert target */
	sim_assert_state(fx, NEW_HASH, "--A-", OLD_HASH, "-C--");
	/* the revert target is in use: no upload, no erase (9; v1 6); test of anything: 28 */
	{
		g_autoptr(GBytes) file = sim_read_file(OLD);
		g_autoptr(GBytes) req = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL),
							 64, 1000, NULL, FALSE);
		g_autoptr(GBytes) r1 = sim_fx_call(fx, req);
		g_autoptr(GBytes) r2 =
		    sim_fx_call_raw(fx, "\x0a\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
		g_autoptr(GBytes) r3 =
		    sim_fx_call_raw(fx, "\x02\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
		g_autoptr(GBytes) h = sim_hex(OLD_HASH);
		g_autoptr(GBytes) r4 = sim_state_write(fx, 1, h, TRUE, FALSE);
		sim_assert_err(r1, 1, 9);
		sim_assert_err(r2, 1, 9);
		sim_assert_rc(r3, 6);
		sim_assert_err(r4, 1, 28);
	}
	/* confirm without a hash: the running image */
	r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_true(sim_get_bool(sim_state_entry(b, 0, 0), "confirmed"));
	}
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_free(fx);
}

static void
test_revert(void)
{
	SimFx *fx = fx_new(OLD);

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "--A-", OLD_HASH, "-C--");
	/* not confirmed: MCUboot goes back */
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "----");
	sim_fx_free(fx);
}

static void
test_permanent(void)
{
	SimFx *fx = fx_new(OLD);

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, TRUE);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P--M");
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", OLD_HASH, "----");
	sim_fx_free(fx);
}

static void
test_corrupt_refused(void)
{
	SimFx *fx = fx_new(OLD);
	const gchar *corrupt_hash =
	    "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146";

	sim_fx_start(fx);
	/* listed (its hash TLV is readable), refused at boot: hash mismatch, slot erased */
	sim_upload_name(fx, "broken_body-corrupt.bin");
	sim_mark(fx, corrupt_hash, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

static void
test_wrong_key_refused(void)
{
	SimFx *fx = fx_new("ecdsa-p256_60k_v1.2.3+4.bin");
	const gchar *p256 = "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146";
	const gchar *ed = "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802";
	const gchar *pad = "d59773e23188316eeeee696b21144f46144b1bcc37db5422f22e7f640b2814eb";

	fx->config->key_path = g_build_filename(TEST_DATA_DIR, "key-ecdsa-p256.pem", NULL);
	sim_fx_start(fx);
	/* signed with another key: refused, the old image keeps running, flags unchanged */
	sim_upload_name(fx, "ed25519_60k_v2.0.0.bin");
	sim_mark(fx, ed, TRUE);
	sim_fx_reset(fx);
	sim_assert_state(fx, p256, "-CA-", NULL, NULL);
	/* unsigned: refused too */
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, p256, "-CA-", NULL, NULL);
	/* signed with the key: boots */
	sim_upload_name(fx, "padheader-ecdsa-p256_60k_v1.3.0.bin");
	sim_mark(fx, pad, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, pad, "--A-", p256, "-C--");
	sim_fx_free(fx);
}

static void
test_overwrite_only(void)
{
	SimFx *fx = fx_new(OLD);

	fx->config->boot_mode = DFUD_SIM_BOOT_OVERWRITE_ONLY;
	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_fx_reset(fx);
	/* copied, no revert, secondary erased */
	sim_assert_state(fx, NEW_HASH, "-CA-", NULL, NULL);
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

static void
test_direct_xip(void)
{
	SimFx *fx = fx_new(OLD);
	g_autoptr(GBytes) h = sim_hex(NEW_HASH);
	g_autoptr(GBytes) r = NULL;

	fx->config->boot_mode = DFUD_SIM_BOOT_DIRECT_XIP;
	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	/* a higher version in the other slot: pending + permanent, no state write handler */
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "P--M");
	r = sim_state_write(fx, 1, h, TRUE, FALSE);
	sim_assert_rc(r, 8);
	sim_fx_reset(fx);
	/* slot 1 runs now, nothing copied; uploads go to slot 0 */
	sim_assert_state(fx, OLD_HASH, "----", NEW_HASH, "-CA-");
	sim_fx_free(fx);
}

static void
test_direct_xip_revert(void)
{
	SimFx *fx = fx_new(OLD);

	fx->config->boot_mode = DFUD_SIM_BOOT_DIRECT_XIP_REVERT;
	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "----");
	/* not marked: the higher version is erased (loader.c, boot_select_or_erase()) */
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-C--", NEW_HASH, "--A-");
	/* not confirmed: invalidated, back to slot 0 */
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

static GBytes *
bl_query(SimFx *fx, const gchar *query)
{
	guint8 buf[64];
	DfudSmpCborWriter w;
	g_autoptr(GBytes) req = NULL;

	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, 1);
	dfud_smp_cbor_writer_key_text(&w, "query", query);
	req = sim_frame(fx, 1, 0, 0, 8, buf, w.pos);
	return sim_fx_call(fx, req);
}

static gint64
b0_active(SimFx *fx)
{
	g_autoptr(GBytes) r = bl_query(fx, "active_b0_slot");
	g_autoptr(cbor_item_t) b = sim_body(r);

	g_assert_cmpuint(cbor_map_size(b), ==, 1);
	return sim_get_int(b, "active");
}

static void
test_nsib(void)
{
	SimFx *fx = fx_new(OLD);
	const gchar *s0 = "3ca661d1af414019f3aa28ab714c4815412b5164ab30922c62f2e4dd181b1c28";
	const gchar *s1 = "90a317ebb5815df849bd7f7124af47f3d6af1393337a0bb27bcf3dedc5e11890";
	g_autofree gchar *log = NULL;

	fx->config->mcuboot_s0_path = g_build_filename(TEST_DATA_DIR, "mcuboot-s0.bin", NULL);
	fx->config->mcuboot_s1_path = g_build_filename(TEST_DATA_DIR, "mcuboot-s1.bin", NULL);
	fx->config->key_path = g_build_filename(TEST_DATA_DIR, "key-ecdsa-p256.pem", NULL);
	sim_fx_start(fx);
	g_assert_cmpint(b0_active(fx), ==, 0);
	/* the S0 build while S0 runs: refused, nothing changes */
	sim_upload_name(fx, "mcuboot-s0.bin");
	sim_mark(fx, s0, FALSE);
	sim_fx_reset(fx);
	g_assert_cmpint(b0_active(fx), ==, 0);
	sim_assert_state(fx, OLD_HASH, "-CA-", s0, "----");
	g_file_get_contents(fx->log_path, &log, NULL, NULL);
	g_assert_nonnull(strstr(log, "\"action\":\"mcuboot-refused\""));
	g_assert_nonnull(strstr(log, "which is running"));
	/* the S1 build: installed in S1, the app keeps running, the secondary is erased */
	sim_upload_name(fx, "mcuboot-s1.bin");
	sim_mark(fx, s1, FALSE);
	sim_fx_reset(fx);
	g_assert_cmpint(b0_active(fx), ==, 1);
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	/* survives a restart of the simulator */
	sim_fx_restart(fx);
	g_assert_cmpint(b0_active(fx), ==, 1);
	sim_fx_free(fx);
}

static void
test_persistence(void)
{
	SimFx *fx = fx_new(OLD);
	g_autofree gchar *other = NULL;

	sim_fx_start(fx);
	sim_upload_name(fx, NEW);
	sim_mark(fx, NEW_HASH, FALSE);
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "--A-", OLD_HASH, "-C--");
	/* a new simulator on the same state: the same flags; --slot0 is not reinstalled */
	other = g_build_filename(TEST_DATA_DIR, "hashonly_300k_v1.0.0.bin", NULL);
	g_free(fx->config->slot0_path);
	fx->config->slot0_path = g_steal_pointer(&other);
	sim_fx_restart(fx);
	sim_assert_state(fx, NEW_HASH, "--A-", OLD_HASH, "-C--");
	/* and it still reverts */
	sim_fx_reset(fx);
	sim_assert_state(fx, OLD_HASH, "-CA-", NEW_HASH, "----");
	/* the upload state does not survive a reset */
	{
		g_autoptr(GBytes) file = sim_read_file(NEW);
		g_autoptr(GBytes) req = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL),
							 100, 5000, NULL, FALSE);
		g_autoptr(GBytes) r1 = sim_fx_call(fx, req);
		g_autoptr(GBytes) req2 = NULL;
		g_autoptr(GBytes) r2 = NULL;
		g_assert_nonnull(r1);
		sim_fx_reset(fx);
		req2 = sim_upload_frame(fx, 1, 0, 100, g_bytes_get_data(file, NULL), 100, -1, NULL,
					FALSE);
		r2 = sim_fx_call(fx, req2);
		{
			g_autoptr(cbor_item_t) b = sim_body(r2);
			g_assert_cmpint(sim_get_int(b, "off"), ==, 0);
		}
	}
	sim_fx_free(fx);
}

static void
test_bad_slot0(void)
{
	SimFx *fx = fx_new("broken_tlv-info-magic.bin");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSimLog) log = dfud_sim_log_new(NULL, NULL);
	DfudSimDevice *dev = dfud_sim_device_new(fx->config, 0, log, &error);

	g_assert_null(dev);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "broken_tlv-info-magic.bin"));
	sim_fx_free(fx);
}

static void
test_sha512(void)
{
	SimFx *fx = fx_new("hashonly-sha512_4k_v1.0.0.bin");
	g_autoptr(GBytes) r = NULL;

	fx->config->sha512 = TRUE;
	sim_fx_start(fx);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_autoptr(GBytes) got = NULL;
		dfud_smp_cbor_map_get_bytes(sim_state_entry(b, 0, 0), "hash",
					    DFUD_SMP_CBOR_REQUIRED, 64, &got, NULL);
		g_assert_cmpuint(g_bytes_get_size(got), ==, 64);
	}
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/boot/test-confirm", test_test_confirm);
	g_test_add_func("/sim/device/boot/revert", test_revert);
	g_test_add_func("/sim/device/boot/permanent", test_permanent);
	g_test_add_func("/sim/device/boot/corrupt-refused", test_corrupt_refused);
	g_test_add_func("/sim/device/boot/wrong-key-refused", test_wrong_key_refused);
	g_test_add_func("/sim/device/boot/overwrite-only", test_overwrite_only);
	g_test_add_func("/sim/device/boot/direct-xip", test_direct_xip);
	g_test_add_func("/sim/device/boot/direct-xip-revert", test_direct_xip_revert);
	g_test_add_func("/sim/device/boot/nsib", test_nsib);
	g_test_add_func("/sim/device/boot/persistence", test_persistence);
	g_test_add_func("/sim/device/boot/bad-slot0", test_bad_slot0);
	g_test_add_func("/sim/device/boot/sha512", test_sha512);
	return g_test_run();
}
