/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudManager"

#include "config.h"

#include "dd-bluez-watch.h"
#include "dd-device.h"
#include "dd-log.h"
#include "dd-manager.h"
#include "dd-manager-private.h"
#include "dd-notify.h"
#include "dd-scan.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "transport/dfud-transport-uri.h"

#define DD_HISTORY_DEFAULT_LIMIT 100

G_DEFINE_TYPE(DdManager, dd_manager, G_TYPE_OBJECT)

/* --- jobs --- */

static gint
compare_job_ids(gconstpointer a, gconstpointer b)
{
	guint64 ia = dd_job_get_id(*(DdJob **)a);
	guint64 ib = dd_job_get_id(*(DdJob **)b);
	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

static GPtrArray *
sorted_jobs(DdManager *self, gboolean active_only)
{
	GPtrArray *jobs = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->jobs);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (!active_only || !dd_job_is_finished(value))
			g_ptr_array_add(jobs, value);
	}
	g_ptr_array_sort(jobs, compare_job_ids);
	return jobs;
}

static GStrv
job_paths(GPtrArray *jobs)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; i < jobs->len; i++)
		g_strv_builder_add(builder, dd_job_get_path(g_ptr_array_index(jobs, i)));
	return g_strv_builder_end(builder);
}

static void
update_active_jobs(DdManager *self)
{
	g_autoptr(GPtrArray) active = sorted_jobs(self, TRUE);
	g_auto(GStrv) paths = job_paths(active);

	dfud_dbus_manager_set_active_jobs(self->iface, (const gchar *const *)paths);
	if (active->len == 0)
		dd_notify_status("Idle");
	else
		dd_notify_status("Updating %u device%s", active->len, active->len == 1 ? "" : "s");
}

static gboolean
job_linger_done(gpointer user_data)
{
	DdJob *job = user_data;
	DdManager *self = g_object_get_data(G_OBJECT(job), "dd-manager");

	g_hash_table_remove(self->lingers, job);
	g_dbus_object_manager_server_unexport(self->ctx.object_manager, dd_job_get_path(job));
	g_hash_table_remove(self->jobs, GSIZE_TO_POINTER(dd_job_get_id(job)));
	return G_SOURCE_REMOVE;
}

static void
job_finished_cb(DdDevice *device, DdJob *job, gpointer user_data)
{
	DdManager *self = user_data;
	guint id;

	update_active_jobs(self);
	/* finished jobs stay visible for a while, then only the history has them */
	g_object_set_data(G_OBJECT(job), "dd-manager", self);
	id = g_timeout_add_seconds(self->ctx.config->job_linger_s, job_linger_done, job);
	g_hash_table_insert(self->lingers, job, GUINT_TO_POINTER(id));
	/* a BlueZ device that went away during the job leaves now */
	if (!dd_device_get_added(device) && dd_device_get_bluez_path(device) == NULL &&
	    !dd_device_is_busy(device)) {
		g_dbus_object_manager_server_unexport(self->ctx.object_manager,
						      dd_device_get_path(device));
		g_hash_table_remove(self->devices, dd_device_get_path(device));
	}
}

static void
job_added_cb(DdDevice *device, DdJob *job, gpointer user_data)
{
	DdManager *self = user_data;

	g_hash_table_insert(self->jobs, GSIZE_TO_POINTER(dd_job_get_id(job)), g_object_ref(job));
	g_dbus_object_manager_server_export(self->ctx.object_manager,
					    G_DBUS_OBJECT_SKELETON(dd_job_get_object(job)));
	update_active_jobs(self);
}

/* --- devices --- */

/* the device whose @key is @value (a URI, a BLE address, a BlueZ object path), or NULL */
DdDevice *
dd_manager_find_device(DdManager *self, DdDeviceKey key, const gchar *value)
{
	GHashTableIter iter;
	gpointer device;

	if (value == NULL)
		return NULL;
	g_hash_table_iter_init(&iter, self->devices);
	while (g_hash_table_iter_next(&iter, NULL, &device)) {
		if (g_strcmp0(key(device), value) == 0)
			return device;
	}
	return NULL;
}

