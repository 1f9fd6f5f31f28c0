/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbDdi"

#include "config.h"

#include <stdio.h>

#include "dfud-error.h"
#include "hb-ddi.h"

static JsonObject *
object_member(JsonObject *object, const gchar *name)
{
	JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* a string member, NULL when absent or not a string (an id may come as a number) */
static const gchar *
string_member(JsonObject *object, const gchar *name)
{
	JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

static gchar *
id_member(JsonObject *object, const gchar *name)
{
	JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;
	const gchar *text;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return NULL;
	if (json_node_get_value_type(node) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	text = string_member(object, name);
	if (text == NULL || text[0] == '\0' || strlen(text) > 64)
		return NULL;
	for (const gchar *p = text; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return NULL;
	return g_strdup(text);
}

static const gchar *
link_href(JsonObject *links, const gchar *name)
{
	const gchar *href = string_member(object_member(links, name), "href");
	if (href == NULL ||
	    !(g_str_has_prefix(href, "http://") || g_str_has_prefix(href, "https://")))
		return NULL;
	return href;
}

gboolean
hb_ddi_parse_sleep(const gchar *text, guint *seconds)
{
	guint h = 0, m = 0, s = 0;
	gchar tail = 0;

	if (text == NULL || sscanf(text, "%u:%u:%u%c", &h, &m, &s, &tail) != 3 || m > 59 ||
	    s > 59 || h > 999)
		return FALSE;
	*seconds = h * 3600 + m * 60 + s;
	return TRUE;
}

gchar *
hb_ddi_href_id(const gchar *href, const gchar *resource)
{
	g_autofree gchar *needle = g_strdup_printf("/%s/", resource);
	const gchar *at = href != NULL ? strstr(href, needle) : NULL;
	gsize len;

	if (at == NULL)
		return NULL;
	at += strlen(needle);
	len = strcspn(at, "/?#");
	if (len == 0 || len > 64)
		return NULL;
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isalnum(at[i]) && at[i] != '-' && at[i] != '_')
			return NULL;
	return g_strndup(at, len);
}

void
hb_ddi_base_free(HbDdiBase *base)
{
	if (base == NULL)
		return;
	g_free(base->deployment_href);
	g_free(base->cancel_href);
	g_free(base->config_data_href);
	g_free(base->installed_href);
	g_free(base);
}

HbDdiBase *
hb_ddi_base_parse(JsonNode *root, GError **error)
{
	g_autoptr(HbDdiBase) base = g_new0(HbDdiBase, 1);
	JsonObject *object;
	JsonObject *links;
	const gchar *sleep;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "the base resource is not a JSON object");
		return NULL;
	}
	object = json_node_get_object(root);
	sleep = string_member(object_member(object_member(object, "config"), "polling"), "sleep");
	if (sleep != NULL && !hb_ddi_parse_sleep(sleep, &base->sleep)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "config.polling.sleep \"%.32s\" is not HH:MM:SS", sleep);
		return NULL;
	}
	links = object_member(object, "_links");
	base->deployment_href = g_strdup(link_href(links, "deploymentBase"));
	base->cancel_href = g_strdup(link_href(links, "cancelAction"));
	base->config_data_href = g_strdup(link_href(links, "configData"));
	base->installed_href = g_strdup(link_href(links, "installedBase"));
	return g_steal_pointer(&base);
}

static void
artifact_free(HbDdiArtifact *a)
{
	g_free(a->filename);
	g_free(a->sha256);
	g_free(a->href);
	g_free(a->image);
	g_free(a);
}

void
hb_ddi_deployment_free(HbDdiDeployment *d)
{
	if (d == NULL)
		return;
	g_free(d->id);
	g_free(d->download);
	g_free(d->update);
	g_free(d->maintenance_window);
	g_free(d->version);
	if (d->artifacts != NULL)
		g_ptr_array_unref(d->artifacts);
	g_free(d);
}

