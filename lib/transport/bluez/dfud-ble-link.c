/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-link.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dfud-ble-frames.h"
#include "dfud-error.h"

#define IFACE_CHR "org.bluez.GattCharacteristic1"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define CALL_TIMEOUT_MS 25000
/* WriteValue calls in flight in the D-Bus fallback (D-Bus and bluetoothd keep their order) */
#define DBUS_WRITES_IN_FLIGHT 4
/* larger than any notification (ATT MTU <= 517) */
#define READ_BUF_SIZE 2048

struct _DfudBleLink {
	GDBusProxy *chr;
	GDBusConnection *bus;
	DfudBleLinkFrameFunc frame_func;
	DfudBleLinkLostFunc lost_func;
	gpointer user_data;
	GCancellable *cancellable; /* our D-Bus calls; cancelled by free */
	DfudBleReassembly *reassembly;
	guint mtu;
	gboolean lost;
	/* notifications */
	gint notify_fd;
	guint notify_watch;
	gboolean notifying; /* StartNotify done */
	gboolean probe;	    /* set: StartNotify first (dfud_ble_link_set_probe) */
	gboolean probing;   /* the probe's StartNotify was sent and not stopped yet */
	guint value_sub;
	/* writes */
	gint write_fd;
	guint write_watch;
	GQueue pending; /* GBytes pieces not written yet */
	guint dbus_writes;
	gboolean *freed;  /* set while frames are handed out: the callee may free the link */
	gboolean sending; /* inside dfud_ble_link_send: a loss is reported from an idle */
	guint lost_idle;
	GError *lost_error;
};

gboolean
dfud_ble_error_is_security(const GError *error)
{
	g_autofree gchar *remote = NULL;

	if (error == NULL)
		return FALSE;
	if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED))
		return TRUE;
	/* BlueZ's "Notify acquired" (NotPermitted) is a busy characteristic, not security */
	if (strstr(error->message, "acquired") != NULL)
		return FALSE;
	remote = g_dbus_error_get_remote_error(error);
	if (g_strcmp0(remote, "org.bluez.Error.NotPermitted") == 0 ||
	    g_strcmp0(remote, "org.bluez.Error.NotAuthorized") == 0)
		return TRUE;
	return strstr(error->message, "nsufficient") != NULL;
}

gboolean
dfud_ble_error_is_not_connected(const GError *error)
{
	g_autofree gchar *remote = NULL;

	if (error == NULL)
		return FALSE;
	if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST))
		return TRUE;
	remote = g_dbus_error_get_remote_error(error);
	return g_strcmp0(remote, "org.bluez.Error.NotConnected") == 0 ||
	       strstr(error->message, "Not connected") != NULL;
}

DfudBleLink *
dfud_ble_link_new(GDBusProxy *characteristic, DfudBleLinkFrameFunc frame_func,
		  DfudBleLinkLostFunc lost_func, gpointer user_data)
{
	DfudBleLink *self = g_new0(DfudBleLink, 1);

	self->chr = g_object_ref(characteristic);
	self->bus = g_object_ref(g_dbus_proxy_get_connection(characteristic));
	self->frame_func = frame_func;
	self->lost_func = lost_func;
	self->user_data = user_data;
	self->cancellable = g_cancellable_new();
	self->reassembly = dfud_ble_reassembly_new();
	self->mtu = DFUD_BLE_ATT_MTU_MIN;
	self->notify_fd = -1;
	self->write_fd = -1;
	g_queue_init(&self->pending);
	return self;
}

/*
 * @code: DFUD_ERROR_LINK_LOST when the link itself failed (a socket closed, a write refused
 * because the link is down), DFUD_ERROR_IO when talking to BlueZ did (the bus, no answer):
 * either way this link is done
 */
static gboolean
report_lost(gpointer user_data)
{
	DfudBleLink *self = user_data;
	g_autoptr(GError) error = g_steal_pointer(&self->lost_error);

	self->lost_idle = 0;
	if (self->lost_func != NULL)
		self->lost_func(error, self->user_data);
	return G_SOURCE_REMOVE;
}

static void
link_lost(DfudBleLink *self, DfudErrorCode code, const gchar *message)
{
	if (self->lost)
		return;
	self->lost = TRUE;
	g_debug("link lost: %s", message);
	self->lost_error = g_error_new_literal(DFUD_ERROR, code, message);
	/*
	 * not from inside a send: the user learns of the loss (and may free the link, reconnect,
	 * fail the requests it is sending) only once the send has returned
	 */
	if (self->sending)
		self->lost_idle = g_idle_add(report_lost, self);
	else
		report_lost(self);
}

