/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlOutput"

#include "config.h"

#include <stdio.h>

#include "dfuctl-output.h"

typedef enum {
	FIELD_VALUE,
	FIELD_RECORD,
	FIELD_LIST,
} FieldKind;

typedef struct {
	FieldKind kind;
	gchar *key;
	gchar *label;
	JsonNode *value;      /* FIELD_VALUE */
	gchar *text;	      /* FIELD_VALUE: what people read */
	DfuctlRecord *record; /* FIELD_RECORD */
	GPtrArray *list;      /* FIELD_LIST: element-type DfuctlRecord */
	gboolean list_text;   /* FIELD_LIST: also shown to people, as blocks */
} Field;

struct _DfuctlRecord {
	gchar *title;
	GPtrArray *fields;
};

static void
field_free(Field *field)
{
	g_free(field->key);
	g_free(field->label);
	g_free(field->text);
	if (field->value != NULL)
		json_node_unref(field->value);
	if (field->record != NULL)
		dfuctl_record_free(field->record);
	if (field->list != NULL)
		g_ptr_array_unref(field->list);
	g_free(field);
}

DfuctlRecord *
dfuctl_record_new(void)
{
	DfuctlRecord *self = g_new0(DfuctlRecord, 1);
	self->fields = g_ptr_array_new_with_free_func((GDestroyNotify)field_free);
	return self;
}

void
dfuctl_record_free(DfuctlRecord *self)
{
	if (self == NULL)
		return;
	g_free(self->title);
	g_ptr_array_unref(self->fields);
	g_free(self);
}

void
dfuctl_record_set_title(DfuctlRecord *self, const gchar *title)
{
	g_free(self->title);
	self->title = g_strdup(title);
}

static Field *
field_append(DfuctlRecord *self, FieldKind kind, const gchar *key, const gchar *label)
{
	Field *field = g_new0(Field, 1);
	field->kind = kind;
	field->key = g_strdup(key);
	field->label = g_strdup(label);
	g_ptr_array_add(self->fields, field);
	return field;
}

static void
add_value(DfuctlRecord *self, const gchar *key, const gchar *label, JsonNode *value,
	  const gchar *text)
{
	Field *field = field_append(self, FIELD_VALUE, key, label);
	field->value = value;
	field->text = g_strdup(text);
}

void
dfuctl_record_add_string_full(DfuctlRecord *self, const gchar *key, const gchar *label,
			      const gchar *value, const gchar *text)
{
	JsonNode *node = json_node_new(JSON_NODE_NULL);
	if (value != NULL)
		json_node_init_string(node, value);
	add_value(self, key, label, node, text != NULL ? text : (value != NULL ? value : "-"));
}

void
dfuctl_record_add_string(DfuctlRecord *self, const gchar *key, const gchar *label,
			 const gchar *value)
{
	dfuctl_record_add_string_full(self, key, label, value, NULL);
}

void
dfuctl_record_add_uint(DfuctlRecord *self, const gchar *key, const gchar *label, guint64 value,
		       const gchar *text)
{
	g_autofree gchar *fallback = g_strdup_printf("%" G_GUINT64_FORMAT, value);
	JsonNode *node = json_node_init_int(json_node_alloc(), (gint64)value);
	add_value(self, key, label, node, text != NULL ? text : fallback);
}

void
dfuctl_record_add_int(DfuctlRecord *self, const gchar *key, const gchar *label, gint64 value)
{
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT, value);
	add_value(self, key, label, json_node_init_int(json_node_alloc(), value), text);
}

void
dfuctl_record_add_bool(DfuctlRecord *self, const gchar *key, const gchar *label, gboolean known,
		       gboolean value, const gchar *text)
{
	JsonNode *node = json_node_new(JSON_NODE_NULL);
	if (known)
		json_node_init_boolean(node, value);
	add_value(self, key, label, node,
		  text != NULL ? text : (!known ? "-" : (value ? "yes" : "no")));
}

void
dfuctl_record_add_null(DfuctlRecord *self, const gchar *key, const gchar *label, const gchar *text)
{
	add_value(self, key, label, json_node_new(JSON_NODE_NULL), text != NULL ? text : "-");
}

