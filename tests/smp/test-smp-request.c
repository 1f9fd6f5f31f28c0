/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"
#include "test-smp-util.h"

/* 32 bytes 00 01 .. 1f */
#define HASH32_HEX                                                                                 \
	"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"                                          \
	" 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f"
#define SHA32_HEX                                                                                  \
	"a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af"                                          \
	" b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf"

static guint8 hash32[32];
static guint8 sha32[32];

static void
fill_buffers(void)
{
	for (guint i = 0; i < 32; i++) {
		hash32[i] = (guint8)i;
		sha32[i] = (guint8)(0xa0 + i);
	}
}

static void
test_request_echo(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) frame = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "hi", &error);
	g_autoptr(GBytes) v1 = NULL;
	g_autoptr(GBytes) bad = NULL;
	g_autofree gchar *big = NULL;

	g_assert_no_error(error);
	test_assert_bytes_hex(frame, "08 00 00 06 00 00 00 00 a1 61 64 62 68 69");

	v1 = dfud_smp_request_echo(DFUD_SMP_VERSION_1, 0x80, "", &error);
	test_assert_bytes_hex(v1, "00 00 00 04 00 00 80 00 a1 61 64 60");

	bad = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "\xff", &error);
	g_assert_null(bad);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	big = g_strnfill(70000, 'x');
	g_assert_null(dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, big, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* the largest text that fits: body = a1 61 64 79 <len16> text = 6 + n <= 65535 */
	g_clear_pointer(&big, g_free);
	big = g_strnfill(65529, 'x');
	{
		g_autoptr(GBytes) max = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, big, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(max), ==, DFUD_SMP_FRAME_MAX);
	}
	g_clear_pointer(&big, g_free);
	big = g_strnfill(65530, 'x');
	g_assert_null(dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, big, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static void
test_request_reset(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) plain = dfud_smp_request_reset(DFUD_SMP_VERSION_2, 3, FALSE, -1, &error);
	g_autoptr(GBytes) force = dfud_smp_request_reset(DFUD_SMP_VERSION_2, 3, TRUE, -1, &error);
	g_autoptr(GBytes) both = dfud_smp_request_reset(DFUD_SMP_VERSION_1, 4, TRUE, 1, &error);

	g_assert_no_error(error);
	test_assert_bytes_hex(plain, "0a 00 00 01 00 00 03 05 a0");
	test_assert_bytes_hex(force, "0a 00 00 08 00 00 03 05 a1 65 66 6f 72 63 65 f5");
	test_assert_bytes_hex(both, "02 00 00 13 00 00 04 05 a2 65 66 6f 72 63 65 f5"
				    " 69 62 6f 6f 74 5f 6d 6f 64 65 01");
	g_assert_null(dfud_smp_request_reset(DFUD_SMP_VERSION_2, 3, FALSE, 256, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==, "os reset: boot mode 256 is out of range 0..255");
}

static void
test_request_os_reads(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) params = dfud_smp_request_params(DFUD_SMP_VERSION_2, 7);
	g_autoptr(GBytes) info = dfud_smp_request_os_info(DFUD_SMP_VERSION_2, 8, "sv", &error);
	g_autoptr(GBytes) info0 = dfud_smp_request_os_info(DFUD_SMP_VERSION_2, 8, NULL, &error);
	g_autoptr(GBytes) boot =
	    dfud_smp_request_bootloader_info(DFUD_SMP_VERSION_2, 9, NULL, &error);
	g_autoptr(GBytes) mode = dfud_smp_request_bootloader_info(
	    DFUD_SMP_VERSION_2, 9, DFUD_SMP_BOOTLOADER_QUERY_MODE, &error);
	g_autoptr(GBytes) b0 = dfud_smp_request_bootloader_info(
	    DFUD_SMP_VERSION_2, 9, DFUD_SMP_BOOTLOADER_QUERY_ACTIVE_B0_SLOT, &error);

	g_assert_no_error(error);
	test_assert_bytes_hex(params, "08 00 00 01 00 00 07 06 a0");
	test_assert_bytes_hex(info, "08 00 00 0b 00 00 08 07 a1 66 66 6f 72 6d 61 74 62 73 76");
	test_assert_bytes_hex(info0, "08 00 00 01 00 00 08 07 a0");
	test_assert_bytes_hex(boot, "08 00 00 01 00 00 09 08 a0");
	test_assert_bytes_hex(mode, "08 00 00 0c 00 00 09 08 a1 65 71 75 65 72 79 64 6d 6f 64 65");
	test_assert_bytes_hex(b0, "08 00 00 16 00 00 09 08 a1 65 71 75 65 72 79 6e 61 63 74 69"
				  " 76 65 5f 62 30 5f 73 6c 6f 74");
}

