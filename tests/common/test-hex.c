/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "TestHex"

#include "dfud-error.h"
#include "dfud-hex.h"

static void
test_encode(void)
{
	const guint8 data[] = {0x00, 0x0f, 0xa5, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50};
	g_autofree gchar *all = dfud_hex_encode(data, sizeof(data), 0);
	g_autofree gchar *cut = dfud_hex_encode(data, sizeof(data), 2);
	g_autofree gchar *exact = dfud_hex_encode(data, 2, 2);
	g_autofree gchar *none = dfud_hex_encode_bytes(NULL);

	g_assert_cmpstr(all, ==, "000fa5ff1020304050");
	g_assert_cmpstr(cut, ==, "000f…");
	g_assert_cmpstr(exact, ==, "000f");
	g_assert_cmpstr(none, ==, "");
}

static void
test_decode(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = dfud_hex_decode("00Fa5f", &error);
	const guint8 want[] = {0x00, 0xfa, 0x5f};

	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), want, sizeof(want));
	for (guint i = 0; i < 3; i++) {
		const gchar *bad[] = {"", "abc", "zz"};
		g_autoptr(GError) err = NULL;
		g_autoptr(GBytes) none = dfud_hex_decode(bad[i], &err);
		g_assert_null(none);
		g_assert_error(err, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hex/encode", test_encode);
	g_test_add_func("/hex/decode", test_decode);
	return g_test_run();
}
