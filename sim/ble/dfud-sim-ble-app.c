/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBle"

#include "config.h"

#include "dfud-sim-ble-app.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "dfud-sim-ble-socket.h"

#define IFACE_OM "org.freedesktop.DBus.ObjectManager"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHR "org.bluez.GattCharacteristic1"
#define IFACE_ADV "org.bluez.LEAdvertisement1"

static const gchar introspection_xml[] =
    "<node>"
    " <interface name='" IFACE_OM "'>"
    "  <method name='GetManagedObjects'>"
    "   <arg type='a{oa{sa{sv}}}' name='objects' direction='out'/>"
    "  </method>"
    " </interface>"
    " <interface name='" IFACE_SERVICE "'>"
    "  <property type='s' name='UUID' access='read'/>"
    "  <property type='b' name='Primary' access='read'/>"
    " </interface>"
    " <interface name='" IFACE_CHR "'>"
    "  <method name='ReadValue'>"
    "   <arg type='a{sv}' name='options' direction='in'/>"
    "   <arg type='ay' name='value' direction='out'/>"
    "  </method>"
    "  <method name='WriteValue'>"
    "   <arg type='ay' name='value' direction='in'/>"
    "   <arg type='a{sv}' name='options' direction='in'/>"
    "  </method>"
    "  <method name='AcquireWrite'>"
    "   <arg type='a{sv}' name='options' direction='in'/>"
    "   <arg type='h' name='fd' direction='out'/>"
    "   <arg type='q' name='mtu' direction='out'/>"
    "  </method>"
    "  <method name='AcquireNotify'>"
    "   <arg type='a{sv}' name='options' direction='in'/>"
    "   <arg type='h' name='fd' direction='out'/>"
    "   <arg type='q' name='mtu' direction='out'/>"
    "  </method>"
    "  <method name='StartNotify'/>"
    "  <method name='StopNotify'/>"
    "  <property type='s' name='UUID' access='read'/>"
    "  <property type='o' name='Service' access='read'/>"
    "  <property type='as' name='Flags' access='read'/>"
    "  <property type='b' name='Notifying' access='read'/>"
    "  <property type='b' name='WriteAcquired' access='read'/>"
    "  <property type='b' name='NotifyAcquired' access='read'/>"
    " </interface>"
    " <interface name='" IFACE_ADV "'>"
    "  <method name='Release'/>"
    "  <property type='s' name='Type' access='read'/>"
    "  <property type='as' name='ServiceUUIDs' access='read'/>"
    "  <property type='s' name='LocalName' access='read'/>"
    "  <property type='b' name='Discoverable' access='read'/>"
    " </interface>"
    "</node>";

struct _DfudSimBleApp {
	GDBusConnection *bus;
	GDBusNodeInfo *info;
	gchar *root;
	gchar *service_path;
	gchar *chr_path;
	gchar *adv_path;
	gchar *name;
	DfudSimSecurity security;
	gboolean acquire_write; /* AcquireWrite is offered */
	DfudSimBleAppCallbacks callbacks;
	gpointer user_data;
	gboolean notifying;	  /* notifications on, either way */
	gboolean notify_started;  /* through StartNotify */
	DfudSimBleSocket *notify; /* through AcquireNotify */
	DfudSimBleSocket *write;  /* AcquireWrite's, for write_device */
	gchar *write_device;
	guint write_mtu;
	guint reg_ids[4];
};

const gchar *const *
dfud_sim_ble_app_flags(DfudSimSecurity security)
{
	/* the plain property bits plus what bluetoothd must enforce on the value and the CCCD */
	static const gchar *const none[] = {"write-without-response", "notify", NULL};
	static const gchar *const encrypt[] = {"write-without-response", "notify", "encrypt-write",
					       "encrypt-notify", NULL};
	static const gchar *const authen[] = {"write-without-response", "notify",
					      "encrypt-authenticated-write",
					      "encrypt-authenticated-notify", NULL};

	switch (security) {
	case DFUD_SIM_SECURITY_ENCRYPT:
		return encrypt;
	case DFUD_SIM_SECURITY_AUTHENTICATE:
		return authen;
	case DFUD_SIM_SECURITY_NONE:
		break;
	}
	return none;
}

