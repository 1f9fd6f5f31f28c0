/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* lower-case hex of @len bytes; at most @max_bytes of them with "…" after when cut (0: all) */
gchar *
dfud_hex_encode(const guint8 *data, gsize len, gsize max_bytes);
gchar *
dfud_hex_encode_bytes(GBytes *bytes);
/* parses an even-length hex string (either case, no separators) */
GBytes *
dfud_hex_decode(const gchar *text, GError **error);

G_END_DECLS
