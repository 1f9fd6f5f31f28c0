/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>
#include <glib.h>

G_BEGIN_DECLS

/*
 * Typed access to decoded (pre-checked) CBOR. Every failure is DFUD_ERROR_PROTOCOL with a message
 * naming the key: `missing key "off"`, `key "off": expected unsigned integer, got text string`,
 * `key "off": value 70000 is larger than 65535`, `key "off" appears twice`.
 *
 * Map getters: with DFUD_SMP_CBOR_REQUIRED a missing key is an error; with DFUD_SMP_CBOR_OPTIONAL
 * a missing key returns TRUE, sets *found (if given) to FALSE and leaves *value untouched.
 */
typedef enum {
	DFUD_SMP_CBOR_OPTIONAL,
	DFUD_SMP_CBOR_REQUIRED,
} DfudSmpCborNeed;

const gchar *dfud_smp_cbor_type_name(const cbor_item_t *item);

/* single items; `what` names the item in messages, e.g. "images[2]" */
gboolean dfud_smp_cbor_item_get_uint(const cbor_item_t *item, const gchar *what, guint64 max,
				     guint64 *value, GError **error);
gboolean dfud_smp_cbor_item_get_int(const cbor_item_t *item, const gchar *what, gint64 min,
				    gint64 max, gint64 *value, GError **error);
gboolean dfud_smp_cbor_item_get_bool(const cbor_item_t *item, const gchar *what, gboolean *value,
				     GError **error);
gboolean dfud_smp_cbor_item_get_text(const cbor_item_t *item, const gchar *what, gsize max_len,
				     gchar **value, GError **error);
gboolean dfud_smp_cbor_item_get_bytes(const cbor_item_t *item, const gchar *what, gsize max_len,
				      GBytes **value, GError **error);
gboolean dfud_smp_cbor_item_check_map(const cbor_item_t *item, const gchar *what, GError **error);
gboolean dfud_smp_cbor_item_check_array(const cbor_item_t *item, const gchar *what, GError **error);

/* a response map: every key a definite text string, no key twice, no key without value */
gboolean dfud_smp_cbor_map_validate(const cbor_item_t *map, GError **error);
gboolean dfud_smp_cbor_map_find(const cbor_item_t *map, const gchar *key, const cbor_item_t **value,
				GError **error);

gboolean dfud_smp_cbor_map_get_uint(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				    guint64 max, guint64 *value, gboolean *found, GError **error);
gboolean dfud_smp_cbor_map_get_int(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				   gint64 min, gint64 max, gint64 *value, gboolean *found,
				   GError **error);
gboolean dfud_smp_cbor_map_get_bool(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				    gboolean *value, gboolean *found, GError **error);
gboolean dfud_smp_cbor_map_get_text(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				    gsize max_len, gchar **value, GError **error);
gboolean dfud_smp_cbor_map_get_bytes(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				     gsize max_len, GBytes **value, GError **error);
gboolean dfud_smp_cbor_map_get_map(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				   const cbor_item_t **value, GError **error);
gboolean dfud_smp_cbor_map_get_array(const cbor_item_t *map, const gchar *key, DfudSmpCborNeed need,
				     const cbor_item_t **value, GError **error);

G_END_DECLS
