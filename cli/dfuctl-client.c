/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlClient"

#include "config.h"

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfuctl-client.h"
#include "transport/dfud-transport-uri.h"

/* device commands open a link first (over BLE a connection): give them longer than D-Bus' 25 s */
#define DFUCTL_CALL_TIMEOUT_MS (120 * 1000)
/* how long `add` waits for the object manager to announce a new device */
#define DFUCTL_OBJECT_WAIT_US (5 * G_USEC_PER_SEC)

GError *
dfuctl_client_error(const GError *error)
{
	g_autoptr(GError) copy = g_error_copy(error);

	/*
	 * errors of our own registered domain come back with "GDBus.Error:NAME: " still in the
	 * message, and dfud_dbus_error_from_remote() passes DFUD_ERROR through untouched
	 */
	g_dbus_error_strip_remote_error(copy);
	return dfud_dbus_error_from_remote(copy);
}

static GDBusObjectManager *
client_manager_new(GDBusConnection *bus, gboolean auto_start, GError **error)
{
	return dfud_dbus_object_manager_client_new_sync(
	    bus,
	    auto_start ? G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE
		       : G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
	    DFUD_DBUS_NAME, DFUD_DBUS_PATH, NULL, error);
}

/* dfud is D-Bus activatable on the system bus: ask the bus to start it, errors are moot */
static void
client_start_service(GDBusConnection *bus)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = g_dbus_connection_call_sync(
	    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "StartServiceByName", g_variant_new("(su)", DFUD_DBUS_NAME, 0u), G_VARIANT_TYPE("(u)"),
	    G_DBUS_CALL_FLAGS_NONE, DFUCTL_CALL_TIMEOUT_MS, NULL, &error);
	if (reply == NULL)
		g_debug("starting %s: %s", DFUD_DBUS_NAME, error->message);
}

DfuctlClient *
dfuctl_client_new(const DfuctlOptions *options, GError **error)
{
	g_autoptr(DfuctlClient) client = g_new0(DfuctlClient, 1);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *owner = NULL;
	const gchar *bus_name = options->session ? "session" : "system";
	gboolean auto_start = !options->session;

	dfud_dbus_error_register();
	client->bus =
	    g_bus_get_sync(options->session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &local);
	if (client->bus == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "dfud is not running on the %s bus: cannot connect to the bus: %s",
			    bus_name, local->message);
		return NULL;
	}
	client->manager = client_manager_new(client->bus, auto_start, &local);
	if (client->manager != NULL) {
		owner = g_dbus_object_manager_client_get_name_owner(
		    G_DBUS_OBJECT_MANAGER_CLIENT(client->manager));
		if (owner == NULL && auto_start) {
			client_start_service(client->bus);
			g_clear_object(&client->manager);
			client->manager = client_manager_new(client->bus, FALSE, &local);
			if (client->manager != NULL)
				owner = g_dbus_object_manager_client_get_name_owner(
				    G_DBUS_OBJECT_MANAGER_CLIENT(client->manager));
		}
	}
	if (client->manager == NULL) {
		g_autoptr(GError) mapped = dfuctl_client_error(local);
		g_propagate_error(error, g_steal_pointer(&mapped));
		return NULL;
	}
	if (owner == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "dfud is not running on the %s bus", bus_name);
		return NULL;
	}
	/* the Manager interface lives on the ObjectManager's own path, not among its objects */
	client->root =
	    dfud_dbus_manager_proxy_new_sync(client->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
					     DFUD_DBUS_NAME, DFUD_DBUS_PATH, NULL, &local);
	if (client->root == NULL) {
		g_autoptr(GError) mapped = dfuctl_client_error(local);
		g_propagate_error(error, g_steal_pointer(&mapped));
		return NULL;
	}
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(client->root), DFUCTL_CALL_TIMEOUT_MS);
	return g_steal_pointer(&client);
}

void
dfuctl_client_free(DfuctlClient *client)
{
	if (client == NULL)
		return;
	g_clear_object(&client->root);
	g_clear_object(&client->manager);
	g_clear_object(&client->bus);
	g_free(client);
}

