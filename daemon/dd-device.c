/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudDevice"

#include "config.h"

#include "dd-device-private.h"
#include "dd-firmware.h"
#include "dd-log.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "transport/bluez/dfud-transport-ble.h"
#include "smp/dfud-smp.h"
#include "transport/dfud-transport-uri.h"

G_DEFINE_TYPE(DdDevice, dd_device, G_TYPE_OBJECT)

enum { SIGNAL_JOB_ADDED, SIGNAL_JOB_FINISHED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static void process_queue(DdDevice *self);

const gchar *
dd_device_get_path(DdDevice *self)
{
	return self->path;
}

const gchar *
dd_device_get_uri(DdDevice *self)
{
	return self->uri;
}

const gchar *
dd_device_get_name(DdDevice *self)
{
	return dfud_dbus_device_get_name(self->iface);
}

const gchar *
dd_device_get_address(DdDevice *self)
{
	return self->address;
}

gboolean
dd_device_get_added(DdDevice *self)
{
	return dfud_dbus_device_get_added(self->iface);
}

void
dd_device_set_added(DdDevice *self, gboolean added)
{
	dfud_dbus_device_set_added(self->iface, added);
}

DfudDbusObjectSkeleton *
dd_device_get_object(DdDevice *self)
{
	return self->object;
}

DdJob *
dd_device_get_current_job(DdDevice *self)
{
	return g_queue_peek_head(&self->jobs);
}

gboolean
dd_device_is_busy(DdDevice *self)
{
	return self->jobs.length > 0 || self->command_running;
}

const gchar *
dd_device_get_bluez_path(DdDevice *self)
{
	const gchar *path = dfud_dbus_device_get_bluez_device(self->iface);
	return g_strcmp0(path, "/") == 0 ? NULL : path;
}

const gchar *
dd_device_slot_adapter(DdDevice *self)
{
	return self->adapter;
}

/* --- properties --- */

void
dd_device_update_connected(DdDevice *self)
{
	DdJob *job = dd_device_get_current_job(self);
	gboolean link_open = self->command_running || (job != NULL && dd_job_is_running(job));

	dfud_dbus_device_set_connected(self->iface, self->address != NULL
							? self->bluez_connected || link_open
							: link_open);
}

void
dd_device_update_state(DdDevice *self)
{
	DdJob *job = dd_device_get_current_job(self);

	dfud_dbus_device_set_current_job(self->iface, job != NULL ? dd_job_get_path(job) : "/");
	if (job != NULL)
		dfud_dbus_device_set_state(self->iface, "updating");
	else
		dfud_dbus_device_set_state(self->iface, self->command_running ? "busy" : "idle");
	dd_device_update_connected(self);
}

void
dd_device_set_images(DdDevice *self, const DfudSmpImageState *state)
{
	GVariantBuilder builder;

	if (state == NULL)
		return;
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *slot = g_ptr_array_index(state->slots, i);
		GVariantDict dict;

		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "image", "u", slot->image);
		g_variant_dict_insert(&dict, "slot", "u", slot->slot);
		g_variant_dict_insert(&dict, "version", "s",
				      slot->version != NULL ? slot->version : "");
		g_variant_dict_insert_value(&dict, "hash",
					    g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
								      slot->hash, slot->hash_len,
								      1));
		g_variant_dict_insert(&dict, "bootable", "b", slot->bootable);
		g_variant_dict_insert(&dict, "pending", "b", slot->pending);
		g_variant_dict_insert(&dict, "confirmed", "b", slot->confirmed);
		g_variant_dict_insert(&dict, "active", "b", slot->active);
		g_variant_dict_insert(&dict, "permanent", "b", slot->permanent);
		g_variant_builder_add_value(&builder, g_variant_dict_end(&dict));
	}
	dfud_dbus_device_set_images(self->iface, g_variant_builder_end(&builder));
}

void
dd_device_set_bootloader_mode(DdDevice *self, gint mode)
{
	dfud_dbus_device_set_bootloader_mode(self->iface, dfud_smp_bootloader_mode_to_string(mode));
}

