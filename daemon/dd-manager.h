/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-config.h"

G_BEGIN_DECLS

/*
 * The daemon's root: org.dfud.Dfu1.Manager and the ObjectManager at /org/dfud/Dfu1, the
 * devices (added ones, remembered in the state directory, and BlueZ's SMP devices), the jobs
 * (restored from the journal at start), the history.
 */
#define DD_TYPE_MANAGER (dd_manager_get_type())
G_DECLARE_FINAL_TYPE(DdManager, dd_manager, DD, MANAGER, GObject)

/* takes @config; opens the state directory (created 0700 when missing); @system_bus: callers
 * come over the system bus, so polkit (in a build with it) can vouch for them */
DdManager *dd_manager_new(DdConfig *config, const gchar *state_dir, gboolean system_bus,
			  GError **error);
/* exports everything on @bus and takes up the journaled jobs; call before owning the name */
gboolean dd_manager_export(DdManager *self, GDBusConnection *bus, GError **error);
/* follow BlueZ on @bus (the system bus; NULL: never) */
void dd_manager_set_bluez_bus(DdManager *self, GDBusConnection *bus);

G_END_DECLS