static gboolean
is_sha256(const gchar *text)
{
	if (text == NULL || strlen(text) != 64)
		return FALSE;
	for (guint i = 0; i < 64; i++)
		if (!g_ascii_isxdigit(text[i]))
			return FALSE;
	return TRUE;
}

static gboolean
is_handling(const gchar *value)
{
	return g_strcmp0(value, "skip") == 0 || g_strcmp0(value, "attempt") == 0 ||
	       g_strcmp0(value, "forced") == 0;
}

static HbDdiArtifact *
artifact_parse(JsonNode *node, GError **error)
{
	JsonObject *object = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	g_autoptr(GString) name = NULL;
	const gchar *filename = string_member(object, "filename");
	const gchar *sha256 = string_member(object_member(object, "hashes"), "sha256");
	JsonObject *links = object_member(object, "_links");
	const gchar *href = link_href(links, "download");
	JsonNode *size = object != NULL ? json_object_get_member(object, "size") : NULL;
	HbDdiArtifact *a;

	if (href == NULL)
		href = link_href(links, "download-http");
	if (filename == NULL || filename[0] == '\0' || strlen(filename) > HB_DDI_MAX_TEXT ||
	    href == NULL || size == NULL || !JSON_NODE_HOLDS_VALUE(size) ||
	    json_node_get_value_type(size) != G_TYPE_INT64 || json_node_get_int(size) <= 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "an artifact without a filename, a positive size or a "
				    "download link");
		return NULL;
	}
	if (!is_sha256(sha256)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "artifact %s has no sha256 hash: it cannot be checked", filename);
		return NULL;
	}
	/* the name is only shown: keep it printable */
	name = g_string_new(filename);
	for (gsize i = 0; i < name->len; i++)
		if (!g_ascii_isprint(name->str[i]) || name->str[i] == '/')
			name->str[i] = '_';
	a = g_new0(HbDdiArtifact, 1);
	a->filename = g_string_free(g_steal_pointer(&name), FALSE);
	a->sha256 = g_ascii_strdown(sha256, -1);
	a->size = (guint64)json_node_get_int(size);
	a->href = g_strdup(href);
	return a;
}

/* the chunk's metadata [{"key": K, "value": V}] (shown when the module type's metadata are
 * visible to targets): the value of HB_DDI_IMAGE_KEY, if any */
static gboolean
chunk_image(JsonObject *chunk, gchar **image, GError **error)
{
	JsonNode *metadata = json_object_get_member(chunk, "metadata");
	JsonArray *list;

	if (metadata == NULL || JSON_NODE_HOLDS_NULL(metadata))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(metadata)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "a chunk's metadata is not an array");
		return FALSE;
	}
	list = json_node_get_array(metadata);
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		JsonObject *kv = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		const gchar *key = string_member(kv, "key");
		const gchar *value = string_member(kv, "value");

		if (g_strcmp0(key, HB_DDI_IMAGE_KEY) != 0)
			continue;
		if (value == NULL || strlen(value) > HB_DDI_MAX_TEXT || *image != NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "a chunk's metadata %s is missing its value, too long or given "
				    "twice",
				    HB_DDI_IMAGE_KEY);
			return FALSE;
		}
		*image = g_strdup(value);
	}
	return TRUE;
}

