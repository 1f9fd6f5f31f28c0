/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudHex"

#include "config.h"

#include "dfud-error.h"
#include "dfud-hex.h"

gchar *
dfud_hex_encode(const guint8 *data, gsize len, gsize max_bytes)
{
	static const gchar digits[] = "0123456789abcdef";
	gsize n = max_bytes != 0 && len > max_bytes ? max_bytes : len;
	GString *str = g_string_sized_new(n * 2 + 4);

	for (gsize i = 0; i < n; i++) {
		g_string_append_c(str, digits[data[i] >> 4]);
		g_string_append_c(str, digits[data[i] & 0x0f]);
	}
	if (n < len)
		g_string_append(str, "…");
	return g_string_free(str, FALSE);
}

gchar *
dfud_hex_encode_bytes(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;
	return dfud_hex_encode(data, len, 0);
}

GBytes *
dfud_hex_decode(const gchar *text, GError **error)
{
	gsize len = strlen(text);
	g_autofree guint8 *buf = NULL;

	if (len == 0 || len % 2 != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a hex string of whole bytes", text);
		return NULL;
	}
	buf = g_malloc(len / 2);
	for (gsize i = 0; i < len; i += 2) {
		gint hi = g_ascii_xdigit_value(text[i]);
		gint lo = g_ascii_xdigit_value(text[i + 1]);
		if (hi < 0 || lo < 0) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "'%s' is not a hex string: bad digit at %" G_GSIZE_FORMAT, text,
				    hi < 0 ? i : i + 1);
			return NULL;
		}
		buf[i / 2] = (guint8)(hi << 4 | lo);
	}
	return g_bytes_new_take(g_steal_pointer(&buf), len / 2);
}
