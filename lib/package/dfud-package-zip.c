/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudPackage"

#include "config.h"

#include <archive.h>
#include <archive_entry.h>

#include "dfud-error.h"
#include "dfud-manifest.h"
#include "dfud-package-private.h"

typedef struct archive DfudArchive;

static void
dfud_archive_free(DfudArchive *a)
{
	archive_read_free(a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudArchive, dfud_archive_free)

void
dfud_zip_entry_free(DfudZipEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->name);
	if (entry->data != NULL)
		g_bytes_unref(entry->data);
	g_free(entry);
}

static const gchar *
dfud_archive_error(DfudArchive *a)
{
	const gchar *msg = archive_error_string(a);
	return msg != NULL ? msg : "unknown error";
}

/* reads the data of the current entry: exactly @size bytes, then the end (checks the CRC) */
static GBytes *
dfud_package_zip_read_data(DfudArchive *a, const gchar *name, gsize size, GError **error)
{
	g_autofree guint8 *buf = size > 0 ? g_malloc(size) : NULL;
	guint8 scratch[64];
	gsize off = 0;

	for (;;) {
		la_ssize_t n;

		if (off < size)
			n = archive_read_data(a, buf + off, size - off);
		else
			n = archive_read_data(a, scratch, sizeof(scratch));
		if (n < 0) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "zip entry \"%s\": %s", name, dfud_archive_error(a));
			return NULL;
		}
		if (n == 0)
			break;
		if (off >= size) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "zip entry \"%s\" holds more than its declared %" G_GSIZE_FORMAT
				    " bytes",
				    name, size);
			return NULL;
		}
		off += (gsize)n;
	}
	if (off != size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "zip entry \"%s\" holds %" G_GSIZE_FORMAT
			    " bytes, its header declares %" G_GSIZE_FORMAT,
			    name, off, size);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&buf), size);
}

/* checks the header of the current entry; returns its size */
static gboolean
dfud_package_zip_check_entry(struct archive_entry *entry, const gchar *name, gsize room,
			     gsize *size, GError **error)
{
	la_int64_t declared;

	if (archive_entry_filetype(entry) != AE_IFREG) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "zip entry \"%s\" is not a regular file", name);
		return FALSE;
	}
	if (archive_entry_is_encrypted(entry)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "zip entry \"%s\" is encrypted", name);
		return FALSE;
	}
	if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "zip entry \"%s\" does not declare its size", name);
		return FALSE;
	}
	declared = archive_entry_size(entry);
	if ((guint64)declared > room) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "zip entry \"%s\" declares %" G_GINT64_FORMAT
			    " bytes: the package would exceed %" G_GSIZE_FORMAT
			    " uncompressed bytes",
			    name, (gint64)declared, room);
		return FALSE;
	}
	if (g_strcmp0(name, "manifest.json") == 0 && declared > DFUD_MANIFEST_MAX_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json is %" G_GINT64_FORMAT " bytes, at most %u are accepted",
			    (gint64)declared, DFUD_MANIFEST_MAX_SIZE);
		return FALSE;
	}
	*size = (gsize)declared;
	return TRUE;
}

GPtrArray *
dfud_package_zip_read(GBytes *zip, gsize max_size, GError **error)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)dfud_zip_entry_free);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(DfudArchive) a = archive_read_new();
	gsize total = 0;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(zip, &len);

	if (a == NULL) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_FAILED,
				    "cannot allocate a zip reader");
		return NULL;
	}
	/* zip only, read through its central directory; no other formats, no filters */
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "not a readable zip: %s",
			    dfud_archive_error(a));
		return NULL;
	}
	for (;;) {
		g_autoptr(DfudZipEntry) ze = NULL;
		struct archive_entry *entry = NULL;
		const gchar *name;
		gsize size = 0;
		int r = archive_read_next_header(a, &entry);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "malformed zip: %s", dfud_archive_error(a));
			return NULL;
		}
		if (entries->len >= DFUD_PACKAGE_MAX_ENTRIES) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "zip holds more than %u entries", DFUD_PACKAGE_MAX_ENTRIES);
			return NULL;
		}
		name = archive_entry_pathname(entry);
		if (!dfud_manifest_file_name_is_valid(name)) {
			g_autofree gchar *esc = name != NULL ? g_strescape(name, NULL) : NULL;
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "zip entry \"%s\" is not a plain file name",
				    esc != NULL ? esc : "(none)");
			return NULL;
		}
		if (g_hash_table_contains(names, name)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "zip holds entry \"%s\" twice", name);
			return NULL;
		}
		if (!dfud_package_zip_check_entry(entry, name, max_size - total, &size, error))
			return NULL;

		ze = g_new0(DfudZipEntry, 1);
		ze->name = g_strdup(name);
		ze->data = dfud_package_zip_read_data(a, ze->name, size, error);
		if (ze->data == NULL)
			return NULL;
		total += size;
		g_hash_table_add(names, ze->name);
		g_ptr_array_add(entries, g_steal_pointer(&ze));
	}
	return g_steal_pointer(&entries);
}
