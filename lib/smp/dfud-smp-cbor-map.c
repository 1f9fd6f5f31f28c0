/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-smp-cbor-map.h"

/* "key \"off\"" for messages; keys are the codec's own short constants */
#define DFUD_SMP_KEY_WHAT_MAX 80

/* libcbor 0.8's cbor_is_bool / cbor_is_null / cbor_is_undef assert (abort) when given a float,
 * so every simple-value test goes through this first */
static gboolean
is_ctrl(const cbor_item_t *item, guint8 value)
{
	return cbor_isa_float_ctrl(item) && cbor_float_ctrl_is_ctrl(item) &&
	       cbor_ctrl_value(item) == value;
}

static gboolean
is_bool(const cbor_item_t *item)
{
	return is_ctrl(item, CBOR_CTRL_TRUE) || is_ctrl(item, CBOR_CTRL_FALSE);
}

const gchar *
dfud_smp_cbor_type_name(const cbor_item_t *item)
{
	if (item == NULL)
		return "nothing";
	switch (cbor_typeof(item)) {
	case CBOR_TYPE_UINT:
		return "unsigned integer";
	case CBOR_TYPE_NEGINT:
		return "negative integer";
	case CBOR_TYPE_BYTESTRING:
		return "byte string";
	case CBOR_TYPE_STRING:
		return "text string";
	case CBOR_TYPE_ARRAY:
		return "array";
	case CBOR_TYPE_MAP:
		return "map";
	case CBOR_TYPE_TAG:
		return "tag";
	case CBOR_TYPE_FLOAT_CTRL:
		if (!cbor_float_ctrl_is_ctrl(item))
			return "float";
		if (is_bool(item))
			return "bool";
		if (is_ctrl(item, CBOR_CTRL_NULL))
			return "null";
		if (is_ctrl(item, CBOR_CTRL_UNDEF))
			return "undefined";
		return "simple value";
	default:
		return "unknown type";
	}
}

static gboolean
wrong_type(const cbor_item_t *item, const gchar *what, const gchar *expected, GError **error)
{
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "%s: expected %s, got %s", what,
		    expected, dfud_smp_cbor_type_name(item));
	return FALSE;
}

gboolean
dfud_smp_cbor_item_get_uint(const cbor_item_t *item, const gchar *what, guint64 max, guint64 *value,
			    GError **error)
{
	guint64 v;

	if (item == NULL || !cbor_isa_uint(item))
		return wrong_type(item, what, "unsigned integer", error);
	v = cbor_get_int(item);
	if (v > max) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: value %" G_GUINT64_FORMAT " is larger than %" G_GUINT64_FORMAT,
			    what, v, max);
		return FALSE;
	}
	*value = v;
	return TRUE;
}

gboolean
dfud_smp_cbor_item_get_int(const cbor_item_t *item, const gchar *what, gint64 min, gint64 max,
			   gint64 *value, GError **error)
{
	guint64 raw;

	if (item == NULL || !cbor_is_int(item))
		return wrong_type(item, what, "integer", error);
	raw = cbor_get_int(item);
	if (cbor_isa_uint(item)) {
		if (max < 0 || raw > (guint64)max) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "%s: value %" G_GUINT64_FORMAT
				    " is larger than %" G_GINT64_FORMAT,
				    what, raw, max);
			return FALSE;
		}
		*value = (gint64)raw;
		return TRUE;
	}
	/* a negative integer encodes -1 - raw; compare without overflowing gint64 */
	if (min >= 0 || raw > (guint64)(-(min + 1))) {
		if (raw >= (guint64)G_MAXINT64) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "%s: value -1-%" G_GUINT64_FORMAT
				    " is smaller than %" G_GINT64_FORMAT,
				    what, raw, min);
		} else {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "%s: value %" G_GINT64_FORMAT
				    " is smaller than %" G_GINT64_FORMAT,
				    what, -1 - (gint64)raw, min);
		}
		return FALSE;
	}
	if (max < -1 - (gint64)raw) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: value %" G_GINT64_FORMAT " is larger than %" G_GINT64_FORMAT, what,
			    -1 - (gint64)raw, max);
		return FALSE;
	}
	*value = -1 - (gint64)raw;
	return TRUE;
}

gboolean
dfud_smp_cbor_item_get_bool(const cbor_item_t *item, const gchar *what, gboolean *value,
			    GError **error)
{
	if (item == NULL || !is_bool(item))
		return wrong_type(item, what, "bool", error);
	*value = is_ctrl(item, CBOR_CTRL_TRUE);
	return TRUE;
}

