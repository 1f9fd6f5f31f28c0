/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An action's artifacts as the one file Device.Update takes (see hb-package.h).
 */
#define G_LOG_DOMAIN "HbPackage"

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dfud-error.h"
#include "hb-package.h"
#include "dfud-package.h"

/* the highest MCUboot image number taken from metadata (MCUboot builds have a few) */
#define MAX_IMAGE 15

gchar *
hb_package_error_text(const GError *error)
{
	return g_strdup_printf("org.dfud.Dfu1.Error.%s: %s", dfud_error_name(error),
			       error->message);
}

static gboolean
has_suffix(const gchar *name, const gchar *suffix)
{
	gsize n = strlen(name), s = strlen(suffix);
	return n >= s && g_ascii_strcasecmp(name + n - s, suffix) == 0;
}

static gboolean
is_firmware(const HbDdiArtifact *a)
{
	return has_suffix(a->filename, ".bin") || has_suffix(a->filename, ".zip");
}

static gchar *
artifact_names(GPtrArray *artifacts)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < artifacts->len; i++) {
		HbDdiArtifact *a = g_ptr_array_index(artifacts, i);
		g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", a->filename);
	}
	return g_string_free(out, FALSE);
}

/* "0".."15", "s0", "s1" as a sort key (s0/s1 after the numbers), -1 when not one */
static gint
image_key(const gchar *image)
{
	guint64 n;

	if (g_strcmp0(image, "s0") == 0 || g_strcmp0(image, "S0") == 0)
		return MAX_IMAGE + 1;
	if (g_strcmp0(image, "s1") == 0 || g_strcmp0(image, "S1") == 0)
		return MAX_IMAGE + 2;
	if (image == NULL || !g_ascii_string_to_unsigned(image, 10, 0, MAX_IMAGE, &n, NULL))
		return -1;
	return (gint)n;
}

/* the image the SDK's name says, or NULL */
static const gchar *
image_from_name(const gchar *filename)
{
	g_autofree gchar *name = g_ascii_strdown(filename, -1);

	if (g_strcmp0(name, "signed_by_mcuboot_and_b0_mcuboot.bin") == 0 ||
	    g_strcmp0(name, "signed_by_mcuboot_and_b0_s0_image_update.bin") == 0)
		return "s0";
	if (g_strcmp0(name, "signed_by_mcuboot_and_b0_s1_image.bin") == 0 ||
	    g_strcmp0(name, "signed_by_mcuboot_and_b0_s1_image_update.bin") == 0)
		return "s1";
	if (strstr(name, "ipc_radio") != NULL || strstr(name, "cpunet") != NULL ||
	    strstr(name, "net_core") != NULL)
		return "1";
	return NULL;
}

static gint
by_image(gconstpointer a, gconstpointer b)
{
	const HbDdiArtifact *x = *(HbDdiArtifact *const *)a;
	const HbDdiArtifact *y = *(HbDdiArtifact *const *)b;
	return image_key(x->image) - image_key(y->image);
}

