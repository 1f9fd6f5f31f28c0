/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-options.h"

static const gchar *const mode_names[] = {
    [DFUD_UPDATE_MODE_TEST_AND_CONFIRM] = "test-and-confirm",
    [DFUD_UPDATE_MODE_CONFIRM_ONLY] = "confirm-only",
    [DFUD_UPDATE_MODE_TEST_ONLY] = "test-only",
    [DFUD_UPDATE_MODE_UPLOAD_ONLY] = "upload-only",
};

void
dfud_update_options_init(DfudUpdateOptions *options)
{
	g_return_if_fail(options != NULL);

	*options = (DfudUpdateOptions){
	    .mode = DFUD_UPDATE_MODE_TEST_AND_CONFIRM,
	    .image = -1,
	    .first_chunk_timeout_ms = 60000,
	    .chunk_timeout_ms = 2500,
	    .last_chunk_timeout_ms = 20000,
	    .command_timeout_ms = 5000,
	    .chunk_retries = 5,
	    .reset_timeout_ms = 300000,
	    .reset_grace_ms = 5000,
	    .connect_timeout_ms = 60000,
	    .min_rate = 256,
	};
}

guint64
dfud_update_upload_bound_ms(const DfudUpdateOptions *options, guint64 size)
{
	g_return_val_if_fail(options != NULL, 0);

	return (guint64)options->first_chunk_timeout_ms + options->last_chunk_timeout_ms +
	       size * 1000 / MAX(options->min_rate, 1u);
}

const gchar *
dfud_update_mode_to_string(DfudUpdateMode mode)
{
	if ((guint)mode >= G_N_ELEMENTS(mode_names))
		return "unknown";
	return mode_names[mode];
}

gboolean
dfud_update_mode_from_string(const gchar *str, DfudUpdateMode *mode)
{
	for (guint i = 0; i < G_N_ELEMENTS(mode_names); i++) {
		if (g_strcmp0(str, mode_names[i]) == 0) {
			if (mode != NULL)
				*mode = (DfudUpdateMode)i;
			return TRUE;
		}
	}
	return FALSE;
}