gboolean
dfud_smp_cbor_item_get_text(const cbor_item_t *item, const gchar *what, gsize max_len,
			    gchar **value, GError **error)
{
	const gchar *data;
	gsize len;

	if (item == NULL || !cbor_isa_string(item) || !cbor_string_is_definite(item))
		return wrong_type(item, what, "text string", error);
	len = cbor_string_length(item);
	data = (const gchar *)cbor_string_handle(item);
	if (len > max_len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: text of %" G_GSIZE_FORMAT " bytes is longer than %" G_GSIZE_FORMAT,
			    what, len, max_len);
		return FALSE;
	}
	if (len > 0 && (data == NULL || !g_utf8_validate_len(data, len, NULL))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: text is not valid UTF-8 or contains a NUL byte", what);
		return FALSE;
	}
	*value = len > 0 ? g_strndup(data, len) : g_strdup("");
	return TRUE;
}

gboolean
dfud_smp_cbor_item_get_bytes(const cbor_item_t *item, const gchar *what, gsize max_len,
			     GBytes **value, GError **error)
{
	gsize len;

	if (item == NULL || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
		return wrong_type(item, what, "byte string", error);
	len = cbor_bytestring_length(item);
	if (len > max_len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: %" G_GSIZE_FORMAT " bytes is longer than %" G_GSIZE_FORMAT, what,
			    len, max_len);
		return FALSE;
	}
	if (len > 0 && cbor_bytestring_handle(item) == NULL)
		return wrong_type(item, what, "byte string", error);
	*value = g_bytes_new(len > 0 ? cbor_bytestring_handle(item) : NULL, len);
	return TRUE;
}

gboolean
dfud_smp_cbor_item_check_map(const cbor_item_t *item, const gchar *what, GError **error)
{
	if (item == NULL || !cbor_isa_map(item))
		return wrong_type(item, what, "map", error);
	return TRUE;
}

gboolean
dfud_smp_cbor_item_check_array(const cbor_item_t *item, const gchar *what, GError **error)
{
	if (item == NULL || !cbor_isa_array(item))
		return wrong_type(item, what, "array", error);
	for (gsize i = 0; i < cbor_array_size(item); i++) {
		if (cbor_array_handle(item)[i] == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "%s: element %" G_GSIZE_FORMAT " is missing", what, i);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
key_is_text(const cbor_item_t *key)
{
	return key != NULL && cbor_isa_string(key) && cbor_string_is_definite(key) &&
	       (cbor_string_length(key) == 0 || cbor_string_handle(key) != NULL);
}

static gboolean
key_equals(const cbor_item_t *key, const gchar *name, gsize name_len)
{
	return key_is_text(key) && cbor_string_length(key) == name_len &&
	       (name_len == 0 || memcmp(cbor_string_handle(key), name, name_len) == 0);
}

static gint
key_compare(gconstpointer a, gconstpointer b)
{
	const cbor_item_t *ka = *(const cbor_item_t *const *)a;
	const cbor_item_t *kb = *(const cbor_item_t *const *)b;
	gsize la = cbor_string_length(ka);
	gsize lb = cbor_string_length(kb);
	gint cmp;

	if (la != lb)
		return la < lb ? -1 : 1;
	if (la == 0)
		return 0;
	cmp = memcmp(cbor_string_handle(ka), cbor_string_handle(kb), la);
	return cmp;
}

/* O(n log n): sorts the keys to find duplicates, maps can hold thousands of pairs */
gboolean
dfud_smp_cbor_map_validate(const cbor_item_t *map, GError **error)
{
	struct cbor_pair *pairs;
	gsize n;
	g_autofree const cbor_item_t **keys = NULL;

	if (!dfud_smp_cbor_item_check_map(map, "body", error))
		return FALSE;
	n = cbor_map_size(map);
	pairs = cbor_map_handle(map);
	if (n == 0)
		return TRUE;
	keys = g_new(const cbor_item_t *, n);
	for (gsize i = 0; i < n; i++) {
		if (!key_is_text(pairs[i].key)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "map key %" G_GSIZE_FORMAT " is not a text string but a %s", i,
				    dfud_smp_cbor_type_name(pairs[i].key));
			return FALSE;
		}
		if (pairs[i].value == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "map key %" G_GSIZE_FORMAT " has no value", i);
			return FALSE;
		}
		keys[i] = pairs[i].key;
	}
	qsort(keys, n, sizeof(keys[0]), key_compare);
	for (gsize i = 1; i < n; i++) {
		if (key_compare(&keys[i - 1], &keys[i]) == 0) {
			gsize len = cbor_string_length(keys[i]);
			g_autofree gchar *name =
			    len > 0 ? g_utf8_make_valid((const gchar *)cbor_string_handle(keys[i]),
							(gssize)MIN(len, 64))
				    : g_strdup("");
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "key \"%s\" appears twice", name);
			return FALSE;
		}
	}
	return TRUE;
}

