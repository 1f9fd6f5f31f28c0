/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-transport-ble.h"

#include "dfud-ble-frames.h"
#include "dfud-error.h"
#include "dfud-transport-ble-private.h"

/*
 * The transport object: the operation in progress (open or wait_for_device, one at a time,
 * bounded by a deadline and the caller's cancellable), the standby discovery, the DfudTransport
 * methods. The open itself runs in dfud-ble-open.c.
 *
 * Discovery (spec §5): a device that resets advertises again soon after its link drops, and an
 * advertisement is seen reliably only by a discovery that already runs when it starts. So the
 * discovery starts as soon as the link goes down (or when wait_for_device starts, if that is
 * earlier, e.g. after close()), and that one session is kept across close(), wait_for_device
 * and the open that follows, until the open connects; left alone, it stops after
 * STANDBY_SCAN_S.
 */

#define DEFAULT_CONNECT_TIMEOUT_S 60
#define STANDBY_SCAN_S 30

G_DEFINE_TYPE(DfudTransportBle, dfud_transport_ble, DFUD_TYPE_TRANSPORT)

enum { PROP_0, PROP_CONNECT_TIMEOUT, N_PROPS };
static GParamSpec *props[N_PROPS];

/* ---- the standby discovery ---- */

static gboolean
standby_over(gpointer user_data)
{
	DfudTransportBle *self = user_data;

	self->standby = 0;
	if (self->op == NULL) {
		g_debug("no open or wait took the discovery over: stopping it");
		g_clear_pointer(&self->scan, dfud_ble_scan_free);
	}
	return G_SOURCE_REMOVE;
}

/* keeps the discovery running for a while without an operation */
static void
standby(DfudTransportBle *self)
{
	g_clear_handle_id(&self->standby, g_source_remove);
	if (self->scan != NULL)
		self->standby = g_timeout_add_seconds(STANDBY_SCAN_S, standby_over, self);
}

void
dfud_transport_ble_link_down(DfudTransportBle *self, const GError *reason)
{
	self->lost_at = g_get_monotonic_time();
	dfud_ble_open_drop_link(self);
	if (self->adapter != NULL) {
		/* before the device can advertise again (after a reset: soon) */
		dfud_ble_open_start_scan(self);
		standby(self);
	}
	dfud_transport_emit_closed(DFUD_TRANSPORT(self), reason);
}

/* ---- the operation in progress ---- */

void
dfud_transport_ble_op_finish(DfudTransportBle *self, GError *error)
{
	GTask *task = g_steal_pointer(&self->op);
	DfudBleOpKind kind = self->op_kind;

	if (task == NULL) {
		g_clear_error(&error);
		return;
	}
	self->op_kind = DFUD_BLE_OP_NONE;
	g_cancellable_cancel(self->op_cancel);
	g_clear_object(&self->op_cancel);
	g_clear_handle_id(&self->deadline, g_source_remove);
	g_clear_handle_id(&self->no_service, g_source_remove);
	g_clear_handle_id(&self->relink, g_source_remove);
	g_clear_handle_id(&self->teardown, g_source_remove);
	g_clear_handle_id(&self->stale_retry, g_source_remove);
	if (self->user_cancel != NULL) {
		g_source_destroy(self->user_cancel);
		g_clear_pointer(&self->user_cancel, g_source_unref);
	}
	if (kind == DFUD_BLE_OP_WAIT && error == NULL)
		standby(self); /* the open that follows takes it over */
	else
		g_clear_pointer(&self->scan, dfud_ble_scan_free);
	if (error != NULL && kind == DFUD_BLE_OP_OPEN) {
		gboolean connecting = self->phase >= DFUD_BLE_PH_CONNECT;

		dfud_ble_open_drop_link(self);
		if (connecting)
			dfud_ble_open_disconnect(self);
	}
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

gboolean
dfud_transport_ble_advertised(DfudTransportBle *self)
{
	self->seen_at = g_get_monotonic_time();
	if (self->op_kind != DFUD_BLE_OP_WAIT || self->phase != DFUD_BLE_PH_SCAN)
		return FALSE;
	g_debug("%s advertises again", self->address);
	dfud_transport_ble_op_finish(self, NULL);
	return TRUE;
}

void
dfud_transport_ble_wait_ready(DfudTransportBle *self)
{
	if (self->seen_at > self->lost_at && !dfud_ble_open_device_connected(self)) {
		g_debug("%s advertised since the link went down", self->address);
		dfud_transport_ble_op_finish(self, NULL);
		return;
	}
	dfud_ble_open_start_scan(self);
}

static gboolean
op_timeout(gpointer user_data)
{
	DfudTransportBle *self = user_data;
	GError *error;

	self->deadline = 0;
	if (self->op_kind == DFUD_BLE_OP_WAIT)
		error = g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
				    "%s did not advertise again within %u ms", self->address,
				    self->timeout_ms);
	else
		error = g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
				    "no SMP link to %s within %u s (%s%s%s)", self->address,
				    self->timeout_ms / 1000, dfud_ble_open_phase_name(self->phase),
				    self->last_error != NULL ? "; last error: " : "",
				    self->last_error != NULL ? self->last_error : "");
	dfud_transport_ble_op_finish(self, error);
	return G_SOURCE_REMOVE;
}

