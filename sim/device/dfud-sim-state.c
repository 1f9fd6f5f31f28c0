/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-state.h"

void
dfud_sim_boot_state_init(DfudSimBootState *state, guint images, guint b0_active)
{
	memset(state, 0, sizeof(*state));
	state->images = MIN(images, DFUD_SIM_MAX_IMAGES);
	state->b0_active = b0_active;
	for (guint i = 0; i < DFUD_SIM_MAX_IMAGES; i++) {
		state->image[i].active = 0;
		state->image[i].confirmed = TRUE;
		state->image[i].pending = -1;
		state->image[i].permanent = FALSE;
	}
}

static gboolean
corrupt(GError **error, const gchar *path, const gchar *what)
{
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_FAILED, "device state %s: %s", path, what);
	return FALSE;
}

gboolean
dfud_sim_boot_state_load(DfudSimBootState *state, const gchar *path, guint images, guint b0_active,
			 gboolean *is_new, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;
	JsonArray *arr;

	dfud_sim_boot_state_init(state, images, b0_active);
	*is_new = FALSE;
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		*is_new = TRUE;
		return TRUE;
	}
	if (!json_parser_load_from_file(parser, path, error))
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return corrupt(error, path, "not a JSON object");
	root = json_node_get_object(json_parser_get_root(parser));
	if (!json_object_has_member(root, "images") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "images")))
		return corrupt(error, path, "no \"images\" array");
	arr = json_object_get_array_member(root, "images");
	if (json_array_get_length(arr) != images)
		return corrupt(error, path, "the number of images differs from --images");
	state->b0_active = json_object_get_int_member_with_default(root, "b0_active", 0) ? 1 : 0;
	for (guint i = 0; i < images; i++) {
		JsonNode *node = json_array_get_element(arr, i);
		JsonObject *o;
		gint64 active, pending;
		if (!JSON_NODE_HOLDS_OBJECT(node))
			return corrupt(error, path, "an image entry is not an object");
		o = json_node_get_object(node);
		active = json_object_get_int_member_with_default(o, "active", 0);
		pending = json_object_get_int_member_with_default(o, "pending", -1);
		if (active < 0 || active > 1 || pending < -1 || pending > 1)
			return corrupt(error, path, "slot number out of range");
		state->image[i].active = (guint)active;
		state->image[i].pending = (gint)pending;
		state->image[i].confirmed =
		    json_object_get_boolean_member_with_default(o, "confirmed", TRUE);
		state->image[i].permanent =
		    json_object_get_boolean_member_with_default(o, "permanent", FALSE);
	}
	return TRUE;
}

gboolean
dfud_sim_boot_state_save(const DfudSimBootState *state, const gchar *path, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "b0_active");
	json_builder_add_int_value(b, state->b0_active);
	json_builder_set_member_name(b, "images");
	json_builder_begin_array(b);
	for (guint i = 0; i < state->images; i++) {
		const DfudSimImageState *s = &state->image[i];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "active");
		json_builder_add_int_value(b, s->active);
		json_builder_set_member_name(b, "confirmed");
		json_builder_add_boolean_value(b, s->confirmed);
		json_builder_set_member_name(b, "pending");
		json_builder_add_int_value(b, s->pending);
		json_builder_set_member_name(b, "permanent");
		json_builder_add_boolean_value(b, s->permanent);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	return g_file_set_contents(path, text, -1, error);
}