DdDevice *
dd_manager_add_device(DdManager *self, const gchar *name_in_path, const gchar *uri,
		      const gchar *name, gboolean added)
{
	DdDevice *device = dd_device_new(&self->ctx, name_in_path, uri, name, added);
	g_autoptr(GVariant) last = dd_history_last(self->ctx.history, uri);

	g_signal_connect(device, "job-added", G_CALLBACK(job_added_cb), self);
	g_signal_connect(device, "job-finished", G_CALLBACK(job_finished_cb), self);
	dd_device_set_last_update(device, last);
	g_hash_table_insert(self->devices, g_strdup(dd_device_get_path(device)), device);
	g_dbus_object_manager_server_export(self->ctx.object_manager,
					    G_DBUS_OBJECT_SKELETON(dd_device_get_object(device)));
	dd_dev_info(name_in_path, "device %s (%s)", uri, added ? "added" : "from BlueZ");
	return device;
}

static gboolean
save_devices(DdManager *self, GError **error)
{
	g_autoptr(GPtrArray) uris = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GList) values = g_hash_table_get_values(self->devices);

	for (GList *l = values; l != NULL; l = l->next) {
		if (!dd_device_get_added(l->data))
			continue;
		g_ptr_array_add(uris, g_strdup(dd_device_get_uri(l->data)));
		g_ptr_array_add(names, g_strdup(dd_device_get_name(l->data)));
	}
	return dd_store_save_devices(self->ctx.store, uris, names, error);
}

/* the parsed URI of what a caller typed: a bare BLE address is "ble:ADDRESS" */
static DfudTransportUri *
parse_uri(const gchar *text, GError **error)
{
	g_autofree gchar *with_scheme = NULL;
	gchar address[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1];

	if (dfud_transport_bt_address_parse(text, address))
		with_scheme = g_strconcat("ble:", address, NULL);
	return dfud_transport_uri_parse(with_scheme != NULL ? with_scheme : text, error);
}

/* the canonical URI of what a caller typed */
gchar *
dd_manager_canonical_uri(const gchar *text, GError **error)
{
	g_autoptr(DfudTransportUri) parsed = parse_uri(text, error);

	return parsed != NULL ? dfud_transport_uri_to_string(parsed) : NULL;
}

/* the device @uri (canonical) names: by URI, or a BlueZ device by its address */
static DdDevice *
find_device_for_uri(DdManager *self, const DfudTransportUri *parsed, const gchar *uri)
{
	DdDevice *device = dd_manager_find_device(self, dd_device_get_uri, uri);

	/* a BlueZ device already known under its own object is that device */
	if (device == NULL && parsed->kind == DFUD_TRANSPORT_URI_BLE && parsed->adapter == NULL)
		device = dd_manager_find_device(self, dd_device_get_address, parsed->address);
	return device;
}

static void
add_device_complete(DdManager *self, GDBusMethodInvocation *invocation, const gchar *uri,
		    const gchar *name)
{
	g_autoptr(DfudTransportUri) parsed = dfud_transport_uri_parse(uri, NULL);
	g_autoptr(GError) error = NULL;
	DdDevice *device = find_device_for_uri(self, parsed, uri);

	if (device == NULL) {
		g_autofree gchar *path_name = dd_device_path_name_for_uri(uri);
		g_autofree gchar *path = g_strconcat(DFUD_DBUS_DEVICE_PATH "/", path_name, NULL);
		DdDevice *other = g_hash_table_lookup(self->devices, path);

		/* the object path leaves out the options: one device per address */
		if (other != NULL) {
			error = g_error_new(DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    "cannot add \"%s\": %s is %s already; remove it first "
					    "to add it with other options",
					    uri, path, dd_device_get_uri(other));
			dfud_dbus_error_return(invocation, error);
			return;
		}
		device = dd_manager_add_device(self, path_name, uri, name, TRUE);
	} else {
		dd_device_set_added(device, TRUE);
	}
	if (!save_devices(self, &error))
		dd_dev_warning(dd_device_get_path(device), "cannot remember the device: %s",
			       error->message);
	dfud_dbus_manager_complete_add_device(self->iface, invocation, dd_device_get_path(device));
}