/* TRUE with *value = NULL when the key is absent; FALSE when it appears twice */
gboolean
dfud_smp_cbor_map_find(const cbor_item_t *map, const gchar *key, const cbor_item_t **value,
		       GError **error)
{
	struct cbor_pair *pairs;
	gsize key_len;
	const cbor_item_t *found = NULL;
	gboolean seen = FALSE;

	g_return_val_if_fail(key != NULL, FALSE);
	g_return_val_if_fail(value != NULL, FALSE);

	*value = NULL;
	if (!dfud_smp_cbor_item_check_map(map, "body", error))
		return FALSE;
	key_len = strlen(key);
	pairs = cbor_map_handle(map);
	for (gsize i = 0; i < cbor_map_size(map); i++) {
		if (!key_equals(pairs[i].key, key, key_len))
			continue;
		if (seen) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "key \"%s\" appears twice", key);
			return FALSE;
		}
		if (pairs[i].value == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "key \"%s\" has no value", key);
			return FALSE;
		}
		seen = TRUE;
		found = pairs[i].value;
	}
	*value = found;
	return TRUE;
}

/* common prologue of the getters: TRUE + *item when present; TRUE + NULL when optional and
 * absent; FALSE on error */
static gboolean
lookup(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need, const cbor_item_t **item,
       gboolean *found, gchar *what, GError **error)
{
	if (!dfud_smp_cbor_map_find(map, key, item, error))
		return FALSE;
	if (found != NULL)
		*found = *item != NULL;
	if (*item == NULL && need == DFUD_SMP_CBOR_REQUIRED) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "missing key \"%s\"", key);
		return FALSE;
	}
	/* for the getters' error messages; built for every key read, so without printf */
	g_strlcpy(what, "key \"", DFUD_SMP_KEY_WHAT_MAX);
	g_strlcat(what, key, DFUD_SMP_KEY_WHAT_MAX - 1);
	g_strlcat(what, "\"", DFUD_SMP_KEY_WHAT_MAX);
	return TRUE;
}

gboolean
dfud_smp_cbor_map_get_uint(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			   guint64 max, guint64 *value, gboolean *found, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	if (!lookup(map, key, need, &item, found, what, error))
		return FALSE;
	return item == NULL || dfud_smp_cbor_item_get_uint(item, what, max, value, error);
}

gboolean
dfud_smp_cbor_map_get_int(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			  gint64 min, gint64 max, gint64 *value, gboolean *found, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	if (!lookup(map, key, need, &item, found, what, error))
		return FALSE;
	return item == NULL || dfud_smp_cbor_item_get_int(item, what, min, max, value, error);
}

gboolean
dfud_smp_cbor_map_get_bool(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			   gboolean *value, gboolean *found, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	if (!lookup(map, key, need, &item, found, what, error))
		return FALSE;
	return item == NULL || dfud_smp_cbor_item_get_bool(item, what, value, error);
}

/* *value is set to NULL when an optional key is absent */
gboolean
dfud_smp_cbor_map_get_text(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			   gsize max_len, gchar **value, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	*value = NULL;
	if (!lookup(map, key, need, &item, NULL, what, error))
		return FALSE;
	return item == NULL || dfud_smp_cbor_item_get_text(item, what, max_len, value, error);
}

/* *value is set to NULL when an optional key is absent */
gboolean
dfud_smp_cbor_map_get_bytes(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			    gsize max_len, GBytes **value, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	*value = NULL;
	if (!lookup(map, key, need, &item, NULL, what, error))
		return FALSE;
	return item == NULL || dfud_smp_cbor_item_get_bytes(item, what, max_len, value, error);
}

/* the nested map is validated (text keys, no duplicates); *value is NULL when absent */
gboolean
dfud_smp_cbor_map_get_map(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			  const cbor_item_t **value, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	*value = NULL;
	if (!lookup(map, key, need, &item, NULL, what, error))
		return FALSE;
	if (item == NULL)
		return TRUE;
	if (!dfud_smp_cbor_item_check_map(item, what, error))
		return FALSE;
	if (!dfud_smp_cbor_map_validate(item, error)) {
		g_prefix_error(error, "%s: ", what);
		return FALSE;
	}
	*value = item;
	return TRUE;
}

/* *value is NULL when absent */
gboolean
dfud_smp_cbor_map_get_array(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
			    const cbor_item_t **value, GError **error)
{
	const cbor_item_t *item;
	gchar what[DFUD_SMP_KEY_WHAT_MAX];

	*value = NULL;
	if (!lookup(map, key, need, &item, NULL, what, error))
		return FALSE;
	if (item == NULL)
		return TRUE;
	if (!dfud_smp_cbor_item_check_array(item, what, error))
		return FALSE;
	*value = item;
	return TRUE;
}
