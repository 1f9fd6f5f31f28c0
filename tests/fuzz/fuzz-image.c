/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Parses an MCUboot image, then exercises every accessor, the hash check and signature
 * verification with the fixtures' signing keys (tests/data/key-*.pem, throwaway test keys).
 */
#define G_LOG_DOMAIN "DfudFuzz"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image/dfud-image.h"

/* tests/data/key-ecdsa-p256.pem */
static const char key_ecdsa_p256_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqWQHEI5I0U+WrQ11\n"
    "PawDmwNo0DX5WPNNFGjrU+y6a3KhRANCAATvEr9+P8EnZ45hzCK8bSO/aFt/h5jo\n"
    "3tMy76zm3cFSJK5KNFnWrX9ShcPne6d2IAPShv5oBBqwQWiyaZTi1JhX\n"
    "-----END PRIVATE KEY-----\n";

/* tests/data/key-ed25519.pem */
static const char key_ed25519_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEILpDp2M862sp25hxbIqA8f1KLoxAKUibSmcoiLmw0u2B\n"
    "-----END PRIVATE KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* loaded once, kept for the life of the process */
static DfudPublicKey *
fuzz_load_key(const char *pem)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(pem, strlen(pem));
	g_autoptr(GError) error = NULL;
	DfudPublicKey *key = dfud_public_key_new_from_pem(bytes, &error);

	g_assert_no_error(error);
	return key;
}

static void
fuzz_check_bytes(GBytes *bytes, gsize want_len)
{
	gsize len = 0;
	const guint8 *data;
	guint sum = 0;

	if (bytes == NULL)
		return;
	data = g_bytes_get_data(bytes, &len);
	if (want_len != 0)
		g_assert_cmpuint(len, ==, want_len);
	/* touch every byte so ASan sees any out-of-bounds view */
	for (gsize i = 0; i < len; i++)
		sum += data[i];
	(void)sum;
}

static void
fuzz_accessors(DfudImage *image, gsize size)
{
	GArray *tlvs = dfud_image_get_tlvs(image);
	GArray *deps = dfud_image_get_dependencies(image);
	g_autofree gchar *version = dfud_image_version_to_string(dfud_image_get_version(image));
	g_autofree gchar *device =
	    dfud_image_version_to_device_string(dfud_image_get_version(image));
	g_autofree gchar *flags = dfud_image_flags_to_string(dfud_image_get_flags(image));
	DfudImageVersion parsed;
	guint32 counter = 0;
	guint8 image_ok = 0;

	g_assert_cmpuint(dfud_image_get_size(image), ==, size);
	g_assert_cmpuint(g_bytes_get_size(dfud_image_get_bytes(image)), ==, size);
	g_assert_cmpuint(dfud_image_get_hdr_size(image), >=, DFUD_IMAGE_HEADER_SIZE);
	g_assert_cmpuint((guint64)dfud_image_get_hdr_size(image) + dfud_image_get_img_size(image) +
			     dfud_image_get_protect_tlv_size(image),
			 ==, dfud_image_get_hashed_size(image));
	g_assert_cmpuint(dfud_image_get_hashed_size(image), <=, dfud_image_get_tlv_end(image));
	g_assert_cmpuint(dfud_image_get_tlv_end(image), <=, size);
	(void)dfud_image_get_load_addr(image);

	/* both version strings parse back to the same version */
	g_assert_true(dfud_image_version_parse(version, &parsed, NULL));
	g_assert_cmpint(dfud_image_version_compare(&parsed, dfud_image_get_version(image), TRUE),
			==, 0);
	g_assert_true(dfud_image_version_parse(device, &parsed, NULL));
	g_assert_cmpint(dfud_image_version_compare(&parsed, dfud_image_get_version(image), TRUE),
			==, 0);
	g_assert_nonnull(flags);

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);

		g_assert_cmpuint(tlv->offset, >=, dfud_image_get_hdr_size(image));
		g_assert_cmpuint(tlv->offset + tlv->len, <=, dfud_image_get_tlv_end(image));
		g_assert_nonnull(dfud_image_tlv_type_to_string(tlv->type));
	}
	for (guint i = 0; i < deps->len; i++) {
		const DfudImageDependency *dep = &g_array_index(deps, DfudImageDependency, i);
		g_autofree gchar *min = dfud_image_version_to_string(&dep->min_version);

		g_assert_nonnull(min);
	}

	g_assert_nonnull(dfud_image_hash_type_to_string(dfud_image_get_hash_type(image)));
	g_assert_cmpint(dfud_image_get_hash_type(image), !=, DFUD_IMAGE_HASH_NONE);
	fuzz_check_bytes(dfud_image_get_hash(image), 0);
	fuzz_check_bytes(dfud_image_get_file_sha256(image), 32);
	(void)dfud_image_get_hash_state(image);
	g_assert_nonnull(dfud_image_signature_type_to_string(dfud_image_get_signature_type(image)));
	fuzz_check_bytes(dfud_image_get_signature(image), 0);
	(void)dfud_image_is_signature_pure(image);
	fuzz_check_bytes(dfud_image_get_key_hash(image), 0);
	fuzz_check_bytes(dfud_image_get_public_key(image), 0);
	(void)dfud_image_is_encrypted(image);
	g_assert_nonnull(dfud_image_encryption_to_string(dfud_image_get_encryption(image)));
	(void)dfud_image_get_security_counter(image, &counter);
	(void)dfud_image_get_trailer(image, &image_ok);
	/* a compressed image has both decompression facts, its DECOMP_SHA as long as its hash */
	if (dfud_image_is_compressed(image)) {
		g_assert_true(dfud_image_get_decompressed_size(image, &counter));
		g_assert_cmpuint(g_bytes_get_size(dfud_image_get_decompressed_hash(image)), ==,
				 g_bytes_get_size(dfud_image_get_hash(image)));
	}
	fuzz_check_bytes(dfud_image_get_decompressed_hash(image), 0);
	fuzz_check_bytes(dfud_image_get_installed_hash(image),
			 g_bytes_get_size(dfud_image_get_hash(image)));
	(void)dfud_image_get_installed_size(image);
	(void)dfud_image_get_rom_fixed_address(image, &counter);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static DfudPublicKey *keys[2];
	g_autoptr(GBytes) blob = g_bytes_new_static(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = NULL;

	if (keys[0] == NULL) {
		keys[0] = fuzz_load_key(key_ecdsa_p256_pem);
		keys[1] = fuzz_load_key(key_ed25519_pem);
	}

	image = dfud_image_new_from_bytes(blob, &error);
	/* exactly one of the two is set */
	g_assert_true((image == NULL) != (error == NULL));
	if (image == NULL)
		return 0;

	fuzz_accessors(image, size);
	if (!dfud_image_verify(image, &error)) {
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (!dfud_image_verify_signature(image, keys[i], &error)) {
			g_assert_nonnull(error);
			g_clear_error(&error);
		}
	}
	return 0;
}