static void
add_device_resolved(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	const gchar *uri = g_object_get_data(G_OBJECT(invocation), "dd-uri");
	g_autoptr(GError) error = NULL;
	GList *addresses = dfud_transport_uri_resolve_finish(res, &error);

	g_resolver_free_addresses(addresses);
	if (addresses == NULL) {
		/* also when the daemon stops (Cancelled): the manager may be gone */
		g_prefix_error(&error, "cannot add \"%s\": ", uri);
		dfud_dbus_error_return(invocation, error);
		return;
	}
	add_device_complete(g_object_get_data(G_OBJECT(invocation), "dd-manager"), invocation, uri,
			    g_object_get_data(G_OBJECT(invocation), "dd-name"));
}

static void
add_device_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	DdManager *self = g_object_get_data(G_OBJECT(invocation), "dd-manager");
	const gchar *uri_text = g_object_get_data(G_OBJECT(invocation), "dd-uri");
	const gchar *name = g_object_get_data(G_OBJECT(invocation), "dd-name");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransportUri) parsed = NULL;
	g_autofree gchar *uri = NULL;

	if (!dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	parsed = parse_uri(uri_text, &error);
	if (parsed == NULL) {
		g_prefix_error(&error, "cannot add \"%s\": ", uri_text);
		error->domain = DFUD_ERROR;
		error->code = DFUD_ERROR_INVALID_ARGUMENT;
		dfud_dbus_error_return(invocation, error);
		return;
	}
	uri = dfud_transport_uri_to_string(parsed);
	/* a known device is returned as it is; a new name must resolve (bounded, not blocking) */
	if (find_device_for_uri(self, parsed, uri) != NULL ||
	    !dfud_transport_uri_has_host_name(parsed)) {
		add_device_complete(self, invocation, uri, name);
		return;
	}
	g_object_set_data_full(G_OBJECT(invocation), "dd-uri", g_steal_pointer(&uri), g_free);
	dfud_transport_uri_resolve_async(parsed, self->cancellable, add_device_resolved,
					 g_steal_pointer(&invocation));
}

static gboolean
handle_add_device(DfudDbusManager *iface, GDBusMethodInvocation *invocation, const gchar *arg_uri,
		  GVariant *arg_options, gpointer user_data)
{
	DdManager *self = user_data;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;
	g_autofree gchar *name = NULL;

	g_variant_iter_init(&iter, arg_options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;
		if (g_strcmp0(key, "name") != 0 ||
		    !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
		    g_variant_get_size(v) > 249) {
			g_autoptr(GError) error = g_error_new(
			    DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "unknown or bad option \"%s\" (AddDevice takes \"name\" (s))", key);
			dfud_dbus_error_return(invocation, error);
			return G_DBUS_METHOD_INVOCATION_HANDLED;
		}
		g_free(name);
		name = g_variant_dup_string(v, NULL);
	}
	g_object_set_data(G_OBJECT(invocation), "dd-manager", self);
	g_object_set_data_full(G_OBJECT(invocation), "dd-uri", g_strdup(arg_uri), g_free);
	g_object_set_data_full(G_OBJECT(invocation), "dd-name", g_steal_pointer(&name), g_free);
	dd_auth_check_async(self->ctx.auth, invocation, DD_AUTH_ACTION_MANAGE, NULL,
			    add_device_authorized, g_object_ref(invocation));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
remove_device_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	DdManager *self = g_object_get_data(G_OBJECT(invocation), "dd-manager");
	const gchar *path = g_object_get_data(G_OBJECT(invocation), "dd-path");
	DdDevice *device = g_hash_table_lookup(self->devices, path);
	g_autoptr(GError) error = NULL;

	if (!dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	if (device == NULL)
		error = g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no device %s", path);
	else if (!dd_device_get_added(device))
		error = g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
				    "%s comes from BlueZ and goes with it", path);
	else if (dd_device_is_busy(device))
		error = g_error_new(DFUD_ERROR, DFUD_ERROR_BUSY,
				    "%s has a queued or running job or command", path);
	if (error != NULL) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	dd_dev_info(path, "removed");
	if (dd_device_get_bluez_path(device) != NULL) {
		/* BlueZ still offers it: it stays, only forgotten as an added device */
		dd_device_set_added(device, FALSE);
	} else {
		g_dbus_object_manager_server_unexport(self->ctx.object_manager, path);
		g_hash_table_remove(self->devices, path);
	}
	if (!save_devices(self, &error))
		g_warning("cannot save the device list: %s", error->message);
	dfud_dbus_manager_complete_remove_device(self->iface, invocation);
}

