/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The JSON-lines event log tests assert on: one object per line with at least
 *   "t_ms": milliseconds since the log opened (monotonic), "device": index, "event": name
 * Events: "request" / "response" (header fields and the decoded CBOR body; byte strings as
 * {"len": N, "sha256": hex} for data, hex for hashes), "drop" (why a request or response was
 * lost), "fault" (which spec fired), "state" (slot flags changed), "reset", "boot" (what MCUboot
 * did: swap, revert, refused image and why), "running" (reachable again), "session" (open/close).
 */
typedef struct _DfudSimLog DfudSimLog;

/* @path NULL: log nothing; "-": stdout */
DfudSimLog *
dfud_sim_log_new(const gchar *path, GError **error);
void
dfud_sim_log_free(DfudSimLog *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimLog, dfud_sim_log_free)
gboolean
dfud_sim_log_enabled(DfudSimLog *self);
/* writes one line; @fields (may be NULL) gets t_ms, device and event added; takes ownership */
void
dfud_sim_log_event(DfudSimLog *self, guint device, const gchar *event, JsonObject *fields);
/* a "request" or "response" line with the frame decoded (undecodable bodies as hex) */
void
dfud_sim_log_frame(DfudSimLog *self, guint device, const gchar *event, const guint8 *frame,
		   gsize len);

G_END_DECLS
