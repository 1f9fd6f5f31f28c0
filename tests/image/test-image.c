/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Parses every MCUboot image fixture and checks the values of tests/data/README.md; breaks good
 * images in memory to reach every structural error.
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-image.h"

#include "test-image-util.h"

typedef struct {
	const gchar *file;
	gsize size;
	guint32 load_addr;
	guint16 hdr_size;
	guint16 protect_tlv_size;
	guint32 img_size;
	guint32 flags;
	const gchar *version;
	const gchar *tlvs; /* "type/len" in file order, "P" in front of protected ones */
	DfudImageHashType hash_type;
	const gchar *hash;
	const gchar *file_sha256;
	DfudImageHashState hash_state;
	DfudImageSignatureType signature;
	const gchar *key_hash; /* KEYHASH TLV, or NULL */
	DfudImageEncryption encryption;
	gint64 security_counter; /* -1 for none */
	gsize tlv_end;
	gint trailer_image_ok; /* -1 for no trailer */
} ImageFixture;

#define KEY_ECDSA "f7572fcccd5bfb3fda46dc06aa6b4a8902b63051074fa45802a287f07d5e8c9f"
#define KEY_ED25519 "af6962665e39389f50d5b67e7a41b400eb3bf30a22d5fbe113909bbd775ec95c"
#define KEY_RSA "772bb72c0f792a4fcb6165c5cb54a76fd1b852f42803a6e9cab8a62141f810e1"