static GVariant *
service_property(DfudSimBleApp *self, const gchar *name)
{
	(void)self;
	if (g_strcmp0(name, "UUID") == 0)
		return g_variant_new_string(DFUD_SIM_BLE_SMP_SERVICE_UUID);
	if (g_strcmp0(name, "Primary") == 0)
		return g_variant_new_boolean(TRUE);
	return NULL;
}

static GVariant *
chr_property(DfudSimBleApp *self, const gchar *name)
{
	if (g_strcmp0(name, "UUID") == 0)
		return g_variant_new_string(DFUD_SIM_BLE_SMP_CHARACTERISTIC_UUID);
	if (g_strcmp0(name, "Service") == 0)
		return g_variant_new_object_path(self->service_path);
	if (g_strcmp0(name, "Flags") == 0)
		return g_variant_new_strv((const gchar **)dfud_sim_ble_app_flags(self->security),
					  -1);
	if (g_strcmp0(name, "Notifying") == 0)
		return g_variant_new_boolean(self->notifying);
	/* their presence tells bluetoothd that AcquireWrite and AcquireNotify are served */
	if (g_strcmp0(name, "WriteAcquired") == 0 && self->acquire_write)
		return g_variant_new_boolean(self->write != NULL);
	if (g_strcmp0(name, "NotifyAcquired") == 0)
		return g_variant_new_boolean(self->notify != NULL);
	return NULL;
}

static GVariant *
adv_property(DfudSimBleApp *self, const gchar *name)
{
	if (g_strcmp0(name, "Type") == 0)
		return g_variant_new_string("peripheral");
	if (g_strcmp0(name, "ServiceUUIDs") == 0) {
		const gchar *uuids[] = {DFUD_SIM_BLE_SMP_SERVICE_UUID, NULL};

		return g_variant_new_strv(uuids, -1);
	}
	if (g_strcmp0(name, "LocalName") == 0)
		return g_variant_new_string(self->name);
	/* the LE General Discoverable flag, as a Zephyr SMP server advertises it; without it
	 * BlueZ sends no Flags field unless the adapter itself is discoverable */
	if (g_strcmp0(name, "Discoverable") == 0)
		return g_variant_new_boolean(TRUE);
	return NULL;
}

static GVariant *
interface_properties(DfudSimBleApp *self, const gchar *iface)
{
	GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(self->info, iface);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (guint i = 0; info->properties[i] != NULL; i++) {
		const gchar *name = info->properties[i]->name;
		GVariant *v = NULL;

		if (g_strcmp0(iface, IFACE_SERVICE) == 0)
			v = service_property(self, name);
		else if (g_strcmp0(iface, IFACE_CHR) == 0)
			v = chr_property(self, name);
		if (v != NULL)
			g_variant_builder_add(&b, "{sv}", name, v);
	}
	return g_variant_builder_end(&b);
}

static GVariant *
managed_objects(DfudSimBleApp *self)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	g_variant_builder_open(&b, G_VARIANT_TYPE("{oa{sa{sv}}}"));
	g_variant_builder_add(&b, "o", self->service_path);
	g_variant_builder_open(&b, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&b, "{s@a{sv}}", IFACE_SERVICE,
			      interface_properties(self, IFACE_SERVICE));
	g_variant_builder_close(&b);
	g_variant_builder_close(&b);
	g_variant_builder_open(&b, G_VARIANT_TYPE("{oa{sa{sv}}}"));
	g_variant_builder_add(&b, "o", self->chr_path);
	g_variant_builder_open(&b, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&b, "{s@a{sv}}", IFACE_CHR, interface_properties(self, IFACE_CHR));
	g_variant_builder_close(&b);
	g_variant_builder_close(&b);
	return g_variant_builder_end(&b);
}

