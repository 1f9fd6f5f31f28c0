/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dfud-error.h"
#include "package/dfud-package-private.h"
#include "package/dfud-package.h"

/* hashonly_1k_v1.2.3+4.bin: small, version 1.2.3+4, SHA256 only */
#define IMG_1K "hashonly_1k_v1.2.3+4.bin"
#define IMG_1K_SIZE 1576u

static GBytes *
load_fixture(const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, name, NULL);
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

static gchar *
hex(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(bytes, &len);
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", d[i]);
	return g_string_free(s, FALSE);
}

typedef struct {
	const gchar *name;
	GBytes *data;
	gboolean symlink;
} ZipItem;

/* a zip of @items written by libarchive, stored or deflated */
static GBytes *
make_zip(const ZipItem *items, guint n_items, gboolean deflate)
{
	struct archive *a = archive_write_new();
	gsize cap = 64 * 1024;
	gsize used = 0;
	guint8 *buf;

	for (guint i = 0; i < n_items; i++)
		cap += g_bytes_get_size(items[i].data) + 1024;
	buf = g_malloc0(cap);
	g_assert_cmpint(archive_write_set_format_zip(a), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_options(a, deflate ? "zip:compression=deflate"
							     : "zip:compression=store"),
			==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_memory(a, buf, cap, &used), ==, ARCHIVE_OK);
	for (guint i = 0; i < n_items; i++) {
		struct archive_entry *entry = archive_entry_new();
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(items[i].data, &len);

		archive_entry_set_pathname(entry, items[i].name);
		archive_entry_set_mtime(entry, 1735689600, 0);
		if (items[i].symlink) {
			archive_entry_set_filetype(entry, AE_IFLNK);
			archive_entry_set_symlink(entry, "target.bin");
			archive_entry_set_size(entry, 0);
		} else {
			archive_entry_set_filetype(entry, AE_IFREG);
			archive_entry_set_size(entry, (la_int64_t)len);
		}
		archive_entry_set_perm(entry, 0644);
		g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
		if (!items[i].symlink && len > 0)
			g_assert_cmpint(archive_write_data(a, d, len), ==, (la_ssize_t)len);
		archive_entry_free(entry);
	}
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

static GBytes *
str_bytes(const gchar *str)
{
	return g_bytes_new(str, strlen(str));
}

/* a zip with manifest.json (@manifest) and the 1k image under each name in @names */
static GBytes *
make_package(const gchar *manifest, const gchar *const *names)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GBytes) man = manifest != NULL ? str_bytes(manifest) : NULL;
	ZipItem items[8];
	guint n = 0;

	for (; names != NULL && names[n] != NULL; n++) {
		g_assert_cmpuint(n, <, G_N_ELEMENTS(items) - 1);
		items[n] = (ZipItem){names[n], img, FALSE};
	}
	if (man != NULL)
		items[n++] = (ZipItem){"manifest.json", man, FALSE};
	return make_zip(items, n, FALSE);
}

/* one application file "app.bin" of the 1k image with @fields added */
static gchar *
manifest_one(const gchar *fields)
{
	return g_strdup_printf("{\"format-version\": 1, \"name\": \"t\", \"files\": [{\"file\": "
			       "\"app.bin\", \"size\": %u, \"type\": \"application\"%s%s}]}",
			       IMG_1K_SIZE, fields[0] != '\0' ? ", " : "", fields);
}

static void
assert_fails(GBytes *data, GQuark domain, gint code, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = dfud_package_new_from_bytes(data, &error);

	g_assert_null(package);
	g_assert_error(error, domain, code);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, needle));
}

static DfudPackage *
assert_parses(GBytes *data)
{
	g_autoptr(GError) error = NULL;
	DfudPackage *package = dfud_package_new_from_bytes(data, &error);

	g_assert_no_error(error);
	g_assert_nonnull(package);
	return package;
}

static DfudPackageEntry *
entry_at(DfudPackage *package, guint idx)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	g_assert_cmpuint(idx, <, entries->len);
	return g_ptr_array_index(entries, idx);
}

static void
assert_entry_hash(DfudPackageEntry *entry, const gchar *want)
{
	g_autofree gchar *got = hex(dfud_image_get_hash(dfud_package_entry_get_image(entry)));
	g_assert_cmpstr(got, ==, want);
}

