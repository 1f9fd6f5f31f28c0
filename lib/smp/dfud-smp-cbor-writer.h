/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Minimal-width definite CBOR written straight into a caller buffer with libcbor's low-level
 * encoders (no item trees). Writes that do not fit set `overflow` and leave the buffer
 * position unchanged; later writes are ignored, so a builder checks once at the end.
 */
typedef struct {
	guint8 *buf;
	gsize capacity;
	gsize pos;
	gboolean overflow;
} DfudSmpCborWriter;

gsize dfud_smp_cbor_head_size(guint64 value);

void dfud_smp_cbor_writer_init(DfudSmpCborWriter *w, guint8 *buf, gsize capacity);
gboolean dfud_smp_cbor_writer_ok(const DfudSmpCborWriter *w);

void dfud_smp_cbor_writer_map(DfudSmpCborWriter *w, gsize n_pairs);
void dfud_smp_cbor_writer_array(DfudSmpCborWriter *w, gsize n_items);
void dfud_smp_cbor_writer_indef_map(DfudSmpCborWriter *w);
void dfud_smp_cbor_writer_indef_array(DfudSmpCborWriter *w);
void dfud_smp_cbor_writer_break(DfudSmpCborWriter *w);
void dfud_smp_cbor_writer_uint(DfudSmpCborWriter *w, guint64 value);
void dfud_smp_cbor_writer_int(DfudSmpCborWriter *w, gint64 value);
void dfud_smp_cbor_writer_bool(DfudSmpCborWriter *w, gboolean value);
void dfud_smp_cbor_writer_null(DfudSmpCborWriter *w);
void dfud_smp_cbor_writer_text(DfudSmpCborWriter *w, const gchar *text);
void dfud_smp_cbor_writer_text_len(DfudSmpCborWriter *w, const gchar *text, gsize len);
void dfud_smp_cbor_writer_bytes(DfudSmpCborWriter *w, const guint8 *data, gsize len);

/* key + value pairs for map bodies */
void dfud_smp_cbor_writer_key_uint(DfudSmpCborWriter *w, const gchar *key, guint64 value);
void dfud_smp_cbor_writer_key_int(DfudSmpCborWriter *w, const gchar *key, gint64 value);
void dfud_smp_cbor_writer_key_bool(DfudSmpCborWriter *w, const gchar *key, gboolean value);
void dfud_smp_cbor_writer_key_text(DfudSmpCborWriter *w, const gchar *key, const gchar *value);
void dfud_smp_cbor_writer_key_bytes(DfudSmpCborWriter *w, const gchar *key, const guint8 *data,
				    gsize len);

G_END_DECLS