const gchar *
dfuctl_object_name(const gchar *path)
{
	const gchar *slash;

	if (path == NULL)
		return NULL;
	slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static gint
object_path_compare(gconstpointer a, gconstpointer b)
{
	GDBusObject *oa = *(GDBusObject *const *)a;
	GDBusObject *ob = *(GDBusObject *const *)b;
	return g_strcmp0(g_dbus_object_get_object_path(oa), g_dbus_object_get_object_path(ob));
}

GPtrArray *
dfuctl_client_list_devices(DfuctlClient *client)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);
	GList *objects = g_dbus_object_manager_get_objects(client->manager);

	for (GList *l = objects; l != NULL; l = l->next) {
		if (dfud_dbus_object_peek_device(DFUD_DBUS_OBJECT(l->data)) != NULL)
			g_ptr_array_add(out, g_object_ref(l->data));
	}
	g_list_free_full(objects, g_object_unref);
	g_ptr_array_sort(out, object_path_compare);
	return out;
}

static DfudDbusDevice *
device_ref(DfudDbusObject *object)
{
	DfudDbusDevice *device = dfud_dbus_object_get_device(object);
	if (device != NULL)
		g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(device), DFUCTL_CALL_TIMEOUT_MS);
	return device;
}

guint
dfuctl_client_device_index(DfuctlClient *client, DfudDbusDevice *device)
{
	g_autoptr(GPtrArray) devices = dfuctl_client_list_devices(client);
	const gchar *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(device));

	for (guint i = 0; i < devices->len; i++) {
		GDBusObject *object = g_ptr_array_index(devices, i);
		if (g_strcmp0(g_dbus_object_get_object_path(object), path) == 0)
			return i + 1;
	}
	return 0;
}

/* what the selector looks like: a URI (udp:, ble:), a bare BLE address ("AA:BB:..."), or a
 * URI of another scheme ("tcp:...", refused by the parser) */
static gboolean
is_uri(const gchar *selector)
{
	return g_str_has_prefix(selector, "udp:") || g_str_has_prefix(selector, "ble:") ||
	       g_str_has_prefix(selector, "serial:") ||
	       dfud_transport_bt_address_parse(selector, NULL);
}

/* "HOST:PORT" or "[IPV6]:PORT", as the Address property of a UDP device has it */
static gchar *
udp_address(const DfudTransportUri *uri)
{
	return g_strdup_printf(strchr(uri->host, ':') != NULL ? "[%s]:%u" : "%s:%u", uri->host,
			       uri->port);
}

/*
 * @uri (parsed) names @device: the same canonical URI; or, without options, the same BLE
 * address (any adapter) or the same UDP address
 */
static gboolean
device_matches_uri(DfudDbusDevice *device, const DfudTransportUri *uri, const gchar *canonical)
{
	const gchar *dev_address = dfud_dbus_device_get_address(device);
	const gchar *transport = dfud_dbus_device_get_transport(device);
	g_autofree gchar *address = NULL;

	if (g_strcmp0(dfud_dbus_device_get_uri(device), canonical) == 0)
		return TRUE;
	if (dev_address == NULL)
		return FALSE;
	if (uri->kind == DFUD_TRANSPORT_URI_BLE)
		return g_ascii_strcasecmp(dev_address, uri->address) == 0 &&
		       g_strcmp0(transport, "ble") == 0;
	/* the same port whatever the options: one program holds a port at a time */
	if (uri->kind == DFUD_TRANSPORT_URI_SERIAL)
		return g_strcmp0(dev_address, uri->path) == 0 &&
		       g_strcmp0(transport, "serial") == 0;
	if (uri->ip_mtu != 0 || uri->att_mtu != 0)
		return FALSE;
	address = udp_address(uri);
	return g_strcmp0(dev_address, address) == 0 && g_strcmp0(transport, "udp") == 0;
}

DfudDbusDevice *
dfuctl_client_wait_device(DfuctlClient *client, const gchar *path, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + DFUCTL_OBJECT_WAIT_US;
	g_autoptr(GError) local = NULL;
	DfudDbusDevice *device;

	/* InterfacesAdded reaches the object manager through the main context */
	while (TRUE) {
		g_autoptr(GDBusObject) object =
		    g_dbus_object_manager_get_object(client->manager, path);
		if (object != NULL && dfud_dbus_object_peek_device(DFUD_DBUS_OBJECT(object)))
			return device_ref(DFUD_DBUS_OBJECT(object));
		if (g_get_monotonic_time() > deadline)
			break;
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(10 * 1000);
	}
	/* not announced (yet): a proxy of its own still works */
	device = dfud_dbus_device_proxy_new_sync(client->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
						 DFUD_DBUS_NAME, path, NULL, &local);
	if (device == NULL) {
		g_autoptr(GError) mapped = dfuctl_client_error(local);
		g_propagate_error(error, g_steal_pointer(&mapped));
		return NULL;
	}
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(device), DFUCTL_CALL_TIMEOUT_MS);
	return device;
}