void
dd_device_set_bluez(DdDevice *self, const gchar *bluez_path, const gchar *name,
		    gboolean connected)
{
	dfud_dbus_device_set_bluez_device(self->iface, bluez_path != NULL ? bluez_path : "/");
	if (name != NULL && name[0] != '\0' && !dd_device_get_added(self))
		dfud_dbus_device_set_name(self->iface, name);
	self->bluez_connected = bluez_path != NULL && connected;
	dd_device_update_connected(self);
}

void
dd_device_set_last_update(DdDevice *self, GVariant *entry)
{
	if (entry != NULL)
		dfud_dbus_device_set_last_update(self->iface, entry);
}

/* --- transports --- */

DfudTransport *
dd_device_new_transport(DdDevice *self, GError **error)
{
	DfudTransport *transport;

	if (self->address != NULL && self->ctx->bluez_bus == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
			    "BLE devices need BlueZ, and this dfud runs without it");
		return NULL;
	}
	transport = dfud_transport_new_for_uri(self->uri, error);
	if (transport == NULL)
		return NULL;
	if (DFUD_IS_TRANSPORT_BLE(transport) && self->ctx->config->passkey >= 0)
		dfud_transport_ble_set_passkey(DFUD_TRANSPORT_BLE(transport),
					       self->ctx->config->passkey);
	/* a device added without an adapter: only dfud.conf's Adapters may serve it */
	if (DFUD_IS_TRANSPORT_BLE(transport))
		dfud_transport_ble_set_adapters(DFUD_TRANSPORT_BLE(transport),
						(const gchar *const *)self->ctx->config->adapters);
	return transport;
}

/* --- the queue --- */

static void
job_finished_cb(DdJob *job, gpointer user_data)
{
	DdDevice *self = user_data;

	/* the queue's reference is ours now, until the end of this handler */
	g_signal_handlers_disconnect_by_func(job, job_finished_cb, self);
	g_queue_remove(&self->jobs, job);
	dd_device_set_images(self, dd_job_get_image_state(job));
	dd_device_set_last_update(self, dd_job_get_history_entry(job));
	dd_device_update_state(self);
	g_signal_emit(self, signals[SIGNAL_JOB_FINISHED], 0, job);
	process_queue(self);
	g_object_unref(job);
}

static void
slot_acquired(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdJob) job = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DdSlot) slot = dd_scheduler_acquire_finish(DD_SCHEDULER(source), res, &error);
	g_autoptr(DfudTransport) transport = NULL;
	DdDevice *self;

	if (slot == NULL || dd_job_is_finished(job))
		return; /* cancelled while waiting: the job ended itself */
	self = g_object_get_data(G_OBJECT(job), "dd-device");
	if (self == NULL)
		return;
	transport = dd_device_new_transport(self, &error);
	if (transport == NULL) {
		dd_job_fail(job, error);
		return;
	}
	dd_job_run(job, transport, g_steal_pointer(&slot));
	dd_device_update_state(self);
}

static void
process_queue(DdDevice *self)
{
	DdJob *job = dd_device_get_current_job(self);
	GCancellable *waiting;

	if (job == NULL || self->command_running || dd_job_is_running(job))
		return;
	if (g_object_get_data(G_OBJECT(job), "dd-slot-wait") != NULL)
		return;
	waiting = g_cancellable_new();
	g_object_set_data_full(G_OBJECT(job), "dd-slot-wait", waiting, g_object_unref);
	g_object_set_data(G_OBJECT(job), "dd-device", self);
	dd_scheduler_acquire_async(self->ctx->scheduler, self->adapter, waiting, slot_acquired,
				   g_object_ref(job));
}

static void
job_stop_waiting_cb(DdJob *job, gpointer user_data)
{
	GCancellable *waiting = g_object_get_data(G_OBJECT(job), "dd-slot-wait");

	if (waiting != NULL)
		g_cancellable_cancel(waiting);
	g_object_set_data(G_OBJECT(job), "dd-device", NULL);
}

void
dd_device_enqueue(DdDevice *self, DdJob *job)
{
	g_queue_push_tail(&self->jobs, g_object_ref(job));
	g_signal_connect(job, "finished", G_CALLBACK(job_stop_waiting_cb), NULL);
	g_signal_connect(job, "finished", G_CALLBACK(job_finished_cb), self);
	g_signal_emit(self, signals[SIGNAL_JOB_ADDED], 0, job);
	dd_device_update_state(self);
	process_queue(self);
}