static void
test_package_single(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_single_nrf52840.zip");
	g_autoptr(DfudPackage) package = assert_parses(zip);
	DfudPackageEntry *entry;
	guint64 load = 0;

	g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_ZIP);
	g_assert_cmpint(dfud_package_get_format_version(package), ==, 1);
	g_assert_cmpstr(dfud_package_get_name(package), ==, "smp_svr");
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 1);
	entry = entry_at(package, 0);
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_APPLICATION);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 0);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "smp_svr.bin");
	g_assert_cmpstr(dfud_package_entry_get_board(entry), ==, "nrf52840dk");
	g_assert_cmpstr(dfud_package_entry_get_soc(entry), ==, "nrf52840");
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "1.2.3+4");
	g_assert_true(dfud_package_entry_get_load_address(entry, &load));
	g_assert_cmpuint(load, ==, 0xc200);
	g_assert_cmpuint(dfud_image_get_size(dfud_package_entry_get_image(entry)), ==, 49814);
	assert_entry_hash(entry,
			  "027275cb63ad88d2cbca1c9da77fccbda8f5f78b942f0ecdd2bbf062135e7394");
}

static void
test_package_multi(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_multi_nrf5340.zip");
	g_autoptr(DfudPackage) package = assert_parses(zip);
	g_autoptr(GError) error = NULL;
	DfudPackageEntry *entry;
	guint64 load = 0;

	g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_ZIP);
	g_assert_cmpint(dfud_package_get_format_version(package), ==, 1);
	g_assert_cmpstr(dfud_package_get_name(package), ==, "peripheral_lbs");
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 2);

	entry = entry_at(package, 0);
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_APPLICATION);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 0);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "peripheral_lbs.bin");
	g_assert_cmpstr(dfud_package_entry_get_board(entry), ==, "nrf5340dk");
	g_assert_cmpstr(dfud_package_entry_get_soc(entry), ==, "nrf5340");
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "2.0.0");
	g_assert_true(dfud_package_entry_get_load_address(entry, &load));
	g_assert_cmpuint(load, ==, 0x10200);
	assert_entry_hash(entry,
			  "a56012011ff53c5076199bf9edf1acd2087a74688f6d54251afa2bba497141f3");

	entry = entry_at(package, 1);
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_NETWORK_CORE);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 1);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "ipc_radio.bin");
	g_assert_cmpstr(dfud_package_entry_get_board(entry), ==, "nrf5340dk/nrf5340/cpunet");
	g_assert_cmpstr(dfud_package_entry_get_soc(entry), ==, "nrf5340");
	/* the NSIB version, not compared with the MCUboot header (0.0.0+0) */
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "1");
	g_assert_true(dfud_package_entry_get_load_address(entry, &load));
	g_assert_cmpuint(load, ==, 0x1008800);
	assert_entry_hash(entry,
			  "48839241244a178dd40e15e9a06ceb11c3cb66abb37d4e6ea697a40b38ecdd07");

	/* not an MCUboot package */
	g_assert_null(dfud_package_get_mcuboot_for_active_slot(package, 0, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
}

static void
test_package_mcuboot(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_mcuboot.zip");
	g_autoptr(DfudPackage) package = assert_parses(zip);
	g_autoptr(GError) error = NULL;
	DfudPackageEntry *entry;
	DfudPackageEntry *s0;
	DfudPackageEntry *s1;
	guint64 load = 0;

	g_assert_cmpint(dfud_package_get_format_version(package), ==, 1);
	g_assert_cmpstr(dfud_package_get_name(package), ==, "mcuboot");
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 2);

	s0 = entry_at(package, 0);
	g_assert_cmpint(dfud_package_entry_get_role(s0), ==, DFUD_IMAGE_ROLE_MCUBOOT_S0);
	g_assert_cmpuint(dfud_package_entry_get_image_index(s0), ==, 0);
	g_assert_cmpstr(dfud_package_entry_get_file_name(s0), ==,
			"signed_by_mcuboot_and_b0_mcuboot.bin");
	g_assert_cmpstr(dfud_package_entry_get_board(s0), ==, "nrf52840dk");
	g_assert_cmpstr(dfud_package_entry_get_soc(s0), ==, "nrf52840");
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(s0), ==, "2.1.0");
	g_assert_true(dfud_package_entry_get_load_address(s0, &load));
	g_assert_cmpuint(load, ==, 0x8000);
	assert_entry_hash(s0, "3ca661d1af414019f3aa28ab714c4815412b5164ab30922c62f2e4dd181b1c28");

	s1 = entry_at(package, 1);
	g_assert_cmpint(dfud_package_entry_get_role(s1), ==, DFUD_IMAGE_ROLE_MCUBOOT_S1);
	g_assert_cmpuint(dfud_package_entry_get_image_index(s1), ==, 0);
	g_assert_cmpstr(dfud_package_entry_get_file_name(s1), ==,
			"signed_by_mcuboot_and_b0_s1_image.bin");
	g_assert_true(dfud_package_entry_get_load_address(s1, &load));
	g_assert_cmpuint(load, ==, 0x14200);
	assert_entry_hash(s1, "90a317ebb5815df849bd7f7124af47f3d6af1393337a0bb27bcf3dedc5e11890");

	/* running from S0: the S1 build is the update, and the other way round */
	entry = dfud_package_get_mcuboot_for_active_slot(package, 0, &error);
	g_assert_no_error(error);
	g_assert_true(entry == s1);
	entry = dfud_package_get_mcuboot_for_active_slot(package, 1, &error);
	g_assert_no_error(error);
	g_assert_true(entry == s0);
	g_assert_null(dfud_package_get_mcuboot_for_active_slot(package, 2, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static void
test_package_bin(void)
{
	g_autoptr(GBytes) img = load_fixture("ecdsa-p256_60k_v1.2.3+4.bin");
	g_autoptr(DfudPackage) package = assert_parses(img);
	g_autoptr(GError) error = NULL;
	DfudPackageEntry *entry;

	g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_BIN);
	g_assert_cmpint(dfud_package_get_format_version(package), ==, -1);
	g_assert_null(dfud_package_get_name(package));
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 1);
	entry = entry_at(package, 0);
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_APPLICATION);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 0);
	g_assert_null(dfud_package_entry_get_file_name(entry));
	g_assert_null(dfud_package_entry_get_board(entry));
	g_assert_null(dfud_package_entry_get_soc(entry));
	g_assert_null(dfud_package_entry_get_manifest_version(entry));
	g_assert_false(dfud_package_entry_get_load_address(entry, NULL));
	assert_entry_hash(entry,
			  "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146");
	g_assert_null(dfud_package_get_mcuboot_for_active_slot(package, 1, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
}

/* an encrypted image cannot have its hash recomputed: accepted as is */
static void
test_package_bin_encrypted(void)
{
	g_autoptr(GBytes) img = load_fixture("enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin");
	g_autoptr(DfudPackage) package = assert_parses(img);

	assert_entry_hash(entry_at(package, 0),
			  "042e835a67e00ab2557208b36ceb9d8e0698359c0665e76214989e1472a71599");
}

static void
test_package_bin_broken(void)
{
	g_autoptr(GBytes) empty = load_fixture("broken_empty.bin");
	g_autoptr(GBytes) bad_magic = load_fixture("broken_bad-magic.bin");
	g_autoptr(GBytes) corrupt = load_fixture("broken_body-corrupt.bin");
	g_autoptr(GBytes) truncated = load_fixture("broken_truncated-body.bin");
	g_autoptr(GBytes) random = NULL;
	g_autoptr(GBytes) be_magic = NULL;
	g_autoptr(GBytes) short_magic = NULL;
	g_autoptr(GBytes) pk_short = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(42);
	guint8 buf[4096];

	assert_fails(empty, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY, "empty");
	assert_fails(bad_magic, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC, "0x96f3b83c");
	assert_fails(corrupt, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH, "hash");
	assert_fails(truncated, DFUD_ERROR, DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE, "");

	for (guint i = 0; i < sizeof(buf); i++)
		buf[i] = (guint8)g_rand_int_range(rand, 0, 256);
	buf[0] = 0x00; /* neither "PK" nor a magic byte */
	random = g_bytes_new(buf, sizeof(buf));
	assert_fails(random, DFUD_ERROR, DFUD_ERROR_UNKNOWN_FORMAT, "neither");

	/* big-endian magic: still an image, reported by the image parser */
	memcpy(buf, "\x96\xf3\xb8\x3d", 4);
	be_magic = g_bytes_new(buf, 64);
	assert_fails(be_magic, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC, "bad image magic");
	/* cut inside the magic */
	short_magic = g_bytes_new("\x3d\xb8", 2);
	assert_fails(short_magic, DFUD_ERROR, DFUD_ERROR_IMAGE_TRUNCATED, "");
	pk_short = g_bytes_new("PK\x03", 3);
	assert_fails(pk_short, DFUD_ERROR, DFUD_ERROR_UNKNOWN_FORMAT, "neither");
}

/* a hand-built package: format-version 0, deflated, hex-string and missing numbers */
static void
test_package_built(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GBytes) man =
	    str_bytes("{\"format-version\": 0, \"files\": ["
		      "{\"file\": \"app.bin\", \"size\": \"1576\", \"type\": \"application\", "
		      "\"version_MCUBOOT\": \"1.2.3+4\", \"load_address\": \"0xc200\"},"
		      "{\"file\": \"net.bin\", \"size\": 1576, \"type\": \"application\", "
		      "\"image_index\": 1, \"board\": \"nrf5340dk_nrf5340_CPUNET\"},"
		      "{\"file\": \"wifi.bin\", \"size\": \"0x628\", \"type\": \"application\", "
		      "\"image_index\": \"2\", \"version_MCUBOOT+XIP\": \"1.2.3.4\"}]}");
	ZipItem items[] = {
	    {"manifest.json", man, FALSE},
	    {"wifi.bin", img, FALSE},
	    {"app.bin", img, FALSE},
	    {"net.bin", img, FALSE},
	};
	g_autoptr(GBytes) zip = make_zip(items, G_N_ELEMENTS(items), TRUE);
	g_autoptr(DfudPackage) package = assert_parses(zip);
	DfudPackageEntry *entry;
	guint64 load = 0;

	g_assert_cmpint(dfud_package_get_format_version(package), ==, 0);
	g_assert_null(dfud_package_get_name(package));
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 3);
	/* manifest order, not zip order */
	entry = entry_at(package, 0);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "app.bin");
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_APPLICATION);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 0);
	g_assert_true(dfud_package_entry_get_load_address(entry, &load));
	g_assert_cmpuint(load, ==, 0xc200);
	entry = entry_at(package, 1);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "net.bin");
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_NETWORK_CORE);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 1);
	g_assert_false(dfud_package_entry_get_load_address(entry, &load));
	g_assert_null(dfud_package_entry_get_manifest_version(entry));
	entry = entry_at(package, 2);
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "wifi.bin");
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_EXTRA);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 2);
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "1.2.3.4");
	assert_entry_hash(entry,
			  "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc");
}