static const ImageFixture fixtures[] = {
    {"ecdsa-p256-fullpubkey_1k_v1.0.0.bin", 1745, 0x0, 0x200, 0x0, 0x400, 0x0, "1.0.0",
     "10/32 2/91 22/70", DFUD_IMAGE_HASH_SHA256,
     "fcda8e79b6ee50aefbe24377470baf1451b2c43fa2b7da49b90fcaf86c8f61db",
     "07e2722448ec4a75c7abe9ecaa516a3faeab00e28f676fcee96b4ecb5ccfec54",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, NULL,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 1745, -1},
    {"ecdsa-p256_60k_v1.2.3+4.bin", 62102, 0x0, 0x200, 0x0, 0xf000, 0x0, "1.2.3+4",
     "10/32 1/32 22/70", DFUD_IMAGE_HASH_SHA256,
     "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146",
     "755f0b16962263047a7da0492c20a67e3f272b8f0b3b3c792b1be6edd3af4421",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 62102, -1},
    {"ed25519_60k_v2.0.0.bin", 62096, 0x0, 0x200, 0x0, 0xf000, 0x0, "2.0.0", "10/32 1/32 24/64",
     DFUD_IMAGE_HASH_SHA256, "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802",
     "0269b277ceb66cc0756432c3ffe067b9f10af4e14714ca3405ed74eab7095d08",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ED25519, KEY_ED25519,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 62096, -1},
    {"enc-ecies-p256-aes128-ecdsa-p256_60k_v1.2.3+4.bin", 62219, 0x0, 0x200, 0x0, 0xf000, 0x4,
     "1.2.3+4", "10/32 1/32 22/70 32/113", DFUD_IMAGE_HASH_SHA256,
     "83e6a153d0ebd364d33b2e70e917543b336cfece68241615663be5ecad035f05",
     "97a09f07079df6a4eb7ff0fedbb038da976a94be0ec352e0b4c64d75da1f970b",
     DFUD_IMAGE_HASH_STATE_ENCRYPTED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_EC256, -1, 62219, -1},
    {"enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin", 4852, 0x0, 0x200, 0x0, 0x1000, 0x8, "1.2.3+4",
     "10/32 1/32 24/64 33/96", DFUD_IMAGE_HASH_SHA256,
     "042e835a67e00ab2557208b36ceb9d8e0698359c0665e76214989e1472a71599",
     "028cf7c3ddb6538f9636963a94a49c3e48a85aa4f51b11b0f8d3daf4b4e9aaaa",
     DFUD_IMAGE_HASH_STATE_ENCRYPTED, DFUD_IMAGE_SIGNATURE_ED25519, KEY_ED25519,
     DFUD_IMAGE_ENCRYPTION_X25519, -1, 4852, -1},
    {"hashonly-sha512_4k_v1.0.0.bin", 4680, 0x0, 0x200, 0x0, 0x1000, 0x0, "1.0.0", "12/64",
     DFUD_IMAGE_HASH_SHA512,
     "584d1a0f6db409079ad1373c7a537470e2902df93750757b38624a299231b73c"
     "b68a3a4306d15bf703a416212a62599c00565cb2fd9d0a611f7802bf436f6ddf",
     "d1d7f4462146adf2c90e6c7d2ecfe64fe1b97a949adc8c59cc79eb44d20e7780",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 4680, -1},
    {"hashonly_1k_v1.2.3+4.bin", 1576, 0x0, 0x200, 0x0, 0x400, 0x0, "1.2.3+4", "10/32",
     DFUD_IMAGE_HASH_SHA256, "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc",
     "66f31f96f43851aef8620dd9374dbcc53d6f79f56023b9e8550d4b7cde161ac8",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 1576, -1},
    {"hashonly_300k_v1.0.0.bin", 307752, 0x0, 0x200, 0x0, 0x4b000, 0x0, "1.0.0", "10/32",
     DFUD_IMAGE_HASH_SHA256, "6a78850e56f0dd096b411dd972019bb1ee77d73502d953db3224edace067ad05",
     "ae9e8781f6e90ae47afadf123b67f7e0d9f1c6058e654764d606ed14d26e6166",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 307752, -1},
    {"hashonly_60k_v2.0.0.bin", 61992, 0x0, 0x200, 0x0, 0xf000, 0x0, "2.0.0", "10/32",
     DFUD_IMAGE_HASH_SHA256, "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802",
     "b2d3c3d2ebd2d2e382e5480303e9460cb57b1805bd26c74d704d036c8a7faeec",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 61992, -1},
    {"nonbootable-padheader-hashonly_1k_v1.0.0.bin", 1576, 0x0, 0x200, 0x0, 0x400, 0x10, "1.0.0",
     "10/32", DFUD_IMAGE_HASH_SHA256,
     "1f3a92330330112877de86faa11e21fb4986b8a9b67fa7fe6a43b05d2abe7e3f",
     "f19744798a42ca9183cc91abbb73a78a81b5b607fe69f69a03ca122a05132a67",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 1576, -1},
    {"pad-confirm-ecdsa-p256_60k_slot0x20000_v1.2.3+4.bin", 131072, 0x0, 0x200, 0x0, 0xf000, 0x0,
     "1.2.3+4", "10/32 1/32 22/71", DFUD_IMAGE_HASH_SHA256,
     "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146",
     "5a0239ea5ff2a9d75d4867174188556f09bead8103dc5394300c6b9c244982bf",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 0xf297, 0x01},
    {"padheader-ecdsa-p256_60k_v1.3.0.bin", 62102, 0x0, 0x200, 0x0, 0xf000, 0x0, "1.3.0",
     "10/32 1/32 22/70", DFUD_IMAGE_HASH_SHA256,
     "d59773e23188316eeeee696b21144f46144b1bcc37db5422f22e7f640b2814eb",
     "3af5551d291f3aaf5ca6abf4f7eac09dd8702d9ff6534677a8fd8213c529a07c",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 62102, -1},
    {"prottlv-mix-ed25519_4k_v0.9.1+77.bin", 4871, 0x0, 0x200, 0x77, 0x1000, 0x0, "0.9.1+77",
     "P50/4 P60/91 Pa0/8 10/32 1/32 24/64", DFUD_IMAGE_HASH_SHA256,
     "f71d135c98c24806b22e0d35c8f71ed758c16c217f4715f3b924636242b72825",
     "9d49deb19ff49d77598abc62bd2ddd6a2784caf35209c974523aae61285139b6",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ED25519, KEY_ED25519,
     DFUD_IMAGE_ENCRYPTION_NONE, 16, 4871, -1},
    {"ramload-hashonly_1k_v1.0.0.bin", 1576, 0x20000000, 0x200, 0x0, 0x400, 0x20, "1.0.0", "10/32",
     DFUD_IMAGE_HASH_SHA256, "c244145f94a97b6fb129e868d732d9c3d8b4335a15defef3eca28177e0dc0ea1",
     "6b3302cbfd986541dc1871f4f5c1b350fe5a2bc347ed8cb8befc699bc07374ff",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 1576, -1},
    {"romfixed-hashonly_1k_v1.0.0.bin", 1576, 0x10000, 0x200, 0x0, 0x400, 0x100, "1.0.0", "10/32",
     DFUD_IMAGE_HASH_SHA256, "4a286b95a29826d82407aff9276f044b614f2d276991707679f75585d1182313",
     "bc9f89c681842e31fd794bceebd6a6bb18f7a6a0af6f516e50686c7a109c0159",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_NONE, NULL, DFUD_IMAGE_ENCRYPTION_NONE,
     -1, 1576, -1},
    {"rsa2048_60k_v1.2.3+4.bin", 62288, 0x0, 0x200, 0x0, 0xf000, 0x0, "1.2.3+4",
     "10/32 1/32 20/256", DFUD_IMAGE_HASH_SHA256,
     "71aea69532d2aac752104c07b76defb90bab9b7bad81875664a860129a0f42a3",
     "2d007634598d30bf5a06889ca86977071745096ff40ccbe8e6167fbe010113c9",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_RSA2048_PSS, KEY_RSA,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 62288, -1},
    {"seccnt-dep-ecdsa-p256_60k_v2.0.0.bin", 62130, 0x0, 0x200, 0x1c, 0xf000, 0x0, "2.0.0",
     "P50/4 P40/12 10/32 1/32 22/70", DFUD_IMAGE_HASH_SHA256,
     "21474bfa87d22cd0d633c613b72ddc3dff8ab10db2ae94cc367b4ce169cff212",
     "8e55843b11820be7d25da3ec6e7ef9fe85afd1f63f71ff6e83f3e48ac44e648f",
     DFUD_IMAGE_HASH_STATE_VERIFIED, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_NONE, 0x2000000, 62130, -1},
    /* body corrupted: parses, but the hash no longer matches */
    {"broken_body-corrupt.bin", 62102, 0x0, 0x200, 0x0, 0xf000, 0x0, "1.2.3+4", "10/32 1/32 22/70",
     DFUD_IMAGE_HASH_SHA256, "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146",
     "c5c312bf4aa189debbbca13d78677827c8bea75f7b557f9784894ad0cc4259e3",
     DFUD_IMAGE_HASH_STATE_MISMATCH, DFUD_IMAGE_SIGNATURE_ECDSA_P256, KEY_ECDSA,
     DFUD_IMAGE_ENCRYPTION_NONE, -1, 62102, -1},
};