static gboolean
handle_remove_device(DfudDbusManager *iface, GDBusMethodInvocation *invocation,
		     const gchar *arg_device, gpointer user_data)
{
	DdManager *self = user_data;

	g_object_set_data(G_OBJECT(invocation), "dd-manager", self);
	g_object_set_data_full(G_OBJECT(invocation), "dd-path", g_strdup(arg_device), g_free);
	dd_auth_check_async(self->ctx.auth, invocation, DD_AUTH_ACTION_MANAGE, NULL,
			    remove_device_authorized, g_object_ref(invocation));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_jobs(DfudDbusManager *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
	DdManager *self = user_data;
	g_autoptr(GPtrArray) jobs = sorted_jobs(self, FALSE);
	g_auto(GStrv) paths = job_paths(jobs);

	dfud_dbus_manager_complete_list_jobs(iface, invocation, (const gchar *const *)paths);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_history(DfudDbusManager *iface, GDBusMethodInvocation *invocation, GVariant *arg_filter,
		   gpointer user_data)
{
	DdManager *self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) entries = NULL;
	const gchar *device = NULL;
	guint limit = DD_HISTORY_DEFAULT_LIMIT;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	g_variant_iter_init(&iter, arg_filter);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;
		if (g_strcmp0(key, "device") == 0 &&
		    g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
			DdDevice *known =
			    g_hash_table_lookup(self->devices, g_variant_get_string(v, NULL));
			device = known != NULL ? dd_device_get_uri(known)
					       : g_variant_get_string(v, NULL);
			/* device points into v or known, both outlive the query below */
			g_object_set_data_full(G_OBJECT(invocation), "dd-filter", g_variant_ref(v),
					       (GDestroyNotify)g_variant_unref);
		} else if (g_strcmp0(key, "limit") == 0 &&
			   g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
			limit = g_variant_get_uint32(v);
		} else {
			error = g_error_new(DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    "unknown or bad filter \"%s\" (GetHistory takes "
					    "\"device\" (s) and \"limit\" (u))",
					    key);
			dfud_dbus_error_return(invocation, error);
			return G_DBUS_METHOD_INVOCATION_HANDLED;
		}
	}
	entries = dd_history_query(self->ctx.history, device, limit, &error);
	if (entries == NULL) {
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	dfud_dbus_manager_complete_get_history(iface, invocation, entries);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- Scan --- */

/* one found device of Scan's answer, with dfud's object for it when there is one */
static GVariant *
scan_entry(DdManager *self, const DdBluezSeen *seen)
{
	GVariantBuilder b;
	DdDevice *device = dd_manager_find_device(self, dd_device_get_bluez_path, seen->bluez_path);

	if (device == NULL)
		device = dd_manager_find_device(self, dd_device_get_address, seen->address);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "address", g_variant_new_string(seen->address));
	g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(seen->name));
	g_variant_builder_add(&b, "{sv}", "adapter", g_variant_new_string(seen->adapter));
	if (seen->has_rssi)
		g_variant_builder_add(&b, "{sv}", "rssi", g_variant_new_int16(seen->rssi));
	g_variant_builder_add(
	    &b, "{sv}", "device",
	    g_variant_new_object_path(device != NULL ? dd_device_get_path(device) : "/"));
	g_variant_builder_add(&b, "{sv}", "added",
			      g_variant_new_boolean(device != NULL && dd_device_get_added(device)));
	return g_variant_builder_end(&b);
}

static void
scan_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	DdManager *self = g_object_get_data(G_OBJECT(invocation), "dd-manager");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) found = dd_scan_run_finish(res, &error);
	GVariantBuilder list;

	(void)source;
	if (found == NULL) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < found->len; i++)
		g_variant_builder_add_value(&list, scan_entry(self, g_ptr_array_index(found, i)));
	dfud_dbus_manager_complete_scan(self->iface, invocation, g_variant_builder_end(&list));
}

static void
scan_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	DdManager *self = g_object_get_data(G_OBJECT(invocation), "dd-manager");
	GVariant *options = g_object_get_data(G_OBJECT(invocation), "dd-options");
	g_autoptr(GError) error = NULL;

	if (!dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	dd_scan_run_async(self->watch, options, self->cancellable, scan_done,
			  g_steal_pointer(&invocation));
}