/* how image_index 1 is told to be a network core */
static void
test_package_roles(void)
{
	struct {
		const gchar *second;
		DfudImageRole role;
	} cases[] = {
	    {"\"image_index\": \"1\", \"board\": \"nrf52840dk\"", DFUD_IMAGE_ROLE_EXTRA},
	    {"\"image_index\": \"1\"", DFUD_IMAGE_ROLE_EXTRA},
	    {"\"image_index\": \"1\", \"soc\": \"nRF5340\"", DFUD_IMAGE_ROLE_NETWORK_CORE},
	    {"\"image_index\": \"1\", \"board\": \"other\"", DFUD_IMAGE_ROLE_NETWORK_CORE},
	    {"\"image_index\": \"1\", \"board\": \"thingy53/nrf5340/cpunet\"",
	     DFUD_IMAGE_ROLE_NETWORK_CORE},
	    {"\"image_index\": \"2\", \"board\": \"other\", \"soc\": \"nrf5340\"",
	     DFUD_IMAGE_ROLE_EXTRA},
	};
	const gchar *names[] = {"a.bin", "b.bin", NULL};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *manifest = g_strdup_printf(
		    "{\"format-version\": 1, \"files\": ["
		    "{\"file\": \"a.bin\", \"size\": 1576, \"type\": \"application\", "
		    "\"board\": \"nrf52840dk\", \"soc\": \"nrf52840\"},"
		    "{\"file\": \"b.bin\", \"size\": 1576, \"type\": \"application\", %s}]}",
		    cases[i].second);
		g_autoptr(GBytes) zip = make_package(manifest, names);
		g_autoptr(DfudPackage) package = assert_parses(zip);

		g_assert_cmpint(dfud_package_entry_get_role(entry_at(package, 0)), ==,
				DFUD_IMAGE_ROLE_APPLICATION);
		g_assert_cmpint(dfud_package_entry_get_role(entry_at(package, 1)), ==,
				cases[i].role);
	}
}

