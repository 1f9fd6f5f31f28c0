/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-progress.h"

static const gchar *const stage_names[] = {
    [DFUD_UPDATE_STAGE_QUEUED] = "queued",	   [DFUD_UPDATE_STAGE_CONNECTING] = "connecting",
    [DFUD_UPDATE_STAGE_UPLOADING] = "uploading",   [DFUD_UPDATE_STAGE_TESTING] = "testing",
    [DFUD_UPDATE_STAGE_RESETTING] = "resetting",   [DFUD_UPDATE_STAGE_VERIFYING] = "verifying",
    [DFUD_UPDATE_STAGE_CONFIRMING] = "confirming", [DFUD_UPDATE_STAGE_DONE] = "done",
    [DFUD_UPDATE_STAGE_FAILED] = "failed",	   [DFUD_UPDATE_STAGE_CANCELLED] = "cancelled",
};

const gchar *
dfud_update_stage_to_string(DfudUpdateStage stage)
{
	if ((guint)stage >= G_N_ELEMENTS(stage_names))
		return "unknown";
	return stage_names[stage];
}
