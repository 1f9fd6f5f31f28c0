/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-manifest.h"
#include "dfud-package.h"

G_BEGIN_DECLS

/* internal to lib/package and its tests */

/* the most entries a DFU zip may hold (manifest.json included) */
#define DFUD_PACKAGE_MAX_ENTRIES 64u

typedef struct {
	gchar *name;
	GBytes *data;
} DfudZipEntry;

void
dfud_zip_entry_free(DfudZipEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudZipEntry, dfud_zip_entry_free)

/*
 * Reads every entry of the zip in @zip (zip format only, stored or deflated), refusing more
 * than DFUD_PACKAGE_MAX_ENTRIES entries, names that are not plain file names, duplicates,
 * anything but regular unencrypted files, and more than @max_size uncompressed bytes in all,
 * all with DFUD_ERROR_PACKAGE_INVALID. element-type DfudZipEntry, in archive order.
 */
GPtrArray *
dfud_package_zip_read(GBytes *zip, gsize max_size, GError **error);

/* dfud_package_new_from_bytes() with another size limit than DFUD_PACKAGE_MAX_SIZE */
DfudPackage *
dfud_package_new_from_bytes_with_limit(GBytes *data, gsize max_size, GError **error);

/*
 * Direct-XIP slot variants (dfud-package-xip.c): fills @xip_slots (one per manifest file) with
 * the slot within its image each file is built for, -1 for files that are no variant.
 * DFUD_ERROR_PACKAGE_INVALID for a `slot` outside the image or two builds for one slot.
 */
gboolean
dfud_package_xip_assign(DfudManifest *manifest, gint *xip_slots, GError **error);
/* after parsing: each variant ROM_FIXED, at its manifest load_address, the two apart
 * (DFUD_ERROR_PACKAGE_MISMATCH) */
gboolean
dfud_package_xip_check(GPtrArray *entries, GError **error);

G_END_DECLS
