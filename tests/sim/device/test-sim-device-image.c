/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <string.h>

#include "sim-test-util.h"
#include "smp/dfud-smp-cbor-map.h"

/* the image group: state read, upload with every first-chunk check, state write, erase */

#define RUNNING "hashonly_1k_v1.2.3+4.bin"
#define RUNNING_HASH "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"

static SimFx *
start_device(void)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, RUNNING, NULL);
	sim_fx_start(fx);
	return fx;
}

static void
assert_bytes(const cbor_item_t *map, const gchar *key, const gchar *hex)
{
	g_autoptr(GBytes) want = sim_hex(hex);
	g_autoptr(GBytes) got = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_bytes(map, key, DFUD_SMP_CBOR_REQUIRED, 1024, &got, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(got, want));
}

static void
assert_text(const cbor_item_t *map, const gchar *key, const gchar *want)
{
	g_autofree gchar *got = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_text(map, key, DFUD_SMP_CBOR_REQUIRED, 1024, &got, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got, ==, want);
}

/* pending confirmed active permanent, as "PCAM" letters ('-' = false), bootable true */
void assert_flags(const cbor_item_t *e, const gchar *flags);
void
assert_flags(const cbor_item_t *e, const gchar *flags)
{
	g_assert_nonnull(e);
	g_assert_true(sim_get_bool(e, "bootable"));
	g_assert_cmpint(sim_get_bool(e, "pending"), ==, flags[0] == 'P');
	g_assert_cmpint(sim_get_bool(e, "confirmed"), ==, flags[1] == 'C');
	g_assert_cmpint(sim_get_bool(e, "active"), ==, flags[2] == 'A');
	g_assert_cmpint(sim_get_bool(e, "permanent"), ==, flags[3] == 'M');
}

static void
test_state_read(void)
{
	SimFx *fx = start_device();
	g_autoptr(GBytes) r = sim_state_read(fx);
	g_autoptr(cbor_item_t) b = sim_body(r);
	const cbor_item_t *e = sim_state_entry(b, 0, 0);

	g_assert_cmpuint(cbor_map_size(b), ==, 2);
	g_assert_cmpint(sim_get_int(b, "splitStatus"), ==, 0);
	g_assert_nonnull(e);
	g_assert_cmpuint(cbor_map_size(e), ==, 8); /* no "image" key with one image */
	g_assert_false(sim_has(e, "image"));
	assert_text(e, "version", "1.2.3.4");
	assert_bytes(e, "hash", RUNNING_HASH);
	assert_flags(e, "-CA-");
	g_assert_null(sim_state_entry(b, 0, 1));
	sim_fx_free(fx);
}

static GBytes *
first_chunk(SimFx *fx, guint ver, guint image, GBytes *file, gsize n, gint64 total, GBytes *sha,
	    gboolean upgrade)
{
	g_autoptr(GBytes) req = sim_upload_frame(fx, ver, image, 0, g_bytes_get_data(file, NULL), n,
						 total, sha, upgrade);
	return sim_fx_call(fx, req);
}

static void
assert_off(GBytes *rsp, gint64 off, gint match)
{
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	g_assert_cmpint(sim_get_int(b, "off"), ==, off);
	if (match < 0) {
		g_assert_false(sim_has(b, "match"));
		g_assert_cmpuint(cbor_map_size(b), ==, 1);
	} else {
		g_assert_cmpint(sim_get_bool(b, "match"), ==, match);
		g_assert_cmpuint(cbor_map_size(b), ==, 2);
	}
}

/* a v2 group error carries no reason (smp_add_cmd_err()); a v1 `rc` answer does */
static void
assert_rsn(GBytes *rsp, const gchar *rsn)
{
	g_autoptr(cbor_item_t) b = sim_body(rsp);

	if (rsn == NULL)
		g_assert_false(sim_has(b, "rsn"));
	else
		assert_text(b, "rsn", rsn);
}

