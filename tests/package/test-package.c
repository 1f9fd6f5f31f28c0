/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dfud-error.h"
#include "package/dfud-package-private.h"
#include "package/dfud-package.h"
#include "test-package-util.h"

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
	g_test_add_func("/package/bin/image", test_package_bin);
	g_test_add_func("/package/bin/encrypted", test_package_bin_encrypted);
	g_test_add_func("/package/bin/broken", test_package_bin_broken);
	g_test_add_func("/package/strings", test_package_strings);
	return g_test_run();
}
