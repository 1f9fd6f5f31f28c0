/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * One table of fields, each declared once with a stable key (for --json) and a label (for
 * people), rendered either as a JSON object or as aligned "Label: text" lines. A field with no
 * key is shown to people only, one with no label goes to JSON only. Records nest: a field may
 * hold a record or a list of records (e.g. the images of a package).
 */
typedef struct _DfuctlRecord DfuctlRecord;

DfuctlRecord *
dfuctl_record_new(void);
void
dfuctl_record_free(DfuctlRecord *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfuctlRecord, dfuctl_record_free)

void
dfuctl_record_add_string(DfuctlRecord *self, const gchar *key, const gchar *label,
			 const gchar *value);
/* like add_string, but the human text differs from the JSON value */
void
dfuctl_record_add_string_full(DfuctlRecord *self, const gchar *key, const gchar *label,
			      const gchar *value, const gchar *text);
void
dfuctl_record_add_uint(DfuctlRecord *self, const gchar *key, const gchar *label, guint64 value,
		       const gchar *text);
void
dfuctl_record_add_int(DfuctlRecord *self, const gchar *key, const gchar *label, gint64 value);
/* a tri-state: @known FALSE renders as JSON null */
void
dfuctl_record_add_bool(DfuctlRecord *self, const gchar *key, const gchar *label, gboolean known,
		       gboolean value, const gchar *text);
void
dfuctl_record_add_null(DfuctlRecord *self, const gchar *key, const gchar *label, const gchar *text);
/* an array of strings in JSON, joined by spaces for people */
void
dfuctl_record_add_strv(DfuctlRecord *self, const gchar *key, const gchar *label,
		       const gchar *const *values, const gchar *empty_text);
/* a nested object, shown indented under @label; takes ownership */
void
dfuctl_record_add_record(DfuctlRecord *self, const gchar *key, const gchar *label,
			 DfuctlRecord *child);
/*
 * A JSON array of records; with @show_text also shown to people as blocks headed by each
 * record's title. Takes ownership.
 */
void
dfuctl_record_add_list(DfuctlRecord *self, const gchar *key, GPtrArray *records,
		       gboolean show_text);
void
dfuctl_record_set_title(DfuctlRecord *self, const gchar *title);

JsonNode *
dfuctl_record_to_json(DfuctlRecord *self);
gchar *
dfuctl_record_to_text(DfuctlRecord *self);
/* prints as JSON (pretty, one object) or as text on stdout */
void
dfuctl_record_print(DfuctlRecord *self, gboolean json);

G_END_DECLS