static DfudDbusDevice *
client_add_device(DfuctlClient *client, const gchar *uri, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GError) local = NULL;
	GVariantBuilder options;

	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	if (!dfud_dbus_manager_call_add_device_sync(
		client->root, uri, g_variant_builder_end(&options), G_DBUS_CALL_FLAGS_NONE, -1,
		&path, NULL, &local)) {
		g_autoptr(GError) mapped = dfuctl_client_error(local);
		g_propagate_error(error, g_steal_pointer(&mapped));
		return NULL;
	}
	return dfuctl_client_wait_device(client, path, error);
}

DfudDbusDevice *
dfuctl_client_lookup_device(DfuctlClient *client, const gchar *selector, gboolean add_unknown,
			    GError **error)
{
	g_autoptr(GPtrArray) devices = dfuctl_client_list_devices(client);
	g_autoptr(GPtrArray) named = g_ptr_array_new();

	if (selector == NULL || selector[0] == '\0') {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "an empty device selector");
		return NULL;
	}

	/* an object path */
	if (selector[0] == '/') {
		for (guint i = 0; i < devices->len; i++) {
			GDBusObject *object = g_ptr_array_index(devices, i);
			if (g_strcmp0(g_dbus_object_get_object_path(object), selector) == 0)
				return device_ref(DFUD_DBUS_OBJECT(object));
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no device %s", selector);
		return NULL;
	}

	/* a short index */
	if (g_ascii_isdigit(selector[0])) {
		guint64 index = 0;
		if (g_ascii_string_to_unsigned(selector, 10, 1, G_MAXUINT, &index, NULL)) {
			if (index > devices->len) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
					    "no device %s: dfud knows %u device%s", selector,
					    devices->len, devices->len == 1 ? "" : "s");
				return NULL;
			}
			return device_ref(g_ptr_array_index(devices, index - 1));
		}
	}

	/* a URI or address: checked here, so that a wrong one says what is wrong */
	if (is_uri(selector)) {
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(selector, error);
		g_autofree gchar *canonical = NULL;

		if (uri == NULL)
			return NULL;
		canonical = dfud_transport_uri_to_string(uri);
		for (guint i = 0; i < devices->len; i++) {
			DfudDbusObject *object = g_ptr_array_index(devices, i);
			if (device_matches_uri(dfud_dbus_object_peek_device(object), uri,
					       canonical))
				return device_ref(object);
		}
		if (add_unknown)
			return client_add_device(client, canonical, error);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "dfud does not know the device %s ('dfuctl add %s' makes it known)",
			    canonical, canonical);
		return NULL;
	}

	/* a name, or the object's own name */
	for (guint i = 0; i < devices->len; i++) {
		DfudDbusObject *object = g_ptr_array_index(devices, i);
		DfudDbusDevice *device = dfud_dbus_object_peek_device(object);
		const gchar *path = g_dbus_object_get_object_path(G_DBUS_OBJECT(object));
		if (g_strcmp0(dfud_dbus_device_get_name(device), selector) == 0 ||
		    g_strcmp0(dfuctl_object_name(path), selector) == 0)
			g_ptr_array_add(named, object);
	}
	if (named->len == 1)
		return device_ref(g_ptr_array_index(named, 0));
	if (named->len > 1) {
		GString *list = g_string_new(NULL);
		for (guint i = 0; i < named->len; i++) {
			GDBusObject *object = g_ptr_array_index(named, i);
			g_string_append_printf(list, "%s%s", i > 0 ? ", " : "",
					       g_dbus_object_get_object_path(object));
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "'%s' names %u devices: %s; use an index or object path", selector,
			    named->len, list->str);
		g_string_free(list, TRUE);
		return NULL;
	}
	/* no such name: "tcp:...", a URI of a scheme dfud does not take, gets the parser's word */
	if (g_ascii_isalpha(selector[0]) && strchr(selector, ':') != NULL &&
	    strpbrk(selector, " \t") == NULL) {
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(selector, error);

		if (uri == NULL)
			return NULL;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no device '%s'", selector);
	return NULL;
}

