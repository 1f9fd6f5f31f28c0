/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <cbor.h>
#include <string.h>

#include "dfud-smp-cbor-writer.h"

/* bytes of the head (major type + argument) for an argument value: 1, 2, 3, 5 or 9 */
gsize
dfud_smp_cbor_head_size(guint64 value)
{
	if (value < 24)
		return 1;
	if (value <= G_MAXUINT8)
		return 2;
	if (value <= G_MAXUINT16)
		return 3;
	if (value <= G_MAXUINT32)
		return 5;
	return 9;
}

void
dfud_smp_cbor_writer_init(DfudSmpCborWriter *w, guint8 *buf, gsize capacity)
{
	g_return_if_fail(w != NULL);
	g_return_if_fail(buf != NULL || capacity == 0);

	w->buf = buf;
	w->capacity = capacity;
	w->pos = 0;
	w->overflow = FALSE;
}

gboolean
dfud_smp_cbor_writer_ok(const DfudSmpCborWriter *w)
{
	return !w->overflow;
}

/* libcbor encoders return the bytes written, 0 when the buffer is too small */
static void
advance(DfudSmpCborWriter *w, gsize written)
{
	if (written == 0)
		w->overflow = TRUE;
	else
		w->pos += written;
}

static gboolean
usable(DfudSmpCborWriter *w)
{
	if (w->buf == NULL || w->pos > w->capacity)
		w->overflow = TRUE;
	return !w->overflow;
}

void
dfud_smp_cbor_writer_map(DfudSmpCborWriter *w, gsize n_pairs)
{
	if (usable(w))
		advance(w, cbor_encode_map_start(n_pairs, w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_array(DfudSmpCborWriter *w, gsize n_items)
{
	if (usable(w))
		advance(w, cbor_encode_array_start(n_items, w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_indef_map(DfudSmpCborWriter *w)
{
	if (usable(w))
		advance(w, cbor_encode_indef_map_start(w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_indef_array(DfudSmpCborWriter *w)
{
	if (usable(w))
		advance(w, cbor_encode_indef_array_start(w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_break(DfudSmpCborWriter *w)
{
	if (usable(w))
		advance(w, cbor_encode_break(w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_uint(DfudSmpCborWriter *w, guint64 value)
{
	if (usable(w))
		advance(w, cbor_encode_uint(value, w->buf + w->pos, w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_int(DfudSmpCborWriter *w, gint64 value)
{
	if (value >= 0) {
		dfud_smp_cbor_writer_uint(w, (guint64)value);
		return;
	}
	/* CBOR stores -1 - n; -(value + 1) cannot overflow */
	if (usable(w))
		advance(w, cbor_encode_negint((guint64)(-(value + 1)), w->buf + w->pos,
					      w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_bool(DfudSmpCborWriter *w, gboolean value)
{
	if (usable(w))
		advance(w, cbor_encode_bool(value ? true : false, w->buf + w->pos,
					    w->capacity - w->pos));
}

void
dfud_smp_cbor_writer_null(DfudSmpCborWriter *w)
{
	if (usable(w))
		advance(w, cbor_encode_null(w->buf + w->pos, w->capacity - w->pos));
}

/* a head then raw bytes; on overflow nothing of the item stays */
static void
put_string(DfudSmpCborWriter *w, gboolean text, const guint8 *data, gsize len)
{
	gsize start = w->pos;
	gsize head;

	if (!usable(w))
		return;
	head = text ? cbor_encode_string_start(len, w->buf + w->pos, w->capacity - w->pos)
		    : cbor_encode_bytestring_start(len, w->buf + w->pos, w->capacity - w->pos);
	advance(w, head);
	if (w->overflow)
		return;
	if (len > w->capacity - w->pos) {
		w->pos = start;
		w->overflow = TRUE;
		return;
	}
	if (len > 0)
		memcpy(w->buf + w->pos, data, len);
	w->pos += len;
}

void
dfud_smp_cbor_writer_text(DfudSmpCborWriter *w, const gchar *text)
{
	g_return_if_fail(text != NULL);
	put_string(w, TRUE, (const guint8 *)text, strlen(text));
}

void
dfud_smp_cbor_writer_text_len(DfudSmpCborWriter *w, const gchar *text, gsize len)
{
	g_return_if_fail(text != NULL || len == 0);
	put_string(w, TRUE, (const guint8 *)text, len);
}

void
dfud_smp_cbor_writer_bytes(DfudSmpCborWriter *w, const guint8 *data, gsize len)
{
	g_return_if_fail(data != NULL || len == 0);
	put_string(w, FALSE, data, len);
}

void
dfud_smp_cbor_writer_key_uint(DfudSmpCborWriter *w, const gchar *key, guint64 value)
{
	dfud_smp_cbor_writer_text(w, key);
	dfud_smp_cbor_writer_uint(w, value);
}

void
dfud_smp_cbor_writer_key_int(DfudSmpCborWriter *w, const gchar *key, gint64 value)
{
	dfud_smp_cbor_writer_text(w, key);
	dfud_smp_cbor_writer_int(w, value);
}

void
dfud_smp_cbor_writer_key_bool(DfudSmpCborWriter *w, const gchar *key, gboolean value)
{
	dfud_smp_cbor_writer_text(w, key);
	dfud_smp_cbor_writer_bool(w, value);
}

void
dfud_smp_cbor_writer_key_text(DfudSmpCborWriter *w, const gchar *key, const gchar *value)
{
	dfud_smp_cbor_writer_text(w, key);
	dfud_smp_cbor_writer_text(w, value);
}

void
dfud_smp_cbor_writer_key_bytes(DfudSmpCborWriter *w, const gchar *key, const guint8 *data,
			       gsize len)
{
	dfud_smp_cbor_writer_text(w, key);
	dfud_smp_cbor_writer_bytes(w, data, len);
}
