/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* global options, shared by every verb */
typedef struct {
	gboolean json;
} DfuctlOptions;

/* a verb gets its own argv (argv[0] is the verb) and returns a DfudExitCode */
typedef int (*DfuctlVerbFunc)(const DfuctlOptions *options, int argc, char **argv);

typedef struct {
	const gchar *name;
	const gchar *args;
	const gchar *summary;
	DfuctlVerbFunc run;
} DfuctlVerb;

/* the documented exit codes, for the --help of every verb */
const gchar *
dfuctl_exit_status_text(void);

int
dfuctl_inspect_run(const DfuctlOptions *options, int argc, char **argv);

/* prints "dfuctl VERB: message (ErrorName)" (or a JSON error object) and returns the exit code */
int
dfuctl_fail(const DfuctlOptions *options, const gchar *verb, const GError *error);
int
dfuctl_usage(const gchar *verb, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

G_END_DECLS
