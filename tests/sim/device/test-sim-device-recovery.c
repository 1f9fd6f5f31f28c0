/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud-sim --serial-recovery against MCUboot's boot_serial (mcu-tools/mcuboot
 * boot/boot_serial/src/boot_serial.c @ 01562f5d7458b6ea1de50e5a22b7474f1ac11074): what it answers,
 * the upload into the primary slot, the reset into the application.
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "dfud-hex.h"
#include "sim-test-util.h"

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"

static SimFx *
recovery_fx(gboolean params)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	fx->config->serial_recovery = TRUE;
	fx->config->serial_recovery_params = params;
	sim_fx_start(fx);
	return fx;
}

static gchar *
hex_of(const cbor_item_t *map, const gchar *key)
{
	for (gsize i = 0; i < cbor_map_size(map); i++) {
		struct cbor_pair p = cbor_map_handle(map)[i];

		if (cbor_isa_string(p.key) && cbor_string_length(p.key) == strlen(key) &&
		    memcmp(cbor_string_handle(p.key), key, strlen(key)) == 0)
			return dfud_hex_encode(cbor_bytestring_handle(p.value),
					       cbor_bytestring_length(p.value), 64);
	}
	return NULL;
}

/* boot_serial's image list: the slots with a valid image, no active/confirmed/pending flags */
static void
assert_list(SimFx *fx, const gchar *hash0)
{
	g_autoptr(GBytes) rsp = sim_state_read(fx);
	g_autoptr(cbor_item_t) body = sim_body(rsp);
	const cbor_item_t *entry = sim_state_entry(body, 0, 0);
	g_autofree gchar *hash = NULL;

	g_assert_nonnull(entry);
	g_assert_true(sim_get_bool(entry, "bootable"));
	g_assert_false(sim_has(entry, "active"));
	g_assert_false(sim_has(entry, "confirmed"));
	g_assert_false(sim_has(entry, "pending"));
	g_assert_cmpuint(cbor_map_size(entry), ==, 4); /* bootable, slot, hash, version */
	hash = hex_of(entry, "hash");
	g_assert_cmpstr(hash, ==, hash0);
	g_assert_null(sim_state_entry(body, 0, 1));
}

static void
test_recovery_commands(void)
{
	SimFx *fx = recovery_fx(FALSE);
	static const guint8 echo[] = {0xa1, 0x61, 0x64, 0x62, 0x68, 0x69}; /* {"d": "hi"} */
	struct {
		guint op, group, id;
	} unsupported[] = {
	    {0, 0, 8},				/* bootloader info */
	    {0, 0, 7},				/* OS info */
	    {0, 0, 6},				/* params: off by default */
	    {0, 1, 6},				/* slot info: off by default */
	    {2, 1, 5},				/* erase */
	    {0, 9, 0},				/* shell */
	};

	{
		g_autoptr(GBytes) req = sim_frame(fx, 1, 0, 0, 0, echo, sizeof(echo));
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);

		sim_assert_text(rsp, "r", "hi");
	}
	{
		/* console echo control: {"rc": 0} */
		g_autoptr(GBytes) req = sim_frame(fx, 1, 2, 0, 1, (const guint8 *)"\xa0", 1);
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);

		sim_assert_rc(rsp, 0);
	}
	for (guint i = 0; i < G_N_ELEMENTS(unsupported); i++) {
		g_autoptr(GBytes) req = sim_frame(fx, 1, unsupported[i].op, unsupported[i].group,
						  unsupported[i].id, (const guint8 *)"\xa0", 1);
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);

		sim_assert_rc(rsp, 8);
	}
	/* no test or confirm: the state write is not built in by default */
	{
		g_autoptr(GBytes) hash = sim_hex(OLD_HASH);
		g_autoptr(GBytes) rsp = sim_state_write(fx, 1, hash, TRUE, TRUE);

		sim_assert_rc(rsp, 8);
	}
	assert_list(fx, OLD_HASH);
	sim_fx_free(fx);
}