static void
test_upload_first_chunk_checks(void)
{
	SimFx *fx = start_device();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) sha = sim_sha256(file);
	g_autoptr(GBytes) sha33 = sim_hex("000102030405060708090a0b0c0d0e0f"
					  "101112131415161718191a1b1c1d1e1f20");
	g_autoptr(GBytes) bad = NULL;
	gsize size = g_bytes_get_size(file);
	guint8 *patched;
	GBytes *r;

	/* a copy with a broken magic, and one claiming version 1.2.3+5 */
	patched = g_memdup2(g_bytes_get_data(file, NULL), size);
	patched[0] ^= 0xff;
	bad = g_bytes_new_take(patched, size);

	/* 22 before 21 and 23: 31 bytes, no len, bad magic */
	r = first_chunk(fx, 1, 0, bad, 31, -1, NULL, FALSE);
	sim_assert_err(r, 1, 22);
	assert_rsn(r, NULL);
	g_bytes_unref(r);
	/* 21 before 23 */
	r = first_chunk(fx, 1, 0, bad, 32, -1, NULL, FALSE);
	sim_assert_err(r, 1, 21);
	g_bytes_unref(r);
	/* 23 before 24 */
	r = first_chunk(fx, 1, 0, bad, 64, (gint64)size, sha33, FALSE);
	sim_assert_err(r, 1, 23);
	assert_rsn(r, NULL);
	g_bytes_unref(r);
	/* 24 before 9 and 30 */
	r = first_chunk(fx, 1, 5, file, 64, 0x7fffffff, sha33, FALSE);
	sim_assert_err(r, 1, 24);
	g_bytes_unref(r);
	/* a single-image build ignores "image": 30, not 9 (zephyr_img_mgmt.c) */
	r = first_chunk(fx, 1, 1, file, 64, 0x7fffffff, sha, FALSE);
	sim_assert_err(r, 1, 30);
	assert_rsn(r, NULL);
	g_bytes_unref(r);
	/* 30 before 27: len one byte beyond the slot, upgrade with an equal version */
	{
		g_autoptr(GBytes) same = sim_read_file("ecdsa-p256_60k_v1.2.3+4.bin");
		r = first_chunk(fx, 1, 0, same, 64, 0x76001, sha, TRUE);
		sim_assert_err(r, 1, 30);
		assert_rsn(r, NULL);
		g_bytes_unref(r);
		/* exactly the slot size passes 30 and fails 27 (equal version) */
		r = first_chunk(fx, 1, 0, same, 64, 0x76000, sha, TRUE);
		sim_assert_err(r, 1, 27);
		assert_rsn(r, NULL);
		g_bytes_unref(r);
	}
	/* 27 ignores the build number: 1.2.3+5 is not newer than 1.2.3+4 */
	{
		g_autoptr(GBytes) same = sim_read_file("ecdsa-p256_60k_v1.2.3+4.bin");
		guint8 *p = g_memdup2(g_bytes_get_data(same, NULL), 64);
		g_autoptr(GBytes) b5 = NULL;
		p[24] = 5;
		b5 = g_bytes_new_take(p, 64);
		r = first_chunk(fx, 1, 0, b5, 64, 1000, NULL, TRUE);
		sim_assert_err(r, 1, 27);
		g_bytes_unref(r);
	}
	/* v1 translations: 22 -> 3, 21 -> 3, 23 -> 1, 30 -> 1, 27 -> 6, with the reason */
	r = first_chunk(fx, 0, 0, bad, 31, -1, NULL, FALSE);
	sim_assert_rc(r, 3);
	assert_rsn(r, "header malformed");
	g_bytes_unref(r);
	r = first_chunk(fx, 0, 0, bad, 32, -1, NULL, FALSE);
	sim_assert_rc(r, 3);
	g_bytes_unref(r);
	r = first_chunk(fx, 0, 0, bad, 32, 100, NULL, FALSE);
	sim_assert_rc(r, 1);
	assert_rsn(r, "magic mismatch");
	g_bytes_unref(r);
	r = first_chunk(fx, 0, 3, file, 32, 100, NULL, FALSE);
	assert_off(r, 32, -1);
	g_bytes_unref(r);
	r = first_chunk(fx, 0, 0, file, 32, 0x80000, NULL, FALSE);
	sim_assert_rc(r, 1);
	assert_rsn(r, "img too large");
	g_bytes_unref(r);
	r = first_chunk(fx, 0, 0, file, 32, 1000, NULL, TRUE);
	g_assert_nonnull(r); /* 2.0.0 > 1.2.3: accepted */
	assert_off(r, 32, -1);
	g_bytes_unref(r);
	/* no "off": 20; a mistyped key: rc 3 */
	r = sim_fx_call_raw(fx, "\x0a\x00\x00\x04\x00\x01\x00\x01\xa1\x61\x78\x00", 12);
	sim_assert_err(r, 1, 20);
	g_bytes_unref(r);
	r = sim_fx_call_raw(fx,
			    "\x0a\x00\x00\x07\x00\x01\x00\x01\xa1\x63off\x61"
			    "a",
			    15);
	sim_assert_rc(r, 3);
	g_bytes_unref(r);
	sim_fx_free(fx);
}

