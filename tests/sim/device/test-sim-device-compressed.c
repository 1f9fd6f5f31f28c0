/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "device/dfud-sim-decompress.h"
#include "sim-test-util.h"

/*
 * Compressed images (the nRF Connect SDK's MCUboot image compression: LZMA2 + ARM-Thumb,
 * overwrite-only; spec §7.2, TLVs 0x70-0x73 §7.3) with the real imgtool output of
 * tests/data: slot 1 reports the compressed image's hash until the install, slot 0 DECOMP_SHA
 * after it; a DECOMP_SHA or DECOMP_SIZE that does not match, or a slot 0 too small, leaves the
 * old image running.
 */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define OLD_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define COMP "compressed-lzma2armthumb-ecdsa-p256_60k_v1.5.0.bin"
/* the SHA256 TLV: the compressed image as uploaded */
#define COMP_HASH "6ca93a85a9797b39226b6095f60b240d74a2b551cd6a579d5b5af79548c310a4"
/* DECOMP_SHA: the image MCUboot writes to slot 0 */
#define DECOMP_HASH "1c6a72d2859aa31962350e832d6d302bb4eec6bf1c94df7602387912f1fbc251"

static SimFx *
fx_new(DfudSimBootMode mode, guint32 slot_size, guint32 slot1_size)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->boot_mode = mode;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	fx->config->slot_size = slot_size;
	fx->config->slot1_size = slot1_size;
	return fx;
}

/* the fixture with one protected TLV's value changed, its SHA256 TLV made right again (as
 * imgtool would have signed it, minus the signature: tests run without --key) */
static GBytes *
edited(guint16 type, void (*edit)(guint8 *value, gsize len))
{
	g_autoptr(GBytes) file = sim_read_file(COMP);
	g_autoptr(DfudImage) img = dfud_image_new_from_bytes(file, NULL);
	GArray *tlvs = dfud_image_get_tlvs(img);
	gsize len = 0;
	guint8 *buf = g_bytes_unref_to_data(g_bytes_ref(file), &len);
	gboolean found = FALSE;
	gsize hashed = dfud_image_get_hashed_size(img);

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (t->protected_area && t->type == type) {
			edit(buf + t->offset, t->len);
			found = TRUE;
		}
	}
	g_assert_true(found);
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (!t->protected_area && t->type == DFUD_IMAGE_TLV_SHA256) {
			g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
			gsize n = 32;
			g_checksum_update(sum, buf, hashed);
			g_checksum_get_digest(sum, buf + t->offset, &n);
		}
	}
	return g_bytes_new_take(buf, len);
}

static void
flip_first(guint8 *value, gsize len)
{
	g_assert_cmpuint(len, ==, 32);
	value[0] ^= 0x01;
}

static void
size_plus_one(guint8 *value, gsize len)
{
	g_assert_cmpuint(len, ==, 4);
	g_assert_cmpuint(value[0] | value[1] << 8, ==, 60000);
	value[0]++;
}

/* what MCUboot writes: header with the flags cleared and the decompressed size, DECOMP_SHA
 * as its hash TLV, which is right */
