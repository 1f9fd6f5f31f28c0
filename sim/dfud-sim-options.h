/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "device/dfud-sim-config.h"

G_BEGIN_DECLS

/* the dfud-sim command line, parsed (dfud-sim(1) documents every option) */
typedef struct {
	DfudSimConfig *config;	/* defaults from dfud_sim_config_new(), then the options */
	GPtrArray *fault_specs; /* element-type utf8: the --fault specs, in order */
	gboolean udp;		/* serve UDP: --udp given, or no --ble (then the default address) */
	gboolean show_version;	/* --version */
	guint64 capacity_bytes; /* --capacity BYTES: print the model's bound as JSON; 0: serve */
} DfudSimOptions;

/*
 * Parses @argv (GOptionContext: --help prints the options with their defaults and exits).
 * Every bad value or unknown option is DFUD_ERROR_INVALID_ARGUMENT with a message naming the
 * option. The faults of --fault and --fault-file are parsed into config->faults; the result is
 * not yet checked with dfud_sim_config_validate().
 */
DfudSimOptions *dfud_sim_options_parse(gint argc, gchar **argv, GError **error);
void dfud_sim_options_free(DfudSimOptions *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimOptions, dfud_sim_options_free)
/*
 * The faults to run with now: the --fault specs, then the --fault-file lines (the file read
 * again). element-type DfudSimFault, a new array on every call.
 */
GPtrArray *dfud_sim_options_load_faults(const DfudSimOptions *self, GError **error);

G_END_DECLS
