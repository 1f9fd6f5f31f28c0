/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Version parse / compare / format and the name helpers of dfud-image.h.
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include "dfud-error.h"
#include "dfud-image.h"

static void
test_version_format(void)
{
	const DfudImageVersion v = {1, 2, 3, 4};
	const DfudImageVersion v0 = {0, 9, 1, 0};
	const DfudImageVersion max = {255, 255, 65535, G_MAXUINT32};
	g_autofree gchar *a = dfud_image_version_to_string(&v);
	g_autofree gchar *b = dfud_image_version_to_device_string(&v);
	g_autofree gchar *c = dfud_image_version_to_string(&v0);
	g_autofree gchar *d = dfud_image_version_to_device_string(&v0);
	g_autofree gchar *e = dfud_image_version_to_string(&max);
	g_autofree gchar *f = dfud_image_version_to_device_string(&max);

	g_assert_cmpstr(a, ==, "1.2.3+4");
	g_assert_cmpstr(b, ==, "1.2.3.4");
	g_assert_cmpstr(c, ==, "0.9.1");
	g_assert_cmpstr(d, ==, "0.9.1");
	g_assert_cmpstr(e, ==, "255.255.65535+4294967295");
	g_assert_cmpstr(f, ==, "255.255.65535.4294967295");
}

static void
test_version_parse_good(void)
{
	static const struct {
		const gchar *str;
		DfudImageVersion want;
	} cases[] = {
	    {"1", {1, 0, 0, 0}},
	    {"1.2", {1, 2, 0, 0}},
	    {"1.2.3", {1, 2, 3, 0}},
	    {"1.2.3+4", {1, 2, 3, 4}},
	    {"1.2.3.4", {1, 2, 3, 4}},
	    {"0.9.1+77", {0, 9, 1, 77}},
	    {"255.255.65535+4294967295", {255, 255, 65535, G_MAXUINT32}},
	    {"255.255.65535.4294967295", {255, 255, 65535, G_MAXUINT32}},
	    {"007.0.0", {7, 0, 0, 0}},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		DfudImageVersion v = {9, 9, 9, 9};
		g_autoptr(GError) error = NULL;

		g_assert_true(dfud_image_version_parse(cases[i].str, &v, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(v.major, ==, cases[i].want.major);
		g_assert_cmpuint(v.minor, ==, cases[i].want.minor);
		g_assert_cmpuint(v.revision, ==, cases[i].want.revision);
		g_assert_cmpuint(v.build, ==, cases[i].want.build);
	}
}

static void
test_version_parse_bad(void)
{
	static const gchar *const bad[] = {
	    "",
	    "a",
	    "1.",
	    "1..2",
	    ".1",
	    "1.2.3.",
	    "1.2.3+",
	    "1.2+3",
	    "1+3",
	    "1.2.3.4.5",
	    "1.2.3+4.5",
	    "1.2.3.4+5",
	    "256",
	    "1.256",
	    "1.2.65536",
	    "1.2.3+4294967296",
	    "1.2.3.99999999999999999999",
	    "-1",
	    "+1",
	    " 1.2.3",
	    "1.2.3 ",
	    "1.2.3-rc1",
	    "0x10",
	    "1,2,3",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		DfudImageVersion v = {0};
		g_autoptr(GError) error = NULL;

		g_assert_false(dfud_image_version_parse(bad[i], &v, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_version_compare(void)
{
	const DfudImageVersion a = {1, 2, 3, 4};
	const DfudImageVersion b = {1, 2, 3, 5};
	const DfudImageVersion c = {1, 2, 4, 0};
	const DfudImageVersion d = {1, 3, 0, 0};
	const DfudImageVersion e = {2, 0, 0, 0};
	const DfudImageVersion big = {1, 2, 300, 0};
	const DfudImageVersion small = {1, 2, 44, 0};

	g_assert_cmpint(dfud_image_version_compare(&a, &a, TRUE), ==, 0);
	g_assert_cmpint(dfud_image_version_compare(&a, &b, TRUE), <, 0);
	g_assert_cmpint(dfud_image_version_compare(&b, &a, TRUE), >, 0);
	g_assert_cmpint(dfud_image_version_compare(&a, &b, FALSE), ==, 0);
	g_assert_cmpint(dfud_image_version_compare(&b, &c, TRUE), <, 0);
	g_assert_cmpint(dfud_image_version_compare(&c, &d, FALSE), <, 0);
	g_assert_cmpint(dfud_image_version_compare(&d, &e, FALSE), <, 0);
	g_assert_cmpint(dfud_image_version_compare(&e, &a, TRUE), >, 0);
	/* numbers, not strings */
	g_assert_cmpint(dfud_image_version_compare(&big, &small, FALSE), >, 0);
}

static void
test_names(void)
{
	g_autofree gchar *none = dfud_image_flags_to_string(0);
	g_autofree gchar *two = dfud_image_flags_to_string(0x14);
	g_autofree gchar *all = dfud_image_flags_to_string(0xf3d);
	g_autofree gchar *unknown = dfud_image_flags_to_string(0x80000002);

	g_assert_cmpstr(none, ==, "");
	g_assert_cmpstr(two, ==, "ENCRYPTED_AES128 NON_BOOTABLE");
	g_assert_cmpstr(all, ==,
			"PIC ENCRYPTED_AES128 ENCRYPTED_AES256 NON_BOOTABLE RAM_LOAD ROM_FIXED "
			"COMPRESSED_LZMA1 COMPRESSED_LZMA2 COMPRESSED_ARM_THUMB_FLT");
	g_assert_cmpstr(unknown, ==, "0x2 0x80000000");

	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x01), ==, "KEYHASH");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x10), ==, "SHA256");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x22), ==, "ECDSASIG");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x33), ==, "ENCX25519");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x50), ==, "SEC_CNT");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x75), ==, "UUID_CID");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0xa0), ==, "VENDOR");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x12ff), ==, "VENDOR");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x03), ==, "UNKNOWN");
	g_assert_cmpstr(dfud_image_tlv_type_to_string(0x0110), ==, "UNKNOWN");

	g_assert_cmpstr(dfud_image_hash_type_to_string(DFUD_IMAGE_HASH_SHA256), ==, "SHA-256");
	g_assert_cmpstr(dfud_image_hash_type_to_string(DFUD_IMAGE_HASH_SHA512), ==, "SHA-512");
	g_assert_cmpstr(dfud_image_signature_type_to_string(DFUD_IMAGE_SIGNATURE_ED25519), ==,
			"Ed25519");
	g_assert_cmpstr(dfud_image_signature_type_to_string(DFUD_IMAGE_SIGNATURE_RSA2048_PSS), ==,
			"RSA-2048-PSS");
	g_assert_cmpstr(dfud_image_signature_type_to_string(DFUD_IMAGE_SIGNATURE_NONE), ==, "none");
	g_assert_cmpstr(dfud_image_encryption_to_string(DFUD_IMAGE_ENCRYPTION_EC256), ==,
			"ECIES-P256");
	g_assert_cmpstr(dfud_image_encryption_to_string(DFUD_IMAGE_ENCRYPTION_X25519), ==,
			"ECIES-X25519");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/image/version/format", test_version_format);
	g_test_add_func("/image/version/parse-good", test_version_parse_good);
	g_test_add_func("/image/version/parse-bad", test_version_parse_bad);
	g_test_add_func("/image/version/compare", test_version_compare);
	g_test_add_func("/image/names", test_names);
	return g_test_run();
}