/* called by dd-device-commands.c when a command ends */
void dd_device_command_ended(DdDevice *self);
void
dd_device_command_ended(DdDevice *self)
{
	self->command_running = FALSE;
	dd_device_update_state(self);
	process_queue(self);
}

/* --- Update --- */

/*
 * Update calls being read and checked at once, over all devices: each holds its descriptor
 * (for at most [Timeouts] FirmwareRead) and a watch of its caller; their bytes are bounded by
 * MaxFirmwareReadMemory
 */
#define DD_DEVICE_MAX_UPDATE_CALLS 256

static guint update_calls;

typedef struct {
	DdDevice *device;
	GDBusMethodInvocation *invocation;
	DdJobRecord *record;
	gint fd;
	GCancellable *cancellable; /* of the authorization and the read: the caller left */
	guint watch_id;		   /* of the caller's unique name */
} DdUpdateCall;

static void
dd_update_call_free(DdUpdateCall *call)
{
	if (call->watch_id != 0)
		g_bus_unwatch_name(call->watch_id);
	g_object_unref(call->device);
	g_object_unref(call->invocation);
	dd_job_record_free(call->record);
	if (call->fd >= 0)
		close(call->fd);
	g_object_unref(call->cancellable);
	update_calls--;
	g_free(call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdUpdateCall, dd_update_call_free)

static DdUpdateCall *
dd_update_call_new(DdDevice *self, GDBusMethodInvocation *invocation)
{
	DdUpdateCall *call = g_new0(DdUpdateCall, 1);

	update_calls++;
	call->device = g_object_ref(self);
	call->invocation = g_object_ref(invocation);
	call->record = dd_job_record_new();
	call->fd = -1;
	call->cancellable = g_cancellable_new();
	return call;
}

/* a caller that left the bus waits for no answer: what its call holds goes at once */
static void
caller_vanished(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	DdUpdateCall *call = user_data;

	dd_dev_message(call->device->log_name,
		       "the caller %s left the bus: its Update is abandoned, its descriptor closed",
		       name);
	g_cancellable_cancel(call->cancellable);
}

static void
watch_caller(DdUpdateCall *call)
{
	const gchar *sender = g_dbus_method_invocation_get_sender(call->invocation);

	/* a peer-to-peer connection has no names; its end closes the call's connection */
	if (sender == NULL)
		return;
	call->watch_id = g_bus_watch_name_on_connection(
	    g_dbus_method_invocation_get_connection(call->invocation), sender,
	    G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, caller_vanished, call, NULL);
}

/* the descriptor at @index, taken out of the message: the call holds one copy, not two */
static gint
take_fd(GUnixFDList *fd_list, gint index, GError **error)
{
	gint n = 0;
	g_autofree gint *fds = NULL;
	gint fd = -1;

	if (fd_list == NULL || index < 0 || index >= g_unix_fd_list_get_length(fd_list)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "the firmware must be passed as a file descriptor");
		return -1;
	}
	fds = g_unix_fd_list_steal_fds(fd_list, &n);
	for (gint i = 0; i < n; i++) {
		if (i == index)
			fd = fds[i];
		else
			close(fds[i]);
	}
	return fd;
}

