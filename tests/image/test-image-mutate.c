/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Good fixtures broken in memory: every structural error of dfud_image_new_from_bytes().
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-image.h"

#include "test-image-util.h"

/* hashonly_1k_v1.2.3+4.bin: 1576 bytes, TLV info at 0x600 (total 0x28), SHA256 TLV at 0x604 */
#define HASHONLY "hashonly_1k_v1.2.3+4.bin"
#define HASHONLY_INFO 0x600u
/* seccnt-dep: protected info at 0xf200 (total 0x1c), unprotected info at 0xf21c */
#define SECCNT "seccnt-dep-ecdsa-p256_60k_v2.0.0.bin"
#define SECCNT_PROT 0xf200u

static DfudImage *
parse_array(GByteArray *array, GError **error)
{
	g_autoptr(GBytes) blob = g_bytes_new(array->data, array->len);

	return dfud_image_new_from_bytes(blob, error);
}

static void
expect_error(GByteArray *array, DfudErrorCode code, const gchar *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = parse_array(array, &error);

	g_assert_null(image);
	g_assert_error(error, DFUD_ERROR, (gint)code);
	if (message != NULL)
		g_assert_cmpstr(error->message, ==, message);
	g_test_message("%s", error->message);
}

static void
test_mutate_truncated_header(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	g_byte_array_set_size(array, 31);
	expect_error(array, DFUD_ERROR_IMAGE_TRUNCATED, NULL);
	g_byte_array_set_size(array, 1);
	expect_error(array, DFUD_ERROR_IMAGE_TRUNCATED, NULL);
}

static void
test_mutate_bad_magic(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	test_put_u32(array, 0, 0xffffffff);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_MAGIC,
		     "bad image magic 0xffffffff (want 0x96f3b83d)");
}

static void
test_mutate_bad_header(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	test_put_u16(array, 8, 31);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_HEADER, NULL);
}

static void
test_mutate_size_overflow(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	/* 0xffff + 0xffffffff must not wrap around */
	test_put_u16(array, 8, 0xffff);
	test_put_u32(array, 12, 0xffffffff);
	expect_error(array, DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE,
		     "hdr_size+img_size (0x10000fffe) > file size (0x628)");
}

static void
test_mutate_no_tlv_info(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	/* the body ends where the file ends */
	g_byte_array_set_size(array, HASHONLY_INFO + 2);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "no TLV info (0x6907) at 0x600: the file ends at 0x602");
}

static void
test_mutate_tlv_past_area(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	/* SHA256 TLV length 33 runs one byte past its area */
	test_put_u16(array, HASHONLY_INFO + 6, 33);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "TLV 0x10 at 0x604 (length 33) runs past the end of its area at 0x628");
}

static void
test_mutate_area_past_file(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	test_put_u16(array, HASHONLY_INFO + 2, 0x2c);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV, NULL);
}

static void
test_mutate_total_too_small(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	test_put_u16(array, HASHONLY_INFO + 2, 3);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV, NULL);
}

static void
test_mutate_stray_bytes(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	static const guint8 extra[3] = {0x10, 0x00, 0x00};

	/* three bytes after the last TLV, inside the area: not a whole TLV header */
	g_byte_array_append(array, extra, sizeof(extra));
	test_put_u16(array, HASHONLY_INFO + 2, 0x28 + 3);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "3 stray bytes at 0x628 at the end of the TLV area");
}

static void
test_mutate_empty_tlv_area(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	test_put_u16(array, HASHONLY_INFO + 2, 4);
	g_byte_array_set_size(array, HASHONLY_INFO + 4);
	expect_error(array, DFUD_ERROR_IMAGE_NO_HASH, NULL);
}

static void
test_mutate_hash_len_31(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	/* the TLVs still tile the area, but a SHA256 value must be 32 bytes */
	test_put_u16(array, HASHONLY_INFO + 2, 0x27);
	test_put_u16(array, HASHONLY_INFO + 6, 31);
	g_byte_array_set_size(array, array->len - 1);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "SHA256 TLV at 0x604 has length 31 (want 32)");
}

static void
test_mutate_no_hash(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	array->data[HASHONLY_INFO + 4] = 0xa0;
	expect_error(array, DFUD_ERROR_IMAGE_NO_HASH, NULL);
}

