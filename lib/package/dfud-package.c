/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudPackage"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-manifest.h"
#include "dfud-package-private.h"

#define DFUD_PACKAGE_MANIFEST_NAME "manifest.json"
#define DFUD_PACKAGE_READ_CHUNK (64u * 1024u)

struct _DfudPackage {
	GObject parent_instance;
	DfudPackageFormat format;
	GPtrArray *entries; /* element-type DfudPackageEntry */
	gchar *name;
	gint format_version;
};

G_DEFINE_TYPE(DfudPackage, dfud_package, G_TYPE_OBJECT)

static void
dfud_package_finalize(GObject *object)
{
	DfudPackage *self = DFUD_PACKAGE(object);

	g_ptr_array_unref(self->entries);
	g_free(self->name);
	G_OBJECT_CLASS(dfud_package_parent_class)->finalize(object);
}

static void
dfud_package_class_init(DfudPackageClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = dfud_package_finalize;
}

static void
dfud_package_init(DfudPackage *self)
{
	self->entries = g_ptr_array_new_with_free_func(g_object_unref);
	self->format_version = -1;
}

/*
 * An MCUboot header starts with 3d b8 f3 96. Anything whose first bytes look like a variant of
 * it (the legacy 0x96f3b83c, another low byte, the big-endian order, a file cut inside the
 * magic) goes to the image parser, so a broken .bin is reported for what is wrong with it.
 */
static gboolean
dfud_package_looks_like_image(const guint8 *d, gsize len)
{
	static const guint8 magic[4] = {0x3d, 0xb8, 0xf3, 0x96};

	if (len >= 4) {
		return (d[1] == magic[1] && d[2] == magic[2] && d[3] == magic[3]) ||
		       (d[0] == magic[3] && d[1] == magic[2] && d[2] == magic[1]);
	}
	if (len == 0 || (d[0] != 0x3d && d[0] != 0x3c))
		return FALSE;
	for (gsize i = 1; i < len; i++) {
		if (d[i] != magic[i])
			return FALSE;
	}
	return TRUE;
}

static gboolean
dfud_package_looks_like_zip(const guint8 *d, gsize len)
{
	return len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0;
}

static gboolean
dfud_package_load_bin(DfudPackage *self, GBytes *data, GError **error)
{
	g_autoptr(DfudImage) image = dfud_image_new_from_bytes(data, error);
	DfudPackageEntry *entry;

	if (image == NULL)
		return FALSE;
	if (!dfud_image_verify(image, error))
		return FALSE;
	entry = dfud_package_entry_new(image, DFUD_IMAGE_ROLE_APPLICATION, 0);
	g_ptr_array_add(self->entries, entry);
	self->format = DFUD_PACKAGE_FORMAT_BIN;
	return TRUE;
}

/* an nRF5340 network-core entry (only asked for image_index 1) */
static gboolean
dfud_package_is_network_core(const DfudManifestFile *file, const DfudManifestFile *primary)
{
	g_autofree gchar *board = NULL;

	if (file->soc != NULL && g_ascii_strcasecmp(file->soc, "nrf5340") == 0)
		return TRUE;
	if (file->board == NULL)
		return FALSE;
	/* "nrf5340dk/nrf5340/cpunet", "nrf5340dk_nrf5340_cpunet", "thingy53/nrf5340/cpunet/ns" */
	board = g_ascii_strdown(file->board, -1);
	if (strstr(board, "cpunet") != NULL)
		return TRUE;
	/* generate_zip.py gives the network-core entry its own board */
	return primary != NULL && primary->board != NULL &&
	       g_strcmp0(primary->board, file->board) != 0;
}