static void
test_decompress(void)
{
	g_autoptr(GBytes) file = sim_read_file(COMP);
	g_autoptr(DfudImage) comp = dfud_image_new_from_bytes(file, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(DfudImage) img = NULL;
	g_autoptr(GBytes) want = sim_hex(DECOMP_HASH);
	const DfudImageVersion *v;

	g_assert_nonnull(comp);
	g_assert_true(dfud_image_is_compressed(comp));
	out = dfud_sim_decompress_image(comp, DFUD_IMAGE_TLV_SHA256, 0x76000, &error);
	g_assert_no_error(error);
	img = dfud_image_new_from_bytes(out, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(dfud_image_get_flags(img), ==, 0);
	g_assert_cmpuint(dfud_image_get_img_size(img), ==, 60000);
	g_assert_cmpuint(dfud_image_get_protect_tlv_size(img), ==, 0);
	g_assert_false(dfud_image_is_compressed(img));
	g_assert_cmpint(dfud_image_get_hash_state(img), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	g_assert_true(g_bytes_equal(dfud_image_get_hash(img), want));
	v = dfud_image_get_version(img);
	g_assert_cmpuint(v->major, ==, 1);
	g_assert_cmpuint(v->minor, ==, 5);
	/* slot 0 must hold more than header + body: exactly that much is refused */
	g_clear_pointer(&out, g_bytes_unref);
	out = dfud_sim_decompress_image(comp, DFUD_IMAGE_TLV_SHA256, 0x200 + 60000, &error);
	g_assert_null(out);
	g_assert_nonnull(strstr(error->message, "too large"));
}

static void
test_install(gconstpointer data)
{
	gboolean key = GPOINTER_TO_INT(data);
	SimFx *fx = fx_new(DFUD_SIM_BOOT_OVERWRITE_ONLY, 0x76000, 0x40000);
	g_autoptr(GBytes) file = sim_read_file(COMP);
	g_autofree gchar *action = NULL;

	/* signed with this key: MCUboot checks the signature of the compressed image and
	 * DECOMP_SIGNATURE over what it writes */
	if (key)
		fx->config->key_path = g_build_filename(TEST_DATA_DIR, "key-ecdsa-p256.pem", NULL);
	sim_fx_start(fx);
	sim_upload(fx, 0, file);
	sim_assert_state(fx, OLD_HASH, "-CA-", COMP_HASH, "----");
	sim_mark(fx, COMP_HASH, FALSE);
	sim_assert_state(fx, OLD_HASH, "-CA-", COMP_HASH, "P---");
	sim_fx_reset(fx);
	action = sim_last_boot(fx, NULL);
	g_assert_cmpstr(action, ==, "decompress");
	sim_assert_state(fx, DECOMP_HASH, "-CA-", NULL, NULL);
	/* it stays: overwrite-only has nothing to revert to */
	sim_fx_reset(fx);
	sim_assert_state(fx, DECOMP_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

/* installed or not: the old image runs on and slot 1 is erased, the reason logged */
static void
refused(SimFx *fx, GBytes *file, const gchar *want_reason)
{
	g_autofree gchar *action = NULL;
	g_autofree gchar *reason = NULL;
	g_autoptr(DfudImage) img = dfud_image_new_from_bytes(file, NULL);
	gsize n = 0;
	const guint8 *p = g_bytes_get_data(dfud_image_get_hash(img), &n);
	GString *hex = g_string_new(NULL);
	g_autofree gchar *hash = NULL;

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(hex, "%02x", p[i]);
	hash = g_string_free(hex, FALSE);
	sim_fx_start(fx);
	sim_upload(fx, 0, file);
	sim_mark(fx, hash, TRUE);
	sim_fx_reset(fx);
	action = sim_last_boot(fx, &reason);
	g_assert_cmpstr(action, ==, "refused");
	g_test_message("refused: %s", reason);
	g_assert_nonnull(strstr(reason, want_reason));
	sim_assert_state(fx, OLD_HASH, "-CA-", NULL, NULL);
	sim_fx_free(fx);
}

static void
test_bad_decomp_sha(void)
{
	g_autoptr(GBytes) file = edited(DFUD_IMAGE_TLV_DECOMP_SHA, flip_first);

	refused(fx_new(DFUD_SIM_BOOT_OVERWRITE_ONLY, 0x76000, 0x40000), file, "DECOMP_SHA");
}

static void
test_bad_decomp_size(void)
{
	g_autoptr(GBytes) file = edited(DFUD_IMAGE_TLV_DECOMP_SIZE, size_plus_one);

	refused(fx_new(DFUD_SIM_BOOT_OVERWRITE_ONLY, 0x76000, 0x40000), file, "DECOMP_SIZE");
}

/* DECOMP_SIZE against slot 0: 0x200 + 60000 bytes do not fit 0xe000 */
static void
test_slot0_too_small(void)
{
	g_autoptr(GBytes) file = sim_read_file(COMP);

	refused(fx_new(DFUD_SIM_BOOT_OVERWRITE_ONLY, 0xe000, 0x9000), file, "too large");
}

/* the uploaded size against slot 1: 34499 bytes do not fit 0x8000 (30 before any erase) */
static void
test_slot1_too_small(void)
{
	SimFx *fx = fx_new(DFUD_SIM_BOOT_OVERWRITE_ONLY, 0x76000, 0x8000);
	g_autoptr(GBytes) file = sim_read_file(COMP);
	g_autoptr(GBytes) req = NULL;
	g_autoptr(GBytes) rsp = NULL;

	sim_fx_start(fx);
	req = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL), 64,
			       (gint64)g_bytes_get_size(file), NULL, FALSE);
	rsp = sim_fx_call(fx, req);
	sim_assert_err(rsp, 1, 30);
	sim_fx_free(fx);
}

/* only an overwrite-only MCUboot decompresses */
static void
test_not_overwrite(void)
{
	g_autoptr(GBytes) file = sim_read_file(COMP);

	refused(fx_new(DFUD_SIM_BOOT_SWAP_MOVE, 0x76000, 0), file, "no decompression");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/compressed/decompress", test_decompress);
	g_test_add_data_func("/sim/device/compressed/install", GINT_TO_POINTER(FALSE),
			     test_install);
	g_test_add_data_func("/sim/device/compressed/install-signed", GINT_TO_POINTER(TRUE),
			     test_install);
	g_test_add_func("/sim/device/compressed/bad-decomp-sha", test_bad_decomp_sha);
	g_test_add_func("/sim/device/compressed/bad-decomp-size", test_bad_decomp_size);
	g_test_add_func("/sim/device/compressed/slot0-too-small", test_slot0_too_small);
	g_test_add_func("/sim/device/compressed/slot1-too-small", test_slot1_too_small);
	g_test_add_func("/sim/device/compressed/not-overwrite", test_not_overwrite);
	return g_test_run();
}
