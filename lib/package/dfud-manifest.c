/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudPackage"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-manifest.h"

/* longest `file` name accepted (a zip name of any sane build output is far shorter) */
#define DFUD_MANIFEST_FILE_NAME_MAX 255u
/* MCUboot numbers its images with a byte at most */
#define DFUD_MANIFEST_IMAGE_INDEX_MAX 255u

static void
dfud_manifest_file_free(DfudManifestFile *file)
{
	if (file == NULL)
		return;
	g_free(file->file);
	g_free(file->board);
	g_free(file->soc);
	g_free(file->version);
	g_free(file->version_mcuboot);
	g_free(file->version_mcuboot_xip);
	g_free(file->version_b0);
	g_free(file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudManifestFile, dfud_manifest_file_free)

void
dfud_manifest_free(DfudManifest *self)
{
	if (self == NULL)
		return;
	g_free(self->name);
	if (self->files != NULL)
		g_ptr_array_unref(self->files);
	g_free(self);
}

const gchar *
dfud_manifest_file_type_to_string(DfudManifestFileType type)
{
	switch (type) {
	case DFUD_MANIFEST_FILE_TYPE_APPLICATION:
		return "application";
	case DFUD_MANIFEST_FILE_TYPE_MCUBOOT:
		return "mcuboot";
	default:
		return "unknown";
	}
}

gboolean
dfud_manifest_file_name_is_valid(const gchar *name)
{
	gsize len;

	if (name == NULL || name[0] == '\0')
		return FALSE;
	len = strlen(name);
	if (len > DFUD_MANIFEST_FILE_NAME_MAX)
		return FALSE;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return FALSE;
	if (!g_utf8_validate(name, (gssize)len, NULL))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)name[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			return FALSE;
	}
	return TRUE;
}

/* JSON's number grammar, plus a bare 0x literal (json-glib reads those, and such files exist) */
static gboolean
dfud_manifest_number_is_valid(const gchar *tok, gsize len)
{
	gsize i = 0;
	gsize int_start;

	if (len > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		if (len > 2 + 16)
			return FALSE;
		for (i = 2; i < len; i++) {
			if (!g_ascii_isxdigit(tok[i]))
				return FALSE;
		}
		return TRUE;
	}
	if (i < len && tok[i] == '-')
		i++;
	int_start = i;
	if (i < len && tok[i] == '0') {
		i++;
	} else {
		while (i < len && g_ascii_isdigit(tok[i]))
			i++;
	}
	if (i == int_start)
		return FALSE;
	/* json-glib wraps integers beyond 64 bits without a word: keep them within gint64 */
	if (i - int_start > 19 ||
	    (i - int_start == 19 && strncmp(tok + int_start, "9223372036854775807", 19) > 0))
		return FALSE;
	if (i < len && tok[i] == '.') {
		gsize frac = ++i;
		while (i < len && g_ascii_isdigit(tok[i]))
			i++;
		if (i == frac)
			return FALSE;
	}
	if (i < len && (tok[i] == 'e' || tok[i] == 'E')) {
		gsize exp;
		i++;
		if (i < len && (tok[i] == '+' || tok[i] == '-'))
			i++;
		exp = i;
		while (i < len && g_ascii_isdigit(tok[i]))
			i++;
		if (i == exp)
			return FALSE;
	}
	return i == len;
}

/*
 * Checks what json-glib lets through: it recurses once per nesting level (so deep documents
 * are refused first), reads octal "010" or 20-digit integers without complaint, and parses
 * (and on error leaks) further values after the first. The text must be one object.
 */
static gboolean
dfud_manifest_check_text(const gchar *data, gsize len, GError **error)
{
	guint depth = 0;
	gboolean in_string = FALSE;
	gboolean escaped = FALSE;
	gboolean started = FALSE;
	gboolean finished = FALSE;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_string) {
			if (escaped)
				escaped = FALSE;
			else if (c == '\\')
				escaped = TRUE;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (finished) {
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json holds data after its JSON object");
			return FALSE;
		}
		if (!started) {
			if (c != '{') {
				g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
						    "manifest.json is not a JSON object");
				return FALSE;
			}
			started = TRUE;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > DFUD_MANIFEST_MAX_DEPTH) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json nests deeper than %u levels",
					    DFUD_MANIFEST_MAX_DEPTH);
				return FALSE;
			}
		} else if (c == ']' || c == '}') {
			if (--depth == 0)
				finished = TRUE;
		} else if (c == '-' || g_ascii_isdigit(c)) {
			gsize end = i;
			while (end < len && (g_ascii_isalnum(data[end]) || data[end] == '.' ||
					     data[end] == '+' || data[end] == '-'))
				end++;
			if (!dfud_manifest_number_is_valid(data + i, end - i)) {
				g_autofree gchar *tok = g_strndup(data + i, MIN(end - i, 32));
				g_autofree gchar *esc = g_strescape(tok, NULL);
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json: invalid number %s", esc);
				return FALSE;
			}
			i = end - 1;
		}
	}
	return TRUE;
}

