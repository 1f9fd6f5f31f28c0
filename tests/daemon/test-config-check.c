/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud.conf's package check ([Security] TrustedKeys, RequireSigned) against the signed
 * fixtures of tests/data: images and DFU zips.
 */
#define G_LOG_DOMAIN "DfudTestConfigCheck"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dd-config.h"
#include "dfud-error.h"
#include "package/dfud-package-entry.h"
#include "package/dfud-package.h"

static gchar *
data_path(const gchar *name)
{
	return g_build_filename(TEST_DATA_DIR, name, NULL);
}

static DfudImage *
load_image(const gchar *name)
{
	g_autofree gchar *path = data_path(name);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gchar *contents = NULL;
	gsize len = 0;
	DfudImage *image;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	bytes = g_bytes_new_take(contents, len);
	image = dfud_image_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	return image;
}

/* the ECDSA image with one byte of its signature changed: the key matches, the signature not */
static DfudImage *
load_image_bad_signature(void)
{
	g_autoptr(DfudImage) good = load_image("ecdsa-p256_60k_v1.2.3+4.bin");
	GArray *tlvs = dfud_image_get_tlvs(good);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(dfud_image_get_bytes(good), &len);
	g_autofree guint8 *copy = g_memdup2(data, len);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	DfudImage *image;
	gboolean found = FALSE;

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);

		if (tlv->type == DFUD_IMAGE_TLV_ECDSA_SIG) {
			/* inside r, past the DER headers */
			copy[tlv->offset + 10] ^= 0x01;
			found = TRUE;
		}
	}
	g_assert_true(found);
	bytes = g_bytes_new_take(g_steal_pointer(&copy), len);
	image = dfud_image_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	return image;
}

static GPtrArray *
images_of(const gchar *first, ...)
{
	GPtrArray *images = g_ptr_array_new_with_free_func(g_object_unref);
	va_list args;

	va_start(args, first);
	for (const gchar *name = first; name != NULL; name = va_arg(args, const gchar *))
		g_ptr_array_add(images, load_image(name));
	va_end(args);
	return images;
}

static DdConfig *
config_with_keys(gboolean require_signed, const gchar *first_key, ...)
{
	DdConfig *config = dd_config_new();
	va_list args;

	config->require_signed = require_signed;
	va_start(args, first_key);
	for (const gchar *name = first_key; name != NULL; name = va_arg(args, const gchar *)) {
		g_autofree gchar *path = data_path(name);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *pem = NULL;
		gsize len = 0;
		g_autoptr(GBytes) bytes = NULL;
		DfudPublicKey *key;

		g_assert_true(g_file_get_contents(path, &pem, &len, NULL));
		bytes = g_bytes_new(pem, len);
		key = dfud_public_key_new_from_pem(bytes, &error);
		g_assert_no_error(error);
		g_ptr_array_add(config->trusted_keys, key);
	}
	va_end(args);
	return config;
}

/* @code 0: accepted; else refused with @code, the message naming @needle */
static void
check(DdConfig *config, GPtrArray *images, gint code, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = dd_config_check_package(config, images, &error);

	if (code == 0) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, DFUD_ERROR, code);
	g_test_message("%s", error->message);
	if (needle != NULL && strstr(error->message, needle) == NULL)
		g_error("message “%s” does not name “%s”", error->message, needle);
}

static void
test_check_no_policy(void)
{
	g_autoptr(DdConfig) config = dd_config_new();
	g_autoptr(GPtrArray) images =
	    images_of("hashonly_1k_v1.2.3+4.bin", "ecdsa-p256_60k_v1.2.3+4.bin",
		      "ed25519_60k_v2.0.0.bin", "enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) empty = g_ptr_array_new();

	/* without keys and RequireSigned anything goes, even a signature no one can check */
	check(config, images, 0, NULL);
	g_ptr_array_add(images, load_image_bad_signature());
	check(config, images, 0, NULL);
	check(config, empty, 0, NULL);
}

static void
test_check_require_signed(void)
{
	g_autoptr(DdConfig) config = config_with_keys(TRUE, NULL);
	g_autoptr(GPtrArray) signed_images =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "rsa2048_60k_v1.2.3+4.bin",
		      "prottlv-mix-ed25519_4k_v0.9.1+77.bin", NULL);
	g_autoptr(GPtrArray) mixed =
	    images_of("ed25519_60k_v2.0.0.bin", "hashonly_60k_v2.0.0.bin", NULL);
	g_autoptr(GPtrArray) sha512 = images_of("hashonly-sha512_4k_v1.0.0.bin", NULL);

	/* with no keys to check against, a signature is enough */
	check(config, signed_images, 0, NULL);
	check(config, mixed, DFUD_ERROR_UNSIGNED, "image 1 (version 2.0.0)");
	check(config, sha512, DFUD_ERROR_UNSIGNED, "image 0 (version 1.0.0)");
}

