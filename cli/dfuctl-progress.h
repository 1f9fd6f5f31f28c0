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

/* @text with control characters replaced, safe to print (it comes from devices and dfud) */
gchar *dfuctl_progress_sanitize(const gchar *text);
/* done, failed or cancelled */
gboolean dfuctl_job_status_is_final(const gchar *status);

G_END_DECLS