static gboolean
dfud_package_roles_application(DfudManifest *manifest, DfudImageRole *roles, guint *indices,
			       gint *xip_slots, GError **error)
{
	const DfudManifestFile *primary = NULL;

	if (!dfud_package_xip_assign(manifest, xip_slots, error))
		return FALSE;
	for (guint i = 0; i < manifest->files->len; i++) {
		const DfudManifestFile *file = g_ptr_array_index(manifest->files, i);
		if (file->image_index == 0) {
			primary = file;
			break;
		}
	}
	for (guint i = 0; i < manifest->files->len; i++) {
		const DfudManifestFile *file = g_ptr_array_index(manifest->files, i);

		for (guint j = 0; j < i; j++) {
			const DfudManifestFile *other = g_ptr_array_index(manifest->files, j);
			if (other->image_index != file->image_index)
				continue;
			/* the direct-XIP builds for the two slots of one image */
			if (xip_slots[i] >= 0 && xip_slots[j] >= 0)
				continue;
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
				    "manifest.json gives \"%s\" and \"%s\" the same image_index %u",
				    other->file, file->file, file->image_index);
			return FALSE;
		}
		indices[i] = file->image_index;
		if (file->image_index == 0)
			roles[i] = DFUD_IMAGE_ROLE_APPLICATION;
		else if (file->image_index == 1 && dfud_package_is_network_core(file, primary))
			roles[i] = DFUD_IMAGE_ROLE_NETWORK_CORE;
		else
			roles[i] = DFUD_IMAGE_ROLE_EXTRA;
	}
	return TRUE;
}

/* the S0 and S1 builds of an upgradable MCUboot: told apart by `slot`, else by load_address */
static gboolean
dfud_package_roles_mcuboot(DfudManifest *manifest, DfudImageRole *roles, guint *indices,
			   GError **error)
{
	const DfudManifestFile *a;
	const DfudManifestFile *b;
	guint s0;

	if (manifest->files->len == 1) {
		g_set_error_literal(
		    error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
		    "manifest.json lists a single mcuboot file: an upgradable-MCUboot "
		    "package needs two, the builds for NSIB slots S0 and S1");
		return FALSE;
	}
	if (manifest->files->len != 2) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json lists %u mcuboot files: an upgradable-MCUboot package "
			    "holds exactly two, the builds for NSIB slots S0 and S1",
			    manifest->files->len);
		return FALSE;
	}
	a = g_ptr_array_index(manifest->files, 0);
	b = g_ptr_array_index(manifest->files, 1);
	if (a->has_slot || b->has_slot) {
		if (!a->has_slot || !b->has_slot || a->slot > 1 || b->slot > 1 ||
		    a->slot == b->slot) {
			g_set_error(
			    error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: mcuboot files \"%s\" and \"%s\" need slot 0 and "
			    "slot 1",
			    a->file, b->file);
			return FALSE;
		}
		s0 = a->slot == 0 ? 0 : 1;
	} else {
		const DfudManifestFile *missing = !a->has_load_address ? a : b;
		if (!a->has_load_address || !b->has_load_address) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json: mcuboot file \"%s\" has neither slot nor "
				    "load_address: its NSIB slot is unknown",
				    missing->file);
			return FALSE;
		}
		if (a->load_address == b->load_address) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json: mcuboot files \"%s\" and \"%s\" have the same "
				    "load_address 0x%" G_GINT64_MODIFIER "x: S0 and S1 cannot be "
				    "told apart",
				    a->file, b->file, a->load_address);
			return FALSE;
		}
		/* S0 precedes S1 in the partition layout */
		s0 = a->load_address < b->load_address ? 0 : 1;
	}
	roles[s0] = DFUD_IMAGE_ROLE_MCUBOOT_S0;
	roles[1 - s0] = DFUD_IMAGE_ROLE_MCUBOOT_S1;
	/* uploaded as image 0: MCUboot installs it into the inactive S slot */
	indices[0] = indices[1] = 0;
	return TRUE;
}