static gboolean
handle_scan(DfudDbusManager *iface, GDBusMethodInvocation *invocation, GVariant *arg_options,
	    gpointer user_data)
{
	DdManager *self = user_data;

	(void)iface;
	g_object_set_data(G_OBJECT(invocation), "dd-manager", self);
	g_object_set_data_full(G_OBJECT(invocation), "dd-options", g_variant_ref(arg_options),
			       (GDestroyNotify)g_variant_unref);
	dd_auth_check_async(self->ctx.auth, invocation, DD_AUTH_ACTION_MANAGE, NULL,
			    scan_authorized, g_object_ref(invocation));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- BlueZ --- */

static void
bluez_device_added(DdBluezWatch *watch, const gchar *bluez_path, const gchar *address,
		   const gchar *adapter, const gchar *name, gpointer user_data)
{
	DdManager *self = user_data;
	DdDevice *device = dd_manager_find_device(self, dd_device_get_address, address);
	g_autofree gchar *path_name = NULL;
	g_autofree gchar *uri = NULL;

	if (device == NULL) {
		path_name = dd_bluez_watch_object_name(bluez_path);
		if (path_name == NULL)
			return;
		uri = g_strdup_printf("ble:%s?adapter=%s", address, adapter);
		device = dd_manager_add_device(self, path_name, uri, name, FALSE);
	}
	dd_device_set_bluez(device, bluez_path, name, FALSE);
}

static void
bluez_device_changed(DdBluezWatch *watch, const gchar *bluez_path, const gchar *name,
		     gboolean connected, gpointer user_data)
{
	DdDevice *device = dd_manager_find_device(user_data, dd_device_get_bluez_path, bluez_path);

	if (device != NULL)
		dd_device_set_bluez(device, bluez_path, name, connected);
}

static void
bluez_device_removed(DdBluezWatch *watch, const gchar *bluez_path, gpointer user_data)
{
	DdManager *self = user_data;
	DdDevice *device = dd_manager_find_device(self, dd_device_get_bluez_path, bluez_path);

	if (device == NULL)
		return;
	dd_device_set_bluez(device, NULL, NULL, FALSE);
	/* an update in progress (its device resets and re-advertises) keeps its object */
	if (dd_device_get_added(device) || dd_device_is_busy(device))
		return;
	dd_dev_info(dd_device_get_path(device), "gone from BlueZ");
	g_dbus_object_manager_server_unexport(self->ctx.object_manager, dd_device_get_path(device));
	g_hash_table_remove(self->devices, dd_device_get_path(device));
}

static void
bluez_adapters_changed(DdBluezWatch *watch, gpointer user_data)
{
	DdManager *self = user_data;
	g_auto(GStrv) adapters = dd_bluez_watch_get_adapters(watch);

	dfud_dbus_manager_set_adapters(self->iface, (const gchar *const *)adapters);
}

void
dd_manager_set_bluez_bus(DdManager *self, GDBusConnection *bus)
{
	g_autoptr(GStrvBuilder) features = g_strv_builder_new();
	g_auto(GStrv) list = NULL;

	if (bus == NULL || self->watch != NULL)
		return;
	self->ctx.bluez_bus = g_object_ref(bus);
	self->watch = dd_bluez_watch_new(bus, (const gchar *const *)self->ctx.config->adapters);
	g_signal_connect(self->watch, "device-added", G_CALLBACK(bluez_device_added), self);
	g_signal_connect(self->watch, "device-changed", G_CALLBACK(bluez_device_changed), self);
	g_signal_connect(self->watch, "device-removed", G_CALLBACK(bluez_device_removed), self);
	g_signal_connect(self->watch, "adapters-changed", G_CALLBACK(bluez_adapters_changed), self);
	dd_bluez_watch_start(self->watch);

	g_strv_builder_addv(features, (const gchar **)dfud_dbus_manager_get_features(self->iface));
	g_strv_builder_add(features, "ble");
	list = g_strv_builder_end(features);
	dfud_dbus_manager_set_features(self->iface, (const gchar *const *)list);
}

/* --- object --- */

gboolean
dd_manager_export(DdManager *self, GDBusConnection *bus, GError **error)
{
	self->bus = g_object_ref(bus);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->iface), bus,
					      DFUD_DBUS_PATH, error))
		return FALSE;
	g_dbus_object_manager_server_set_connection(self->ctx.object_manager, bus);
	dd_manager_restore_devices(self);
	dd_manager_restore_jobs(self);
	update_active_jobs(self);
	return TRUE;
}