static void
handle_write(DfudSimBleApp *self, GVariant *parameters)
{
	g_autoptr(GVariant) value = NULL;
	g_autoptr(GVariant) options = NULL;
	const gchar *device = "";
	guint16 mtu = 0;
	const guint8 *data;
	gsize len = 0;

	g_variant_get(parameters, "(@ay@a{sv})", &value, &options);
	data = g_variant_get_fixed_array(value, &len, 1);
	if (!g_variant_lookup(options, "device", "&o", &device))
		device = "";
	if (!g_variant_lookup(options, "mtu", "q", &mtu))
		mtu = 0;
	if (self->callbacks.write != NULL)
		self->callbacks.write(device, mtu, data, len, self->user_data);
}

static void
update_notifying(DfudSimBleApp *self)
{
	gboolean notifying = self->notify_started || self->notify != NULL;

	if (self->notifying == notifying)
		return;
	self->notifying = notifying;
	if (self->callbacks.notifying != NULL)
		self->callbacks.notifying(notifying, self->user_data);
}

/* ---- the acquired sockets ---- */

static void
options_device_mtu(GVariant *parameters, const gchar **device, guint16 *mtu)
{
	g_autoptr(GVariant) options = g_variant_get_child_value(parameters, 0);

	if (!g_variant_lookup(options, "device", "&o", device))
		*device = "";
	if (!g_variant_lookup(options, "mtu", "q", mtu))
		*mtu = 0;
}

static void
return_socket(GDBusMethodInvocation *invocation, DfudSimBleSocket *socket, guint16 mtu)
{
	g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
	g_autoptr(GError) error = NULL;
	gint fd = dfud_sim_ble_socket_dup_peer(socket, &error);

	if (fd < 0 || g_unix_fd_list_append(fds, fd, &error) < 0) {
		if (fd >= 0)
			close(fd);
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Failed",
							   error->message);
		return;
	}
	close(fd);
	g_dbus_method_invocation_return_value_with_unix_fd_list(invocation,
								g_variant_new("(hq)", 0, mtu), fds);
}

static void
write_read(const guint8 *data, gsize len, gpointer user_data)
{
	DfudSimBleApp *self = user_data;

	if (self->callbacks.write != NULL)
		self->callbacks.write(self->write_device, self->write_mtu, data, len,
				      self->user_data);
}

static void
write_closed(gpointer user_data)
{
	dfud_sim_ble_app_release_write(user_data);
}

/*
 * bluetoothd asks on the first write command after it has no socket, and again for each write
 * that arrives before our answer: those get the same socket, so that the writes stay in order.
 * Never refused once offered: bluetoothd would resend the write through WriteValue with the
 * bytes of whatever it received since (see the header).
 */
static void
acquire_write(DfudSimBleApp *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
	g_autoptr(GError) error = NULL;
	const gchar *device;
	guint16 mtu;

	if (!self->acquire_write) {
		g_dbus_method_invocation_return_dbus_error(
		    invocation, "org.bluez.Error.NotSupported", "AcquireWrite is not offered");
		return;
	}
	options_device_mtu(parameters, &device, &mtu);
	if (self->write != NULL && g_strcmp0(self->write_device, device) == 0) {
		return_socket(invocation, self->write, mtu);
		return;
	}
	dfud_sim_ble_app_release_write(self);
	self->write = dfud_sim_ble_socket_new(write_read, write_closed, self, &error);
	if (self->write == NULL) {
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Failed",
							   error->message);
		return;
	}
	self->write_device = g_strdup(device);
	self->write_mtu = mtu;
	g_debug("AcquireWrite from %s (ATT MTU %u)", device, mtu);
	return_socket(invocation, self->write, mtu);
}

static void
notify_read(const guint8 *data, gsize len, gpointer user_data)
{
	(void)data;
	(void)len;
	(void)user_data;
}

