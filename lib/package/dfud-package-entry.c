/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudPackage"

#include "config.h"

#include "dfud-package-entry.h"

struct _DfudPackageEntry {
	GObject parent_instance;
	DfudImage *image;
	DfudImageRole role;
	guint image_index;
	gchar *file_name;
	gchar *board;
	gchar *soc;
	gchar *manifest_version;
	gboolean has_load_address;
	guint64 load_address;
	gboolean has_xip_slot;
	guint xip_slot;
};

G_DEFINE_TYPE(DfudPackageEntry, dfud_package_entry, G_TYPE_OBJECT)

static void
dfud_package_entry_finalize(GObject *object)
{
	DfudPackageEntry *self = DFUD_PACKAGE_ENTRY(object);

	g_clear_object(&self->image);
	g_free(self->file_name);
	g_free(self->board);
	g_free(self->soc);
	g_free(self->manifest_version);
	G_OBJECT_CLASS(dfud_package_entry_parent_class)->finalize(object);
}

static void
dfud_package_entry_class_init(DfudPackageEntryClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = dfud_package_entry_finalize;
}

static void
dfud_package_entry_init(DfudPackageEntry *self)
{
}

DfudPackageEntry *
dfud_package_entry_new(DfudImage *image, DfudImageRole role, guint image_index)
{
	DfudPackageEntry *self;

	g_return_val_if_fail(DFUD_IS_IMAGE(image), NULL);
	g_return_val_if_fail(role <= DFUD_IMAGE_ROLE_MCUBOOT_S1, NULL);

	self = g_object_new(DFUD_TYPE_PACKAGE_ENTRY, NULL);
	self->image = g_object_ref(image);
	self->role = role;
	self->image_index = image_index;
	return self;
}

DfudImage *
dfud_package_entry_get_image(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), NULL);
	return self->image;
}

DfudImageRole
dfud_package_entry_get_role(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), DFUD_IMAGE_ROLE_APPLICATION);
	return self->role;
}

guint
dfud_package_entry_get_image_index(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), 0);
	return self->image_index;
}

const gchar *
dfud_package_entry_get_file_name(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), NULL);
	return self->file_name;
}

void
dfud_package_entry_set_file_name(DfudPackageEntry *self, const gchar *file_name)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	g_free(self->file_name);
	self->file_name = g_strdup(file_name);
}

const gchar *
dfud_package_entry_get_board(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), NULL);
	return self->board;
}

void
dfud_package_entry_set_board(DfudPackageEntry *self, const gchar *board)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	g_free(self->board);
	self->board = g_strdup(board);
}

const gchar *
dfud_package_entry_get_soc(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), NULL);
	return self->soc;
}

void
dfud_package_entry_set_soc(DfudPackageEntry *self, const gchar *soc)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	g_free(self->soc);
	self->soc = g_strdup(soc);
}

const gchar *
dfud_package_entry_get_manifest_version(DfudPackageEntry *self)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), NULL);
	return self->manifest_version;
}

void
dfud_package_entry_set_manifest_version(DfudPackageEntry *self, const gchar *version)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	g_free(self->manifest_version);
	self->manifest_version = g_strdup(version);
}

gboolean
dfud_package_entry_get_load_address(DfudPackageEntry *self, guint64 *load_address)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), FALSE);
	if (!self->has_load_address)
		return FALSE;
	if (load_address != NULL)
		*load_address = self->load_address;
	return TRUE;
}

void
dfud_package_entry_set_load_address(DfudPackageEntry *self, guint64 load_address)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	self->load_address = load_address;
	self->has_load_address = TRUE;
}

gboolean
dfud_package_entry_get_xip_slot(DfudPackageEntry *self, guint *slot)
{
	g_return_val_if_fail(DFUD_IS_PACKAGE_ENTRY(self), FALSE);
	if (self->has_xip_slot && slot != NULL)
		*slot = self->xip_slot;
	return self->has_xip_slot;
}

void
dfud_package_entry_set_xip_slot(DfudPackageEntry *self, guint slot)
{
	g_return_if_fail(DFUD_IS_PACKAGE_ENTRY(self));
	g_return_if_fail(slot <= 1);
	self->xip_slot = slot;
	self->has_xip_slot = TRUE;
}

const gchar *
dfud_image_role_to_string(DfudImageRole role)
{
	switch (role) {
	case DFUD_IMAGE_ROLE_APPLICATION:
		return "application";
	case DFUD_IMAGE_ROLE_NETWORK_CORE:
		return "network-core";
	case DFUD_IMAGE_ROLE_EXTRA:
		return "extra";
	case DFUD_IMAGE_ROLE_MCUBOOT_S0:
		return "mcuboot-s0";
	case DFUD_IMAGE_ROLE_MCUBOOT_S1:
		return "mcuboot-s1";
	default:
		return "unknown";
	}
}
