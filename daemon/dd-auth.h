/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* polkit actions; the bus policy (root, group dfu) is the first check, polkit the optional second */
#define DD_AUTH_ACTION_UPDATE "org.dfud.dfu1.update"
#define DD_AUTH_ACTION_MANAGE "org.dfud.dfu1.manage" /* add/remove, reset, erase, test, confirm, scan */

#define DD_TYPE_AUTH (dd_auth_get_type())
G_DECLARE_FINAL_TYPE(DdAuth, dd_auth, DD, AUTH, GObject)

/* @use_polkit FALSE (or a build without the polkit feature): every call is allowed here */
DdAuth *dd_auth_new(gboolean use_polkit);
/*
 * asks the polkit authority on @bus rather than on the system bus, whatever the build: the
 * polkit path is compiled in always, so tests drive it against a mock on a private bus
 */
DdAuth *dd_auth_new_for_bus(GDBusConnection *bus);
gboolean dd_auth_uses_polkit(DdAuth *self);

/*
 * asks polkit, asynchronously, whether the sender of @invocation may do @action (interaction
 * allowed when the caller set G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
 * fails with DFUD_ERROR_NOT_AUTHORIZED naming the action, or DFUD_ERROR_FAILED when polkit
 * cannot be reached
 */
void dd_auth_check_async(DdAuth *self, GDBusMethodInvocation *invocation, const gchar *action,
			 GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data);
gboolean dd_auth_check_finish(DdAuth *self, GAsyncResult *res, GError **error);

G_END_DECLS
