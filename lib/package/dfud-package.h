/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "dfud-package-entry.h"

G_BEGIN_DECLS

/* the largest firmware file or package dfud accepts */
#define DFUD_PACKAGE_MAX_SIZE (64u * 1024u * 1024u)

typedef enum {
	DFUD_PACKAGE_FORMAT_BIN, /* a bare MCUboot image */
	DFUD_PACKAGE_FORMAT_ZIP, /* an nRF Connect SDK DFU zip with manifest.json */
} DfudPackageFormat;

#define DFUD_TYPE_PACKAGE (dfud_package_get_type())
G_DECLARE_FINAL_TYPE(DfudPackage, dfud_package, DFUD, PACKAGE, GObject)

/*
 * Parses a firmware file, told apart by content (never by name): a bare MCUboot image or an
 * nRF Connect SDK DFU zip. Every image is parsed and its hash verified (encrypted images
 * excepted); a package whose manifest and images disagree is refused with
 * DFUD_ERROR_PACKAGE_MISMATCH, a malformed zip or manifest with DFUD_ERROR_PACKAGE_INVALID.
 */
DfudPackage *
dfud_package_new_from_bytes(GBytes *data, GError **error);
/*
 * Reads @fd from its current position to EOF, EINTR-safe; more than @max_size bytes fails
 * with DFUD_ERROR_INVALID_ARGUMENT ("larger than N bytes"), a read error with DFUD_ERROR_IO.
 */
GBytes *
dfud_package_read_fd(int fd, gsize max_size, GError **error);
/* reads @fd from its current position to EOF (at most DFUD_PACKAGE_MAX_SIZE), then parses */
DfudPackage *
dfud_package_new_from_fd(int fd, GError **error);

DfudPackageFormat
dfud_package_get_format(DfudPackage *self);
/* element-type DfudPackageEntry, in manifest order */
GPtrArray *
dfud_package_get_entries(DfudPackage *self);
/* manifest `name`, or NULL */
const gchar *
dfud_package_get_name(DfudPackage *self);
/* manifest `format-version`, -1 for a bare image */
gint
dfud_package_get_format_version(DfudPackage *self);
/* the entry for the MCUboot variant that fits a device whose active NSIB slot is @active_b0_slot */
DfudPackageEntry *
dfud_package_get_mcuboot_for_active_slot(DfudPackage *self, guint active_b0_slot, GError **error);

/* the direct-XIP build of @image_index linked for @slot (0 or 1, within the image), or NULL
 * (transfer none); see dfud_package_entry_get_xip_slot() */
DfudPackageEntry *
dfud_package_get_xip_variant(DfudPackage *self, guint image_index, guint slot);

const gchar *
dfud_package_format_to_string(DfudPackageFormat format);

G_END_DECLS
