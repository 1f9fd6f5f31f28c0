/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "TestError"

#include <gio/gio.h>

#include "dfud-error.h"

static void
test_names_unique_and_round_trip(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint code = 0; code < DFUD_ERROR_LAST; code++) {
		const gchar *name = dfud_error_code_to_name(code);
		DfudErrorCode back = DFUD_ERROR_LAST;

		g_assert_nonnull(name);
		/* a D-Bus error name element: letters only, starting upper-case */
		g_assert_true(g_ascii_isupper(name[0]));
		for (const gchar *p = name; *p != '\0'; p++)
			g_assert_true(g_ascii_isalnum(*p));
		g_assert_false(g_hash_table_contains(seen, name));
		g_hash_table_add(seen, (gpointer)name);
		g_assert_true(dfud_error_code_from_name(name, &back));
		g_assert_cmpint(back, ==, code);
	}
	g_assert_false(dfud_error_code_from_name("NoSuchError", &(DfudErrorCode){0}));
}

static void
test_exit_codes(void)
{
	g_autoptr(GError) reverted = g_error_new(DFUD_ERROR, DFUD_ERROR_REVERTED, "old image");
	g_autoptr(GError) bad = g_error_new(DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC, "x");

	g_assert_cmpint(dfud_error_to_exit(NULL), ==, DFUD_EXIT_OK);
	g_assert_cmpint(dfud_error_to_exit(reverted), ==, 6);
	g_assert_cmpint(dfud_error_to_exit(bad), ==, 65);
	g_assert_cmpint(dfud_error_code_to_exit(DFUD_ERROR_NOTHING_TO_DO), ==, 2);
	g_assert_cmpint(dfud_error_code_to_exit(DFUD_ERROR_NOT_FOUND), ==, 3);
	g_assert_cmpint(dfud_error_code_to_exit(DFUD_ERROR_NOT_AUTHORIZED), ==, 4);
	g_assert_cmpint(dfud_error_code_to_exit(DFUD_ERROR_BUSY), ==, 5);
	g_assert_cmpint(dfud_error_code_to_exit(DFUD_ERROR_LINK_LOST), ==, 7);
	g_assert_cmpstr(dfud_error_code_to_name(DFUD_ERROR_LINK_LOST), ==, "LinkLost");
	g_assert_cmpstr(dfud_error_name(reverted), ==, "Reverted");
	/* out of range codes never index past the table */
	g_assert_cmpstr(dfud_error_code_to_name(DFUD_ERROR_LAST + 7), ==, "Failed");
}

static void
test_normalize(void)
{
	g_autoptr(GError) io = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "slow");
	g_autoptr(GError) perm = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no");
	g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "pipe");
	g_autoptr(GError) foreign = g_error_new_literal(G_KEY_FILE_ERROR, 0, "key file");
	g_autoptr(GError) a = dfud_error_normalize(io);
	g_autoptr(GError) b = dfud_error_normalize(perm);
	g_autoptr(GError) c = dfud_error_normalize(other);
	g_autoptr(GError) d = dfud_error_normalize(foreign);

	g_assert_error(a, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_cmpstr(a->message, ==, "slow");
	g_assert_error(b, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED);
	g_assert_error(c, DFUD_ERROR, DFUD_ERROR_IO);
	g_assert_error(d, DFUD_ERROR, DFUD_ERROR_FAILED);
	g_assert_cmpstr(dfud_error_name(io), ==, "Timeout");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/error/names", test_names_unique_and_round_trip);
	g_test_add_func("/error/exit-codes", test_exit_codes);
	g_test_add_func("/error/normalize", test_normalize);
	return g_test_run();
}