static gboolean
op_cancelled(GCancellable *cancellable, gpointer user_data)
{
	DfudTransportBle *self = user_data;

	(void)cancellable;
	dfud_transport_ble_op_finish(
	    self,
	    g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "%s was cancelled while %s%s%s",
			self->op_kind == DFUD_BLE_OP_WAIT ? "waiting for the device" : "connecting",
			dfud_ble_open_phase_name(self->phase),
			self->last_error != NULL ? "; last error: " : "",
			self->last_error != NULL ? self->last_error : ""));
	return G_SOURCE_REMOVE;
}

static void
op_begin(DfudTransportBle *self, DfudBleOpKind kind, guint timeout_ms, GCancellable *cancellable,
	 GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);

	g_task_set_check_cancellable(task, FALSE);
	if (self->op != NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_BUSY,
					"%s: another open or wait is in progress", self->address);
		g_object_unref(task);
		return;
	}
	g_clear_handle_id(&self->standby, g_source_remove);
	self->op = task;
	self->op_kind = kind;
	self->op_cancel = g_cancellable_new();
	self->timeout_ms = timeout_ms;
	self->deadline_us = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	self->deadline = g_timeout_add(timeout_ms, op_timeout, self);
	if (cancellable != NULL) {
		self->user_cancel = g_cancellable_source_new(cancellable);
		g_source_set_callback(self->user_cancel, G_SOURCE_FUNC(op_cancelled), self, NULL);
		g_source_attach(self->user_cancel, g_main_context_get_thread_default());
	}
	dfud_ble_open_setup(self);
}

/* ---- DfudTransport ---- */

static void
ble_open_async(DfudTransport *transport, GCancellable *cancellable, GAsyncReadyCallback callback,
	       gpointer user_data)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(transport);

	if (self->link != NULL) {
		GTask *task = g_task_new(self, cancellable, callback, user_data);

		g_task_return_boolean(task, TRUE);
		g_object_unref(task);
		return;
	}
	op_begin(self, DFUD_BLE_OP_OPEN, self->connect_timeout_s * 1000, cancellable, callback,
		 user_data);
}

static gboolean
ble_finish(DfudTransport *transport, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, transport), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

static gboolean
ble_send(DfudTransport *transport, GBytes *packet, GError **error)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(transport);

	if (self->link == NULL || self->op_kind == DFUD_BLE_OP_OPEN) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST, "the link to %s is down",
			    self->address);
		return FALSE;
	}
	return dfud_ble_link_send(self->link, packet, dfud_transport_get_fragment_size(transport),
				  error);
}

static void
ble_close(DfudTransport *transport)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(transport);
	gboolean connected = self->link != NULL || self->phase >= DFUD_BLE_PH_CONNECT;

	if (self->op != NULL)
		dfud_transport_ble_op_finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED,
							       "%s: closed while connecting",
							       self->address));
	if (self->link != NULL) {
		self->lost_at = g_get_monotonic_time();
		dfud_ble_open_drop_link(self);
		if (connected)
			dfud_ble_open_disconnect(self);
	}
	/* a standby discovery stays for a wait_for_device or open that may follow */
	self->phase = DFUD_BLE_PH_SETUP;
}

static void
ble_wait_for_device_async(DfudTransport *transport, guint timeout_ms, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	op_begin(DFUD_TRANSPORT_BLE(transport), DFUD_BLE_OP_WAIT, MAX(timeout_ms, 1), cancellable,
		 callback, user_data);
}

/* ---- GObject ---- */