/* FALSE when the link was freed by a frame's receiver: do not touch @self any more */
static gboolean
take_notification(DfudBleLink *self, const guint8 *data, gsize len)
{
	g_autoptr(GPtrArray) frames = dfud_ble_reassembly_push(self->reassembly, data, len);
	gboolean freed = FALSE;

	self->freed = &freed;
	for (guint i = 0; i < frames->len && !self->lost; i++) {
		self->frame_func(g_ptr_array_index(frames, i), self->user_data);
		if (freed)
			return FALSE;
	}
	self->freed = NULL;
	return TRUE;
}

/* ---- notifications from the socket ---- */

static gboolean
notify_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	DfudBleLink *self = user_data;
	guint8 buf[READ_BUF_SIZE];

	/* read everything there is: bluetoothd drops notifications when the socket is full */
	for (;;) {
		gssize n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			if (!take_notification(self, buf, (gsize)n))
				return G_SOURCE_REMOVE;
			if (self->lost)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    (cond & (G_IO_HUP | G_IO_ERR)) == 0)
			return G_SOURCE_CONTINUE;
		break;
	}
	self->notify_watch = 0;
	/* bluetoothd closes it when the link goes down */
	link_lost(self, DFUD_ERROR_LINK_LOST, "BlueZ closed the notification socket");
	return G_SOURCE_REMOVE;
}

/* ---- notifications through PropertiesChanged(Value) ---- */

static void
on_value_changed(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
		 const gchar *signal, GVariant *params, gpointer user_data)
{
	DfudBleLink *self = user_data;
	g_autoptr(GVariant) changed = NULL;
	g_autoptr(GVariant) value = NULL;
	const gchar *changed_iface = NULL;
	const guint8 *data;
	gsize len = 0;

	(void)bus;
	(void)sender;
	(void)path;
	(void)iface;
	(void)signal;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get(params, "(&s@a{sv}@as)", &changed_iface, &changed, NULL);
	if (g_strcmp0(changed_iface, IFACE_CHR) != 0)
		return;
	value = g_variant_lookup_value(changed, "Value", G_VARIANT_TYPE_BYTESTRING);
	if (value == NULL || self->lost)
		return;
	data = g_variant_get_fixed_array(value, &len, 1);
	take_notification(self, data, len);
}

/* ---- writes ---- */

static void flush(DfudBleLink *self);

static gboolean
write_ready(gint fd, GIOCondition cond, gpointer user_data)
{
	DfudBleLink *self = user_data;

	(void)fd;
	self->write_watch = 0;
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		link_lost(self, DFUD_ERROR_LINK_LOST, "BlueZ closed the write socket");
		return G_SOURCE_REMOVE;
	}
	flush(self);
	return G_SOURCE_REMOVE;
}

static void
dbus_write_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudBleLink *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* freed */
	self->dbus_writes--;
	if (ret == NULL) {
		/* BlueZ's own error ("Not connected"): the link refused it; else the bus failed */
		g_autofree gchar *remote = g_dbus_error_get_remote_error(error);
		gboolean refused = remote != NULL && g_str_has_prefix(remote, "org.bluez.Error.");
		g_autofree gchar *msg = NULL;

		g_dbus_error_strip_remote_error(error);
		msg = g_strdup_printf(refused ? "BlueZ refused a write (WriteValue): %s"
					      : "WriteValue: talking to BlueZ: %s",
				      error->message);
		link_lost(self, refused ? DFUD_ERROR_LINK_LOST : DFUD_ERROR_IO, msg);
		return;
	}
	flush(self);
}

static void
flush(DfudBleLink *self)
{
	GBytes *piece;

	while (!self->lost && (piece = g_queue_peek_head(&self->pending)) != NULL) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(piece, &len);

		if (self->write_fd >= 0) {
			gssize n = send(self->write_fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (self->write_watch == 0)
					self->write_watch = g_unix_fd_add(
					    self->write_fd, G_IO_OUT | G_IO_HUP | G_IO_ERR,
					    write_ready, self);
				return;
			}
			if (n < 0 || (gsize)n != len) {
				/* the socket is the link: whatever refuses a write ends it */
				g_autofree gchar *msg =
				    g_strdup_printf("writing to the write socket: %s",
						    n < 0 ? g_strerror(errno) : "short write");

				link_lost(self, DFUD_ERROR_LINK_LOST, msg);
				return;
			}
		} else {
			GVariantBuilder opts;

			if (self->dbus_writes >= DBUS_WRITES_IN_FLIGHT)
				return;
			g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
			g_variant_builder_add(&opts, "{sv}", "type",
					      g_variant_new_string("command"));
			g_dbus_proxy_call(self->chr, "WriteValue",
					  g_variant_new("(@aya{sv})",
							g_variant_new_fixed_array(
							    G_VARIANT_TYPE_BYTE, data, len, 1),
							&opts),
					  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
					  self->cancellable, dbus_write_done, self);
			self->dbus_writes++;
		}
		g_bytes_unref(g_queue_pop_head(&self->pending));
	}
}