/* S0/S1 by `slot` first, else by load_address (the lower one is S0) */
static void
test_package_mcuboot_slots(void)
{
	struct {
		const gchar *a, *b;
		DfudImageRole role_a;
	} cases[] = {
	    {"\"load_address\": 32768", "\"load_address\": 82432", DFUD_IMAGE_ROLE_MCUBOOT_S0},
	    {"\"load_address\": \"0x14200\"", "\"load_address\": \"0x8000\"",
	     DFUD_IMAGE_ROLE_MCUBOOT_S1},
	    {"\"slot\": \"1\", \"load_address\": 1", "\"slot\": \"0\", \"load_address\": 2",
	     DFUD_IMAGE_ROLE_MCUBOOT_S1},
	    {"\"slot\": 0", "\"slot\": 1", DFUD_IMAGE_ROLE_MCUBOOT_S0},
	};
	const gchar *names[] = {"s0.bin", "s1.bin", NULL};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *manifest = g_strdup_printf(
		    "{\"format-version\": 1, \"files\": ["
		    "{\"file\": \"s0.bin\", \"size\": 1576, \"type\": \"mcuboot\", "
		    "\"version_MCUBOOT\": \"1.2.3+4\", %s},"
		    "{\"file\": \"s1.bin\", \"size\": 1576, \"type\": \"mcuboot\", %s}]}",
		    cases[i].a, cases[i].b);
		g_autoptr(GBytes) zip = make_package(manifest, names);
		g_autoptr(DfudPackage) package = assert_parses(zip);
		g_autoptr(GError) error = NULL;
		DfudPackageEntry *a = entry_at(package, 0);
		DfudPackageEntry *b = entry_at(package, 1);
		DfudPackageEntry *s0 = cases[i].role_a == DFUD_IMAGE_ROLE_MCUBOOT_S0 ? a : b;
		DfudPackageEntry *s1 = s0 == a ? b : a;

		g_assert_cmpint(dfud_package_entry_get_role(a), ==, cases[i].role_a);
		g_assert_cmpint(dfud_package_entry_get_role(s0), ==, DFUD_IMAGE_ROLE_MCUBOOT_S0);
		g_assert_cmpint(dfud_package_entry_get_role(s1), ==, DFUD_IMAGE_ROLE_MCUBOOT_S1);
		g_assert_true(dfud_package_get_mcuboot_for_active_slot(package, 0, &error) == s1);
		g_assert_true(dfud_package_get_mcuboot_for_active_slot(package, 1, &error) == s0);
		g_assert_no_error(error);
	}
}