static void
notify_closed(gpointer user_data)
{
	DfudSimBleApp *self = user_data;

	/* bluetoothd closes it when the last central unsubscribes or disconnects */
	g_clear_pointer(&self->notify, dfud_sim_ble_socket_free);
	update_notifying(self);
}

static void
acquire_notify(DfudSimBleApp *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
	g_autoptr(GError) error = NULL;
	const gchar *device;
	guint16 mtu;

	options_device_mtu(parameters, &device, &mtu);
	/* bluetoothd has lost the one it had: it asks only when it holds none */
	g_clear_pointer(&self->notify, dfud_sim_ble_socket_free);
	self->notify = dfud_sim_ble_socket_new(notify_read, notify_closed, self, &error);
	if (self->notify == NULL) {
		g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.Failed",
							   error->message);
		update_notifying(self);
		return;
	}
	g_debug("AcquireNotify from %s (ATT MTU %u)", device, mtu);
	return_socket(invocation, self->notify, mtu);
	/* from now on bluetoothd closing its end is the unsubscription */
	dfud_sim_ble_socket_drop_peer(self->notify);
	update_notifying(self);
}

static void
method_call(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
	    const gchar *method, GVariant *parameters, GDBusMethodInvocation *invocation,
	    gpointer user_data)
{
	DfudSimBleApp *self = user_data;

	(void)bus;
	(void)sender;
	(void)path;
	if (g_strcmp0(iface, IFACE_OM) == 0 && g_strcmp0(method, "GetManagedObjects") == 0) {
		g_dbus_method_invocation_return_value(
		    invocation, g_variant_new("(@a{oa{sa{sv}}})", managed_objects(self)));
		return;
	}
	if (g_strcmp0(iface, IFACE_CHR) == 0 && g_strcmp0(method, "WriteValue") == 0) {
		/* answer first: the write callback may emit notifications */
		g_dbus_method_invocation_return_value(invocation, NULL);
		handle_write(self, parameters);
		return;
	}
	if (g_strcmp0(iface, IFACE_CHR) == 0 && g_strcmp0(method, "AcquireWrite") == 0) {
		acquire_write(self, parameters, invocation);
		return;
	}
	if (g_strcmp0(iface, IFACE_CHR) == 0 && g_strcmp0(method, "AcquireNotify") == 0) {
		acquire_notify(self, parameters, invocation);
		return;
	}
	if (g_strcmp0(iface, IFACE_CHR) == 0 && g_strcmp0(method, "StartNotify") == 0) {
		g_dbus_method_invocation_return_value(invocation, NULL);
		self->notify_started = TRUE;
		update_notifying(self);
		return;
	}
	if (g_strcmp0(iface, IFACE_CHR) == 0 && g_strcmp0(method, "StopNotify") == 0) {
		g_dbus_method_invocation_return_value(invocation, NULL);
		/* also when bluetoothd lost track of the socket it acquired */
		self->notify_started = FALSE;
		g_clear_pointer(&self->notify, dfud_sim_ble_socket_free);
		update_notifying(self);
		return;
	}
	if (g_strcmp0(iface, IFACE_ADV) == 0 && g_strcmp0(method, "Release") == 0) {
		g_dbus_method_invocation_return_value(invocation, NULL);
		if (self->callbacks.released != NULL)
			self->callbacks.released(self->user_data);
		return;
	}
	/* ReadValue: the SMP characteristic has no read property */
	g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.NotPermitted",
						   "Read not permitted");
}

static GVariant *
get_property(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
	     const gchar *name, GError **error, gpointer user_data)
{
	DfudSimBleApp *self = user_data;
	GVariant *v = NULL;

	(void)bus;
	(void)sender;
	(void)path;
	if (g_strcmp0(iface, IFACE_SERVICE) == 0)
		v = service_property(self, name);
	else if (g_strcmp0(iface, IFACE_CHR) == 0)
		v = chr_property(self, name);
	else if (g_strcmp0(iface, IFACE_ADV) == 0)
		v = adv_property(self, name);
	if (v == NULL)
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s.%s",
			    iface, name);
	return v;
}

