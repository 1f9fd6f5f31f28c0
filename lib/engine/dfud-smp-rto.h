/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The retransmission timeout of SMP requests over a lossy transport, as TCP's (RFC 6298): the
 * smoothed round trip plus four times its variation, from requests answered after one send
 * (Karn's rule), never below DFUD_SMP_RTO_MIN_MS nor above DFUD_SMP_RTO_MAX_MS;
 * DFUD_SMP_RTO_INITIAL_MS before the first sample.
 */
#define DFUD_SMP_RTO_INITIAL_MS 1000u
#define DFUD_SMP_RTO_MIN_MS 200u
#define DFUD_SMP_RTO_MAX_MS 3000u

typedef struct {
	gint64 srtt_us; /* 0 before the first sample */
	gint64 rttvar_us;
	gint64 rto_us;	    /* what the next request waits before a copy */
	gint64 measured_us; /* what the samples alone give */
} DfudSmpRto;

void dfud_smp_rto_init(DfudSmpRto *rto);
/* one round trip of a request sent once */
void dfud_smp_rto_sample(DfudSmpRto *rto, gint64 rtt_us);
/*
 * a request answered after copies, the last of which waited @gap_us: the wait that worked is
 * kept for the next requests until one is measured again (RFC 6298 section 5.7's back-off), so
 * a device slower than the timeout gets fewer copies; but at most twice what the samples give:
 * over a lossy path most copies make up for a loss, not for a slow device, and a timeout backed
 * off by one unlucky request would leave the next ones too few copies within their own timeout
 */
void dfud_smp_rto_backed_off(DfudSmpRto *rto, gint64 gap_us);
/* starts from what an earlier client of the device measured (nothing when @srtt_us is 0) */
void dfud_smp_rto_seed(DfudSmpRto *rto, gint64 srtt_us, gint64 rttvar_us);

G_END_DECLS