static gchar *
tlvs_to_string(DfudImage *image)
{
	GArray *tlvs = dfud_image_get_tlvs(image);
	GString *str = g_string_new(NULL);

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);

		g_string_append_printf(str, "%s%s%x/%u", i > 0 ? " " : "",
				       tlv->protected_area ? "P" : "", tlv->type, tlv->len);
	}
	return g_string_free(str, FALSE);
}

static void
check_fixture(gconstpointer user_data)
{
	const ImageFixture *f = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) blob = test_image_load(f->file);
	g_autoptr(DfudImage) image = dfud_image_new_from_bytes(blob, &error);
	g_autofree gchar *version = NULL;
	g_autofree gchar *tlvs = NULL;
	guint32 counter = 0;
	guint8 image_ok = 0;
	GBytes *key_hash;

	g_assert_no_error(error);
	g_assert_nonnull(image);
	g_assert_true(dfud_image_get_bytes(image) == blob);
	g_assert_cmpuint(dfud_image_get_size(image), ==, f->size);
	g_assert_cmpuint(dfud_image_get_load_addr(image), ==, f->load_addr);
	g_assert_cmpuint(dfud_image_get_hdr_size(image), ==, f->hdr_size);
	g_assert_cmpuint(dfud_image_get_protect_tlv_size(image), ==, f->protect_tlv_size);
	g_assert_cmpuint(dfud_image_get_img_size(image), ==, f->img_size);
	g_assert_cmpuint(dfud_image_get_flags(image), ==, f->flags);
	g_assert_cmpuint(dfud_image_get_hashed_size(image), ==,
			 (gsize)f->hdr_size + f->img_size + f->protect_tlv_size);
	version = dfud_image_version_to_string(dfud_image_get_version(image));
	g_assert_cmpstr(version, ==, f->version);
	tlvs = tlvs_to_string(image);
	g_assert_cmpstr(tlvs, ==, f->tlvs);
	g_assert_cmpuint(dfud_image_get_tlv_end(image), ==, f->tlv_end);

	g_assert_cmpint(dfud_image_get_hash_type(image), ==, f->hash_type);
	test_assert_bytes_hex(dfud_image_get_hash(image), f->hash);
	test_assert_bytes_hex(dfud_image_get_file_sha256(image), f->file_sha256);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, f->hash_state);
	if (f->hash_state == DFUD_IMAGE_HASH_STATE_MISMATCH) {
		g_assert_false(dfud_image_verify(image, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH);
	} else {
		g_assert_true(dfud_image_verify(image, &error));
		g_assert_no_error(error);
	}

	g_assert_cmpint(dfud_image_get_signature_type(image), ==, f->signature);
	g_assert_true((dfud_image_get_signature(image) != NULL) ==
		      (f->signature != DFUD_IMAGE_SIGNATURE_NONE));
	g_assert_false(dfud_image_is_signature_pure(image));
	key_hash = dfud_image_get_key_hash(image);
	if (f->key_hash == NULL)
		g_assert_null(key_hash);
	else
		test_assert_bytes_hex(key_hash, f->key_hash);
	g_assert_cmpint(dfud_image_is_encrypted(image), ==,
			f->encryption != DFUD_IMAGE_ENCRYPTION_NONE);
	g_assert_cmpint(dfud_image_get_encryption(image), ==, f->encryption);

	if (f->security_counter < 0) {
		g_assert_false(dfud_image_get_security_counter(image, &counter));
	} else {
		g_assert_true(dfud_image_get_security_counter(image, &counter));
		g_assert_cmpuint(counter, ==, (guint64)f->security_counter);
	}
	if (f->trailer_image_ok < 0) {
		g_assert_false(dfud_image_get_trailer(image, &image_ok));
	} else {
		g_assert_true(dfud_image_get_trailer(image, &image_ok));
		g_assert_cmpuint(image_ok, ==, (guint)f->trailer_image_ok);
	}
}

