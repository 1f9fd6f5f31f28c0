/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-hex.h"
#include "package/dfud-package-private.h"
#include "test-package-util.h"

GBytes *
load_fixture(const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, name, NULL);
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

/* a zip of @items written by libarchive, stored or deflated */
GBytes *
make_zip(const ZipItem *items, guint n_items, gboolean deflate)
{
	struct archive *a = archive_write_new();
	gsize cap = 64 * 1024;
	gsize used = 0;
	guint8 *buf;

	for (guint i = 0; i < n_items; i++)
		cap += g_bytes_get_size(items[i].data) + 1024;
	buf = g_malloc0(cap);
	g_assert_cmpint(archive_write_set_format_zip(a), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_options(a, deflate ? "zip:compression=deflate"
							     : "zip:compression=store"),
			==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_memory(a, buf, cap, &used), ==, ARCHIVE_OK);
	for (guint i = 0; i < n_items; i++) {
		struct archive_entry *entry = archive_entry_new();
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(items[i].data, &len);

		archive_entry_set_pathname(entry, items[i].name);
		archive_entry_set_mtime(entry, 1735689600, 0);
		if (items[i].symlink) {
			archive_entry_set_filetype(entry, AE_IFLNK);
			archive_entry_set_symlink(entry, "target.bin");
			archive_entry_set_size(entry, 0);
		} else {
			archive_entry_set_filetype(entry, AE_IFREG);
			archive_entry_set_size(entry, (la_int64_t)len);
		}
		archive_entry_set_perm(entry, 0644);
		g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
		if (!items[i].symlink && len > 0)
			g_assert_cmpint(archive_write_data(a, d, len), ==, (la_ssize_t)len);
		archive_entry_free(entry);
	}
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

GBytes *
str_bytes(const gchar *str)
{
	return g_bytes_new(str, strlen(str));
}

/* a zip with manifest.json (@manifest) and the 1k image under each name in @names */
GBytes *
make_package(const gchar *manifest, const gchar *const *names)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GBytes) man = manifest != NULL ? str_bytes(manifest) : NULL;
	ZipItem items[8];
	guint n = 0;

	for (; names != NULL && names[n] != NULL; n++) {
		g_assert_cmpuint(n, <, G_N_ELEMENTS(items) - 1);
		items[n] = (ZipItem){names[n], img, FALSE};
	}
	if (man != NULL)
		items[n++] = (ZipItem){"manifest.json", man, FALSE};
	return make_zip(items, n, FALSE);
}

/* one application file "app.bin" of the 1k image with @fields added */
gchar *
manifest_one(const gchar *fields)
{
	return g_strdup_printf("{\"format-version\": 1, \"name\": \"t\", \"files\": [{\"file\": "
			       "\"app.bin\", \"size\": %u, \"type\": \"application\"%s%s}]}",
			       IMG_1K_SIZE, fields[0] != '\0' ? ", " : "", fields);
}

void
assert_fails(GBytes *data, GQuark domain, gint code, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = dfud_package_new_from_bytes(data, &error);

	g_assert_null(package);
	g_assert_error(error, domain, code);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, needle));
}

DfudPackage *
assert_parses(GBytes *data)
{
	g_autoptr(GError) error = NULL;
	DfudPackage *package = dfud_package_new_from_bytes(data, &error);

	g_assert_no_error(error);
	g_assert_nonnull(package);
	return package;
}

DfudPackageEntry *
entry_at(DfudPackage *package, guint idx)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	g_assert_cmpuint(idx, <, entries->len);
	return g_ptr_array_index(entries, idx);
}

void
assert_entry_hash(DfudPackageEntry *entry, const gchar *want)
{
	g_autofree gchar *got =
	    dfud_hex_encode_bytes(dfud_image_get_hash(dfud_package_entry_get_image(entry)));
	g_assert_cmpstr(got, ==, want);
}