static gboolean
parse_update_options(GVariant *options, DdJobRecord *record, GError **error)
{
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	record->mode = g_strdup("test-and-confirm");
	record->image = -1;
	g_variant_iter_init(&iter, options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;
		DfudUpdateMode mode;
		const gchar *type = NULL;

		if (g_strcmp0(key, "mode") == 0) {
			type = "s";
			if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
				if (!dfud_update_mode_from_string(g_variant_get_string(v, NULL),
								  &mode)) {
					g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
						    "unknown mode \"%s\": use test-and-confirm, "
						    "confirm-only, test-only or upload-only",
						    g_variant_get_string(v, NULL));
					return FALSE;
				}
				g_free(record->mode);
				record->mode = g_strdup(dfud_update_mode_to_string(mode));
				continue;
			}
		} else if (g_strcmp0(key, "image") == 0) {
			type = "i";
			if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32) &&
			    g_variant_get_int32(v) >= -1 && g_variant_get_int32(v) < 256) {
				record->image = g_variant_get_int32(v);
				continue;
			}
		} else if (g_strcmp0(key, "window") == 0) {
			type = "u";
			if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) &&
			    g_variant_get_uint32(v) <= 64) {
				record->window = g_variant_get_uint32(v);
				continue;
			}
		} else {
			gboolean *flag = g_strcmp0(key, "no-reset") == 0	  ? &record->no_reset
					 : g_strcmp0(key, "allow-downgrade") == 0 ? &record->allow_downgrade
					 : g_strcmp0(key, "upgrade") == 0	  ? &record->upgrade
					 : g_strcmp0(key, "no-reassembly") == 0	  ? &record->no_reassembly
					 : g_strcmp0(key, "accept-permanent") == 0
					     ? &record->accept_permanent
					 : g_strcmp0(key, "recovery") == 0 ? &record->recovery
									   : NULL;
			if (flag == NULL) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    "unknown option \"%s\"", key);
				return FALSE;
			}
			type = "b";
			if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
				*flag = g_variant_get_boolean(v);
				continue;
			}
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "option \"%s\" must be of type %s and in range", key, type);
		return FALSE;
	}
	return TRUE;
}

/* the "image" option names an image the package has (the engine would fail the job later) */
static gboolean
check_image_option(DfudPackage *package, gint image, GError **error)
{
	GPtrArray *entries = dfud_package_get_entries(package);
	g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GString) indexes = g_string_new(NULL);

	if (image < 0)
		return TRUE;
	for (guint i = 0; i < entries->len; i++) {
		guint index = dfud_package_entry_get_image_index(g_ptr_array_index(entries, i));
		gboolean listed = FALSE;

		if (index == (guint)image)
			return TRUE;
		for (guint j = 0; j < seen->len; j++)
			listed |= g_array_index(seen, guint, j) == index;
		if (listed)
			continue; /* the MCUboot s0/s1 variants share theirs */
		g_string_append_printf(indexes, "%s%u", seen->len > 0 ? ", " : "", index);
		g_array_append_val(seen, index);
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "option \"image\" is %d, but the package has no image %d: its image%s %s", image,
		    image, seen->len == 1 ? " is" : "s are", indexes->str);
	return FALSE;
}

static DdJob *
create_job(DdDevice *self, DdJobRecord *record, GBytes *firmware, GError **error)
{
	g_autofree gchar *sha256 = NULL;
	g_autoptr(DfudPackage) package =
	    dd_firmware_cache_get_package(self->ctx->firmware_cache, firmware, &sha256, error);

	if (package == NULL || !check_image_option(package, record->image, error))
		return NULL;
	/* the configuration does not change while dfud runs: a package passes once */
	if (g_object_get_data(G_OBJECT(package), "dd-config-checked") == NULL) {
		GPtrArray *entries = dfud_package_get_entries(package);
		g_autoptr(GPtrArray) images = g_ptr_array_new();

		for (guint i = 0; i < entries->len; i++)
			g_ptr_array_add(images, dfud_package_entry_get_image(
						    g_ptr_array_index(entries, i)));
		if (!dd_config_check_package(self->ctx->config, images, error))
			return NULL;
		g_object_set_data(G_OBJECT(package), "dd-config-checked", GINT_TO_POINTER(1));
	}
	/* checked again now: another Update may have queued while this one read its fd */
	if (self->jobs.length > 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "an update of %s is already queued or running: %s", self->uri,
			    dd_job_get_path(dd_device_get_current_job(self)));
		return NULL;
	}
	if (!dd_store_next_job_id(self->ctx->store, &record->id, error))
		return NULL;
	if (!dd_store_save_firmware(self->ctx->store, record, firmware, sha256, error))
		return NULL;
	if (!dd_store_save_job(self->ctx->store, record, error)) {
		dd_store_remove_job(self->ctx->store, record->id);
		return NULL;
	}
	return dd_job_new(self->ctx, record, package, self->path, self->log_name);
}