static void
test_mutate_multiple_hashes(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);

	/* a second copy of the SHA256 TLV */
	g_byte_array_append(array, array->data + HASHONLY_INFO + 4, 36);
	test_put_u16(array, HASHONLY_INFO + 2, 0x28 + 36);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "multiple hashes: second SHA256 TLV at 0x628");
}

static void
test_mutate_sha256_and_sha512(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = NULL;
	guint8 tlv[4 + 64] = {0x12, 0x00, 64, 0x00};

	memset(tlv + 4, 0x55, 64);
	g_byte_array_append(array, tlv, sizeof(tlv));
	test_put_u16(array, HASHONLY_INFO + 2, 0x28 + sizeof(tlv));
	image = parse_array(array, &error);
	g_assert_no_error(error);
	/* the device reports the SHA-256 */
	g_assert_cmpint(dfud_image_get_hash_type(image), ==, DFUD_IMAGE_HASH_SHA256);
	test_assert_bytes_hex(dfud_image_get_hash(image),
			      "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc");
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	g_assert_cmpuint(dfud_image_get_tlv_end(image), ==, 1576 + sizeof(tlv));
}

static void
test_mutate_sha384(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autofree gchar *sha384 = NULL;
	guint8 digest[48];
	gsize digest_len = sizeof(digest);
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA384);
	guint8 head[4] = {0x11, 0x00, 48, 0x00};

	/* replace the SHA256 TLV by a SHA384 one over the same bytes */
	g_checksum_update(checksum, array->data, HASHONLY_INFO);
	g_checksum_get_digest(checksum, digest, &digest_len);
	sha384 = g_strdup(g_checksum_get_string(checksum));
	g_byte_array_set_size(array, HASHONLY_INFO + 4);
	test_put_u16(array, HASHONLY_INFO + 2, 4 + 4 + 48);
	g_byte_array_append(array, head, sizeof(head));
	g_byte_array_append(array, digest, sizeof(digest));
	image = parse_array(array, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_image_get_hash_type(image), ==, DFUD_IMAGE_HASH_SHA384);
	test_assert_bytes_hex(dfud_image_get_hash(image), sha384);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
}

static void
test_mutate_protected_size_mismatch(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(SECCNT);

	test_put_u16(array, 10, 0x20);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "protected TLV area at 0xf200 is 0x1c bytes but the header says "
		     "protect_tlv_size 0x20");
}

static void
test_mutate_protected_missing(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	g_autoptr(GByteArray) seccnt = test_image_load_mutable(SECCNT);

	/* the header promises a protected area, the file has none */
	test_put_u16(array, 10, 0x28);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "bad protected TLV info magic 0x6907 at 0x600 (want 0x6908)");
	/* the header denies the protected area the file has */
	test_put_u16(seccnt, 10, 0);
	expect_error(seccnt, DFUD_ERROR_IMAGE_BAD_TLV,
		     "bad TLV info magic 0x6908 at 0xf200 (want 0x6907)");
}

static void
test_mutate_protected_tlv_past_area(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(SECCNT);

	/* SEC_CNT length 21 swallows the DEPENDENCY TLV and one byte more */
	test_put_u16(array, SECCNT_PROT + 6, 21);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "TLV 0x50 at 0xf204 (length 21) runs past the end of its area at 0xf21c");
}

static void
test_mutate_bad_sec_cnt_and_dependency(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(SECCNT);
	g_autoptr(GByteArray) dep = test_image_load_mutable(SECCNT);

	g_assert_cmpuint(array->data[SECCNT_PROT + 4], ==, DFUD_IMAGE_TLV_SEC_CNT);
	/* SEC_CNT 4 -> 3 bytes and DEPENDENCY grown by one keeps the tiling */
	test_put_u16(array, SECCNT_PROT + 6, 3);
	memmove(array->data + SECCNT_PROT + 11, array->data + SECCNT_PROT + 12, 16);
	test_put_u16(array, SECCNT_PROT + 13, 13);
	expect_error(array, DFUD_ERROR_IMAGE_BAD_TLV,
		     "SEC_CNT TLV at 0xf204 has length 3 (want 4)");

	/* DEPENDENCY 12 -> 8 bytes followed by a 0-length vendor TLV */
	g_assert_cmpuint(dep->data[SECCNT_PROT + 12], ==, DFUD_IMAGE_TLV_DEPENDENCY);
	test_put_u16(dep, SECCNT_PROT + 14, 8);
	test_put_u16(dep, SECCNT_PROT + 24, 0xa0);
	test_put_u16(dep, SECCNT_PROT + 26, 0);
	expect_error(dep, DFUD_ERROR_IMAGE_BAD_TLV,
		     "DEPENDENCY TLV at 0xf20c has length 8 (want 12)");
}

