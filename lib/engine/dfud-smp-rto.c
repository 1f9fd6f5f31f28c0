/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-smp-rto.h"

#define MS(ms) ((gint64)(ms) * G_TIME_SPAN_MILLISECOND)

/* RFC 6298 section 2: the timeout from the smoothed round trip and its variation */
static void
update(DfudSmpRto *rto)
{
	rto->rto_us = CLAMP(rto->srtt_us + MAX(G_TIME_SPAN_MILLISECOND, 4 * rto->rttvar_us),
			    MS(DFUD_SMP_RTO_MIN_MS), MS(DFUD_SMP_RTO_MAX_MS));
	rto->measured_us = rto->rto_us;
}

void
dfud_smp_rto_init(DfudSmpRto *rto)
{
	*rto = (DfudSmpRto){0, 0, MS(DFUD_SMP_RTO_INITIAL_MS), MS(DFUD_SMP_RTO_INITIAL_MS)};
}

void
dfud_smp_rto_sample(DfudSmpRto *rto, gint64 rtt_us)
{
	rtt_us = MAX(rtt_us, 1);
	if (rto->srtt_us == 0) {
		rto->srtt_us = rtt_us;
		rto->rttvar_us = rtt_us / 2;
	} else {
		rto->rttvar_us = (3 * rto->rttvar_us + ABS(rto->srtt_us - rtt_us)) / 4;
		rto->srtt_us = (7 * rto->srtt_us + rtt_us) / 8;
	}
	update(rto);
}

void
dfud_smp_rto_backed_off(DfudSmpRto *rto, gint64 gap_us)
{
	gint64 cap = MIN(2 * rto->measured_us, MS(DFUD_SMP_RTO_MAX_MS));

	rto->rto_us = MAX(rto->rto_us, MIN(gap_us, cap));
}

void
dfud_smp_rto_seed(DfudSmpRto *rto, gint64 srtt_us, gint64 rttvar_us)
{
	if (srtt_us <= 0)
		return;
	rto->srtt_us = srtt_us;
	rto->rttvar_us = MAX(rttvar_us, 0);
	update(rto);
}
