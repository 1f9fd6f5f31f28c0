/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "image/dfud-image.h"

G_BEGIN_DECLS

/* what an image of a package is for */
typedef enum {
	DFUD_IMAGE_ROLE_APPLICATION,  /* image 0: the application (core) */
	DFUD_IMAGE_ROLE_NETWORK_CORE, /* nRF5340 network core (image_index 1 with a net-core board) */
	DFUD_IMAGE_ROLE_EXTRA,	      /* any further image index (e.g. nRF70 patch, QSPI part) */
	DFUD_IMAGE_ROLE_MCUBOOT_S0,   /* upgradable MCUboot built for NSIB slot S0 */
	DFUD_IMAGE_ROLE_MCUBOOT_S1,   /* upgradable MCUboot built for NSIB slot S1 */
} DfudImageRole;

#define DFUD_TYPE_PACKAGE_ENTRY (dfud_package_entry_get_type())
G_DECLARE_FINAL_TYPE(DfudPackageEntry, dfud_package_entry, DFUD, PACKAGE_ENTRY, GObject)

DfudPackageEntry *
dfud_package_entry_new(DfudImage *image, DfudImageRole role, guint image_index);

DfudImage *
dfud_package_entry_get_image(DfudPackageEntry *self);
DfudImageRole
dfud_package_entry_get_role(DfudPackageEntry *self);
/* the SMP upload `image` number */
guint
dfud_package_entry_get_image_index(DfudPackageEntry *self);
/* entry name in the zip (NULL for a bare .bin) */
const gchar *
dfud_package_entry_get_file_name(DfudPackageEntry *self);
void
dfud_package_entry_set_file_name(DfudPackageEntry *self, const gchar *file_name);
/* manifest `board`, `soc`, `version` / `version_MCUBOOT`: NULL when absent */
const gchar *
dfud_package_entry_get_board(DfudPackageEntry *self);
void
dfud_package_entry_set_board(DfudPackageEntry *self, const gchar *board);
const gchar *
dfud_package_entry_get_soc(DfudPackageEntry *self);
void
dfud_package_entry_set_soc(DfudPackageEntry *self, const gchar *soc);
const gchar *
dfud_package_entry_get_manifest_version(DfudPackageEntry *self);
void
dfud_package_entry_set_manifest_version(DfudPackageEntry *self, const gchar *version);
/* manifest `load_address`; FALSE when absent */
gboolean
dfud_package_entry_get_load_address(DfudPackageEntry *self, guint64 *load_address);
void
dfud_package_entry_set_load_address(DfudPackageEntry *self, guint64 load_address);

/*
 * Direct-XIP builds (spec §8.3): an nRF Connect SDK zip holds the image twice, linked for slot 0
 * and for slot 1 of its image (ROM_FIXED); @slot is that slot within the image (0 or 1).
 * FALSE for an entry that is no such variant.
 */
gboolean
dfud_package_entry_get_xip_slot(DfudPackageEntry *self, guint *slot);
void
dfud_package_entry_set_xip_slot(DfudPackageEntry *self, guint slot);

const gchar *
dfud_image_role_to_string(DfudImageRole role);

G_END_DECLS