HbDdiDeployment *
hb_ddi_deployment_parse(JsonNode *root, GError **error)
{
	g_autoptr(HbDdiDeployment) d = g_new0(HbDdiDeployment, 1);
	g_autoptr(GString) version = g_string_new(NULL);
	JsonObject *object =
	    root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonObject *deployment = object_member(object, "deployment");
	JsonNode *chunks = deployment != NULL ? json_object_get_member(deployment, "chunks") : NULL;
	JsonArray *list;

	d->id = id_member(object, "id");
	d->download = g_strdup(string_member(deployment, "download"));
	d->update = g_strdup(string_member(deployment, "update"));
	d->maintenance_window = g_strdup(string_member(deployment, "maintenanceWindow"));
	if (d->id == NULL || !is_handling(d->download) || !is_handling(d->update) ||
	    chunks == NULL || !JSON_NODE_HOLDS_ARRAY(chunks)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "the deploymentBase lacks its id, deployment.download, "
				    "deployment.update or deployment.chunks");
		return NULL;
	}
	if (d->maintenance_window != NULL && g_strcmp0(d->maintenance_window, "available") != 0 &&
	    g_strcmp0(d->maintenance_window, "unavailable") != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "deployment.maintenanceWindow \"%.32s\" is neither available nor "
			    "unavailable",
			    d->maintenance_window);
		return NULL;
	}
	d->artifacts = g_ptr_array_new_with_free_func((GDestroyNotify)artifact_free);
	list = json_node_get_array(chunks);
	for (guint c = 0; c < json_array_get_length(list); c++) {
		JsonNode *chunk = json_array_get_element(list, c);
		JsonObject *co = JSON_NODE_HOLDS_OBJECT(chunk) ? json_node_get_object(chunk) : NULL;
		JsonNode *artifacts = co != NULL ? json_object_get_member(co, "artifacts") : NULL;
		const gchar *name = string_member(co, "name");
		const gchar *v = string_member(co, "version");
		g_autofree gchar *image = NULL;

		if (name != NULL && v != NULL && strlen(name) + strlen(v) < HB_DDI_MAX_TEXT)
			g_string_append_printf(version, "%s%s %s", version->len > 0 ? ", " : "",
					       name, v);
		if (artifacts == NULL || !JSON_NODE_HOLDS_ARRAY(artifacts))
			continue;
		if (!chunk_image(co, &image, error))
			return NULL;
		for (guint i = 0; i < json_array_get_length(json_node_get_array(artifacts)); i++) {
			HbDdiArtifact *a = artifact_parse(
			    json_array_get_element(json_node_get_array(artifacts), i), error);
			if (a == NULL)
				return NULL;
			if (d->artifacts->len == HB_DDI_MAX_ARTIFACTS) {
				artifact_free(a);
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
					    "the action has more than %u artifacts",
					    HB_DDI_MAX_ARTIFACTS);
				return NULL;
			}
			a->image = g_strdup(image);
			g_ptr_array_add(d->artifacts, a);
		}
	}
	d->version = g_string_free(g_steal_pointer(&version), FALSE);
	return g_steal_pointer(&d);
}

gchar *
hb_ddi_cancel_parse(JsonNode *root, GError **error)
{
	JsonObject *object =
	    root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	gchar *stop = id_member(object_member(object, "cancelAction"), "stopId");

	if (stop == NULL)
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "the cancelAction has no cancelAction.stopId");
	return stop;
}

JsonNode *
hb_ddi_feedback(const gchar *action_id, const gchar *execution, const gchar *finished, guint cnt,
		guint of, const gchar *const *details)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *time = g_date_time_format(now, "%Y%m%dT%H%M%S");

	json_builder_begin_object(b);
	/* id and time: what DDI's first versions require and later ones ignore */
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, action_id);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, time);
	json_builder_set_member_name(b, "status");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execution");
	json_builder_add_string_value(b, execution);
	json_builder_set_member_name(b, "result");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "finished");
	json_builder_add_string_value(b, finished);
	if (of > 0) {
		json_builder_set_member_name(b, "progress");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "cnt");
		json_builder_add_int_value(b, cnt);
		json_builder_set_member_name(b, "of");
		json_builder_add_int_value(b, of);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "details");
	json_builder_begin_array(b);
	/* hawkBit takes at most 50 messages per status */
	for (guint i = 0; details != NULL && details[i] != NULL && i < 50; i++)
		json_builder_add_string_value(b, details[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *
hb_ddi_config_data(GHashTable *attributes)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GList) keys =
	    g_list_sort(g_hash_table_get_keys(attributes), (GCompareFunc)g_strcmp0);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, "merge");
	json_builder_set_member_name(b, "data");
	json_builder_begin_object(b);
	for (GList *l = keys; l != NULL; l = l->next) {
		json_builder_set_member_name(b, l->data);
		json_builder_add_string_value(b, g_hash_table_lookup(attributes, l->data));
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