static void
test_image_dependencies(void)
{
	g_autoptr(DfudImage) image = test_image_parse("seccnt-dep-ecdsa-p256_60k_v2.0.0.bin");
	GArray *deps = dfud_image_get_dependencies(image);
	const DfudImageDependency *dep;
	g_autofree gchar *min = NULL;

	g_assert_cmpuint(deps->len, ==, 1);
	dep = &g_array_index(deps, DfudImageDependency, 0);
	g_assert_cmpuint(dep->image_index, ==, 1);
	min = dfud_image_version_to_string(&dep->min_version);
	g_assert_cmpstr(min, ==, "1.5.0");
	g_assert_cmpuint(dep->min_version.build, ==, 0);

	g_clear_object(&image);
	image = test_image_parse("ecdsa-p256_60k_v1.2.3+4.bin");
	g_assert_cmpuint(dfud_image_get_dependencies(image)->len, ==, 0);
}

/* fixtures README "Compressed image": what slot 1 reports before, slot 0 after the install */
#define COMPRESSED "compressed-lzma2armthumb-ecdsa-p256_60k_v1.5.0.bin"
#define COMPRESSED_HASH "6ca93a85a9797b39226b6095f60b240d74a2b551cd6a579d5b5af79548c310a4"
#define COMPRESSED_DECOMP_SHA "1c6a72d2859aa31962350e832d6d302bb4eec6bf1c94df7602387912f1fbc251"