static void
test_recovery_params(void)
{
	SimFx *fx = recovery_fx(TRUE);
	g_autoptr(GBytes) req = sim_frame(fx, 1, 0, 0, 6, (const guint8 *)"\xa0", 1);
	g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
	g_autoptr(cbor_item_t) body = sim_body(rsp);

	g_assert_cmpint(sim_get_int(body, "buf_size"), ==, 512);
	g_assert_cmpint(sim_get_int(body, "buf_count"), ==, 1);
	sim_fx_free(fx);
}

/* the new image goes into the primary slot; a reset boots it as the application */
static void
test_recovery_upload_reset(void)
{
	SimFx *fx = recovery_fx(FALSE);
	g_autoptr(GBytes) file = sim_read_file(NEW);
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(file, &len);
	guint64 off = 0;

	while (off < len) {
		gsize n = MIN(400, len - off);
		g_autoptr(GBytes) req = sim_upload_frame(fx, 1, 0, off, p + off, n,
							 off == 0 ? (gint64)len : -1, NULL, FALSE);
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
		g_autoptr(cbor_item_t) body = sim_body(rsp);

		off += n;
		/* every answer carries rc; no "match" */
		g_assert_cmpint(sim_get_int(body, "rc"), ==, 0);
		g_assert_cmpint(sim_get_int(body, "off"), ==, off);
		g_assert_false(sim_has(body, "match"));
		if (off == 4000) {
			/* a chunk at another offset: "pretend success" with the expected one */
			g_autoptr(GBytes) skip =
			    sim_upload_frame(fx, 1, 0, off + 400, p + off, 400, -1, NULL, FALSE);
			g_autoptr(GBytes) again = sim_fx_call(fx, skip);
			g_autoptr(cbor_item_t) b2 = sim_body(again);

			g_assert_cmpint(sim_get_int(b2, "rc"), ==, 0);
			g_assert_cmpint(sim_get_int(b2, "off"), ==, off);
		}
	}
	{
		/* past the announced length: rc 3 */
		g_autoptr(GBytes) req = sim_upload_frame(fx, 1, 0, off, p, 16, -1, NULL, FALSE);
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);

		sim_assert_rc(rsp, 3);
	}
	assert_list(fx, NEW_HASH);
	/* the reset answers {"rc": 0} and boots the application, which runs the new image */
	sim_fx_reset(fx);
	sim_assert_state(fx, NEW_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

/* the answer to the first @n bytes of NEW at offset 0, announcing @len bytes (-1: NEW's size) */
static GBytes *
first_chunk(SimFx *fx, gsize n, gint64 len)
{
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) req =
	    sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL), n,
			     len >= 0 ? len : (gint64)g_bytes_get_size(file), NULL, FALSE);

	return sim_fx_call(fx, req);
}

/* a first chunk announcing more than the slot holds: rc 3, nothing erased */
static void
test_recovery_too_large(void)
{
	SimFx *fx = recovery_fx(FALSE);
	g_autoptr(GBytes) rsp = first_chunk(fx, 200, (gint64)fx->config->slot_size + 1);

	sim_assert_rc(rsp, 3);
	assert_list(fx, OLD_HASH);
	sim_fx_free(fx);
}

/* an upload cut short: the primary slot holds part of an image, which fails validation, and
 * bs_list() lists only images that pass it: the list is empty (the old image is gone) */
static void
test_recovery_partial_not_listed(void)
{
	SimFx *fx = recovery_fx(FALSE);
	g_autoptr(GBytes) rsp = first_chunk(fx, 400, -1);
	g_autoptr(cbor_item_t) answer = sim_body(rsp);
	g_autoptr(GBytes) list = NULL;
	g_autoptr(cbor_item_t) body = NULL;

	g_assert_cmpint(sim_get_int(answer, "rc"), ==, 0);
	g_assert_cmpint(sim_get_int(answer, "off"), ==, 400);
	list = sim_state_read(fx);
	body = sim_body(list);
	g_assert_null(sim_state_entry(body, 0, 0));
	g_assert_null(sim_state_entry(body, 0, 1));
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/recovery/commands", test_recovery_commands);
	g_test_add_func("/sim/recovery/params", test_recovery_params);
	g_test_add_func("/sim/recovery/upload-reset", test_recovery_upload_reset);
	g_test_add_func("/sim/recovery/too-large", test_recovery_too_large);
	g_test_add_func("/sim/recovery/partial-not-listed", test_recovery_partial_not_listed);
	return g_test_run();
}
