/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dfud-dbus-generated.h"
#include "dfuctl.h"

G_BEGIN_DECLS

/*
 * The display of running jobs on stdout. On a terminal (isatty and TERM not dumb) one line per
 * job, redrawn in place: stage, bar, percent, rate and ETA, coloured unless NO_COLOR is set or
 * TERM has no colours. Anything else gets plain lines "STAGE PERCENT% DONE/TOTAL RATE", at
 * every stage change and at most once a second in between.
 */
typedef struct _DfuctlProgress DfuctlProgress;

/* decides terminal or lines, colour and width from stdout and the environment */
DfuctlProgress *dfuctl_progress_new(void);
/* @width: the terminal's columns (0: ask the terminal) */
DfuctlProgress *dfuctl_progress_new_full(gboolean terminal, gboolean color, guint width);
void dfuctl_progress_free(DfuctlProgress *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfuctlProgress, dfuctl_progress_free)

/* shows @job's current properties; @label (may be NULL) starts its line, to tell jobs apart */
void dfuctl_progress_update(DfuctlProgress *self, DfudDbusJob *job, const gchar *label);
/* leaves the redrawn lines behind (ends them with a newline) so other output can follow */
void dfuctl_progress_end(DfuctlProgress *self);

typedef enum {
	DFUCTL_FOLLOW_NONE = 0,
	/* Ctrl-C cancels the jobs (Job.Cancel) and waits for them to end (update) */
	DFUCTL_FOLLOW_CANCEL_ON_INTERRUPT = 1 << 0,
	/* with --json: one JSON line per change of a job (watch); else one object at the end */
	DFUCTL_FOLLOW_JSON_LINES = 1 << 1,
} DfuctlFollowFlags;

/*
 * Follows @jobs (of DfudDbusJob) until every one has ended, showing their progress (or JSON),
 * then prints each outcome: "verified: DEVICE runs VERSION (hash ...)" and the like on stdout,
 * a failure on stderr with the error's name and message. Returns the exit code: 0 when every
 * job succeeded, 2 when every one found nothing to do, else the code of the first failure
 * (6 for Reverted, 1 for a cancelled job or an interrupted wait).
 */
int dfuctl_follow_jobs(const DfuctlOptions *options, const gchar *verb, GPtrArray *jobs,
		       DfuctlFollowFlags flags);

G_END_DECLS
