/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFuzz"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "package/dfud-package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = dfud_package_new_from_bytes(bytes, &error);
	GPtrArray *entries;

	g_assert_true((package == NULL) != (error == NULL));
	if (package == NULL)
		return 0;
	entries = dfud_package_get_entries(package);
	g_assert_cmpuint(entries->len, >, 0);
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		guint64 load = 0;
		guint slot = 0;

		g_assert_nonnull(dfud_package_entry_get_image(entry));
		g_assert_nonnull(dfud_image_role_to_string(dfud_package_entry_get_role(entry)));
		(void)dfud_package_entry_get_load_address(entry, &load);
		/* a direct-XIP variant is ROM-fixed, and the package finds it by its slot */
		if (dfud_package_entry_get_xip_slot(entry, &slot)) {
			g_assert_cmpuint(slot, <=, 1);
			g_assert_true(dfud_image_get_rom_fixed_address(
			    dfud_package_entry_get_image(entry), NULL));
			g_assert_true(dfud_package_get_xip_variant(
					  package, dfud_package_entry_get_image_index(entry), slot) ==
				      entry);
		}
	}
	for (guint slot = 0; slot <= 2; slot++) {
		g_autoptr(GError) slot_error = NULL;
		DfudPackageEntry *entry =
		    dfud_package_get_mcuboot_for_active_slot(package, slot, &slot_error);
		g_assert_true((entry == NULL) != (slot_error == NULL));
	}
	g_assert_nonnull(dfud_package_format_to_string(dfud_package_get_format(package)));
	return 0;
}
