/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the SMP tests: bytes from hex text, comparison against hex text.
 */
#pragma once

#include <glib.h>
#include <string.h>

/* "08 00 a1" (spaces optional) -> bytes; aborts the test on bad input */
static inline GBytes *
test_hex(const gchar *hex)
{
	GByteArray *out = g_byte_array_new();
	gint hi = -1;

	for (const gchar *p = hex; *p != '\0'; p++) {
		gint v;

		if (g_ascii_isspace(*p))
			continue;
		v = g_ascii_xdigit_value(*p);
		g_assert_cmpint(v, >=, 0);
		if (hi < 0) {
			hi = v;
		} else {
			guint8 b = (guint8)(hi << 4 | v);
			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	g_assert_cmpint(hi, ==, -1);
	return g_byte_array_free_to_bytes(out);
}

static inline gchar *
test_to_hex(const guint8 *data, gsize len)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%s%02x", i > 0 ? " " : "", data[i]);
	return g_string_free(s, FALSE);
}

/* compares as hex text so a failure prints both sides readably */
static inline void
test_assert_bytes_hex(GBytes *bytes, const gchar *expected_hex)
{
	g_autoptr(GBytes) expected = test_hex(expected_hex);
	g_autofree gchar *got = NULL;
	g_autofree gchar *want = NULL;
	gsize len = 0;
	const guint8 *data;

	g_assert_nonnull(bytes);
	data = g_bytes_get_data(bytes, &len);
	got = test_to_hex(data, len);
	want = test_to_hex(g_bytes_get_data(expected, NULL), g_bytes_get_size(expected));
	g_assert_cmpstr(got, ==, want);
}

/* "hello" -> "68 65 6c 6c 6f" for building expected frames */
static inline gchar *
test_text_hex(const gchar *text)
{
	return test_to_hex((const guint8 *)text, strlen(text));
}
