/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "engine/dfud-update-strategy.h"

G_BEGIN_DECLS

/* the stages of an update, in order; the names are the D-Bus Job Status strings */
typedef enum {
	DFUD_UPDATE_STAGE_QUEUED,
	DFUD_UPDATE_STAGE_CONNECTING,
	DFUD_UPDATE_STAGE_UPLOADING,
	DFUD_UPDATE_STAGE_TESTING, /* marking: test or confirm before the reset */
	DFUD_UPDATE_STAGE_RESETTING,
	DFUD_UPDATE_STAGE_VERIFYING,
	DFUD_UPDATE_STAGE_CONFIRMING,
	DFUD_UPDATE_STAGE_DONE,
	DFUD_UPDATE_STAGE_FAILED,
	DFUD_UPDATE_STAGE_CANCELLED,
} DfudUpdateStage;

typedef struct {
	DfudUpdateStage stage;
	guint image_index;  /* the image being uploaded or marked */
	guint64 bytes_done; /* over all images to upload */
	guint64 bytes_total;
	gdouble rate;	   /* bytes/s over the last second */
	gdouble mean_rate; /* bytes/s since the first chunk */
	guint mtu;	   /* the link's ATT MTU (BLE), 0 when it has none (UDP) */
	guint buf_size;	   /* packet size used (device buf_size or transport limit) */
	guint window;	   /* requests in flight allowed */
	guint smp_version;
	/* the plan, once made (before the first byte): the device's MCUboot mode, what dfud does
	 * in it and what success will mean */
	gboolean planned;
	DfudUpdateSteps steps;
} DfudUpdateProgress;

const gchar *dfud_update_stage_to_string(DfudUpdateStage stage);

G_END_DECLS
