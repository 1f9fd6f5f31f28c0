/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-rate.h"

#define WINDOW_US G_USEC_PER_SEC

void
dfud_update_rate_reset(DfudUpdateRate *rate)
{
	*rate = (DfudUpdateRate){0};
}

static gdouble
per_second(const DfudUpdateRateSample *from, gint64 now_us, guint64 bytes)
{
	if (now_us <= from->t_us || bytes < from->bytes)
		return 0;
	return (gdouble)(bytes - from->bytes) * G_USEC_PER_SEC / (gdouble)(now_us - from->t_us);
}

void
dfud_update_rate_add(DfudUpdateRate *rate, gint64 now_us, guint64 bytes, gdouble *current,
		     gdouble *mean)
{
	DfudUpdateRateSample *oldest;

	if (!rate->started) {
		rate->started = TRUE;
		rate->start = (DfudUpdateRateSample){now_us, bytes};
	}
	/* forget samples older than the window, but keep one to measure from */
	while (rate->n > 1 && now_us - rate->samples[rate->first].t_us > WINDOW_US) {
		rate->first = (rate->first + 1) % DFUD_UPDATE_RATE_SAMPLES;
		rate->n--;
	}
	if (rate->n == DFUD_UPDATE_RATE_SAMPLES) {
		rate->first = (rate->first + 1) % DFUD_UPDATE_RATE_SAMPLES;
		rate->n--;
	}
	rate->samples[(rate->first + rate->n) % DFUD_UPDATE_RATE_SAMPLES] =
	    (DfudUpdateRateSample){now_us, bytes};
	rate->n++;
	oldest = &rate->samples[rate->first];
	if (current != NULL)
		*current = per_second(oldest, now_us, bytes);
	if (mean != NULL)
		*mean = per_second(&rate->start, now_us, bytes);
}