/* sets each artifact's image (canonical: "0".."15", "s0", "s1"), or says why it cannot */
static gboolean
resolve_images(GPtrArray *firmware, GError **error)
{
	g_autoptr(GPtrArray) unknown = g_ptr_array_new();
	gboolean pair = FALSE, numbered = FALSE, zero = FALSE;

	for (guint i = 0; i < firmware->len; i++) {
		HbDdiArtifact *a = g_ptr_array_index(firmware, i);
		gint key;

		if (a->image == NULL)
			a->image = g_strdup(image_from_name(a->filename));
		if (a->image == NULL) {
			g_ptr_array_add(unknown, a);
			continue;
		}
		key = image_key(a->image);
		if (key < 0) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "%s: the module's metadata %s=\"%s\" is neither an image "
				    "number 0..%u nor s0/s1",
				    a->filename, HB_DDI_IMAGE_KEY, a->image, MAX_IMAGE);
			return FALSE;
		}
		g_free(a->image);
		a->image = key > MAX_IMAGE ? g_strdup(key == MAX_IMAGE + 1 ? "s0" : "s1")
					   : g_strdup_printf("%d", key);
		pair |= key > MAX_IMAGE;
		numbered |= key <= MAX_IMAGE;
		zero |= key == 0;
	}
	/* the application: the one left, as a manifest entry without image_index is image 0 */
	if (unknown->len == 1 && !pair && !zero) {
		HbDdiArtifact *a = g_ptr_array_index(unknown, 0);
		a->image = g_strdup("0");
		g_ptr_array_set_size(unknown, 0);
		numbered = TRUE;
	}
	if (unknown->len > 0) {
		g_autofree gchar *names = artifact_names(unknown);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "the image of %s is unknown: give each software module the metadata "
			    "%s (an MCUboot image number, or s0/s1 for an upgradable MCUboot "
			    "build), visible to targets",
			    names, HB_DDI_IMAGE_KEY);
		return FALSE;
	}
	if (pair && numbered) {
		g_autofree gchar *names = artifact_names(firmware);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: an s0/s1 MCUboot pair and application images are two updates, "
			    "not one",
			    names);
		return FALSE;
	}
	g_ptr_array_sort(firmware, by_image);
	for (guint i = 1; i < firmware->len; i++) {
		HbDdiArtifact *a = g_ptr_array_index(firmware, i - 1);
		HbDdiArtifact *b = g_ptr_array_index(firmware, i);
		if (g_strcmp0(a->image, b->image) == 0) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "%s and %s are both image %s", a->filename, b->filename,
				    a->image);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
hb_package_pick(HbDdiDeployment *d, guint64 max_size, GError **error)
{
	g_autoptr(GPtrArray) firmware = g_ptr_array_new();
	g_autofree gchar *all = artifact_names(d->artifacts);
	guint64 total = 0;

	for (guint i = 0; i < d->artifacts->len; i++) {
		HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
		if (is_firmware(a)) {
			g_ptr_array_add(firmware, a);
			total += a->size;
		}
	}
	if (firmware->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_UNKNOWN_FORMAT,
			    "no artifact dfud can take (an MCUboot .bin or an nRF Connect SDK "
			    "DFU .zip) among: %s",
			    all[0] != '\0' ? all : "(none)");
		return FALSE;
	}
	for (guint i = 0; i < firmware->len && firmware->len > 1; i++) {
		HbDdiArtifact *a = g_ptr_array_index(firmware, i);
		if (has_suffix(a->filename, ".zip")) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "%u firmware artifacts (%s) with a DFU zip among them: an "
				    "action is one zip, or MCUboot .bin images that make one",
				    firmware->len, all);
			return FALSE;
		}
	}
	if (total > max_size || (firmware->len > 1 && total > DFUD_PACKAGE_MAX_SIZE)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: %" G_GUINT64_FORMAT " bytes, more than %s", all, total,
			    total > max_size ? "[Update] MaxCacheSize" : "a dfud package takes");
		return FALSE;
	}
	if (firmware->len > 1 && !resolve_images(firmware, error))
		return FALSE;
	/* only the artifacts dfud is given stay, in image order */
	for (guint i = d->artifacts->len; i > 0; i--)
		if (!is_firmware(g_ptr_array_index(d->artifacts, i - 1)))
			g_ptr_array_remove_index(d->artifacts, i - 1);
	if (d->artifacts->len > 1)
		g_ptr_array_sort(d->artifacts, by_image);
	return TRUE;
}

/* manifest.json as the SDK's generate_zip.py writes it (spec §8.2), for these entries */
static gchar *
manifest_json(const HbDdiDeployment *d, gchar **entry_names)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "format-version");
	json_builder_add_int_value(b, 1);
	if (d->version != NULL && d->version[0] != '\0') {
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, d->version);
	}
	json_builder_set_member_name(b, "files");
	json_builder_begin_array(b);
	for (guint i = 0; i < d->artifacts->len; i++) {
		const HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
		gboolean mcuboot = a->image[0] == 's';

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, mcuboot ? "mcuboot" : "application");
		json_builder_set_member_name(b, mcuboot ? "slot" : "image_index");
		json_builder_add_string_value(b, mcuboot ? a->image + 1 : a->image);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, (gint64)a->size);
		json_builder_set_member_name(b, "file");
		json_builder_add_string_value(b, entry_names[i]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	return json_generator_to_data(gen, NULL);
}

