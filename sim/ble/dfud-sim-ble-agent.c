/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBle"

#include "dfud-sim-ble-agent.h"

#include "dfud-bluez-agent1.h"

#define BLUEZ "org.bluez"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define AGENT_PATH "/org/dfud/sim/agent"
#define CALL_TIMEOUT_MS 25000

struct _DfudSimBleAgent {
	GDBusConnection *bus;
	guint passkey;
	gchar *prefix; /* "/org/bluez/hci1/": the devices this agent answers for */
	guint reg_id;
};

static const gchar agent_xml[] = DFUD_BLUEZ_AGENT1_XML;

static void
agent_method(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
	     const gchar *method, GVariant *params, GDBusMethodInvocation *invocation,
	     gpointer user_data)
{
	DfudSimBleAgent *self = user_data;
	g_autofree gchar *args = g_variant_print(params, FALSE);

	(void)bus;
	(void)sender;
	(void)path;
	(void)iface;
	g_autoptr(GVariant) first =
	    g_variant_n_children(params) > 0 ? g_variant_get_child_value(params, 0) : NULL;
	const gchar *device =
	    first != NULL && g_variant_is_of_type(first, G_VARIANT_TYPE_OBJECT_PATH)
		? g_variant_get_string(first, NULL)
		: NULL;

	g_message("pairing: Agent1.%s%s", method, args);
	if (device != NULL && !g_str_has_prefix(device, self->prefix))
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Rejected",
							   "not the simulated device's adapter");
	else if (g_strcmp0(method, "RequestPasskey") == 0)
		g_dbus_method_invocation_return_value(invocation,
						      g_variant_new("(u)", (guint32)self->passkey));
	else if (g_strcmp0(method, "RequestConfirmation") == 0 ||
		 g_strcmp0(method, "RequestPinCode") == 0 ||
		 g_strcmp0(method, "DisplayPasskey") == 0 ||
		 g_strcmp0(method, "DisplayPinCode") == 0)
		/* a keyboard only: nothing to show or to say yes to */
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Rejected",
							   "a keyboard only");
	else
		g_dbus_method_invocation_return_value(invocation, NULL);
}

static const GDBusInterfaceVTable agent_vtable = {agent_method, NULL, NULL, {0}};

DfudSimBleAgent *
dfud_sim_ble_agent_new(GDBusConnection *bus, const gchar *adapter_path, guint passkey,
		       GError **error)
{
	g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(agent_xml, error);
	DfudSimBleAgent *self;

	if (info == NULL)
		return NULL;
	self = g_new0(DfudSimBleAgent, 1);
	self->bus = g_object_ref(bus);
	self->passkey = passkey;
	self->prefix = g_strconcat(adapter_path, "/", NULL);
	self->reg_id = g_dbus_connection_register_object(bus, AGENT_PATH, info->interfaces[0],
							 &agent_vtable, self, NULL, error);
	if (self->reg_id == 0) {
		dfud_sim_ble_agent_free(self);
		return NULL;
	}
	return self;
}

static void
call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	const gchar *what = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_message("AgentManager1.%s: %s", what, error->message);
	else if (ret != NULL)
		g_debug("AgentManager1.%s: done", what);
}

void
dfud_sim_ble_agent_register(DfudSimBleAgent *self, GCancellable *cancellable)
{
	/* bluetoothd answers them in order: the default request finds the agent registered */
	g_dbus_connection_call(self->bus, BLUEZ, "/org/bluez", IFACE_AGENT_MANAGER, "RegisterAgent",
			       g_variant_new("(os)", AGENT_PATH, "KeyboardOnly"), NULL,
			       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, cancellable, call_done,
			       (gpointer) "RegisterAgent");
	g_dbus_connection_call(self->bus, BLUEZ, "/org/bluez", IFACE_AGENT_MANAGER,
			       "RequestDefaultAgent", g_variant_new("(o)", AGENT_PATH), NULL,
			       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, cancellable, call_done,
			       (gpointer) "RequestDefaultAgent");
}

void
dfud_sim_ble_agent_free(DfudSimBleAgent *self)
{
	if (self == NULL)
		return;
	if (self->reg_id != 0)
		g_dbus_connection_unregister_object(self->bus, self->reg_id);
	g_object_unref(self->bus);
	g_free(self->prefix);
	g_free(self);
}
