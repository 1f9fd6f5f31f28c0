/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlPlaceholder"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl.h"

int
dfuctl_jobs_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("jobs", "not written yet");
}

int
dfuctl_cancel_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("cancel", "not written yet");
}

int
dfuctl_history_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("history", "not written yet");
}