void
dfuctl_record_add_strv(DfuctlRecord *self, const gchar *key, const gchar *label,
		       const gchar *const *values, const gchar *empty_text)
{
	JsonArray *array = json_array_new();
	g_autofree gchar *text = NULL;

	for (guint i = 0; values != NULL && values[i] != NULL; i++)
		json_array_add_string_element(array, values[i]);
	if (values != NULL && values[0] != NULL)
		text = g_strjoinv(" ", (gchar **)values);
	add_value(self, key, label, json_node_init_array(json_node_alloc(), array),
		  text != NULL ? text : empty_text);
	json_array_unref(array);
}

void
dfuctl_record_add_record(DfuctlRecord *self, const gchar *key, const gchar *label,
			 DfuctlRecord *child)
{
	Field *field = field_append(self, FIELD_RECORD, key, label);
	field->record = child;
}

void
dfuctl_record_add_list(DfuctlRecord *self, const gchar *key, GPtrArray *records, gboolean show_text)
{
	Field *field = field_append(self, FIELD_LIST, key, NULL);
	field->list = records;
	field->list_text = show_text;
}

JsonNode *
dfuctl_record_to_json(DfuctlRecord *self)
{
	JsonObject *object = json_object_new();
	JsonNode *node;

	for (guint i = 0; i < self->fields->len; i++) {
		Field *field = g_ptr_array_index(self->fields, i);
		if (field->key == NULL)
			continue;
		switch (field->kind) {
		case FIELD_VALUE:
			json_object_set_member(object, field->key, json_node_copy(field->value));
			break;
		case FIELD_RECORD:
			json_object_set_member(object, field->key,
					       dfuctl_record_to_json(field->record));
			break;
		case FIELD_LIST: {
			JsonArray *array = json_array_new();
			for (guint j = 0; j < field->list->len; j++)
				json_array_add_element(
				    array, dfuctl_record_to_json(g_ptr_array_index(field->list, j)));
			json_object_set_array_member(object, field->key, array);
			break;
		}
		}
	}
	node = json_node_init_object(json_node_alloc(), object);
	json_object_unref(object);
	return node;
}

static gsize
record_label_width(DfuctlRecord *self)
{
	gsize width = 0;
	for (guint i = 0; i < self->fields->len; i++) {
		Field *field = g_ptr_array_index(self->fields, i);
		if (field->label != NULL && field->kind == FIELD_VALUE)
			width = MAX(width, (gsize)g_utf8_strlen(field->label, -1) + 1);
	}
	return width;
}

static void
record_append_text(DfuctlRecord *self, GString *out, guint indent)
{
	gsize width = record_label_width(self);

	if (self->title != NULL)
		g_string_append_printf(out, "%*s%s\n", (int)indent, "", self->title);
	if (self->title != NULL)
		indent += 2;
	for (guint i = 0; i < self->fields->len; i++) {
		Field *field = g_ptr_array_index(self->fields, i);
		if (field->kind == FIELD_VALUE && field->label != NULL) {
			g_autofree gchar *label = g_strdup_printf("%s:", field->label);
			g_string_append_printf(out, "%*s%-*s %s\n", (int)indent, "", (int)width,
					       label, field->text);
		} else if (field->kind == FIELD_RECORD && field->label != NULL) {
			g_string_append_printf(out, "%*s%s:\n", (int)indent, "", field->label);
			record_append_text(field->record, out, indent + 2);
		} else if (field->kind == FIELD_LIST && field->list_text) {
			for (guint j = 0; j < field->list->len; j++) {
				g_string_append_c(out, '\n');
				record_append_text(g_ptr_array_index(field->list, j), out, indent);
			}
		}
	}
}

gchar *
dfuctl_record_to_text(DfuctlRecord *self)
{
	GString *out = g_string_new(NULL);
	record_append_text(self, out, 0);
	return g_string_free(out, FALSE);
}

void
dfuctl_record_print(DfuctlRecord *self, gboolean json)
{
	g_autofree gchar *text = NULL;

	if (json) {
		g_autoptr(JsonNode) node = dfuctl_record_to_json(self);
		text = json_to_string(node, TRUE);
		g_print("%s\n", text);
		return;
	}
	text = dfuctl_record_to_text(self);
	g_print("%s", text);
}
