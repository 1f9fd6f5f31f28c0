/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dfuctl.h"

G_BEGIN_DECLS

/* following jobs until they end, showing them through dfuctl-progress */
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
