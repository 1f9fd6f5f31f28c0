/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DFUD_DBUS_NAME "org.dfud.Dfu1"
#define DFUD_DBUS_PATH "/org/dfud/Dfu1"
#define DFUD_DBUS_DEVICE_PATH DFUD_DBUS_PATH "/Device"
#define DFUD_DBUS_JOB_PATH DFUD_DBUS_PATH "/Job"
#define DFUD_DBUS_ERROR_PREFIX "org.dfud.Dfu1.Error."

/* maps every DfudErrorCode to org.dfud.Dfu1.Error.<Name> and back; idempotent */
void dfud_dbus_error_register(void);

/* answers @invocation with @error mapped into our domain first (never a raw foreign error) */
void dfud_dbus_error_return(GDBusMethodInvocation *invocation, const GError *error);

/*
 * the DFUD_ERROR of a failed call: ours come back as they were sent, AccessDenied as
 * NotAuthorized, a missing service or object as NotFound, the rest as Failed; the remote
 * error name is stripped from the message
 */
GError *dfud_dbus_error_from_remote(const GError *error);

G_END_DECLS