static void
test_mutate_encrypted_flag_without_key(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = NULL;

	test_put_u32(array, 16, DFUD_IMAGE_FLAG_ENCRYPTED_AES256);
	image = parse_array(array, &error);
	g_assert_no_error(error);
	g_assert_true(dfud_image_is_encrypted(image));
	g_assert_cmpint(dfud_image_get_encryption(image), ==, DFUD_IMAGE_ENCRYPTION_UNKNOWN);
	/* the flag is hashed, so the hash differs; encrypted images are never called a mismatch */
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_ENCRYPTED);
	g_assert_true(dfud_image_verify(image, &error));
	g_assert_no_error(error);
}

static void
test_mutate_trailer(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable(HASHONLY);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudImage) image = NULL;
	static const guint8 magic[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
					 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
	guint8 pad[8];
	guint8 image_ok = 0;

	/* a 16 + 8 byte --test trailer: image_ok stays 0xff */
	memset(pad, 0xff, sizeof(pad));
	g_byte_array_append(array, pad, sizeof(pad));
	g_byte_array_append(array, magic, sizeof(magic));
	image = parse_array(array, &error);
	g_assert_no_error(error);
	g_assert_true(dfud_image_get_trailer(image, &image_ok));
	g_assert_cmpuint(image_ok, ==, 0xff);
	g_assert_cmpuint(dfud_image_get_tlv_end(image), ==, 1576);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	g_clear_object(&image);

	/* one byte short: the magic would overlap the TLVs' image_ok slot */
	g_byte_array_remove_index(array, 1576);
	image = parse_array(array, &error);
	g_assert_no_error(error);
	g_assert_false(dfud_image_get_trailer(image, &image_ok));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/image/mutate/truncated-header", test_mutate_truncated_header);
	g_test_add_func("/image/mutate/bad-magic", test_mutate_bad_magic);
	g_test_add_func("/image/mutate/bad-header", test_mutate_bad_header);
	g_test_add_func("/image/mutate/size-overflow", test_mutate_size_overflow);
	g_test_add_func("/image/mutate/no-tlv-info", test_mutate_no_tlv_info);
	g_test_add_func("/image/mutate/tlv-past-area", test_mutate_tlv_past_area);
	g_test_add_func("/image/mutate/area-past-file", test_mutate_area_past_file);
	g_test_add_func("/image/mutate/total-too-small", test_mutate_total_too_small);
	g_test_add_func("/image/mutate/stray-bytes", test_mutate_stray_bytes);
	g_test_add_func("/image/mutate/empty-tlv-area", test_mutate_empty_tlv_area);
	g_test_add_func("/image/mutate/hash-len-31", test_mutate_hash_len_31);
	g_test_add_func("/image/mutate/no-hash", test_mutate_no_hash);
	g_test_add_func("/image/mutate/multiple-hashes", test_mutate_multiple_hashes);
	g_test_add_func("/image/mutate/sha256-and-sha512", test_mutate_sha256_and_sha512);
	g_test_add_func("/image/mutate/sha384", test_mutate_sha384);
	g_test_add_func("/image/mutate/protected-size-mismatch",
			test_mutate_protected_size_mismatch);
	g_test_add_func("/image/mutate/protected-missing", test_mutate_protected_missing);
	g_test_add_func("/image/mutate/protected-tlv-past-area",
			test_mutate_protected_tlv_past_area);
	g_test_add_func("/image/mutate/bad-sec-cnt-and-dependency",
			test_mutate_bad_sec_cnt_and_dependency);
	g_test_add_func("/image/mutate/encrypted-flag-without-key",
			test_mutate_encrypted_flag_without_key);
	g_test_add_func("/image/mutate/trailer", test_mutate_trailer);
	return g_test_run();
}