static gboolean
dfud_package_assign_roles(DfudManifest *manifest, DfudImageRole *roles, guint *indices,
			  gint *xip_slots, GError **error)
{
	guint n_mcuboot = 0;

	for (guint i = 0; i < manifest->files->len; i++) {
		const DfudManifestFile *file = g_ptr_array_index(manifest->files, i);
		if (file->type == DFUD_MANIFEST_FILE_TYPE_MCUBOOT)
			n_mcuboot++;
		if (g_strcmp0(file->file, DFUD_PACKAGE_MANIFEST_NAME) == 0) {
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
					    "manifest.json lists itself as an image");
			return FALSE;
		}
	}
	if (n_mcuboot == 0)
		return dfud_package_roles_application(manifest, roles, indices, xip_slots, error);
	if (n_mcuboot != manifest->files->len) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json mixes mcuboot and application files");
		return FALSE;
	}
	return dfud_package_roles_mcuboot(manifest, roles, indices, error);
}

/* version_MCUBOOT (or its direct-XIP form) must be the version in the image header */
static gboolean
dfud_package_check_version(const DfudManifestFile *file, const gchar *key, const gchar *value,
			   DfudImage *image, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *header_str = NULL;
	g_autofree gchar *manifest_str = NULL;
	const DfudImageVersion *header = dfud_image_get_version(image);
	DfudImageVersion version = {0};

	if (value == NULL)
		return TRUE;
	if (!dfud_image_version_parse(value, &version, &error_local)) {
		g_autofree gchar *esc = g_strescape(value, NULL);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: \"%s\": %s \"%s\" is not a version: %s", file->file,
			    key, esc, error_local->message);
		return FALSE;
	}
	if (dfud_image_version_compare(&version, header, TRUE) == 0)
		return TRUE;
	manifest_str = dfud_image_version_to_string(&version);
	header_str = dfud_image_version_to_string(header);
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
		    "\"%s\": manifest %s %s differs from the image header version %s", file->file,
		    key, manifest_str, header_str);
	return FALSE;
}

static DfudPackageEntry *
dfud_package_make_entry(const DfudManifestFile *file, GBytes *data, DfudImageRole role,
			guint image_index, GError **error)
{
	g_autoptr(DfudImage) image = NULL;
	DfudPackageEntry *entry;

	image = dfud_image_new_from_bytes(data, error);
	if (image == NULL) {
		g_prefix_error(error, "%s: ", file->file);
		return NULL;
	}
	if (!dfud_image_verify(image, error)) {
		g_prefix_error(error, "%s: ", file->file);
		return NULL;
	}
	if (!dfud_package_check_version(file, "version_MCUBOOT", file->version_mcuboot, image,
					error) ||
	    !dfud_package_check_version(file, "version_MCUBOOT+XIP", file->version_mcuboot_xip,
					image, error))
		return NULL;

	entry = dfud_package_entry_new(image, role, image_index);
	dfud_package_entry_set_file_name(entry, file->file);
	dfud_package_entry_set_board(entry, file->board);
	dfud_package_entry_set_soc(entry, file->soc);
	if (file->version_mcuboot != NULL)
		dfud_package_entry_set_manifest_version(entry, file->version_mcuboot);
	else if (file->version_mcuboot_xip != NULL)
		dfud_package_entry_set_manifest_version(entry, file->version_mcuboot_xip);
	else
		dfud_package_entry_set_manifest_version(entry, file->version);
	if (file->has_load_address)
		dfud_package_entry_set_load_address(entry, file->load_address);
	return entry;
}

