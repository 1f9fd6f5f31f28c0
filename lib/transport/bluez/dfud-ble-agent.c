/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-agent.h"

#include <unistd.h>

#include "dfud-bluez-agent1.h"
#include "dfud-error.h"

#define BLUEZ "org.bluez"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define CALL_TIMEOUT_MS 25000

struct _DfudBleAgent {
	GDBusConnection *bus;
	gint passkey;
	gchar *path;
	guint reg_id;
	gboolean registered;
};

static const gchar agent_xml[] = DFUD_BLUEZ_AGENT1_XML;

static void
agent_method(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
	     const gchar *method, GVariant *params, GDBusMethodInvocation *invocation,
	     gpointer user_data)
{
	DfudBleAgent *self = user_data;
	g_autofree gchar *args = g_variant_print(params, FALSE);

	(void)bus;
	(void)sender;
	(void)path;
	(void)iface;
	g_debug("Agent1.%s%s", method, args);
	if (g_strcmp0(method, "RequestPasskey") == 0) {
		if (self->passkey == DFUD_BLE_AGENT_NO_PASSKEY) {
			g_dbus_method_invocation_return_dbus_error(
			    invocation, "org.bluez.Error.Rejected", "no passkey configured");
			return;
		}
		g_dbus_method_invocation_return_value(invocation,
						      g_variant_new("(u)", (guint32)self->passkey));
	} else if (g_strcmp0(method, "RequestConfirmation") == 0) {
		guint32 shown = 0;

		g_variant_get(params, "(&ou)", NULL, &shown);
		if (self->passkey != DFUD_BLE_AGENT_NO_PASSKEY && shown == (guint32)self->passkey) {
			g_dbus_method_invocation_return_value(invocation, NULL);
		} else {
			g_message("pairing: the device shows passkey %06u, %s", shown,
				  self->passkey == DFUD_BLE_AGENT_NO_PASSKEY
				      ? "no passkey was given"
				      : "not the one given");
			g_dbus_method_invocation_return_dbus_error(
			    invocation, "org.bluez.Error.Rejected", "passkey mismatch");
		}
	} else if (g_strcmp0(method, "RequestPinCode") == 0) {
		/* BR/EDR legacy pairing: not an SMP device */
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Rejected",
							   "no PIN code");
	} else {
		/* Release, Cancel, Display*, RequestAuthorization, AuthorizeService: accept */
		g_dbus_method_invocation_return_value(invocation, NULL);
	}
}

static const GDBusInterfaceVTable agent_vtable = {agent_method, NULL, NULL, {0}};

DfudBleAgent *
dfud_ble_agent_new(GDBusConnection *bus, gint passkey)
{
	static gint counter;
	DfudBleAgent *self = g_new0(DfudBleAgent, 1);

	self->bus = g_object_ref(bus);
	self->passkey = passkey >= 0 && passkey <= 999999 ? passkey : DFUD_BLE_AGENT_NO_PASSKEY;
	self->path = g_strdup_printf("/org/dfud/ble_agent/%u_%d", (guint)getpid(),
				     g_atomic_int_add(&counter, 1));
	return self;
}

static void
register_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	DfudBleAgent *self = g_task_get_task_data(task);
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL) {
		g_autofree gchar *remote = g_dbus_error_get_remote_error(error);

		/* one agent per connection and path: already there is fine */
		if (g_strcmp0(remote, "org.bluez.Error.AlreadyExists") != 0) {
			g_dbus_error_strip_remote_error(error);
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_FAILED,
						"AgentManager1.RegisterAgent: %s", error->message);
			return;
		}
	}
	self->registered = TRUE;
	g_task_return_boolean(task, TRUE);
}

void
dfud_ble_agent_register_async(DfudBleAgent *self, GCancellable *cancellable,
			      GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	g_autoptr(GDBusNodeInfo) info = NULL;
	GError *error = NULL;

	g_task_set_source_tag(task, dfud_ble_agent_register_async);
	g_task_set_task_data(task, self, NULL);
	if (self->registered) {
		g_task_return_boolean(task, TRUE);
		g_object_unref(task);
		return;
	}
	if (self->reg_id == 0) {
		info = g_dbus_node_info_new_for_xml(agent_xml, &error);
		if (info != NULL)
			self->reg_id = g_dbus_connection_register_object(
			    self->bus, self->path, info->interfaces[0], &agent_vtable, self, NULL,
			    &error);
		if (self->reg_id == 0) {
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_FAILED,
						"exporting the pairing agent: %s", error->message);
			g_error_free(error);
			g_object_unref(task);
			return;
		}
	}
	g_dbus_connection_call(
	    self->bus, BLUEZ, "/org/bluez", IFACE_AGENT_MANAGER, "RegisterAgent",
	    g_variant_new("(os)", self->path,
			  self->passkey == DFUD_BLE_AGENT_NO_PASSKEY ? "NoInputNoOutput"
								     : "KeyboardOnly"),
	    NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, cancellable, register_done, task);
}

gboolean
dfud_ble_agent_register_finish(DfudBleAgent *self, GAsyncResult *result, GError **error)
{
	(void)self;
	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

void
dfud_ble_agent_free(DfudBleAgent *self)
{
	if (self == NULL)
		return;
	if (self->registered)
		g_dbus_connection_call(self->bus, BLUEZ, "/org/bluez", IFACE_AGENT_MANAGER,
				       "UnregisterAgent", g_variant_new("(o)", self->path), NULL,
				       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
	if (self->reg_id != 0)
		g_dbus_connection_unregister_object(self->bus, self->reg_id);
	g_object_unref(self->bus);
	g_free(self->path);
	g_free(self);
}