static void
test_check_trusted_keys(void)
{
	g_autoptr(DdConfig) p256 = config_with_keys(FALSE, "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) two =
	    config_with_keys(FALSE, "key-ed25519.pem", "key-rsa2048.pem", NULL);
	g_autoptr(DdConfig) three = config_with_keys(FALSE, "key-rsa2048.pem", "key-ed25519.pem",
						     "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) wrong_p256 = config_with_keys(FALSE, "enc-pub-ecdsa-p256.pem", NULL);
	g_autoptr(GPtrArray) by_p256 =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "ecdsa-p256-fullpubkey_1k_v1.0.0.bin",
		      "padheader-ecdsa-p256_60k_v1.3.0.bin", "seccnt-dep-ecdsa-p256_60k_v2.0.0.bin",
		      "pad-confirm-ecdsa-p256_60k_slot0x20000_v1.2.3+4.bin",
		      "enc-ecies-p256-aes128-ecdsa-p256_60k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) by_ed = images_of("ed25519_60k_v2.0.0.bin", NULL);
	g_autoptr(GPtrArray) by_rsa = images_of("rsa2048_60k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) unsigned_second =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "hashonly_1k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) tampered = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) corrupt = images_of("broken_body-corrupt.bin", NULL);
	g_autoptr(GPtrArray) all = images_of("rsa2048_60k_v1.2.3+4.bin", "ed25519_60k_v2.0.0.bin",
					     "ecdsa-p256_60k_v1.2.3+4.bin", NULL);

	check(p256, by_p256, 0, NULL);
	check(p256, by_ed, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 2.0.0)");
	check(p256, by_rsa, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 1.2.3+4)");
	/* with trusted keys an unsigned image is refused even without RequireSigned */
	check(p256, unsigned_second, DFUD_ERROR_UNSIGNED, "image 1 (version 1.2.3+4)");
	/* another P-256 key: the key hash TLV tells it apart */
	check(wrong_p256, by_p256, DFUD_ERROR_KEY_MISMATCH, "image 0");

	g_ptr_array_add(tampered, load_image("ed25519_60k_v2.0.0.bin"));
	g_ptr_array_add(tampered, load_image_bad_signature());
	check(p256, tampered, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 2.0.0)");
	g_ptr_array_remove_index(tampered, 0);
	check(p256, tampered, DFUD_ERROR_SIGNATURE_INVALID, "image 0 (version 1.2.3+4)");
	/* the key that made it fails it: that, not the other keys' mismatch, is the news */
	check(three, tampered, DFUD_ERROR_SIGNATURE_INVALID, "image 0");

	/* a signature vouches only for a body that matches the hash */
	check(p256, corrupt, DFUD_ERROR_IMAGE_HASH_MISMATCH, "image 0");

	check(two, by_ed, 0, NULL);
	check(two, by_rsa, 0, NULL);
	check(two, by_p256, DFUD_ERROR_KEY_MISMATCH, "none of the 2 trusted keys");
	check(three, all, 0, NULL);
	check(three, by_p256, 0, NULL);
}

/* the images of real DFU zips, as the daemon gets them from DfudPackage */
static void
check_zip(DdConfig *config, const gchar *name, gint code)
{
	g_autofree gchar *path = data_path(name);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_object_unref);
	GPtrArray *entries;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	bytes = g_bytes_new(contents, len);
	package = dfud_package_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	entries = dfud_package_get_entries(package);
	g_assert_cmpuint(entries->len, >, 0);
	for (guint i = 0; i < entries->len; i++)
		g_ptr_array_add(images,
				g_object_ref(dfud_package_entry_get_image(entries->pdata[i])));
	check(config, images, code, NULL);
}

static void
test_check_zip(void)
{
	g_autoptr(DdConfig) p256 = config_with_keys(TRUE, "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) ed = config_with_keys(FALSE, "key-ed25519.pem", NULL);

	check_zip(p256, "dfu_application_single_nrf52840.zip", 0);
	check_zip(p256, "dfu_application_multi_nrf5340.zip", 0);
	check_zip(ed, "dfu_application_multi_nrf5340.zip", DFUD_ERROR_KEY_MISMATCH);
}


int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/daemon/config/check/no-policy", test_check_no_policy);
	g_test_add_func("/daemon/config/check/require-signed", test_check_require_signed);
	g_test_add_func("/daemon/config/check/trusted-keys", test_check_trusted_keys);
	g_test_add_func("/daemon/config/check/zip", test_check_zip);
	return g_test_run();
}