static void
dd_manager_dispose(GObject *object)
{
	DdManager *self = DD_MANAGER(object);
	GHashTableIter iter;
	gpointer key, value;

	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	if (self->lingers != NULL) {
		g_hash_table_iter_init(&iter, self->lingers);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_source_remove(GPOINTER_TO_UINT(value));
		g_clear_pointer(&self->lingers, g_hash_table_unref);
	}
	if (self->iface != NULL &&
	    g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(self->iface)))
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(self->iface));
	g_clear_object(&self->watch);
	g_clear_pointer(&self->jobs, g_hash_table_unref);
	g_clear_pointer(&self->devices, g_hash_table_unref);
	g_clear_object(&self->iface);
	g_clear_object(&self->ctx.object_manager);
	g_clear_object(&self->ctx.scheduler);
	g_clear_object(&self->ctx.store);
	g_clear_object(&self->ctx.firmware_cache);
	g_clear_object(&self->ctx.history);
	g_clear_object(&self->ctx.auth);
	g_clear_object(&self->ctx.bluez_bus);
	g_clear_object(&self->bus);
	G_OBJECT_CLASS(dd_manager_parent_class)->dispose(object);
}

static void
dd_manager_finalize(GObject *object)
{
	DdManager *self = DD_MANAGER(object);

	g_clear_pointer(&self->ctx.config, dd_config_free);
	G_OBJECT_CLASS(dd_manager_parent_class)->finalize(object);
}

static void
dd_manager_class_init(DdManagerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dd_manager_dispose;
	object_class->finalize = dd_manager_finalize;
}

static void
dd_manager_init(DdManager *self)
{
	self->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	self->jobs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_object_unref);
	self->lingers = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->cancellable = g_cancellable_new();
}

DdManager *
dd_manager_new(DdConfig *config, const gchar *state_dir, gboolean system_bus, GError **error)
{
	g_autoptr(DdManager) self = g_object_new(DD_TYPE_MANAGER, NULL);
	g_autofree gchar *history_path = NULL;
	g_autoptr(GStrvBuilder) features = g_strv_builder_new();
	g_auto(GStrv) list = NULL;

	dfud_dbus_error_register();
	self->ctx.config = config;
	self->ctx.store = dd_store_new(state_dir, error);
	self->ctx.firmware_cache = dd_firmware_cache_new();
	if (self->ctx.store == NULL)
		return NULL;
	history_path = g_build_filename(state_dir, "history.jsonl", NULL);
	self->ctx.history = dd_history_new(history_path, config->history_size);
	self->ctx.scheduler =
	    dd_scheduler_new(config->max_connections, config->max_connections_per_adapter);
	/* polkit knows the system bus's callers only */
	self->ctx.auth = dd_auth_new(DFUD_POLKIT && system_bus);
	self->ctx.object_manager = g_dbus_object_manager_server_new(DFUD_DBUS_PATH);

	self->iface = dfud_dbus_manager_skeleton_new();
	dfud_dbus_manager_set_version(self->iface, PACKAGE_VERSION);
	g_strv_builder_add_many(features, "udp", "serial", "pipelining", "resume", "history", NULL);
	if (dd_auth_uses_polkit(self->ctx.auth))
		g_strv_builder_add(features, "polkit");
	if (config->require_signed)
		g_strv_builder_add(features, "require-signed");
	list = g_strv_builder_end(features);
	dfud_dbus_manager_set_features(self->iface, (const gchar *const *)list);
	dfud_dbus_manager_set_adapters(self->iface, NULL);
	dfud_dbus_manager_set_active_jobs(self->iface, NULL);
	g_signal_connect(self->iface, "handle-add-device", G_CALLBACK(handle_add_device), self);
	g_signal_connect(self->iface, "handle-remove-device", G_CALLBACK(handle_remove_device),
			 self);
	g_signal_connect(self->iface, "handle-list-jobs", G_CALLBACK(handle_list_jobs), self);
	g_signal_connect(self->iface, "handle-get-history", G_CALLBACK(handle_get_history), self);
	g_signal_connect(self->iface, "handle-scan", G_CALLBACK(handle_scan), self);
	return g_steal_pointer(&self);
}
