/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlPlaceholder"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl.h"

int
dfuctl_devices_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("devices", "not written yet");
}

int
dfuctl_add_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("add", "not written yet");
}

int
dfuctl_remove_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("remove", "not written yet");
}

int
dfuctl_info_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("info", "not written yet");
}

int
dfuctl_images_run(const DfuctlOptions *options, int argc, char **argv)
{
	return dfuctl_usage("images", "not written yet");
}

