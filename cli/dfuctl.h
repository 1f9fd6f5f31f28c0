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
	gboolean session; /* talk to dfud on the session bus (dfud --session) */
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
/* dfuctl-devices.c */
int dfuctl_devices_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_add_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_remove_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_info_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_images_run(const DfuctlOptions *options, int argc, char **argv);
/* dfuctl-scan.c */
int dfuctl_scan_run(const DfuctlOptions *options, int argc, char **argv);
/* dfuctl-commands.c */
int dfuctl_test_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_confirm_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_erase_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_reset_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_echo_run(const DfuctlOptions *options, int argc, char **argv);
/* dfuctl-jobs.c */
int dfuctl_jobs_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_cancel_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_history_run(const DfuctlOptions *options, int argc, char **argv);
/* dfuctl-update.c, dfuctl-watch.c */
int dfuctl_update_run(const DfuctlOptions *options, int argc, char **argv);
int dfuctl_watch_run(const DfuctlOptions *options, int argc, char **argv);

/* prints "dfuctl VERB: message (ErrorName)" (or a JSON error object) and returns the exit code */
int
dfuctl_fail(const DfuctlOptions *options, const gchar *verb, const GError *error);

/*
 * parses a verb's command line: its own @entries (may be NULL) plus --json and --session,
 * which may also come after the verb; --help shows @params, @summary and the exit codes.
 * Leaves the positional arguments in argc and argv (argv[0] is the verb). On a usage error
 * prints it and returns FALSE with *exit_code = 64; after --help, FALSE with *exit_code = 0.
 */
gboolean
dfuctl_verb_parse(const gchar *verb, const gchar *params, const gchar *summary,
		  const GOptionEntry *entries, DfuctlOptions *options, int *argc, char ***argv,
		  int *exit_code);
int
dfuctl_usage(const gchar *verb, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

G_END_DECLS