static gboolean
dfud_package_load_zip(DfudPackage *self, GBytes *data, gsize max_size, GError **error)
{
	g_autoptr(GPtrArray) zip = NULL;
	g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) listed = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(DfudManifest) manifest = NULL;
	g_autofree DfudImageRole *roles = NULL;
	g_autofree guint *indices = NULL;
	g_autofree gint *xip_slots = NULL;
	GBytes *manifest_data;
	gsize manifest_len = 0;
	const gchar *manifest_text;

	zip = dfud_package_zip_read(data, max_size, error);
	if (zip == NULL)
		return FALSE;
	for (guint i = 0; i < zip->len; i++) {
		DfudZipEntry *ze = g_ptr_array_index(zip, i);
		g_hash_table_insert(by_name, ze->name, ze->data);
	}

	manifest_data = g_hash_table_lookup(by_name, DFUD_PACKAGE_MANIFEST_NAME);
	if (manifest_data == NULL) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "no manifest.json in the zip");
		return FALSE;
	}
	manifest_text = g_bytes_get_data(manifest_data, &manifest_len);
	manifest = dfud_manifest_new_from_data(manifest_text, manifest_len, error);
	if (manifest == NULL)
		return FALSE;

	roles = g_new0(DfudImageRole, manifest->files->len);
	indices = g_new0(guint, manifest->files->len);
	xip_slots = g_new(gint, manifest->files->len);
	for (guint i = 0; i < manifest->files->len; i++)
		xip_slots[i] = -1;
	if (!dfud_package_assign_roles(manifest, roles, indices, xip_slots, error))
		return FALSE;

	/* manifest and zip list the same files */
	for (guint i = 0; i < manifest->files->len; i++) {
		const DfudManifestFile *file = g_ptr_array_index(manifest->files, i);
		GBytes *blob = g_hash_table_lookup(by_name, file->file);

		g_hash_table_add(listed, file->file);
		if (blob == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
				    "\"%s\" is listed in manifest.json but missing from the zip",
				    file->file);
			return FALSE;
		}
		if (file->size != g_bytes_get_size(blob)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
				    "\"%s\": manifest.json size %" G_GUINT64_FORMAT
				    " differs from its %" G_GSIZE_FORMAT " bytes in the zip",
				    file->file, file->size, g_bytes_get_size(blob));
			return FALSE;
		}
	}
	for (guint i = 0; i < zip->len; i++) {
		DfudZipEntry *ze = g_ptr_array_index(zip, i);
		if (g_strcmp0(ze->name, DFUD_PACKAGE_MANIFEST_NAME) == 0 ||
		    g_hash_table_contains(listed, ze->name))
			continue;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
			    "\"%s\" is an unlisted file: manifest.json does not name it", ze->name);
		return FALSE;
	}

	for (guint i = 0; i < manifest->files->len; i++) {
		const DfudManifestFile *file = g_ptr_array_index(manifest->files, i);
		DfudPackageEntry *entry = dfud_package_make_entry(
		    file, g_hash_table_lookup(by_name, file->file), roles[i], indices[i], error);
		if (entry == NULL)
			return FALSE;
		if (xip_slots[i] >= 0)
			dfud_package_entry_set_xip_slot(entry, (guint)xip_slots[i]);
		g_ptr_array_add(self->entries, entry);
	}
	if (!dfud_package_xip_check(self->entries, error))
		return FALSE;
	self->format = DFUD_PACKAGE_FORMAT_ZIP;
	self->format_version = manifest->format_version;
	self->name = g_strdup(manifest->name);
	return TRUE;
}

DfudPackage *
dfud_package_new_from_bytes_with_limit(GBytes *data, gsize max_size, GError **error)
{
	g_autoptr(DfudPackage) self = NULL;
	gsize len = 0;
	const guint8 *d;

	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	d = g_bytes_get_data(data, &len);
	if (len == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY, "the file is empty");
		return NULL;
	}
	if (len > max_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "larger than %" G_GSIZE_FORMAT " bytes", max_size);
		return NULL;
	}
	self = g_object_new(DFUD_TYPE_PACKAGE, NULL);
	if (dfud_package_looks_like_image(d, len)) {
		if (!dfud_package_load_bin(self, data, error))
			return NULL;
	} else if (dfud_package_looks_like_zip(d, len)) {
		if (!dfud_package_load_zip(self, data, max_size, error))
			return NULL;
	} else {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_UNKNOWN_FORMAT,
				    "neither an MCUboot image nor an nRF Connect SDK DFU zip");
		return NULL;
	}
	return g_steal_pointer(&self);
}

DfudPackage *
dfud_package_new_from_bytes(GBytes *data, GError **error)
{
	return dfud_package_new_from_bytes_with_limit(data, DFUD_PACKAGE_MAX_SIZE, error);
}