static const GDBusInterfaceVTable vtable = {method_call, get_property, NULL, {NULL}};

static gboolean export(DfudSimBleApp *self, guint slot, const gchar *path, const gchar *iface,
		       GError **error)
{
	GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(self->info, iface);

	self->reg_ids[slot] =
	    g_dbus_connection_register_object(self->bus, path, info, &vtable, self, NULL, error);
	return self->reg_ids[slot] != 0;
}

DfudSimBleApp *
dfud_sim_ble_app_new(GDBusConnection *bus, const gchar *root, const gchar *name,
		     DfudSimSecurity security, gboolean acquire_write,
		     const DfudSimBleAppCallbacks *callbacks, gpointer user_data, GError **error)
{
	g_autoptr(DfudSimBleApp) self = g_new0(DfudSimBleApp, 1);

	self->bus = g_object_ref(bus);
	self->info = g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (self->info == NULL)
		return NULL;
	self->root = g_strdup(root);
	self->service_path = g_strdup_printf("%s/service0", root);
	self->chr_path = g_strdup_printf("%s/service0/char0", root);
	self->adv_path = g_strdup_printf("%s/advertisement0", root);
	self->name = g_strdup(name);
	self->security = security;
	self->acquire_write = acquire_write;
	self->callbacks = *callbacks;
	self->user_data = user_data;
	if (!export(self, 0, self->root, IFACE_OM, error) ||
	    !export(self, 1, self->service_path, IFACE_SERVICE, error) ||
	    !export(self, 2, self->chr_path, IFACE_CHR, error) ||
	    !export(self, 3, self->adv_path, IFACE_ADV, error))
		return NULL;
	return g_steal_pointer(&self);
}

void
dfud_sim_ble_app_free(DfudSimBleApp *self)
{
	if (self == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(self->reg_ids); i++) {
		if (self->reg_ids[i] != 0)
			g_dbus_connection_unregister_object(self->bus, self->reg_ids[i]);
	}
	dfud_sim_ble_app_release_write(self);
	g_clear_pointer(&self->notify, dfud_sim_ble_socket_free);
	g_clear_pointer(&self->info, g_dbus_node_info_unref);
	g_object_unref(self->bus);
	g_free(self->root);
	g_free(self->service_path);
	g_free(self->chr_path);
	g_free(self->adv_path);
	g_free(self->name);
	g_free(self);
}

const gchar *
dfud_sim_ble_app_get_path(DfudSimBleApp *self)
{
	return self->root;
}

const gchar *
dfud_sim_ble_app_get_advertisement_path(DfudSimBleApp *self)
{
	return self->adv_path;
}

gboolean
dfud_sim_ble_app_is_notifying(DfudSimBleApp *self)
{
	return self->notifying;
}

void
dfud_sim_ble_app_release_write(DfudSimBleApp *self)
{
	if (self->write == NULL)
		return;
	g_debug("releasing the write socket of %s", self->write_device);
	g_clear_pointer(&self->write, dfud_sim_ble_socket_free);
	g_clear_pointer(&self->write_device, g_free);
	self->write_mtu = 0;
}

const gchar *
dfud_sim_ble_app_get_write_device(DfudSimBleApp *self)
{
	return self->write_device;
}

gboolean
dfud_sim_ble_app_notify(DfudSimBleApp *self, const guint8 *value, gsize len, GError **error)
{
	GVariantBuilder changed;

	if (self->notify != NULL)
		return dfud_sim_ble_socket_send(self->notify, value, len, error);

	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&changed, "{sv}", "Value",
			      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, value, len, 1));
	return g_dbus_connection_emit_signal(
	    self->bus, NULL, self->chr_path, IFACE_PROPS, "PropertiesChanged",
	    g_variant_new("(sa{sv}as)", IFACE_CHR, &changed, NULL), error);
}
