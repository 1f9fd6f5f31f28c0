/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The update history: an append-only journal of JSON lines (one finished job each) in
 * STATE_DIR/history.jsonl. A line cut short by a crash is skipped on reading; when it holds
 * more than twice the configured size it is rewritten (atomically) with the newest entries.
 *
 * An entry is an a{sv} with these keys and types (anything else is refused by _append):
 *   job t, device s (URI), name s, result s, error-name s, error-message s,
 *   old-version s, old-hash s (hex), new-version s, new-hash s (hex),
 *   started x (µs since the epoch), duration d (s), bytes t, rate d (bytes/s), mode s
 */
#define DD_TYPE_HISTORY (dd_history_get_type())
G_DECLARE_FINAL_TYPE(DdHistory, dd_history, DD, HISTORY, GObject)

DdHistory *dd_history_new(const gchar *path, guint max_entries);
/* appends one entry (a{sv}, floating refs sunk) and fdatasync()s it */
gboolean dd_history_append(DdHistory *self, GVariant *entry, GError **error);
/* newest first; @device NULL: all devices; @limit 0: all; returns aa{sv} */
GVariant *dd_history_query(DdHistory *self, const gchar *device, guint limit, GError **error);
/* the newest entry of @device, or NULL */
GVariant *dd_history_last(DdHistory *self, const gchar *device);

G_END_DECLS