/* "123" or "0x1f" (no sign, no spaces), at most @max */
static gboolean
dfud_manifest_parse_uint_string(const gchar *str, guint64 max, guint64 *value)
{
	const gchar *p = str;
	guint base = 10;
	guint64 v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return FALSE;
	for (; *p != '\0'; p++) {
		gint digit = base == 16 ? g_ascii_xdigit_value(*p) : g_ascii_digit_value(*p);
		if (digit < 0)
			return FALSE;
		if (v > (max - (guint64)digit) / base)
			return FALSE;
		v = v * base + (guint64)digit;
	}
	*value = v;
	return TRUE;
}

/*
 * Reads an unsigned number given as a JSON integer, a decimal string or a "0x" string.
 * @present is set to FALSE (and TRUE returned) when @key is absent.
 */
static gboolean
dfud_manifest_get_uint(JsonObject *obj, const gchar *where, const gchar *key, guint64 max,
		       gboolean *present, guint64 *value, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	GType vtype;

	*present = FALSE;
	if (node == NULL)
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(node)) {
		vtype = json_node_get_value_type(node);
		if (vtype == G_TYPE_INT64) {
			gint64 v = json_node_get_int(node);
			if (v < 0 || (guint64)v > max) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json: %s: %s %" G_GINT64_FORMAT
					    " is out of range",
					    where, key, v);
				return FALSE;
			}
			*value = (guint64)v;
			*present = TRUE;
			return TRUE;
		}
		if (vtype == G_TYPE_STRING) {
			const gchar *str = json_node_get_string(node);
			if (!dfud_manifest_parse_uint_string(str, max, value)) {
				g_autofree gchar *esc = g_strescape(str, NULL);
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json: %s: %s \"%s\" is not a number in range",
					    where, key, esc);
				return FALSE;
			}
			*present = TRUE;
			return TRUE;
		}
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
		    "manifest.json: %s: %s must be an integer or a string holding one", where, key);
	return FALSE;
}

/* an optional string member; @allow_number turns a JSON integer into its decimal string */
static gboolean
dfud_manifest_get_string(JsonObject *obj, const gchar *where, const gchar *key,
			 gboolean allow_number, gchar **value, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	if (node == NULL)
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(node)) {
		GType vtype = json_node_get_value_type(node);
		if (vtype == G_TYPE_STRING) {
			*value = g_strdup(json_node_get_string(node));
			return TRUE;
		}
		if (allow_number && vtype == G_TYPE_INT64) {
			*value = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
			return TRUE;
		}
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
		    "manifest.json: %s: %s must be a string", where, key);
	return FALSE;
}