static void
test_image_compressed(void)
{
	g_autoptr(DfudImage) image = test_image_parse(COMPRESSED);
	g_autoptr(DfudImage) plain = test_image_parse("ecdsa-p256_60k_v1.2.3+4.bin");
	guint32 size = 0;

	g_assert_cmpuint(dfud_image_get_size(image), ==, 34499);
	g_assert_cmphex(dfud_image_get_flags(image), ==, 0xc00);
	g_assert_true(dfud_image_is_compressed(image));
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	test_assert_bytes_hex(dfud_image_get_hash(image), COMPRESSED_HASH);
	test_assert_bytes_hex(dfud_image_get_decompressed_hash(image), COMPRESSED_DECOMP_SHA);
	test_assert_bytes_hex(dfud_image_get_installed_hash(image), COMPRESSED_DECOMP_SHA);
	g_assert_true(dfud_image_get_decompressed_size(image, &size));
	g_assert_cmpuint(size, ==, 60000);
	g_assert_cmpuint(dfud_image_get_installed_size(image), ==, 0x200 + 60000);
	g_assert_false(dfud_image_get_rom_fixed_address(image, NULL));

	/* an image without compression installs as uploaded */
	g_assert_false(dfud_image_is_compressed(plain));
	g_assert_false(dfud_image_get_decompressed_size(plain, NULL));
	g_assert_null(dfud_image_get_decompressed_hash(plain));
	g_assert_true(dfud_image_get_installed_hash(plain) == dfud_image_get_hash(plain));
	g_assert_cmpuint(dfud_image_get_installed_size(plain), ==, dfud_image_get_size(plain));
}

/* a compressed image whose protected DECOMP_SHA / DECOMP_SIZE TLV was renamed is refused */
static void
check_compressed_without(guint16 type, const gchar *name)
{
	g_autoptr(DfudImage) image = test_image_parse(COMPRESSED);
	g_autoptr(GByteArray) data = test_image_load_mutable(COMPRESSED);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GError) error = NULL;
	GArray *tlvs = dfud_image_get_tlvs(image);
	gboolean found = FALSE;

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);
		if (tlv->type != type)
			continue;
		g_assert_true(tlv->protected_area);
		test_put_u16(data, tlv->offset - 4, 0xa0); /* a vendor TLV */
		found = TRUE;
	}
	g_assert_true(found);
	blob = g_byte_array_free_to_bytes(g_steal_pointer(&data));
	g_clear_object(&image);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_null(image);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV);
	g_assert_nonnull(strstr(error->message, name));
}

static void
test_image_compressed_without_decomp_tlvs(void)
{
	check_compressed_without(DFUD_IMAGE_TLV_DECOMP_SHA, "DECOMP_SHA");
	check_compressed_without(DFUD_IMAGE_TLV_DECOMP_SIZE, "DECOMP_SIZE");
}

/* direct-XIP builds: ROM_FIXED with the slot's flash address (fixtures README "Direct-XIP") */
static void
test_image_rom_fixed(void)
{
	static const struct {
		const gchar *file;
		guint32 address;
		const gchar *hash;
	} cases[] = {
	    {"directxip-slot0-romfixed-ecdsa-p256_40k_v1.4.0.bin", 0xc000,
	     "c714624eec58a3116c3f51d238db613b21282716b97511e95a4bb99708e6d6cf"},
	    {"directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin", 0x82000,
	     "0ab07fd77eb0f6e3524d6489c111590aaefc2aaae10932312592a1255f0680e9"},
	    {"romfixed-hashonly_1k_v1.0.0.bin", 0x10000,
	     "4a286b95a29826d82407aff9276f044b614f2d276991707679f75585d1182313"},
	};
	g_autoptr(DfudImage) ramload = test_image_parse("ramload-hashonly_1k_v1.0.0.bin");
	guint32 address = 0;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(DfudImage) image = test_image_parse(cases[i].file);
		g_assert_true(dfud_image_get_rom_fixed_address(image, &address));
		g_assert_cmphex(address, ==, cases[i].address);
		g_assert_cmpint(dfud_image_get_hash_state(image), ==,
				DFUD_IMAGE_HASH_STATE_VERIFIED);
		test_assert_bytes_hex(dfud_image_get_hash(image), cases[i].hash);
		test_assert_bytes_hex(dfud_image_get_installed_hash(image), cases[i].hash);
	}
	/* a RAM-load address is no flash address */
	g_assert_false(dfud_image_get_rom_fixed_address(ramload, &address));
}