static void
test_upload_flow(void)
{
	SimFx *fx = start_device();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) sha = sim_sha256(file);
	g_autoptr(GBytes) other_sha = sim_hex("00000000000000000000000000000000"
					      "00000000000000000000000000000000");
	const guint8 *p = g_bytes_get_data(file, NULL);
	gsize size = g_bytes_get_size(file);
	GBytes *r;
	GBytes *req;

	/* later chunk without an upload: start over at 0 */
	req = sim_upload_frame(fx, 1, 0, 100, p + 100, 100, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 0, -1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	/* first chunk, then a wrong offset: told the expected one, data discarded */
	r = first_chunk(fx, 1, 0, file, 1000, (gint64)size, sha, FALSE);
	assert_off(r, 1000, -1);
	g_bytes_unref(r);
	req = sim_upload_frame(fx, 1, 0, 2000, p + 2000, 100, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 1000, -1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	req = sim_upload_frame(fx, 1, 0, 1000, p + 1000, 1000, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 2000, -1);
	g_bytes_unref(r);
	/* the duplicate is harmless */
	r = sim_fx_call(fx, req);
	assert_off(r, 2000, -1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	/* resume: the same first chunk again answers the current offset */
	r = first_chunk(fx, 1, 0, file, 1000, (gint64)size, sha, FALSE);
	assert_off(r, 2000, -1);
	g_bytes_unref(r);
	/* the rest */
	for (gsize off = 2000; off < size;) {
		gsize n = MIN(2400, size - off);
		req = sim_upload_frame(fx, 1, 0, off, p + off, n, -1, NULL, FALSE);
		r = sim_fx_call(fx, req);
		off += n;
		assert_off(r, (gint64)off, off == size ? TRUE : -1);
		g_bytes_unref(r);
		g_bytes_unref(req);
	}
	/* completion cleared the state: the last chunk again gets 0 */
	req = sim_upload_frame(fx, 1, 0, size - 100, p + size - 100, 100, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 0, -1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	/* image check: the slot holds exactly this file */
	r = first_chunk(fx, 1, 0, file, 1000, (gint64)size, sha, FALSE);
	assert_off(r, (gint64)size, TRUE);
	g_bytes_unref(r);
	/* state read lists the new image in slot 1, nothing set */
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *e = sim_state_entry(b, 0, 1);
		assert_text(e, "version", "2.0.0");
		assert_bytes(e, "hash", NEW_HASH);
		assert_flags(e, "----");
	}
	g_bytes_unref(r);
	/* a different sha starts again (with an erase): match false at the end, overrun 31 */
	r = first_chunk(fx, 1, 0, file, 1000, 1100, other_sha, FALSE);
	assert_off(r, 1000, -1);
	g_bytes_unref(r);
	req = sim_upload_frame(fx, 1, 0, 1000, p + 1000, 101, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	sim_assert_err(r, 1, 31);
	assert_rsn(r, NULL);
	g_bytes_unref(r);
	g_bytes_unref(req);
	/* the overrun ended the upload */
	req = sim_upload_frame(fx, 1, 0, 1000, p + 1000, 100, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 0, -1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	r = first_chunk(fx, 1, 0, file, 1000, 1100, other_sha, FALSE);
	assert_off(r, 1000, -1);
	g_bytes_unref(r);
	req = sim_upload_frame(fx, 0, 0, 1000, p + 1000, 100, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	assert_off(r, 1100, FALSE);
	g_bytes_unref(r);
	g_bytes_unref(req);
	/* a truncated sha: a session tag, match false */
	{
		g_autoptr(GBytes) short_sha = g_bytes_new_from_bytes(sha, 0, 16);
		r = first_chunk(fx, 1, 0, file, 500, 500, short_sha, FALSE);
		assert_off(r, 500, FALSE);
		g_bytes_unref(r);
	}
	/* v1 overrun: rc 1 */
	r = first_chunk(fx, 0, 0, file, 500, 600, NULL, FALSE);
	assert_off(r, 500, -1);
	g_bytes_unref(r);
	req = sim_upload_frame(fx, 0, 0, 500, p + 500, 101, -1, NULL, FALSE);
	r = sim_fx_call(fx, req);
	sim_assert_rc(r, 1);
	g_bytes_unref(r);
	g_bytes_unref(req);
	sim_fx_free(fx);
}

static void
test_upload_legacy_and_no_check(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) file = sim_read_file(RUNNING);
	g_autoptr(GBytes) sha = sim_sha256(file);
	GBytes *r;

	fx->config->legacy_rc = TRUE;
	fx->config->image_check = FALSE;
	sim_fx_start(fx);
	r = first_chunk(fx, 1, 0, file, g_bytes_get_size(file), (gint64)g_bytes_get_size(file), sha,
			FALSE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_cmpint(sim_get_int(b, "rc"), ==, 0);
		g_assert_cmpint(sim_get_int(b, "off"), ==, (gint64)g_bytes_get_size(file));
		g_assert_cmpuint(cbor_map_size(b), ==, 2); /* no match without image check */
	}
	g_bytes_unref(r);
	/* erase: {"rc": 0} */
	r = sim_fx_call_raw(fx, "\x0a\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
	sim_assert_rc(r, 0);
	g_bytes_unref(r);
	sim_fx_free(fx);
}

static void
test_state_write_rules(void)
{
	SimFx *fx = start_device();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) new_hash = sim_hex(NEW_HASH);
	g_autoptr(GBytes) running_hash = sim_hex(RUNNING_HASH);
	g_autoptr(GBytes) short_hash = sim_hex("6b28b68ff2485a456f72f2fb46d2dc55");
	g_autoptr(GBytes) unknown =
	    sim_hex("0000000000000000000000000000000000000000000000000000000000000000");
	GBytes *r;

	/* 24: hash of the wrong length; no hash and no confirm */
	r = sim_state_write(fx, 1, short_hash, FALSE, FALSE);
	sim_assert_err(r, 1, 24);
	g_bytes_unref(r);
	r = sim_state_write(fx, 1, NULL, TRUE, FALSE);
	sim_assert_err(r, 1, 24);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, NULL, FALSE, FALSE);
	sim_assert_rc(r, 3);
	g_bytes_unref(r);
	/* 8: no slot holds it (also the half-written upload, not listed yet) */
	r = sim_state_write(fx, 1, unknown, FALSE, FALSE);
	sim_assert_err(r, 1, 8);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, unknown, FALSE, FALSE);
	sim_assert_rc(r, 1);
	g_bytes_unref(r);
	/* 33: test of the running image; v1: 1 */
	r = sim_state_write(fx, 1, running_hash, FALSE, FALSE);
	sim_assert_err(r, 1, 33);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, running_hash, FALSE, FALSE);
	sim_assert_rc(r, 1);
	g_bytes_unref(r);
	/* confirm without hash: the running image, already confirmed: the state map */
	r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		assert_flags(sim_state_entry(b, 0, 0), "-CA-");
	}
	g_bytes_unref(r);
	/* a mistyped confirm: rc 3 */
	r = sim_fx_call_raw(fx,
			    "\x0a\x00\x00\x0a\x00\x01\x00\x00\xa1\x67"
			    "confirm\x01",
			    18);
	sim_assert_rc(r, 3);
	g_bytes_unref(r);
	sim_upload(fx, 0, file);
	/* test: pending */
	r = sim_state_write(fx, 1, new_hash, FALSE, FALSE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		assert_flags(sim_state_entry(b, 0, 0), "-CA-");
		assert_flags(sim_state_entry(b, 0, 1), "P---");
	}
	g_bytes_unref(r);
	/* 4: the same test again is a no-op; confirming it then is 28 (v1: 6) */
	r = sim_state_write(fx, 1, new_hash, TRUE, FALSE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		assert_flags(sim_state_entry(b, 0, 1), "P---");
	}
	g_bytes_unref(r);
	r = sim_state_write(fx, 1, new_hash, TRUE, TRUE);
	sim_assert_err(r, 1, 28);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, new_hash, TRUE, TRUE);
	sim_assert_rc(r, 6);
	g_bytes_unref(r);
	/* erasing the slot takes the pending flag with it; re-upload, confirm: permanent */
	r = sim_fx_call_raw(fx, "\x0a\x00\x00\x01\x00\x01\x00\x05\xa0", 9);
	g_assert_nonnull(r);
	g_assert_cmpuint(g_bytes_get_size(r), ==, 9); /* {} */
	g_bytes_unref(r);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_null(sim_state_entry(b, 0, 1));
	}
	g_bytes_unref(r);
	sim_upload(fx, 0, file);
	r = sim_state_write(fx, 1, new_hash, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		assert_flags(sim_state_entry(b, 0, 1), "P--M");
	}
	g_bytes_unref(r);
	/* 5: confirming it again is a no-op; test on it or confirming the active one: 28 */
	r = sim_state_write(fx, 1, new_hash, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		assert_flags(sim_state_entry(b, 0, 1), "P--M");
	}
	g_bytes_unref(r);
	r = sim_state_write(fx, 1, new_hash, FALSE, FALSE);
	sim_assert_err(r, 1, 28);
	g_bytes_unref(r);
	r = sim_state_write(fx, 1, NULL, TRUE, TRUE);
	sim_assert_err(r, 1, 28);
	g_bytes_unref(r);
	sim_fx_free(fx);
}