static DfudManifestFile *
dfud_manifest_parse_file(JsonNode *node, guint idx, GError **error)
{
	g_autoptr(DfudManifestFile) file = g_new0(DfudManifestFile, 1);
	g_autofree gchar *where = g_strdup_printf("files[%u]", idx);
	g_autofree gchar *type = NULL;
	JsonObject *obj;
	gboolean present = FALSE;
	guint64 v = 0;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s is not an object", where);
		return NULL;
	}
	obj = json_node_get_object(node);

	if (!dfud_manifest_get_string(obj, where, "file", FALSE, &file->file, error))
		return NULL;
	if (file->file == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s has no file", where);
		return NULL;
	}
	if (!dfud_manifest_file_name_is_valid(file->file)) {
		g_autofree gchar *esc = g_strescape(file->file, NULL);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s: file \"%s\" is not a plain file name", where, esc);
		return NULL;
	}
	/* from here on name the file, not its index */
	g_free(where);
	where = g_strdup_printf("files[%u] \"%s\"", idx, file->file);

	if (!dfud_manifest_get_uint(obj, where, "size", G_MAXUINT64, &present, &file->size, error))
		return NULL;
	if (!present) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s has no size", where);
		return NULL;
	}

	if (!dfud_manifest_get_string(obj, where, "type", FALSE, &type, error))
		return NULL;
	if (type == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s has no type", where);
		return NULL;
	}
	if (g_strcmp0(type, "application") == 0) {
		file->type = DFUD_MANIFEST_FILE_TYPE_APPLICATION;
	} else if (g_strcmp0(type, "mcuboot") == 0) {
		file->type = DFUD_MANIFEST_FILE_TYPE_MCUBOOT;
	} else {
		g_autofree gchar *esc = g_strescape(type, NULL);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: %s: unsupported manifest file type \"%s\"", where, esc);
		return NULL;
	}

	if (!dfud_manifest_get_string(obj, where, "board", FALSE, &file->board, error) ||
	    !dfud_manifest_get_string(obj, where, "soc", FALSE, &file->soc, error) ||
	    !dfud_manifest_get_string(obj, where, "version", TRUE, &file->version, error) ||
	    !dfud_manifest_get_string(obj, where, "version_MCUBOOT", FALSE, &file->version_mcuboot,
				      error) ||
	    !dfud_manifest_get_string(obj, where, "version_MCUBOOT+XIP", FALSE,
				      &file->version_mcuboot_xip, error) ||
	    !dfud_manifest_get_string(obj, where, "version_B0", TRUE, &file->version_b0, error))
		return NULL;

	if (!dfud_manifest_get_uint(obj, where, "load_address", G_MAXUINT64,
				    &file->has_load_address, &file->load_address, error))
		return NULL;
	if (!dfud_manifest_get_uint(obj, where, "image_index", DFUD_MANIFEST_IMAGE_INDEX_MAX,
				    &file->has_image_index, &v, error))
		return NULL;
	file->image_index = file->has_image_index ? (guint)v : 0;
	if (!dfud_manifest_get_uint(obj, where, "slot", G_MAXUINT32, &file->has_slot, &v, error))
		return NULL;
	file->slot = file->has_slot ? (guint)v : 0;

	return g_steal_pointer(&file);
}

static gboolean
dfud_manifest_parse_root(DfudManifest *self, JsonNode *root, GError **error)
{
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	JsonObject *obj;
	JsonNode *node;
	JsonArray *files;
	guint n_files;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json is not a JSON object");
		return FALSE;
	}
	obj = json_node_get_object(root);

	node = json_object_get_member(obj, "format-version");
	if (node == NULL) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json has no format-version");
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json: format-version must be a number");
		return FALSE;
	}
	if (json_node_get_int(node) != 0 && json_node_get_int(node) != 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: unsupported format-version %" G_GINT64_FORMAT
			    " (0 and 1 are known)",
			    json_node_get_int(node));
		return FALSE;
	}
	self->format_version = (gint)json_node_get_int(node);

	if (!dfud_manifest_get_string(obj, "top level", "name", FALSE, &self->name, error))
		return FALSE;

	node = json_object_get_member(obj, "files");
	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json has no files array");
		return FALSE;
	}
	files = json_node_get_array(node);
	n_files = json_array_get_length(files);
	if (n_files == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json lists no files");
		return FALSE;
	}
	if (n_files > DFUD_MANIFEST_MAX_FILES) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json lists %u files, at most %u are accepted", n_files,
			    DFUD_MANIFEST_MAX_FILES);
		return FALSE;
	}
	for (guint i = 0; i < n_files; i++) {
		DfudManifestFile *file =
		    dfud_manifest_parse_file(json_array_get_element(files, i), i, error);
		if (file == NULL)
			return FALSE;
		g_ptr_array_add(self->files, file);
		if (!g_hash_table_add(names, file->file)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json lists file \"%s\" twice", file->file);
			return FALSE;
		}
	}
	return TRUE;
}

DfudManifest *
dfud_manifest_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(DfudManifest) self = NULL;
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *copy = NULL;

	g_return_val_if_fail(data != NULL || len == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (len == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json is empty");
		return NULL;
	}
	if (len > DFUD_MANIFEST_MAX_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json is %" G_GSIZE_FORMAT " bytes, at most %u are accepted",
			    len, DFUD_MANIFEST_MAX_SIZE);
		return NULL;
	}
	if (!dfud_manifest_check_text(data, len, error))
		return NULL;

	/* json-glib wants NUL-terminated text; the file may hold NUL bytes of its own */
	copy = g_malloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, copy, (gssize)len, &error_local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json is not valid JSON: %s", error_local->message);
		return NULL;
	}

	self = g_new0(DfudManifest, 1);
	self->files = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_manifest_file_free);
	if (!dfud_manifest_parse_root(self, json_parser_get_root(parser), error))
		return NULL;
	return g_steal_pointer(&self);
}