static void
ble_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(object);

	if (prop_id == PROP_CONNECT_TIMEOUT)
		g_value_set_uint(value, self->connect_timeout_s);
	else
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void
ble_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(object);

	if (prop_id == PROP_CONNECT_TIMEOUT)
		self->connect_timeout_s = g_value_get_uint(value);
	else
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void
ble_dispose(GObject *object)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(object);

	/* an operation holds a reference: none is running here */
	dfud_ble_open_drop_link(self);
	g_clear_handle_id(&self->standby, g_source_remove);
	g_clear_pointer(&self->scan, dfud_ble_scan_free);
	g_clear_pointer(&self->agent, dfud_ble_agent_free);
	if (self->om != NULL) {
		for (guint i = 0; i < G_N_ELEMENTS(self->om_ids); i++)
			g_clear_signal_handler(&self->om_ids[i], self->om);
	}
	g_clear_object(&self->om);
	g_clear_object(&self->adapter);
	g_clear_object(&self->bus);
	G_OBJECT_CLASS(dfud_transport_ble_parent_class)->dispose(object);
}

static void
ble_finalize(GObject *object)
{
	DfudTransportBle *self = DFUD_TRANSPORT_BLE(object);

	g_free(self->address);
	g_free(self->adapter_name);
	g_strfreev(self->allowed_adapters);
	g_free(self->device_path);
	g_free(self->last_error);
	g_free(self->bluez_owner);
	G_OBJECT_CLASS(dfud_transport_ble_parent_class)->finalize(object);
}

static void
dfud_transport_ble_class_init(DfudTransportBleClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	DfudTransportClass *transport_class = DFUD_TRANSPORT_CLASS(klass);

	object_class->get_property = ble_get_property;
	object_class->set_property = ble_set_property;
	object_class->dispose = ble_dispose;
	object_class->finalize = ble_finalize;
	transport_class->open_async = ble_open_async;
	transport_class->open_finish = ble_finish;
	transport_class->send = ble_send;
	transport_class->close = ble_close;
	transport_class->wait_for_device_async = ble_wait_for_device_async;
	transport_class->wait_for_device_finish = ble_finish;
	/* seconds for a whole open: discovery, connection attempts, services, pairing */
	props[PROP_CONNECT_TIMEOUT] =
	    g_param_spec_uint("connect-timeout", NULL, NULL, 1, 3600, DEFAULT_CONNECT_TIMEOUT_S,
			      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
dfud_transport_ble_init(DfudTransportBle *self)
{
	self->passkey = DFUD_BLE_AGENT_NO_PASSKEY;
	self->connect_timeout_s = DEFAULT_CONNECT_TIMEOUT_S;
}

DfudTransport *
dfud_transport_ble_new(const gchar *address, const gchar *adapter, GDBusConnection *bus)
{
	DfudTransportBle *self;
	g_autofree gchar *uri = NULL;

	g_return_val_if_fail(address != NULL, NULL);
	self = g_object_new(DFUD_TYPE_TRANSPORT_BLE, NULL);
	self->address = g_ascii_strup(address, -1);
	self->adapter_name = g_strdup(adapter);
	self->bus = bus != NULL ? g_object_ref(bus) : NULL;
	uri = adapter != NULL ? g_strdup_printf("ble:%s?adapter=%s", self->address, adapter)
			      : g_strdup_printf("ble:%s", self->address);
	dfud_transport_set_uri(DFUD_TRANSPORT(self), uri);
	dfud_transport_set_fragment_size(DFUD_TRANSPORT(self),
					 dfud_ble_fragment_size_for_mtu(DFUD_BLE_ATT_MTU_MIN));
	dfud_transport_set_max_packet(DFUD_TRANSPORT(self), DFUD_BLE_MAX_FRAME);
	return DFUD_TRANSPORT(self);
}

void
dfud_transport_ble_set_passkey(DfudTransportBle *self, gint passkey)
{
	g_return_if_fail(DFUD_IS_TRANSPORT_BLE(self));
	g_return_if_fail(passkey >= -1 && passkey <= 999999);
	self->passkey = passkey >= 0 ? passkey : DFUD_BLE_AGENT_NO_PASSKEY;
	/* a new agent with the right capability at the next pairing */
	g_clear_pointer(&self->agent, dfud_ble_agent_free);
}

void
dfud_transport_ble_set_adapters(DfudTransportBle *self, const gchar *const *adapters)
{
	g_return_if_fail(DFUD_IS_TRANSPORT_BLE(self));

	g_strfreev(self->allowed_adapters);
	self->allowed_adapters =
	    adapters != NULL && adapters[0] != NULL ? g_strdupv((gchar **)adapters) : NULL;
}