static void
test_image_pubkey_and_vendor_tlv(void)
{
	g_autoptr(DfudImage) image = test_image_parse("ecdsa-p256-fullpubkey_1k_v1.0.0.bin");
	g_autoptr(DfudImage) mix = test_image_parse("prottlv-mix-ed25519_4k_v0.9.1+77.bin");
	GArray *tlvs = dfud_image_get_tlvs(mix);
	const DfudImageTlv *vendor = &g_array_index(tlvs, DfudImageTlv, 2);
	const guint8 *data = g_bytes_get_data(dfud_image_get_bytes(mix), NULL);
	static const guint8 want[] = {1, 2, 3, 4, 5, 6, 7, 8};

	g_assert_nonnull(dfud_image_get_public_key(image));
	g_assert_cmpuint(g_bytes_get_size(dfud_image_get_public_key(image)), ==, 91);
	g_assert_null(dfud_image_get_key_hash(image));

	g_assert_cmpuint(vendor->type, ==, 0xa0);
	g_assert_true(vendor->protected_area);
	g_assert_cmpmem(data + vendor->offset, vendor->len, want, sizeof(want));
	g_assert_cmpstr(dfud_image_tlv_type_to_string(vendor->type), ==, "VENDOR");
	/* the first TLV (SEC_CNT) is right after the protected info header */
	g_assert_cmpuint(g_array_index(tlvs, DfudImageTlv, 0).offset, ==, 0x1200 + 4 + 4);
}

typedef struct {
	const gchar *file;
	DfudErrorCode code;
	const gchar *message;
} BrokenFixture;

static const BrokenFixture broken[] = {
    {"broken_truncated-body.bin", DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE,
     "hdr_size+img_size (0xf200) > file size (0x7530)"},
    {"broken_bad-magic.bin", DFUD_ERROR_IMAGE_BAD_MAGIC,
     "bad image magic 0x96f3b83c, the legacy v1 magic (want 0x96f3b83d)"},
    {"broken_tlv-info-magic.bin", DFUD_ERROR_IMAGE_BAD_TLV,
     "bad TLV info magic 0x6906 at 0x600 (want 0x6907)"},
    {"broken_imgsize-too-large.bin", DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE,
     "hdr_size+img_size (0x828) > file size (0x628)"},
    {"broken_empty.bin", DFUD_ERROR_IMAGE_EMPTY, "empty file"},
};

static void
check_broken(gconstpointer user_data)
{
	const BrokenFixture *f = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) blob = test_image_load(f->file);
	g_autoptr(DfudImage) image = dfud_image_new_from_bytes(blob, &error);

	g_assert_null(image);
	g_assert_error(error, DFUD_ERROR, (gint)f->code);
	g_assert_cmpstr(error->message, ==, f->message);
}

static void
test_image_body_corrupt_message(void)
{
	g_autoptr(DfudImage) image = test_image_parse("broken_body-corrupt.bin");
	g_autoptr(GError) error = NULL;

	g_assert_false(dfud_image_verify(image, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH);
	g_assert_true(g_str_has_prefix(error->message,
				       "image hash mismatch: TLV 5e790ea8fdac1c26… computed "));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		g_autofree gchar *path = g_strdup_printf("/image/fixture/%s", fixtures[i].file);
		g_test_add_data_func(path, &fixtures[i], check_fixture);
	}
	for (guint i = 0; i < G_N_ELEMENTS(broken); i++) {
		g_autofree gchar *path = g_strdup_printf("/image/broken/%s", broken[i].file);
		g_test_add_data_func(path, &broken[i], check_broken);
	}
	g_test_add_func("/image/broken/body-corrupt-message", test_image_body_corrupt_message);
	g_test_add_func("/image/dependencies", test_image_dependencies);
	g_test_add_func("/image/compressed", test_image_compressed);
	g_test_add_func("/image/compressed/without-decomp-tlvs",
			test_image_compressed_without_decomp_tlvs);
	g_test_add_func("/image/rom-fixed", test_image_rom_fixed);
	g_test_add_func("/image/pubkey-and-vendor-tlv", test_image_pubkey_and_vendor_tlv);
	return g_test_run();
}