gboolean
dfud_ble_link_send(DfudBleLink *self, GBytes *packet, guint fragment_size, GError **error)
{
	g_autoptr(GPtrArray) pieces = NULL;

	if (self->lost) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST,
				    "the BLE link is down");
		return FALSE;
	}
	pieces = dfud_ble_split(packet, fragment_size);
	for (guint i = 0; i < pieces->len; i++)
		g_queue_push_tail(&self->pending, g_bytes_ref(g_ptr_array_index(pieces, i)));
	if (self->write_watch == 0) {
		self->sending = TRUE;
		flush(self);
		self->sending = FALSE;
	}
	return TRUE;
}

/* ---- start: AcquireNotify | StartNotify, then AcquireWrite | WriteValue ---- */

static gint
take_fd(GVariant *ret, GUnixFDList *fds, guint16 *mtu, GError **error)
{
	gint32 handle = -1;
	gint fd;

	if (!g_variant_is_of_type(ret, G_VARIANT_TYPE("(hq)"))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "BlueZ answered %s, not (hq)",
			    g_variant_get_type_string(ret));
		return -1;
	}
	g_variant_get(ret, "(hq)", &handle, mtu);
	if (fds == NULL || handle < 0 || handle >= g_unix_fd_list_get_length(fds)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "BlueZ returned no file descriptor");
		return -1;
	}
	fd = g_unix_fd_list_get(fds, handle, error);
	if (fd >= 0)
		g_unix_set_fd_nonblocking(fd, TRUE, NULL);
	return fd;
}

/* a start step failed: security problems as NOT_AUTHORIZED, the rest as IO */
static void
start_fail(GTask *task, const gchar *step, GError *error)
{
	gboolean security = dfud_ble_error_is_security(error);
	gboolean gone = !security && dfud_ble_error_is_not_connected(error);

	g_dbus_error_strip_remote_error(error);
	g_task_return_new_error(task, DFUD_ERROR,
				security ? DFUD_ERROR_NOT_AUTHORIZED
				: gone	 ? DFUD_ERROR_LINK_LOST
					 : DFUD_ERROR_IO,
				"%s: %s", step, error->message);
	g_object_unref(task);
}

static void
acquire_write_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudBleLink *self;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;
	guint16 mtu = 0;

	ret =
	    g_dbus_proxy_call_with_unix_fd_list_finish(G_DBUS_PROXY(source), &fds, result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	self = g_task_get_task_data(task);
	if (ret != NULL)
		self->write_fd = take_fd(ret, fds, &mtu, &error);
	if (self->write_fd >= 0) {
		self->mtu = MAX(mtu, DFUD_BLE_ATT_MTU_MIN);
		g_debug("AcquireWrite: fd %d, ATT MTU %u", self->write_fd, self->mtu);
	} else if (dfud_ble_error_is_not_connected(error)) {
		/* BlueZ still shows the device connected, its ATT channel is gone: no link */
		start_fail(task, "AcquireWrite", error);
		return;
	} else {
		g_autoptr(GVariant) prop = g_dbus_proxy_get_cached_property(self->chr, "MTU");

		/* WriteValue(type=command) instead; the MTU property says how much fits */
		g_debug("AcquireWrite refused (%s): writing through WriteValue", error->message);
		if (prop != NULL && g_variant_is_of_type(prop, G_VARIANT_TYPE_UINT16))
			self->mtu = MAX(g_variant_get_uint16(prop), DFUD_BLE_ATT_MTU_MIN);
	}
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

/* @method: AcquireWrite or AcquireNotify */
static void
acquire(GTask *task, const gchar *method, GAsyncReadyCallback done)
{
	DfudBleLink *self = g_task_get_task_data(task);

	g_dbus_proxy_call_with_unix_fd_list(self->chr, method, g_variant_new("(a{sv})", NULL),
					    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL,
					    self->cancellable, done, task);
}

static void
acquire_write(GTask *task)
{
	acquire(task, "AcquireWrite", acquire_write_done);
}

/* FALSE when the call was cancelled (the link is being freed): @task is completed so */
static gboolean
call_settled(GObject *source, GAsyncResult *result, GTask *task, GVariant **ret, GError **error)
{
	*ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, error);
	if (!g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return TRUE;
	g_task_return_error(task, g_steal_pointer(error));
	g_object_unref(task);
	return FALSE;
}

static void
start_notify_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudBleLink *self;
	g_autoptr(GVariant) ret = NULL;
	GError *error = NULL;

	if (!call_settled(source, result, task, &ret, &error))
		return;
	self = g_task_get_task_data(task);
	if (ret == NULL) {
		start_fail(task, "StartNotify", error);
		g_error_free(error);
		return;
	}
	self->notifying = TRUE;
	acquire_write(task);
}