static void
test_request_state(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) read = dfud_smp_request_image_state_read(DFUD_SMP_VERSION_1, 9);
	g_autoptr(GBytes) test =
	    dfud_smp_request_image_state_write(DFUD_SMP_VERSION_2, 10, hash32, 32, FALSE, &error);
	g_autoptr(GBytes) confirm =
	    dfud_smp_request_image_state_write(DFUD_SMP_VERSION_2, 11, NULL, 0, TRUE, &error);
	g_autoptr(GBytes) confirm_hash =
	    dfud_smp_request_image_state_write(DFUD_SMP_VERSION_2, 12, hash32, 32, TRUE, &error);
	guint8 hash64[64] = {0};

	g_assert_no_error(error);
	test_assert_bytes_hex(read, "00 00 00 01 00 01 09 00 a0");
	test_assert_bytes_hex(test, "0a 00 00 28 00 01 0a 00 a1 64 68 61 73 68 58 20 " HASH32_HEX);
	test_assert_bytes_hex(confirm, "0a 00 00 0a 00 01 0b 00 a1 67 63 6f 6e 66 69 72 6d f5");
	test_assert_bytes_hex(confirm_hash,
			      "0a 00 00 31 00 01 0c 00 a2 64 68 61 73 68 58 20 " HASH32_HEX
			      " 67 63 6f 6e 66 69 72 6d f5");

	/* SHA-512 devices take a 64-byte hash */
	{
		g_autoptr(GBytes) t64 = dfud_smp_request_image_state_write(
		    DFUD_SMP_VERSION_2, 1, hash64, 64, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(t64), ==, 8 + 1 + 5 + 2 + 64);
	}
	g_assert_null(
	    dfud_smp_request_image_state_write(DFUD_SMP_VERSION_2, 1, NULL, 0, FALSE, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(
	    dfud_smp_request_image_state_write(DFUD_SMP_VERSION_2, 1, hash32, 31, TRUE, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==,
			"image state write: hash of 31 bytes, expected 32 or 64");
}

static void
test_request_upload(void)
{
	static const guint8 magic[4] = {0x3d, 0xb8, 0xf3, 0x96};
	static const guint8 data[4] = {1, 2, 3, 4};
	g_autoptr(GError) error = NULL;
	DfudSmpUploadChunk first = {.off = 0,
				    .data = magic,
				    .data_len = 4,
				    .len = 1000,
				    .image = 1,
				    .sha = sha32,
				    .sha_len = 32,
				    .upgrade = TRUE};
	DfudSmpUploadChunk minimal = {.off = 0, .data = magic, .data_len = 4, .len = 4};
	/* image, sha and upgrade are for the first chunk only */
	DfudSmpUploadChunk later = {.off = 996,
				    .data = data,
				    .data_len = 4,
				    .len = 1000,
				    .image = 1,
				    .sha = sha32,
				    .sha_len = 32,
				    .upgrade = TRUE};
	g_autoptr(GBytes) f1 =
	    dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 12, &first, &error);
	g_autoptr(GBytes) f2 =
	    dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 13, &minimal, &error);
	g_autoptr(GBytes) f3 =
	    dfud_smp_request_image_upload(DFUD_SMP_VERSION_1, 14, &later, &error);

	g_assert_no_error(error);
	test_assert_bytes_hex(f1, "0a 00 00 4d 00 01 0c 01 a6"
				  " 63 6f 66 66 00"
				  " 64 64 61 74 61 44 3d b8 f3 96"
				  " 63 6c 65 6e 19 03 e8"
				  " 65 69 6d 61 67 65 01"
				  " 63 73 68 61 58 20 " SHA32_HEX " 67 75 70 67 72 61 64 65 f5");
	test_assert_bytes_hex(f2, "0a 00 00 15 00 01 0d 01 a3 63 6f 66 66 00"
				  " 64 64 61 74 61 44 3d b8 f3 96 63 6c 65 6e 04");
	test_assert_bytes_hex(f3, "02 00 00 12 00 01 0e 01 a2 63 6f 66 66 19 03 e4"
				  " 64 64 61 74 61 44 01 02 03 04");
	g_assert_cmpuint(dfud_smp_upload_frame_size(&first), ==, g_bytes_get_size(f1));
	g_assert_cmpuint(dfud_smp_upload_frame_size(&later), ==, g_bytes_get_size(f3));
}

