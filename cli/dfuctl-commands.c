/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlPlaceholder"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl.h"

int
dfuctl_test_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("test", "not written yet");
}

int
dfuctl_confirm_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("confirm", "not written yet");
}

int
dfuctl_erase_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("erase", "not written yet");
}

int
dfuctl_reset_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("reset", "not written yet");
}

int
dfuctl_echo_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("echo", "not written yet");
}

