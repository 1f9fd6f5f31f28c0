/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFuzz"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "package/dfud-manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudManifest) manifest =
	    dfud_manifest_new_from_data((const gchar *)data, size, &error);

	/* exactly one of the two is set */
	g_assert_true((manifest == NULL) != (error == NULL));
	if (manifest != NULL) {
		g_assert_cmpuint(manifest->files->len, >, 0);
		g_assert_cmpuint(manifest->files->len, <=, DFUD_MANIFEST_MAX_FILES);
		for (guint i = 0; i < manifest->files->len; i++) {
			DfudManifestFile *file = g_ptr_array_index(manifest->files, i);
			g_assert_true(dfud_manifest_file_name_is_valid(file->file));
		}
	}
	return 0;
}