static void
test_request_upload_into(void)
{
	static const guint8 data[4] = {1, 2, 3, 4};
	DfudSmpUploadChunk later = {.off = 996, .data = data, .data_len = 4, .len = 1000};
	guint8 buf[64];
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;
	gsize n;

	memset(buf, 0xee, sizeof(buf));
	n = dfud_smp_request_image_upload_into(DFUD_SMP_VERSION_2, 0x33, &later, buf, sizeof(buf),
					       &error);
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, 26);
	g_assert_cmpuint(buf[26], ==, 0xee); /* nothing written past the frame */
	got = g_bytes_new(buf, n);
	test_assert_bytes_hex(got, "0a 00 00 12 00 01 33 01 a2 63 6f 66 66 19 03 e4"
				   " 64 64 61 74 61 44 01 02 03 04");

	/* exactly the frame size fits, one byte less does not */
	n = dfud_smp_request_image_upload_into(DFUD_SMP_VERSION_2, 0, &later, buf, 26, &error);
	g_assert_cmpuint(n, ==, 26);
	n = dfud_smp_request_image_upload_into(DFUD_SMP_VERSION_2, 0, &later, buf, 25, &error);
	g_assert_cmpuint(n, ==, 0);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==,
			"image upload: the frame needs 26 bytes, the buffer holds 25");
}

static void
test_request_upload_errors(void)
{
	static guint8 big[70000];
	g_autoptr(GError) error = NULL;
	DfudSmpUploadChunk past = {.off = 998, .data = big, .data_len = 4, .len = 1000};
	DfudSmpUploadChunk sha = {
	    .off = 0, .data = big, .data_len = 32, .len = 1000, .sha = big, .sha_len = 33};
	DfudSmpUploadChunk huge = {
	    .off = 0, .data = big, .data_len = sizeof(big), .len = sizeof(big)};
	DfudSmpUploadChunk off_past = {.off = 1001, .data = big, .data_len = 0, .len = 1000};

	g_assert_null(dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &past, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==,
			"image upload: chunk of 4 bytes at offset 998 runs past the image size "
			"1000");
	g_clear_error(&error);
	g_assert_null(dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &off_past, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &sha, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==, "image upload: sha of 33 bytes, at most 32 allowed");
	g_clear_error(&error);
	g_assert_null(dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &huge, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==,
			"image upload: a frame of 70033 bytes exceeds the SMP maximum of 65543");
}

static void
test_request_image_misc(void)
{
	g_autoptr(GBytes) erase = dfud_smp_request_image_erase(DFUD_SMP_VERSION_2, 14, -1);
	g_autoptr(GBytes) erase1 = dfud_smp_request_image_erase(DFUD_SMP_VERSION_2, 14, 1);
	g_autoptr(GBytes) slots = dfud_smp_request_image_slot_info(DFUD_SMP_VERSION_2, 15);

	test_assert_bytes_hex(erase, "0a 00 00 01 00 01 0e 05 a0");
	test_assert_bytes_hex(erase1, "0a 00 00 07 00 01 0e 05 a1 64 73 6c 6f 74 01");
	test_assert_bytes_hex(slots, "08 00 00 01 00 01 0f 06 a0");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	fill_buffers();
	g_test_add_func("/smp/request/echo", test_request_echo);
	g_test_add_func("/smp/request/reset", test_request_reset);
	g_test_add_func("/smp/request/os-reads", test_request_os_reads);
	g_test_add_func("/smp/request/state", test_request_state);
	g_test_add_func("/smp/request/upload", test_request_upload);
	g_test_add_func("/smp/request/upload-into", test_request_upload_into);
	g_test_add_func("/smp/request/upload-errors", test_request_upload_errors);
	g_test_add_func("/smp/request/image-misc", test_request_image_misc);
	return g_test_run();
}
