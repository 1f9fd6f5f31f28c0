/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-log.h"
#include "smp/dfud-smp-cbor-check.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-header.h"

struct _DfudSimLog {
	FILE *fp;
	gboolean close_fp;
	gint64 start_us;
};

DfudSimLog *
dfud_sim_log_new(const gchar *path, GError **error)
{
	DfudSimLog *self = g_new0(DfudSimLog, 1);

	self->start_us = g_get_monotonic_time();
	if (path == NULL)
		return self;
	if (g_strcmp0(path, "-") == 0) {
		self->fp = stdout;
		return self;
	}
	self->fp = fopen(path, "we");
	if (self->fp == NULL) {
		int saved = errno;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot open event log %s: %s", path,
			    g_strerror(saved));
		g_free(self);
		return NULL;
	}
	self->close_fp = TRUE;
	return self;
}

void
dfud_sim_log_free(DfudSimLog *self)
{
	if (self == NULL)
		return;
	if (self->close_fp)
		fclose(self->fp);
	else if (self->fp != NULL)
		fflush(self->fp);
	g_free(self);
}

gboolean
dfud_sim_log_enabled(DfudSimLog *self)
{
	return self != NULL && self->fp != NULL;
}

void
dfud_sim_log_event(DfudSimLog *self, guint device, const gchar *event, JsonObject *fields)
{
	g_autoptr(JsonObject) obj = fields != NULL ? fields : json_object_new();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonGenerator) gen = NULL;
	g_autofree gchar *line = NULL;
	gint64 t_ms;

	if (!dfud_sim_log_enabled(self))
		return;
	t_ms = (g_get_monotonic_time() - self->start_us) / 1000;
	/* the standard keys first, whatever the caller put in */
	{
		g_autoptr(JsonObject) out = json_object_new();
		GList *members = json_object_get_members(obj);
		json_object_set_int_member(out, "t_ms", t_ms);
		json_object_set_int_member(out, "device", device);
		json_object_set_string_member(out, "event", event);
		for (GList *l = members; l != NULL; l = l->next) {
			const gchar *name = l->data;
			if (g_strcmp0(name, "t_ms") == 0 || g_strcmp0(name, "device") == 0 ||
			    g_strcmp0(name, "event") == 0)
				continue;
			json_object_set_member(out, name,
					       json_node_copy(json_object_get_member(obj, name)));
		}
		g_list_free(members);
		node = json_node_init_object(json_node_alloc(), out);
	}
	gen = json_generator_new();
	json_generator_set_root(gen, node);
	line = json_generator_to_data(gen, NULL);
	fputs(line, self->fp);
	fputc('\n', self->fp);
	fflush(self->fp);
}

static gchar *
hex(const guint8 *data, gsize len)
{
	GString *s = g_string_sized_new(len * 2 + 1);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", data[i]);
	return g_string_free(s, FALSE);
}

static JsonNode *cbor_to_json(const cbor_item_t *item, const gchar *key, guint depth);

/* byte strings: "data" (and anything over 64 bytes) as {"len", "sha256"}, hashes as hex */
static JsonNode *
bytes_to_json(const cbor_item_t *item, const gchar *key)
{
	JsonNode *node;
	g_autoptr(GByteArray) buf = g_byte_array_new();

	if (cbor_bytestring_is_definite(item)) {
		g_byte_array_append(buf, cbor_bytestring_handle(item),
				    (guint)cbor_bytestring_length(item));
	} else {
		for (gsize i = 0; i < cbor_bytestring_chunk_count(item); i++) {
			cbor_item_t *chunk = cbor_bytestring_chunks_handle(item)[i];
			g_byte_array_append(buf, cbor_bytestring_handle(chunk),
					    (guint)cbor_bytestring_length(chunk));
		}
	}
	if (buf->len <= 64 && g_strcmp0(key, "data") != 0) {
		g_autofree gchar *h = hex(buf->data, buf->len);
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_string(node, h);
	} else {
		g_autoptr(JsonObject) obj = json_object_new();
		g_autofree gchar *sum =
		    g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf->data, buf->len);
		json_object_set_int_member(obj, "len", buf->len);
		json_object_set_string_member(obj, "sha256", sum);
		node = json_node_init_object(json_node_alloc(), obj);
	}
	return node;
}

static JsonNode *
text_to_json(const cbor_item_t *item)
{
	JsonNode *node = json_node_new(JSON_NODE_VALUE);
	GString *s = g_string_new(NULL);
	g_autofree gchar *valid = NULL;

	if (cbor_string_is_definite(item)) {
		g_string_append_len(s, (const gchar *)cbor_string_handle(item),
				    (gssize)cbor_string_length(item));
	} else {
		for (gsize i = 0; i < cbor_string_chunk_count(item); i++) {
			cbor_item_t *chunk = cbor_string_chunks_handle(item)[i];
			g_string_append_len(s, (const gchar *)cbor_string_handle(chunk),
					    (gssize)cbor_string_length(chunk));
		}
	}
	valid = g_utf8_make_valid(s->str, (gssize)s->len);
	json_node_set_string(node, valid);
	g_string_free(s, TRUE);
	return node;
}