static la_ssize_t
zip_write_cb(struct archive *ar, void *user_data, const void *buffer, size_t length)
{
	g_byte_array_append(user_data, buffer, (guint)length);
	return (la_ssize_t)length;
}

static gboolean
zip_add(struct archive *ar, const gchar *name, const void *data, gsize size, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	struct archive_entry *entry = archive_entry_new();
	gboolean ok;

	archive_entry_set_pathname(entry, name);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, (la_int64_t)size);
	archive_entry_set_mtime(entry, g_date_time_to_unix(now), 0);
	ok = archive_write_header(ar, entry) == ARCHIVE_OK &&
	     archive_write_data(ar, data, size) == (la_ssize_t)size;
	archive_entry_free(entry);
	if (!ok)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "writing the package's %s: %s", name,
			    archive_error_string(ar));
	return ok;
}

GBytes *
hb_package_assemble(const HbDdiDeployment *d, GPtrArray *paths, GError **error)
{
	g_autoptr(GByteArray) zip = g_byte_array_new();
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_auto(GStrv) names = g_new0(gchar *, d->artifacts->len + 1);
	g_autofree gchar *manifest = NULL;
	struct archive *ar = archive_write_new();
	gboolean ok = TRUE;

	g_return_val_if_fail(paths->len == d->artifacts->len, NULL);
	/* zip entries are the artifacts' names, unless two modules give the same one */
	for (guint i = 0; i < d->artifacts->len; i++) {
		const HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
		gboolean clash = FALSE;
		for (guint j = 0; j < d->artifacts->len; j++) {
			const HbDdiArtifact *b = g_ptr_array_index(d->artifacts, j);
			clash |= j != i && g_ascii_strcasecmp(a->filename, b->filename) == 0;
		}
		names[i] = clash ? g_strdup_printf("image-%s-%s", a->image, a->filename)
				 : g_strdup(a->filename);
	}
	manifest = manifest_json(d, names);
	if (archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    archive_write_set_format_option(ar, "zip", "compression", "store") != ARCHIVE_OK ||
	    archive_write_open2(ar, zip, NULL, zip_write_cb, NULL, NULL) != ARCHIVE_OK) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "libarchive: %s",
			    archive_error_string(ar));
		archive_write_free(ar);
		return NULL;
	}
	for (guint i = 0; ok && i < d->artifacts->len; i++) {
		const HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
		g_autofree gchar *data = NULL;
		gsize len = 0;

		ok = g_file_get_contents(g_ptr_array_index(paths, i), &data, &len, error);
		if (ok && len != a->size) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO,
				    "%s is %" G_GSIZE_FORMAT
				    " bytes in the cache, not %" G_GUINT64_FORMAT,
				    a->filename, len, a->size);
			ok = FALSE;
		}
		ok = ok && zip_add(ar, names[i], data, len, error);
	}
	ok = ok && zip_add(ar, "manifest.json", manifest, strlen(manifest), error);
	if (archive_write_close(ar) != ARCHIVE_OK && ok) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "libarchive: %s",
			    archive_error_string(ar));
		ok = FALSE;
	}
	archive_write_free(ar);
	if (!ok)
		return NULL;
	bytes = g_byte_array_free_to_bytes(g_steal_pointer(&zip));
	/* what dfud will read: refused here, before any device is touched */
	package = dfud_package_new_from_bytes(bytes, error);
	if (package == NULL)
		return NULL;
	if (dfud_package_get_entries(package)->len != d->artifacts->len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
			    "the package of %u artifacts holds %u images", d->artifacts->len,
			    dfud_package_get_entries(package)->len);
		return NULL;
	}
	return g_steal_pointer(&bytes);
}
