/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlPlaceholder"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl.h"

int
dfuctl_watch_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("watch", "not written yet");
}