static void
test_frugal_list(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r = NULL;

	fx->config->frugal_list = TRUE;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, RUNNING, NULL);
	sim_fx_start(fx);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *e = sim_state_entry(b, 0, 0);
		g_assert_cmpuint(cbor_map_size(b), ==, 1); /* no splitStatus */
		/* slot, version, hash, bootable, confirmed, active */
		g_assert_cmpuint(cbor_map_size(e), ==, 6);
		g_assert_false(sim_has(e, "pending"));
		g_assert_false(sim_has(e, "permanent"));
		g_assert_true(sim_get_bool(e, "active"));
	}
	sim_fx_free(fx);
}

static void
test_multi_image(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) net = sim_read_file("hashonly_60k_v2.0.0.bin");
	g_autoptr(GBytes) net_hash = sim_hex(NEW_HASH);
	g_autoptr(GBytes) app_hash = sim_hex(RUNNING_HASH);
	g_autoptr(GBytes) net_old_hash =
	    sim_hex("1f3a92330330112877de86faa11e21fb4986b8a9b67fa7fe6a43b05d2abe7e3f");
	GBytes *r;

	fx->config->images = 2;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, RUNNING, NULL);
	fx->config->slot0_net_path =
	    g_build_filename(TEST_DATA_DIR, "nonbootable-padheader-hashonly_1k_v1.0.0.bin", NULL);
	sim_fx_start(fx);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *e = sim_state_entry(b, 1, 0);
		g_assert_cmpint(sim_get_int(sim_state_entry(b, 0, 0), "image"), ==, 0);
		g_assert_cmpint(sim_get_int(e, "image"), ==, 1);
		g_assert_cmpuint(cbor_map_size(e), ==, 9);
		g_assert_false(sim_get_bool(e, "bootable"));
		assert_text(e, "version", "1.0.0");
	}
	g_bytes_unref(r);
	/* slot info */
	r = sim_fx_call_raw(fx, "\x08\x00\x00\x01\x00\x01\x00\x06\xa0", 9);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *images = NULL;
		const cbor_item_t *slots = NULL;
		dfud_smp_cbor_map_get_array(b, "images", DFUD_SMP_CBOR_REQUIRED, &images, NULL);
		g_assert_cmpuint(cbor_array_size(images), ==, 2);
		dfud_smp_cbor_map_get_array(cbor_array_handle(images)[1], "slots",
					    DFUD_SMP_CBOR_REQUIRED, &slots, NULL);
		g_assert_cmpint(sim_get_int(cbor_array_handle(images)[1], "image"), ==, 1);
		g_assert_cmpint(sim_get_int(cbor_array_handle(slots)[1], "size"), ==, 0x3a000);
		g_assert_cmpint(sim_get_int(cbor_array_handle(slots)[1], "upload_image_id"), ==, 1);
		g_assert_false(sim_has(cbor_array_handle(slots)[0], "upload_image_id"));
	}
	g_bytes_unref(r);
	/* upload image 1: lands in image 1's secondary slot */
	sim_upload(fx, 1, net);
	/* 32: confirming image 1's primary is denied; its secondary may be confirmed */
	r = sim_state_write(fx, 1, net_old_hash, TRUE, TRUE);
	sim_assert_err(r, 1, 32);
	g_bytes_unref(r);
	r = sim_state_write(fx, 0, net_old_hash, TRUE, TRUE);
	sim_assert_rc(r, 1);
	g_bytes_unref(r);
	r = sim_state_write(fx, 1, net_hash, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *e = sim_state_entry(b, 1, 1);
		g_assert_true(sim_get_bool(e, "pending"));
		g_assert_true(sim_get_bool(e, "permanent"));
	}
	g_bytes_unref(r);
	sim_fx_reset(fx);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		const cbor_item_t *e = sim_state_entry(b, 1, 0);
		assert_bytes(e, "hash", NEW_HASH);
		assert_flags(e, "-CA-");
		assert_bytes(sim_state_entry(b, 0, 0), "hash", RUNNING_HASH);
	}
	g_bytes_unref(r);
	(void)app_hash;
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/image/state-read", test_state_read);
	g_test_add_func("/sim/device/image/upload-first-chunk", test_upload_first_chunk_checks);
	g_test_add_func("/sim/device/image/upload-flow", test_upload_flow);
	g_test_add_func("/sim/device/image/upload-legacy", test_upload_legacy_and_no_check);
	g_test_add_func("/sim/device/image/state-write-rules", test_state_write_rules);
	g_test_add_func("/sim/device/image/frugal-list", test_frugal_list);
	g_test_add_func("/sim/device/image/multi-image", test_multi_image);
	return g_test_run();
}
