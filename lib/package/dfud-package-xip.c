/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudPackage"

#include "config.h"

#include "dfud-error.h"
#include "dfud-package-private.h"

/*
 * Direct-XIP packages (spec §8.2, §8.3): the nRF Connect SDK's zip script writes an image linked
 * for slot 0 and the same image linked for slot 1 as two entries with one image_index. What
 * tells them apart is `slot` (the absolute slot, 2*image or 2*image+1), which zip.cmake gives
 * only to the secondary build: the primary build's entry has none (fixtures README,
 * "Direct-XIP"). So a pair with one image_index is read as variants when at least one of them
 * names its slot; the other takes the remaining slot. Their headers must then agree
 * (dfud_package_xip_check).
 */

static gboolean
xip_slot_within(const DfudManifestFile *file, guint *within, GError **error)
{
	guint first = 2 * file->image_index;

	if (file->slot != first && file->slot != first + 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
			    "manifest.json: \"%s\": slot %u is not a slot of image %u (%u or %u)",
			    file->file, file->slot, file->image_index, first, first + 1);
		return FALSE;
	}
	*within = file->slot - first;
	return TRUE;
}

gboolean
dfud_package_xip_assign(DfudManifest *manifest, gint *xip_slots, GError **error)
{
	guint n = manifest->files->len;

	for (guint i = 0; i < n; i++)
		xip_slots[i] = -1;
	for (guint i = 0; i < n; i++) {
		const DfudManifestFile *a = g_ptr_array_index(manifest->files, i);
		const DfudManifestFile *b = NULL;
		guint j_b = 0;
		guint count = 1;
		guint sa = 0;
		guint sb = 0;

		if (xip_slots[i] >= 0)
			continue;
		for (guint j = 0; j < n; j++) {
			const DfudManifestFile *other = g_ptr_array_index(manifest->files, j);
			if (j == i || other->image_index != a->image_index)
				continue;
			count++;
			b = other;
			j_b = j;
		}
		/* anything else sharing an index is refused by the caller, by name */
		if (count != 2 || (!a->has_slot && !b->has_slot))
			continue;
		if ((a->has_slot && !xip_slot_within(a, &sa, error)) ||
		    (b->has_slot && !xip_slot_within(b, &sb, error)))
			return FALSE;
		if (!a->has_slot)
			sa = 1 - sb;
		if (!b->has_slot)
			sb = 1 - sa;
		if (sa == sb) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID,
				    "manifest.json: \"%s\" and \"%s\" are both the direct-XIP build "
				    "for slot %u of image %u",
				    a->file, b->file, sa, a->image_index);
			return FALSE;
		}
		xip_slots[i] = (gint)sa;
		xip_slots[j_b] = (gint)sb;
	}
	return TRUE;
}

/* each variant is ROM-fixed at its manifest load_address; the two at different addresses */
gboolean
dfud_package_xip_check(GPtrArray *entries, GError **error)
{
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		DfudImage *image = dfud_package_entry_get_image(entry);
		const gchar *name = dfud_package_entry_get_file_name(entry);
		guint32 address = 0;
		guint64 manifest_address = 0;
		guint slot = 0;

		if (!dfud_package_entry_get_xip_slot(entry, &slot))
			continue;
		if (!dfud_image_get_rom_fixed_address(image, &address)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
				    "\"%s\": the direct-XIP build for slot %u is not ROM_FIXED: its "
				    "header names no flash address",
				    name, slot);
			return FALSE;
		}
		if (dfud_package_entry_get_load_address(entry, &manifest_address) &&
		    manifest_address != address) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
				    "\"%s\": manifest load_address 0x%" G_GINT64_MODIFIER
				    "x differs from the image's ROM-fixed address 0x%x",
				    name, manifest_address, address);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			DfudPackageEntry *other = g_ptr_array_index(entries, j);
			guint32 other_address = 0;

			if (dfud_package_entry_get_image_index(other) !=
				dfud_package_entry_get_image_index(entry) ||
			    !dfud_package_entry_get_xip_slot(other, NULL))
				continue;
			dfud_image_get_rom_fixed_address(dfud_package_entry_get_image(other),
							 &other_address);
			if (other_address == address) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_MISMATCH,
					    "\"%s\" and \"%s\" are both linked for 0x%x: not the "
					    "builds for two slots",
					    dfud_package_entry_get_file_name(other), name, address);
				return FALSE;
			}
		}
	}
	return TRUE;
}
