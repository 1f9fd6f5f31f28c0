/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Direct-XIP packages (spec §8.2, §8.3): the SDK's two-variant zip is one image built for two
 * slots; any other pair sharing an image_index is still refused by name.
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "package/dfud-package.h"
#include "test-package-util.h"

#define XIP0 "directxip-slot0-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP1 "directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin"
#define XIP_SIZE 40663u

/* the real zip of the SDK's zip script, with the manifest quirks of its README */
static void
test_xip_fixture(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_directxip_nrf52840.zip");
	g_autoptr(DfudPackage) package = assert_parses(zip);
	DfudPackageEntry *primary;
	DfudPackageEntry *secondary;
	guint slot = 99;
	guint32 address = 0;

	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 2);
	primary = entry_at(package, 0);
	secondary = entry_at(package, 1);
	g_assert_cmpstr(dfud_package_entry_get_file_name(primary), ==, "smp_svr.bin");
	g_assert_cmpstr(dfud_package_entry_get_file_name(secondary), ==,
			"mcuboot_secondary_app.bin");
	/* the primary entry has no `slot`: it is the other one's counterpart */
	g_assert_true(dfud_package_entry_get_xip_slot(primary, &slot));
	g_assert_cmpuint(slot, ==, 0);
	g_assert_true(dfud_package_entry_get_xip_slot(secondary, &slot));
	g_assert_cmpuint(slot, ==, 1);
	for (guint i = 0; i < 2; i++) {
		DfudPackageEntry *entry = entry_at(package, i);
		g_assert_cmpuint(dfud_package_entry_get_image_index(entry), ==, 0);
		g_assert_cmpint(dfud_package_entry_get_role(entry), ==,
				DFUD_IMAGE_ROLE_APPLICATION);
		g_assert_cmpstr(dfud_package_entry_get_manifest_version(entry), ==, "1.4.0");
	}
	g_assert_true(dfud_image_get_rom_fixed_address(dfud_package_entry_get_image(primary),
						       &address));
	g_assert_cmphex(address, ==, 0xc000);
	assert_entry_hash(primary,
			  "c714624eec58a3116c3f51d238db613b21282716b97511e95a4bb99708e6d6cf");
	assert_entry_hash(secondary,
			  "0ab07fd77eb0f6e3524d6489c111590aaefc2aaae10932312592a1255f0680e9");

	g_assert_true(dfud_package_get_xip_variant(package, 0, 0) == primary);
	g_assert_true(dfud_package_get_xip_variant(package, 0, 1) == secondary);
	g_assert_null(dfud_package_get_xip_variant(package, 1, 0));
	g_assert_null(dfud_package_get_xip_variant(package, 0, 2));
}

/* a zip of the two direct-XIP builds (or others) under "p.bin" and "s.bin" with @files */
static GBytes *
xip_zip(const gchar *first, const gchar *second, const gchar *files)
{
	g_autoptr(GBytes) a = load_fixture(first);
	g_autoptr(GBytes) b = load_fixture(second);
	g_autofree gchar *manifest =
	    g_strdup_printf("{\"format-version\": 1, \"name\": \"x\", \"files\": [%s]}", files);
	g_autoptr(GBytes) man = str_bytes(manifest);
	ZipItem items[] = {{"p.bin", a, FALSE}, {"s.bin", b, FALSE}, {"manifest.json", man, FALSE}};

	return make_zip(items, G_N_ELEMENTS(items), FALSE);
}

#define P_FILE(extra)                                                                          \
	"{\"file\": \"p.bin\", \"size\": 40663, \"type\": \"application\"" extra "}"
#define S_FILE(extra)                                                                          \
	"{\"file\": \"s.bin\", \"size\": 40663, \"type\": \"application\"" extra "}"

