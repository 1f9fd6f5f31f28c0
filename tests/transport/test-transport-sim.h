/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* a dfud-sim process on a free loopback port with a fresh state directory */
typedef struct {
	GSubprocess *process;
	gchar *state_dir;
	gchar *host; /* without brackets */
	guint16 port;
} TestSim;

/* @host: "127.0.0.1" or "::1"; @extra: more options (NULL-terminated, may be NULL) */
TestSim *test_sim_start(const gchar *host, const gchar *const *extra);
void test_sim_stop(TestSim *sim);

/* runs the default main context until *@done or @timeout_ms; FALSE on timeout */
gboolean test_loop_run_until(const gboolean *done, guint timeout_ms);
/* runs the default main context for @ms */
void test_loop_run_for(guint ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestSim, test_sim_stop)

G_END_DECLS