static void
firmware_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdUpdateCall) call = user_data;
	DdDevice *self = call->device;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) firmware = dd_firmware_read_finish(res, &error);
	g_autoptr(DdJob) job = NULL;

	if (firmware != NULL)
		job = create_job(self, call->record, firmware, &error);
	if (job == NULL) {
		dd_dev_message(self->log_name, "update refused: %s", error->message);
		dfud_dbus_error_return(call->invocation, error);
		return;
	}
	dd_job_message(self->log_name, dd_job_get_id(job), "queued: %s, %" G_GSIZE_FORMAT
		       " bytes, mode %s", dd_job_get_path(job), g_bytes_get_size(firmware),
		       call->record->mode);
	dd_device_enqueue(self, job);
	dfud_dbus_device_complete_update(self->iface, call->invocation, NULL,
					 dd_job_get_path(job));
}

static void
update_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdUpdateCall) call = user_data;
	g_autoptr(GError) error = NULL;
	const DdConfig *config = call->device->ctx->config;
	DdFirmwareLimits limits = {
	    .max_size = (gsize)MIN(config->max_firmware_size, G_MAXSIZE - 1),
	    .max_memory = (gsize)MIN(config->max_read_memory, G_MAXSIZE),
	    .timeout_ms = config->firmware_read_timeout_ms,
	};
	GCancellable *cancellable = call->cancellable;
	DdFirmwareCache *cache;
	gint fd;

	if (!dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		dfud_dbus_error_return(call->invocation, error);
		return;
	}
	fd = call->fd;
	call->fd = -1;
	cache = call->device->ctx->firmware_cache;
	dd_firmware_read_async(fd, &limits, cache, cancellable, firmware_read,
			       g_steal_pointer(&call));
}