static JsonNode *
cbor_to_json(const cbor_item_t *item, const gchar *key, guint depth)
{
	JsonNode *node = NULL;

	if (depth > DFUD_SMP_CBOR_MAX_DEPTH) {
		node = json_node_new(JSON_NODE_NULL);
		return node;
	}
	switch (cbor_typeof(item)) {
	case CBOR_TYPE_UINT:
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_int(node, (gint64)MIN(cbor_get_int(item), (guint64)G_MAXINT64));
		break;
	case CBOR_TYPE_NEGINT:
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_int(node, -1 - (gint64)MIN(cbor_get_int(item), (guint64)G_MAXINT64));
		break;
	case CBOR_TYPE_BYTESTRING:
		node = bytes_to_json(item, key);
		break;
	case CBOR_TYPE_STRING:
		node = text_to_json(item);
		break;
	case CBOR_TYPE_ARRAY: {
		JsonArray *arr = json_array_new();
		for (gsize i = 0; i < cbor_array_size(item); i++)
			json_array_add_element(
			    arr, cbor_to_json(cbor_array_handle(item)[i], NULL, depth + 1));
		node = json_node_init_array(json_node_alloc(), arr);
		json_array_unref(arr);
		break;
	}
	case CBOR_TYPE_MAP: {
		JsonObject *obj = json_object_new();
		struct cbor_pair *pairs = cbor_map_handle(item);
		for (gsize i = 0; i < cbor_map_size(item); i++) {
			g_autofree gchar *name = NULL;
			if (pairs[i].key == NULL || pairs[i].value == NULL)
				continue;
			if (cbor_isa_string(pairs[i].key)) {
				JsonNode *k = text_to_json(pairs[i].key);
				name = g_strdup(json_node_get_string(k));
				json_node_unref(k);
			} else {
				name = g_strdup_printf("#%" G_GSIZE_FORMAT, i);
			}
			json_object_set_member(obj, name,
					       cbor_to_json(pairs[i].value, name, depth + 1));
		}
		node = json_node_init_object(json_node_alloc(), obj);
		json_object_unref(obj);
		break;
	}
	case CBOR_TYPE_TAG:
		node = cbor_to_json(cbor_tag_item(item), key, depth + 1);
		break;
	case CBOR_TYPE_FLOAT_CTRL:
		if (cbor_is_bool(item)) {
			node = json_node_new(JSON_NODE_VALUE);
			json_node_set_boolean(node, cbor_get_bool(item));
		} else if (cbor_float_ctrl_is_ctrl(item)) {
			node = json_node_new(JSON_NODE_NULL);
		} else {
			node = json_node_new(JSON_NODE_VALUE);
			json_node_set_double(node, cbor_float_get_float(item));
		}
		break;
	}
	if (node == NULL)
		node = json_node_new(JSON_NODE_NULL);
	return node;
}

void
dfud_sim_log_frame(DfudSimLog *self, guint device, const gchar *event, const guint8 *frame,
		   gsize len)
{
	JsonObject *obj;
	gsize body_len;
	guint group, id, op;

	if (!dfud_sim_log_enabled(self))
		return;
	obj = json_object_new();
	json_object_set_int_member(obj, "size", len);
	if (len < DFUD_SMP_HEADER_SIZE) {
		g_autofree gchar *h = hex(frame, len);
		json_object_set_string_member(obj, "raw", h);
		dfud_sim_log_event(self, device, event, obj);
		return;
	}
	op = frame[0] & 0x07;
	group = (guint)(frame[4] << 8 | frame[5]);
	id = frame[7];
	json_object_set_int_member(obj, "op", op);
	json_object_set_int_member(obj, "ver", (frame[0] >> 3) & 0x03);
	json_object_set_int_member(obj, "len", frame[2] << 8 | frame[3]);
	json_object_set_int_member(obj, "group", group);
	json_object_set_int_member(obj, "seq", frame[6]);
	json_object_set_int_member(obj, "id", id);
	{
		g_autofree gchar *cmd = dfud_smp_command_describe(group, id, op);
		json_object_set_string_member(obj, "command", cmd);
	}
	body_len = len - DFUD_SMP_HEADER_SIZE;
	if (body_len > 0) {
		g_autoptr(GError) error = NULL;
		cbor_item_t *item =
		    dfud_smp_cbor_load(frame + DFUD_SMP_HEADER_SIZE, body_len, &error);
		if (item != NULL) {
			json_object_set_member(obj, "body", cbor_to_json(item, NULL, 0));
			cbor_decref(&item);
		} else {
			g_autofree gchar *h = hex(frame + DFUD_SMP_HEADER_SIZE, MIN(body_len, 256));
			json_object_set_string_member(obj, "body_hex", h);
		}
	}
	dfud_sim_log_event(self, device, event, obj);
}
