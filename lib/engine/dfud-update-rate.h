/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* internal to the engine: upload rates, over the last second and since the first sample */
#define DFUD_UPDATE_RATE_SAMPLES 32u

typedef struct {
	gint64 t_us;
	guint64 bytes;
} DfudUpdateRateSample;

typedef struct {
	DfudUpdateRateSample samples[DFUD_UPDATE_RATE_SAMPLES];
	guint first;
	guint n;
	DfudUpdateRateSample start;
	gboolean started;
} DfudUpdateRate;

void dfud_update_rate_reset(DfudUpdateRate *rate);
/* records @bytes done at @now_us; outputs bytes/s over the last second and since the start */
void dfud_update_rate_add(DfudUpdateRate *rate, gint64 now_us, guint64 bytes, gdouble *current,
			  gdouble *mean);

G_END_DECLS