static void
test_xip_variants_good(void)
{
	/* both named, in either order; or told apart by the secondary's slot alone */
	const gchar *manifests[] = {
	    P_FILE(", \"slot\": \"0\"") ", " S_FILE(", \"slot\": \"1\""),
	    P_FILE("") ", " S_FILE(", \"slot\": 1, \"load_address\": \"0x82000\""),
	    P_FILE(", \"slot\": 0, \"load_address\": 49152") ", " S_FILE(""),
	};

	for (guint i = 0; i < G_N_ELEMENTS(manifests); i++) {
		g_autoptr(GBytes) zip = xip_zip(XIP0, XIP1, manifests[i]);
		g_autoptr(DfudPackage) package = assert_parses(zip);
		g_assert_cmpstr(
		    dfud_package_entry_get_file_name(dfud_package_get_xip_variant(package, 0, 0)),
		    ==, "p.bin");
		g_assert_cmpstr(
		    dfud_package_entry_get_file_name(dfud_package_get_xip_variant(package, 0, 1)),
		    ==, "s.bin");
	}
}

static void
test_xip_variants_refused(void)
{
	struct {
		const gchar *first;
		const gchar *second;
		const gchar *files;
		gint code;
		const gchar *needle;
	} cases[] = {
	    /* no slot anywhere: two images for one index, refused by name */
	    {XIP0, XIP1, P_FILE("") ", " S_FILE(""), DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"p.bin\" and \"s.bin\" the same image_index 0"},
	    {XIP0, XIP1, P_FILE(", \"slot\": \"1\"") ", " S_FILE(", \"slot\": 1"),
	     DFUD_ERROR_PACKAGE_INVALID,
	     "\"p.bin\" and \"s.bin\" are both the direct-XIP build for slot 1 of image 0"},
	    {XIP0, XIP1, P_FILE("") ", " S_FILE(", \"slot\": 3"), DFUD_ERROR_PACKAGE_INVALID,
	     "\"s.bin\": slot 3 is not a slot of image 0 (0 or 1)"},
	    /* the slot-1 entry holds the slot-0 build */
	    {XIP1, XIP0, P_FILE(", \"load_address\": 49152") ", " S_FILE(", \"slot\": \"1\""),
	     DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"p.bin\": manifest load_address 0xc000 differs from the image's ROM-fixed "
	     "address 0x82000"},
	    {XIP0, XIP0, P_FILE("") ", " S_FILE(", \"slot\": \"1\""), DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"p.bin\" and \"s.bin\" are both linked for 0xc000"},
	    {XIP0, "romfixed-hashonly_1k_v1.0.0.bin", P_FILE("") ", " S_FILE(", \"slot\": \"1\""),
	     DFUD_ERROR_PACKAGE_MISMATCH, "\"s.bin\": manifest.json size 40663 differs"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) zip = xip_zip(cases[i].first, cases[i].second, cases[i].files);
		assert_fails(zip, DFUD_ERROR, cases[i].code, cases[i].needle);
	}
}

/* variants that are not ROM-fixed builds (the 1k image twice) */
static void
test_xip_variants_not_rom_fixed(void)
{
	const gchar *names[] = {"a.bin", "b.bin", NULL};
	g_autoptr(GBytes) zip = make_package(
	    "{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, \"type\": "
	    "\"application\"}, {\"file\": \"b.bin\", \"size\": 1576, \"type\": \"application\", "
	    "\"slot\": \"1\"}]}",
	    names);

	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
		     "\"a.bin\": the direct-XIP build for slot 0 is not ROM_FIXED");
}

/* three entries for one index are no pair of variants, whatever their slots */
static void
test_xip_three(void)
{
	const gchar *names[] = {"a.bin", "b.bin", "c.bin", NULL};
	g_autoptr(GBytes) zip = make_package(
	    "{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, \"type\": "
	    "\"application\", \"slot\": 0}, {\"file\": \"b.bin\", \"size\": 1576, \"type\": "
	    "\"application\", \"slot\": \"1\"}, {\"file\": \"c.bin\", \"size\": 1576, \"type\": "
	    "\"application\", \"slot\": \"1\"}]}",
	    names);

	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
		     "\"a.bin\" and \"b.bin\" the same image_index 0");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/package/xip/fixture", test_xip_fixture);
	g_test_add_func("/package/xip/good", test_xip_variants_good);
	g_test_add_func("/package/xip/refused", test_xip_variants_refused);
	g_test_add_func("/package/xip/not-rom-fixed", test_xip_variants_not_rom_fixed);
	g_test_add_func("/package/xip/three", test_xip_three);
	return g_test_run();
}
