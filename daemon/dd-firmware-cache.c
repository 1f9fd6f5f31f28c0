/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFirmwareCache"

#include "config.h"

#include <string.h>

#include "dd-firmware-cache.h"
#include "dfud-hex.h"

typedef struct {
	DdFirmwareCache *cache; /* borrowed: the cache drops its weak references first */
	GBytes *firmware;
	gchar *sha256;
	DfudPackage *package; /* weak */
} DdFirmwareEntry;

struct _DdFirmwareCache {
	GObject parent_instance;
	GPtrArray *entries; /* of DdFirmwareEntry */
};

G_DEFINE_TYPE(DdFirmwareCache, dd_firmware_cache, G_TYPE_OBJECT)

static void
entry_free(DdFirmwareEntry *entry)
{
	g_bytes_unref(entry->firmware);
	g_free(entry->sha256);
	g_free(entry);
}

static void
package_gone(gpointer data, GObject *where_the_package_was)
{
	DdFirmwareEntry *entry = data;

	g_ptr_array_remove_fast(entry->cache->entries, entry);
	entry_free(entry);
}

/* the content's SHA-256: the image's own file hash when the content is one bare image */
static gchar *
content_sha256(DfudPackage *package, GBytes *firmware)
{
	GPtrArray *entries = dfud_package_get_entries(package);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(firmware, &len);

	if (entries->len == 1) {
		DfudImage *image = dfud_package_entry_get_image(g_ptr_array_index(entries, 0));
		GBytes *blob = dfud_image_get_bytes(image);
		GBytes *sha256 = dfud_image_get_file_sha256(image);

		if (blob != NULL && sha256 != NULL && g_bytes_get_size(sha256) == 32 &&
		    g_bytes_get_data(blob, NULL) == (gconstpointer)data &&
		    dfud_image_get_size(image) == len) {
			return dfud_hex_encode_bytes(sha256);
		}
	}
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

static DdFirmwareEntry *
find_content(DdFirmwareCache *self, GBytes *firmware)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(firmware, &len);

	for (guint i = 0; i < self->entries->len; i++) {
		DdFirmwareEntry *entry = g_ptr_array_index(self->entries, i);
		gsize entry_len = 0;
		const guint8 *entry_data = g_bytes_get_data(entry->firmware, &entry_len);

		if (entry->firmware == firmware)
			return entry;
		if (entry_len == len &&
		    (len == 0 || entry_data == data || memcmp(entry_data, data, len) == 0))
			return entry;
	}
	return NULL;
}

DfudPackage *
dd_firmware_cache_get_package(DdFirmwareCache *self, GBytes *firmware, gchar **sha256,
			      GError **error)
{
	DdFirmwareEntry *entry;
	g_autoptr(DfudPackage) package = NULL;

	g_return_val_if_fail(DD_IS_FIRMWARE_CACHE(self), NULL);
	g_return_val_if_fail(firmware != NULL, NULL);

	entry = find_content(self, firmware);
	if (entry == NULL) {
		package = dfud_package_new_from_bytes(firmware, error);
		if (package == NULL)
			return NULL;
		entry = g_new0(DdFirmwareEntry, 1);
		entry->cache = self;
		entry->firmware = g_bytes_ref(firmware);
		entry->sha256 = content_sha256(package, firmware);
		entry->package = package;
		g_object_weak_ref(G_OBJECT(package), package_gone, entry);
		g_ptr_array_add(self->entries, entry);
	} else {
		package = g_object_ref(entry->package);
	}
	if (sha256 != NULL)
		*sha256 = g_strdup(entry->sha256);
	return g_steal_pointer(&package);
}

DfudPackage *
dd_firmware_cache_lookup_sha256(DdFirmwareCache *self, const gchar *sha256)
{
	g_return_val_if_fail(DD_IS_FIRMWARE_CACHE(self), NULL);

	for (guint i = 0; sha256 != NULL && i < self->entries->len; i++) {
		DdFirmwareEntry *entry = g_ptr_array_index(self->entries, i);
		if (g_ascii_strcasecmp(entry->sha256, sha256) == 0)
			return g_object_ref(entry->package);
	}
	return NULL;
}

GPtrArray *
dd_firmware_cache_get_contents(DdFirmwareCache *self)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	g_return_val_if_fail(DD_IS_FIRMWARE_CACHE(self), out);
	for (guint i = 0; i < self->entries->len; i++) {
		DdFirmwareEntry *entry = g_ptr_array_index(self->entries, i);
		g_ptr_array_add(out, g_bytes_ref(entry->firmware));
	}
	return out;
}

guint
dd_firmware_cache_get_size(DdFirmwareCache *self)
{
	g_return_val_if_fail(DD_IS_FIRMWARE_CACHE(self), 0);
	return self->entries->len;
}

static void
dd_firmware_cache_finalize(GObject *object)
{
	DdFirmwareCache *self = DD_FIRMWARE_CACHE(object);

	for (guint i = 0; i < self->entries->len; i++) {
		DdFirmwareEntry *entry = g_ptr_array_index(self->entries, i);
		g_object_weak_unref(G_OBJECT(entry->package), package_gone, entry);
		entry_free(entry);
	}
	g_ptr_array_unref(self->entries);
	G_OBJECT_CLASS(dd_firmware_cache_parent_class)->finalize(object);
}

static void
dd_firmware_cache_class_init(DdFirmwareCacheClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dd_firmware_cache_finalize;
}

static void
dd_firmware_cache_init(DdFirmwareCache *self)
{
	self->entries = g_ptr_array_new();
}

DdFirmwareCache *
dd_firmware_cache_new(void)
{
	return g_object_new(DD_TYPE_FIRMWARE_CACHE, NULL);
}