/* waits for a non-blocking descriptor; FALSE with errno set on failure */
static gboolean
dfud_package_wait_readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		int r = poll(&pfd, 1, -1);
		if (r >= 0)
			return TRUE;
		if (errno != EINTR)
			return FALSE;
	}
}

GBytes *
dfud_package_read_fd(int fd, gsize max_size, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	gsize len = 0;

	g_return_val_if_fail(fd >= 0, NULL);
	g_return_val_if_fail(max_size < G_MAXUINT, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	for (;;) {
		gsize room = max_size - len;
		/* read one byte past the limit to tell "exactly the limit" from "more" */
		gsize want = room >= DFUD_PACKAGE_READ_CHUNK ? DFUD_PACKAGE_READ_CHUNK : room + 1;
		gssize n;

		g_byte_array_set_size(buf, (guint)(len + want));
		n = read(fd, buf->data + len, want);
		if (n < 0) {
			int saved = errno;
			if (saved == EINTR)
				continue;
			if (saved == EAGAIN || saved == EWOULDBLOCK) {
				if (dfud_package_wait_readable(fd))
					continue;
				saved = errno;
			}
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "read failed: %s",
				    g_strerror(saved));
			return NULL;
		}
		if (n == 0)
			break;
		len += (gsize)n;
		if (len > max_size) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "larger than %" G_GSIZE_FORMAT " bytes", max_size);
			return NULL;
		}
	}
	g_byte_array_set_size(buf, (guint)len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

DfudPackage *
dfud_package_new_from_fd(int fd, GError **error)
{
	g_autoptr(GBytes) data = dfud_package_read_fd(fd, DFUD_PACKAGE_MAX_SIZE, error);

	if (data == NULL)
		return NULL;
	return dfud_package_new_from_bytes(data, error);
}

DfudPackageFormat
dfud_package_get_format(DfudPackage *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE(self), DFUD_PACKAGE_FORMAT_BIN);
	return self->format;
}

GPtrArray *
dfud_package_get_entries(DfudPackage *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE(self), NULL);
	return self->entries;
}

const gchar *
dfud_package_get_name(DfudPackage *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE(self), NULL);
	return self->name;
}

gint
dfud_package_get_format_version(DfudPackage *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE(self), -1);
	return self->format_version;
}

DfudPackageEntry *
dfud_package_get_mcuboot_for_active_slot(DfudPackage *self, guint active_b0_slot, GError **error)
{
	DfudImageRole want;

	g_return_val_if_fail(DFUD_IS_PACKAGE(self), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (active_b0_slot > 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "active NSIB slot %u does not exist (0 or 1)", active_b0_slot);
		return NULL;
	}
	/* the running MCUboot sits in S<active>: the update must be built for the other one */
	want = active_b0_slot == 0 ? DFUD_IMAGE_ROLE_MCUBOOT_S1 : DFUD_IMAGE_ROLE_MCUBOOT_S0;
	for (guint i = 0; i < self->entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(self->entries, i);
		if (dfud_package_entry_get_role(entry) == want)
			return entry;
	}
	g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "the package holds no MCUboot update");
	return NULL;
}

DfudPackageEntry *
dfud_package_get_xip_variant(DfudPackage *self, guint image_index, guint slot)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE(self), NULL);

	for (guint i = 0; i < self->entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(self->entries, i);
		guint entry_slot = 0;
		if (dfud_package_entry_get_image_index(entry) == image_index &&
		    dfud_package_entry_get_xip_slot(entry, &entry_slot) && entry_slot == slot)
			return entry;
	}
	return NULL;
}

const gchar *
dfud_package_format_to_string(DfudPackageFormat format)
{
	switch (format) {
	case DFUD_PACKAGE_FORMAT_BIN:
		return "bin";
	case DFUD_PACKAGE_FORMAT_ZIP:
		return "zip";
	default:
		return "unknown";
	}
}