static void
acquire_notify_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudBleLink *self;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) ret = NULL;
	GError *error = NULL;
	guint16 mtu = 0;

	ret =
	    g_dbus_proxy_call_with_unix_fd_list_finish(G_DBUS_PROXY(source), &fds, result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	self = g_task_get_task_data(task);
	if (ret != NULL)
		self->notify_fd = take_fd(ret, fds, &mtu, &error);
	if (self->notify_fd >= 0) {
		g_debug("AcquireNotify: fd %d, ATT MTU %u", self->notify_fd, mtu);
		self->notify_watch =
		    g_unix_fd_add_full(G_PRIORITY_HIGH, self->notify_fd,
				       G_IO_IN | G_IO_HUP | G_IO_ERR, notify_readable, self, NULL);
		acquire_write(task);
		return;
	}
	/* a link going down (BlueZ still shows it connected) is no reason for StartNotify */
	if (dfud_ble_error_is_security(error) || dfud_ble_error_is_not_connected(error)) {
		start_fail(task, "AcquireNotify", error);
		g_error_free(error);
		return;
	}
	g_debug("AcquireNotify refused (%s): StartNotify instead", error->message);
	g_error_free(error);
	self->value_sub = g_dbus_connection_signal_subscribe(
	    self->bus, g_dbus_proxy_get_name(self->chr), IFACE_PROPS, "PropertiesChanged",
	    g_dbus_proxy_get_object_path(self->chr), IFACE_CHR, G_DBUS_SIGNAL_FLAGS_NONE,
	    on_value_changed, self, NULL);
	g_dbus_proxy_call(self->chr, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
			  self->cancellable, start_notify_done, task);
}

static void
acquire_notify(GTask *task)
{
	acquire(task, "AcquireNotify", acquire_notify_done);
}

static void
probe_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudBleLink *self;
	g_autoptr(GVariant) ret = NULL;
	GError *error = NULL;

	if (!call_settled(source, result, task, &ret, &error))
		return;
	self = g_task_get_task_data(task);
	if (ret == NULL && dfud_ble_error_is_security(error)) {
		/* self->probing stays: freeing the link stops what BlueZ may still hold */
		start_fail(task, "StartNotify", error);
		g_error_free(error);
		return;
	}
	if (ret == NULL) {
		g_debug("StartNotify (security probe): %s; AcquireNotify all the same",
			error->message);
		g_error_free(error);
	}
	/* the link's security suffices: the notifications go to a socket from now on */
	self->probing = FALSE;
	g_dbus_proxy_call(self->chr, "StopNotify", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL,
			  NULL);
	acquire_notify(task);
}

void
dfud_ble_link_set_probe(DfudBleLink *self, gboolean probe)
{
	self->probe = probe;
}

void
dfud_ble_link_start_async(DfudBleLink *self, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, NULL, callback, user_data);

	g_task_set_source_tag(task, dfud_ble_link_start_async);
	g_task_set_task_data(task, self, NULL);
	if (!self->probe) {
		acquire_notify(task);
		return;
	}
	self->probing = TRUE;
	g_dbus_proxy_call(self->chr, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
			  self->cancellable, probe_done, task);
}

gboolean
dfud_ble_link_start_finish(DfudBleLink *self, GAsyncResult *result, GError **error)
{
	(void)self;
	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

guint
dfud_ble_link_get_mtu(DfudBleLink *self)
{
	return self->mtu;
}

gboolean
dfud_ble_link_is_acquired(DfudBleLink *self)
{
	return self->notify_fd >= 0 && self->write_fd >= 0;
}

void
dfud_ble_link_free(DfudBleLink *self)
{
	if (self == NULL)
		return;
	if (self->freed != NULL)
		*self->freed = TRUE;
	g_clear_handle_id(&self->lost_idle, g_source_remove);
	g_clear_error(&self->lost_error);
	g_cancellable_cancel(self->cancellable);
	if (self->notify_watch != 0)
		g_source_remove(self->notify_watch);
	if (self->write_watch != 0)
		g_source_remove(self->write_watch);
	if (self->notify_fd >= 0)
		close(self->notify_fd);
	if (self->write_fd >= 0)
		close(self->write_fd);
	if (self->value_sub != 0)
		g_dbus_connection_signal_unsubscribe(self->bus, self->value_sub);
	if (self->notifying || self->probing)
		g_dbus_proxy_call(self->chr, "StopNotify", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
				  NULL, NULL);
	g_queue_clear_full(&self->pending, (GDestroyNotify)g_bytes_unref);
	dfud_ble_reassembly_free(self->reassembly);
	g_object_unref(self->cancellable);
	g_object_unref(self->bus);
	g_object_unref(self->chr);
	g_free(self);
}