DfudDbusDevice *
dfuctl_client_get_device(DfuctlClient *client, const gchar *selector, GError **error)
{
	return dfuctl_client_lookup_device(client, selector, TRUE, error);
}

typedef struct {
	GMainLoop *loop;
	DfudDbusJob *job;
	GError *error;
} JobProxyWait;

static void
job_proxy_ready_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	JobProxyWait *wait = user_data;

	wait->job = dfud_dbus_job_proxy_new_finish(res, &wait->error);
	g_main_loop_quit(wait->loop);
}

/*
 * A proxy of its own for the job at @path, made while the main loop runs: a proxy made with a
 * synchronous call applies the PropertiesChanged signals that arrived while it waited for the
 * properties after them, so a job that moved on meanwhile would seem to go back a stage. Made
 * asynchronously, the signals older than the properties are dropped and newer ones applied
 * in order.
 */
static DfudDbusJob *
job_proxy_new(DfuctlClient *client, const gchar *path, gboolean may_be_gone, GError **error)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(g_main_context_get_thread_default(), FALSE);
	JobProxyWait wait = {.loop = loop};

	if (path == NULL || !g_variant_is_object_path(path)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no job %s",
			    path != NULL ? path : "(null)");
		return NULL;
	}
	dfud_dbus_job_proxy_new(client->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, DFUD_DBUS_NAME,
				path, NULL, job_proxy_ready_cb, &wait);
	g_main_loop_run(loop);
	if (wait.job == NULL) {
		g_propagate_error(error, dfuctl_client_error(wait.error));
		g_clear_error(&wait.error);
		return NULL;
	}
	/* a proxy of a path with nothing behind it (a job gone after JobLinger) has no
	 * properties */
	if (!may_be_gone && dfud_dbus_job_get_status(wait.job) == NULL) {
		g_object_unref(wait.job);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no job %s", path);
		return NULL;
	}
	return wait.job;
}

DfudDbusJob *
dfuctl_client_new_job_proxy(DfuctlClient *client, const gchar *path, GError **error)
{
	return job_proxy_new(client, path, FALSE, error);
}

DfudDbusJob *
dfuctl_client_queued_job_proxy(DfuctlClient *client, const gchar *path, GError **error)
{
	return job_proxy_new(client, path, TRUE, error);
}

DfudDbusJob *
dfuctl_client_job_at(DfuctlClient *client, const gchar *path, GError **error)
{
	g_autoptr(GDBusObject) object = NULL;

	if (path != NULL && g_variant_is_object_path(path)) {
		object = g_dbus_object_manager_get_object(client->manager, path);
		if (object != NULL) {
			DfudDbusJob *job = dfud_dbus_object_get_job(DFUD_DBUS_OBJECT(object));
			if (job != NULL)
				return job;
		}
	}
	return dfuctl_client_new_job_proxy(client, path, error);
}

DfudDbusJob *
dfuctl_client_get_job(DfuctlClient *client, const gchar *selector, GError **error)
{
	g_autofree gchar *path = NULL;
	guint64 id = 0;

	if (selector != NULL && selector[0] == '/') {
		path = g_strdup(selector);
	} else if (selector != NULL &&
		   g_ascii_string_to_unsigned(selector, 10, 0, G_MAXUINT64, &id, NULL)) {
		path = g_strdup_printf("%s/%" G_GUINT64_FORMAT, DFUD_DBUS_JOB_PATH, id);
	} else {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "no job '%s': give a job id or object path",
			    selector != NULL ? selector : "");
		return NULL;
	}
	if (!g_str_has_prefix(path, DFUD_DBUS_JOB_PATH "/")) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "no job %s", path);
		return NULL;
	}
	return dfuctl_client_job_at(client, path, error);
}

DfudDbusDevice *
dfuctl_client_open_device(const DfuctlOptions *options, const gchar *verb, const gchar *selector,
			  DfuctlClient **client, int *rc)
{
	g_autoptr(GError) error = NULL;
	DfudDbusDevice *device;

	*client = dfuctl_client_new(options, &error);
	if (*client == NULL) {
		*rc = dfuctl_fail(options, verb, error);
		return NULL;
	}
	device = dfuctl_client_get_device(*client, selector, &error);
	if (device == NULL)
		*rc = dfuctl_fail(options, verb, error);
	return device;
}