static void
test_package_manifest_errors(void)
{
	const gchar *app[] = {"app.bin", NULL};
	const gchar *two[] = {"a.bin", "b.bin", NULL};
	struct {
		const gchar *manifest;
		const gchar *const *names;
		gint code;
		const gchar *needle;
	} cases[] = {
	    {NULL, app, DFUD_ERROR_PACKAGE_INVALID, "no manifest.json"},
	    {"{\"format-version\": 1, ", app, DFUD_ERROR_PACKAGE_INVALID, "not valid JSON"},
	    {"{\"format-version\": 7, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "format-version 7"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"bin\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "unsupported manifest file type"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"other.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     NULL, DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"other.bin\" is listed in manifest.json but "
	     "missing"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1577, "
	     "\"type\": \"application\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"app.bin\": manifest.json size 1577 differs "
	     "from its 1576 bytes"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT\": \"1.2.3+5\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH,
	     "version_MCUBOOT 1.2.3+5 differs from the image "
	     "header version 1.2.3+4"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT+XIP\": \"1.2.3\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH, "version_MCUBOOT+XIP 1.2.3 differs"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT\": \"banana\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "version_MCUBOOT \"banana\" is not a version"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"image_index\": \"0\"}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH, "\"a.bin\" and \"b.bin\" the same image_index 0"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\", \"slot\": 1}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH, "direct-XIP"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH, "\"b.bin\" is an unlisted file"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 1}]}",
	     (const gchar *[]){"a.bin", NULL}, DFUD_ERROR_PACKAGE_INVALID,
	     "single mcuboot file: an upgradable-MCUboot package needs two, the builds "
	     "for NSIB slots S0 and S1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 1}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 2}, {\"file\": "
	     "\"c.bin\", \"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 3}]}",
	     (const gchar *[]){"a.bin", "b.bin", "c.bin", NULL}, DFUD_ERROR_PACKAGE_INVALID,
	     "lists 3 mcuboot files"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": \"0x1000\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "the same load_address 0x1000"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "\"b.bin\" has neither slot nor load_address"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"slot\": \"0\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "need slot 0 and slot 1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 1}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "need slot 0 and slot 1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "mixes mcuboot and application"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"manifest.json\", \"size\": 1, "
	     "\"type\": \"application\"}]}",
	     NULL, DFUD_ERROR_PACKAGE_INVALID, "lists itself"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) zip = make_package(cases[i].manifest, cases[i].names);
		assert_fails(zip, DFUD_ERROR, cases[i].code, cases[i].needle);
	}
}