static gboolean
handle_update(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
	      GVariant *arg_firmware, GVariant *arg_options, gpointer user_data)
{
	DdDevice *self = user_data;
	g_autoptr(DdUpdateCall) call = dd_update_call_new(self, invocation);
	g_autoptr(GError) error = NULL;
	GCancellable *cancellable;

	if (!parse_update_options(arg_options, call->record, &error)) {
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	if (self->jobs.length > 0) {
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "an update of %s is already queued or running: %s", self->uri,
			    dd_job_get_path(dd_device_get_current_job(self)));
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	if (update_calls > DD_DEVICE_MAX_UPDATE_CALLS) {
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "%u Update calls are being read already: retry later",
			    DD_DEVICE_MAX_UPDATE_CALLS);
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	call->fd = take_fd(fd_list, g_variant_get_handle(arg_firmware), &error);
	if (call->fd < 0) {
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	call->record->device_uri = g_strdup(self->uri);
	call->record->device_name = g_strdup(dd_device_get_name(self));
	call->record->created_us = g_get_real_time();
	watch_caller(call);
	cancellable = call->cancellable;
	dd_auth_check_async(self->ctx->auth, invocation, DD_AUTH_ACTION_UPDATE, cancellable,
			    update_authorized, g_steal_pointer(&call));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- names --- */

gchar *
dd_device_path_name_for_uri(const gchar *uri)
{
	g_autoptr(DfudTransportUri) parsed = dfud_transport_uri_parse(uri, NULL);
	g_autofree gchar *raw = NULL;

	if (parsed == NULL)
		return NULL;
	if (parsed->kind == DFUD_TRANSPORT_URI_UDP)
		raw = g_strdup_printf("udp_%s_%u", parsed->host, parsed->port);
	else if (parsed->kind == DFUD_TRANSPORT_URI_SERIAL)
		raw = g_strdup_printf("serial%s", parsed->path); /* serial_dev_ttyACM0 */
	else if (parsed->adapter != NULL)
		raw = g_strdup_printf("%s_dev_%s", parsed->adapter, parsed->address);
	else
		raw = g_strdup_printf("dev_%s", parsed->address);
	for (gchar *p = raw; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p))
			*p = '_';
	}
	return g_steal_pointer(&raw);
}

/* --- object --- */

static void
dd_device_dispose(GObject *object)
{
	DdDevice *self = DD_DEVICE(object);

	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	while (self->jobs.length > 0) {
		DdJob *job = g_queue_pop_head(&self->jobs);
		g_signal_handlers_disconnect_by_func(job, job_finished_cb, self);
		g_object_unref(job);
	}
	if (self->iface != NULL)
		g_signal_handlers_disconnect_by_data(self->iface, self);
	g_clear_object(&self->iface);
	g_clear_object(&self->object);
	g_clear_object(&self->cancellable);
	G_OBJECT_CLASS(dd_device_parent_class)->dispose(object);
}

static void
dd_device_finalize(GObject *object)
{
	DdDevice *self = DD_DEVICE(object);

	g_free(self->path);
	g_free(self->uri);
	g_free(self->address);
	g_free(self->adapter);
	g_free(self->log_name);
	G_OBJECT_CLASS(dd_device_parent_class)->finalize(object);
}

static void
dd_device_class_init(DdDeviceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dd_device_dispose;
	object_class->finalize = dd_device_finalize;
	signals[SIGNAL_JOB_ADDED] = g_signal_new("job-added", G_TYPE_FROM_CLASS(klass),
						 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						 G_TYPE_NONE, 1, DD_TYPE_JOB);
	signals[SIGNAL_JOB_FINISHED] = g_signal_new("job-finished", G_TYPE_FROM_CLASS(klass),
						    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						    G_TYPE_NONE, 1, DD_TYPE_JOB);
}

static void
dd_device_init(DdDevice *self)
{
	g_queue_init(&self->jobs);
	self->cancellable = g_cancellable_new();
}

DdDevice *
dd_device_new(DdContext *ctx, const gchar *name_in_path, const gchar *uri, const gchar *name,
	      gboolean added)
{
	DdDevice *self = g_object_new(DD_TYPE_DEVICE, NULL);
	g_autoptr(DfudTransportUri) parsed = dfud_transport_uri_parse(uri, NULL);
	g_autofree gchar *address = NULL;
	const gchar *transport = NULL;

	self->ctx = ctx;
	self->path = g_strdup_printf(DFUD_DBUS_DEVICE_PATH "/%s", name_in_path);
	self->uri = g_strdup(uri);
	self->log_name = g_strdup(name_in_path);
	if (parsed != NULL && parsed->kind == DFUD_TRANSPORT_URI_BLE) {
		self->address = g_strdup(parsed->address);
		self->adapter = g_strdup(parsed->adapter != NULL ? parsed->adapter : "");
		address = g_strdup(parsed->address);
	} else if (parsed != NULL && parsed->kind == DFUD_TRANSPORT_URI_SERIAL) {
		address = g_strdup(parsed->path);
		transport = "serial";
	} else if (parsed != NULL) {
		address = g_strdup_printf(strchr(parsed->host, ':') != NULL ? "[%s]:%u" : "%s:%u",
					  parsed->host, parsed->port);
	}

	self->object = dfud_dbus_object_skeleton_new(self->path);
	self->iface = dfud_dbus_device_skeleton_new();
	dfud_dbus_device_set_uri(self->iface, uri);
	dfud_dbus_device_set_address(self->iface, address != NULL ? address : "");
	dfud_dbus_device_set_name(self->iface, name != NULL ? name : "");
	dfud_dbus_device_set_transport(self->iface, transport != NULL	    ? transport
						    : self->address != NULL ? "ble"
									    : "udp");
	dfud_dbus_device_set_bluez_device(self->iface, "/");
	dfud_dbus_device_set_added(self->iface, added);
	dfud_dbus_device_set_images(self->iface,
				    g_variant_new_array(G_VARIANT_TYPE_VARDICT, NULL, 0));
	dfud_dbus_device_set_bootloader_mode(self->iface, "");
	dfud_dbus_device_set_os_info(self->iface, "");
	dfud_dbus_device_set_slot_sizes(self->iface,
					g_variant_new_array(G_VARIANT_TYPE_VARDICT, NULL, 0));
	dfud_dbus_device_set_last_update(self->iface,
					 g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
	dd_device_update_state(self);
	g_signal_connect(self->iface, "handle-update", G_CALLBACK(handle_update), self);
	dd_device_commands_connect(self);
	dfud_dbus_object_skeleton_set_device(self->object, self->iface);
	return self;
}
