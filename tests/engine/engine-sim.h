/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "dfud-error.h"
#include "engine/dfud-updater.h"

G_BEGIN_DECLS

/* a dfud-sim serving UDP on a free port of 127.0.0.1, with its own state dir and JSON log */
typedef struct {
	GSubprocess *process;
	gchar *dir;
	gchar *log_path;
	gchar *uri;
	GPtrArray *log; /* of JsonObject, filled by engine_sim_stop() */
	gchar *serial_uri;     /* with --serial: "serial:DIR/tty", the link the simulator keeps */
	GDataInputStream *out; /* the simulator's stdout after READY (serial: "reopened" lines) */
} EngineSim;

/* NULL-terminated extra arguments; the test fails when the simulator does not start. With
 * "--serial" the simulator also serves a PTY, linked from DIR/tty (sim->serial_uri). */
EngineSim *engine_sim_start(const gchar *first_arg, ...) G_GNUC_NULL_TERMINATED;
EngineSim *engine_sim_startv(const gchar *const *args);
/* stops the simulator and reads its log */
void engine_sim_stop(EngineSim *sim);
void engine_sim_free(EngineSim *sim);

/* the log's upload requests' offsets, in order */
GArray *engine_sim_upload_offsets(EngineSim *sim);
/* the log's upload requests' sizes (datagram bytes), in order */
GArray *engine_sim_upload_sizes(EngineSim *sim);
/* requests of @command ("image upload", "os reset") in the log */
guint engine_sim_count_requests(EngineSim *sim, const gchar *command);
/* events @event ("reset", "drop") in the log */
guint engine_sim_count_events(EngineSim *sim, const gchar *event);
/* most requests received and not yet answered at any time */
guint engine_sim_max_in_flight(EngineSim *sim);

/* test options: short timeouts for an instant simulator */
void engine_test_options(DfudUpdateOptions *options);
DfudPackage *engine_load_package(const gchar *name);
/* runs an update to completion; returns its error (NULL on success) */
GError *engine_run_update(const gchar *uri, DfudPackage *package, const DfudUpdateOptions *options);
/* idem, and the last progress the update reported (its plan among it) */
GError *engine_run_update_full(const gchar *uri, DfudPackage *package,
			       const DfudUpdateOptions *options, DfudUpdateProgress *last);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EngineSim, engine_sim_free)

G_END_DECLS