/* an image that fails inside a zip keeps its own error code, prefixed with its name */
static void
test_package_corrupt_image(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	g_autoptr(GBytes) flipped = NULL;
	g_autoptr(GBytes) zip = NULL;
	g_autoptr(GBytes) zip2 = NULL;
	g_autoptr(GBytes) bad_magic = NULL;
	guint8 *copy = g_memdup2(g_bytes_get_data(img, NULL), IMG_1K_SIZE);
	ZipItem items[] = {{"app.bin", NULL, FALSE}, {"manifest.json", man, FALSE}};

	copy[0x300] ^= 0x01;
	flipped = g_bytes_new(copy, IMG_1K_SIZE);
	items[0].data = flipped;
	zip = make_zip(items, 2, FALSE);
	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH, "app.bin: image hash");

	copy[0x300] ^= 0x01;
	copy[0] = 0x3c;
	bad_magic = g_bytes_new_take(g_steal_pointer(&copy), IMG_1K_SIZE);
	items[0].data = bad_magic;
	zip2 = make_zip(items, 2, TRUE);
	assert_fails(zip2, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC, "app.bin: bad image magic");
}

static void
test_package_zip_errors(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	struct {
		ZipItem items[3];
		guint n;
		const gchar *needle;
	} cases[] = {
	    {{{"../x.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     2,
	     "\"../x.bin\" is not a plain file name"},
	    {{{"/app.bin", img, FALSE}, {"manifest.json", man, FALSE}}, 2, "not a plain file name"},
	    {{{"dir/app.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     2,
	     "not a plain file name"},
	    {{{"app.bin", img, FALSE}, {"app.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     3,
	     "zip holds entry \"app.bin\" twice"},
	    {{{"app.bin", img, TRUE}, {"manifest.json", man, FALSE}},
	     2,
	     "\"app.bin\" is not a regular file"},
	    {{{"app.bin", empty, FALSE}, {"manifest.json", empty, FALSE}},
	     2,
	     "manifest.json is empty"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) zip = make_zip(cases[i].items, cases[i].n, FALSE);
		assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, cases[i].needle);
	}
}

static void
test_package_zip_too_many(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	ZipItem items[DFUD_PACKAGE_MAX_ENTRIES + 1];
	g_autoptr(GBytes) zip = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_ptr_array_add(names, g_strdup_printf("f%u.bin", i));
		items[i] = (ZipItem){g_ptr_array_index(names, i), img, FALSE};
	}
	zip = make_zip(items, G_N_ELEMENTS(items), TRUE);
	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "more than 64 entries");
}

/* a stored entry whose bytes changed after zipping: libarchive's CRC check refuses it */
static void
test_package_zip_crc(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	ZipItem items[] = {{"app.bin", img, FALSE}, {"manifest.json", man, FALSE}};
	g_autoptr(GBytes) zip = make_zip(items, 2, FALSE);
	g_autoptr(GBytes) broken = NULL;
	gsize len = g_bytes_get_size(zip);
	guint8 *copy = g_memdup2(g_bytes_get_data(zip, NULL), len);
	const guint8 *at = memmem(copy, len, g_bytes_get_data(img, NULL), 64);

	g_assert_nonnull(at);
	g_assert_cmpuint((gsize)(at - copy) + IMG_1K_SIZE, <=, len);
	copy[(gsize)(at - copy) + 0x300] ^= 0x01;
	broken = g_bytes_new_take(copy, len);
	assert_fails(broken, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "CRC");
}

static void
test_package_zip_truncated(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_single_nrf52840.zip");
	g_autoptr(GBytes) cut = g_bytes_new_from_bytes(zip, 0, g_bytes_get_size(zip) - 30);
	g_autoptr(GBytes) head = g_bytes_new_from_bytes(zip, 0, 200);

	assert_fails(cut, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "");
	assert_fails(head, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "");
}

/* uncompressed sizes are capped before anything is allocated: a deflated run of zeros */
static void
test_package_zip_size_cap(void)
{
	g_autofree guint8 *zeros = g_malloc0(512 * 1024);
	g_autoptr(GBytes) big = g_bytes_new_static(zeros, 512 * 1024);
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	ZipItem items[] = {
	    {"app.bin", img, FALSE}, {"manifest.json", man, FALSE}, {"zeros.bin", big, FALSE}};
	g_autoptr(GBytes) zip = make_zip(items, 3, TRUE);
	g_autoptr(GBytes) ok = make_zip(items, 2, TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	gsize small_total = IMG_1K_SIZE + strlen(manifest);

	g_assert_cmpuint(g_bytes_get_size(zip), <, 16 * 1024);
	package = dfud_package_new_from_bytes_with_limit(zip, 256 * 1024, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID);
	g_assert_nonnull(strstr(error->message, "zeros.bin"));
	g_clear_error(&error);

	/* exactly at the limit is fine, one byte less is not */
	package = dfud_package_new_from_bytes_with_limit(ok, small_total, &error);
	g_assert_no_error(error);
	g_assert_nonnull(package);
	g_clear_object(&package);
	entries = dfud_package_zip_read(ok, small_total - 1, &error);
	g_assert_null(entries);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID);
	g_clear_error(&error);

	/* the input itself */
	package = dfud_package_new_from_bytes_with_limit(ok, g_bytes_get_size(ok) - 1, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static int
memfd_with(GBytes *data)
{
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(data, &len);
	int fd = memfd_create("dfud-test", MFD_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, d, len), ==, (gssize)len);
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	return fd;
}

/* writes the 1k image in two halves, 50 ms apart, then closes */
static gpointer
slow_writer(gpointer user_data)
{
	int fd = GPOINTER_TO_INT(user_data);
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	const guint8 *d = g_bytes_get_data(img, NULL);

	g_usleep(50000);
	g_assert_cmpint(write(fd, d, 1000), ==, 1000);
	g_usleep(50000);
	g_assert_cmpint(write(fd, d + 1000, IMG_1K_SIZE - 1000), ==, IMG_1K_SIZE - 1000);
	close(fd);
	return NULL;
}

static void
test_package_fd(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_multi_nrf5340.zip");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GBytes) data = NULL;
	gsize len = g_bytes_get_size(zip);
	int fd = memfd_with(zip);
	int pipefd[2];

	package = dfud_package_new_from_fd(fd, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 2);
	g_clear_object(&package);

	/* from the current position */
	g_assert_cmpint(lseek(fd, 100, SEEK_SET), ==, 100);
	data = dfud_package_read_fd(fd, DFUD_PACKAGE_MAX_SIZE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(data), ==, len - 100);
	g_clear_pointer(&data, g_bytes_unref);

	/* the cap: exactly the limit passes, one byte more fails */
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	data = dfud_package_read_fd(fd, len, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(data, zip));
	g_clear_pointer(&data, g_bytes_unref);
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	data = dfud_package_read_fd(fd, len - 1, &error);
	g_assert_null(data);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "larger than"));
	g_clear_error(&error);
	close(fd);

	/* a non-blocking pipe holding a bare image, writer closed */
	{
		g_autoptr(GBytes) img = load_fixture(IMG_1K);
		g_assert_cmpint(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), ==, 0);
		g_assert_cmpint(write(pipefd[1], g_bytes_get_data(img, NULL), IMG_1K_SIZE), ==,
				IMG_1K_SIZE);
		close(pipefd[1]);
		package = dfud_package_new_from_fd(pipefd[0], &error);
		g_assert_no_error(error);
		g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_BIN);
		close(pipefd[0]);
		g_clear_object(&package);
	}

	/* a non-blocking pipe whose writer is slow: read waits instead of failing on EAGAIN */
	{
		g_autoptr(GThread) writer = NULL;
		g_assert_cmpint(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), ==, 0);
		writer = g_thread_new("writer", slow_writer, GINT_TO_POINTER(pipefd[1]));
		package = dfud_package_new_from_fd(pipefd[0], &error);
		g_assert_no_error(error);
		g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_BIN);
		g_assert_cmpuint(
		    dfud_image_get_size(dfud_package_entry_get_image(entry_at(package, 0))), ==,
		    IMG_1K_SIZE);
		g_thread_join(g_steal_pointer(&writer));
		close(pipefd[0]);
		g_clear_object(&package);
	}

	/* an empty pipe */
	g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
	close(pipefd[1]);
	package = dfud_package_new_from_fd(pipefd[0], &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY);
	g_clear_error(&error);
	close(pipefd[0]);

	/* a read error: a directory */
	fd = open(TEST_DATA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	package = dfud_package_new_from_fd(fd, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	close(fd);
}

static void
test_package_strings(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = dfud_image_new_from_bytes(img, &error);
	g_autoptr(DfudPackageEntry) entry = NULL;
	guint64 load = 0;

	g_assert_cmpstr(dfud_image_role_to_string(DFUD_IMAGE_ROLE_APPLICATION), ==, "application");
	g_assert_cmpstr(dfud_image_role_to_string(DFUD_IMAGE_ROLE_NETWORK_CORE), ==,
			"network-core");
	g_assert_cmpstr(dfud_image_role_to_string(DFUD_IMAGE_ROLE_EXTRA), ==, "extra");
	g_assert_cmpstr(dfud_image_role_to_string(DFUD_IMAGE_ROLE_MCUBOOT_S0), ==, "mcuboot-s0");
	g_assert_cmpstr(dfud_image_role_to_string(DFUD_IMAGE_ROLE_MCUBOOT_S1), ==, "mcuboot-s1");
	g_assert_cmpstr(dfud_package_format_to_string(DFUD_PACKAGE_FORMAT_BIN), ==, "bin");
	g_assert_cmpstr(dfud_package_format_to_string(DFUD_PACKAGE_FORMAT_ZIP), ==, "zip");

	g_assert_no_error(error);
	entry = dfud_package_entry_new(image, DFUD_IMAGE_ROLE_EXTRA, 3);
	g_assert_true(dfud_package_entry_get_image(entry) == image);
	g_assert_cmpint(dfud_package_entry_get_role(entry), ==, DFUD_IMAGE_ROLE_EXTRA);
	g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 3);
	g_assert_false(dfud_package_entry_get_load_address(entry, &load));
	dfud_package_entry_set_load_address(entry, 0);
	g_assert_true(dfud_package_entry_get_load_address(entry, &load));
	g_assert_cmpuint(load, ==, 0);
	dfud_package_entry_set_file_name(entry, "x.bin");
	dfud_package_entry_set_board(entry, "b");
	dfud_package_entry_set_soc(entry, "s");
	dfud_package_entry_set_manifest_version(entry, "1.0");
	g_assert_cmpstr(dfud_package_entry_get_file_name(entry), ==, "x.bin");
	g_assert_cmpstr(dfud_package_entry_get_board(entry), ==, "b");
	g_assert_cmpstr(dfud_package_entry_get_soc(entry), ==, "s");
	g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "1.0");
	dfud_package_entry_set_board(entry, NULL);
	g_assert_null(dfud_package_entry_get_board(entry));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/package/zip/single", test_package_single);
	g_test_add_func("/package/zip/multi", test_package_multi);
	g_test_add_func("/package/zip/mcuboot", test_package_mcuboot);
	g_test_add_func("/package/zip/built", test_package_built);
	g_test_add_func("/package/zip/roles", test_package_roles);
	g_test_add_func("/package/zip/mcuboot-slots", test_package_mcuboot_slots);
	g_test_add_func("/package/zip/manifest-errors", test_package_manifest_errors);
	g_test_add_func("/package/zip/corrupt-image", test_package_corrupt_image);
	g_test_add_func("/package/zip/zip-errors", test_package_zip_errors);
	g_test_add_func("/package/zip/too-many", test_package_zip_too_many);
	g_test_add_func("/package/zip/crc", test_package_zip_crc);
	g_test_add_func("/package/zip/truncated", test_package_zip_truncated);
	g_test_add_func("/package/zip/size-cap", test_package_zip_size_cap);
	g_test_add_func("/package/bin/image", test_package_bin);
	g_test_add_func("/package/bin/encrypted", test_package_bin_encrypted);
	g_test_add_func("/package/bin/broken", test_package_bin_broken);
	g_test_add_func("/package/fd", test_package_fd);
	g_test_add_func("/package/strings", test_package_strings);
	return g_test_run();
}
