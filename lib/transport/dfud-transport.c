/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include "dfud-error.h"
#include "dfud-transport.h"

/* the SMP header: 8 bytes, its len field (bytes 2..3, big-endian) counts the body */
#define DFUD_TRANSPORT_HEADER_SIZE 8u

typedef struct {
	gboolean open;
	guint fragment_size;
	guint max_packet;
	guint mtu;
	gchar *uri;
	gboolean lossy;
	gboolean connectionless;
	guint max_in_flight; /* 0: as many as the device's buffers */
} DfudTransportPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(DfudTransport, dfud_transport, G_TYPE_OBJECT)

enum {
	PROP_0,
	PROP_OPEN,
	PROP_FRAGMENT_SIZE,
	PROP_MAX_PACKET,
	PROP_MTU,
	PROP_URI,
	N_PROPS,
};

enum {
	SIGNAL_PACKET,
	SIGNAL_CLOSED,
	N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

/* hands a foreign error (GIO, GResolver) on as a DFUD_ERROR one */
static void
propagate_normalized(GError **error, GError *local)
{
	if (local == NULL)
		return;
	if (local->domain == DFUD_ERROR) {
		g_propagate_error(error, local);
		return;
	}
	g_propagate_error(error, dfud_error_normalize(local));
	g_error_free(local);
}

static void
dfud_transport_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	DfudTransport *self = DFUD_TRANSPORT(object);
	DfudTransportPrivate *priv = dfud_transport_get_instance_private(self);

	switch (prop_id) {
	case PROP_OPEN:
		g_value_set_boolean(value, priv->open);
		break;
	case PROP_FRAGMENT_SIZE:
		g_value_set_uint(value, priv->fragment_size);
		break;
	case PROP_MAX_PACKET:
		g_value_set_uint(value, priv->max_packet);
		break;
	case PROP_MTU:
		g_value_set_uint(value, priv->mtu);
		break;
	case PROP_URI:
		g_value_set_string(value, priv->uri);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
dfud_transport_finalize(GObject *object)
{
	DfudTransport *self = DFUD_TRANSPORT(object);
	DfudTransportPrivate *priv = dfud_transport_get_instance_private(self);

	g_free(priv->uri);
	G_OBJECT_CLASS(dfud_transport_parent_class)->finalize(object);
}

static void
dfud_transport_class_init(DfudTransportClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = dfud_transport_get_property;
	object_class->finalize = dfud_transport_finalize;

	props[PROP_OPEN] = g_param_spec_boolean("open", NULL, NULL, FALSE,
						G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
						    G_PARAM_STATIC_STRINGS);
	props[PROP_FRAGMENT_SIZE] =
	    g_param_spec_uint(DFUD_TRANSPORT_PROP_FRAGMENT_SIZE, NULL, NULL, 0, G_MAXUINT, 0,
			      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	props[PROP_MAX_PACKET] =
	    g_param_spec_uint(DFUD_TRANSPORT_PROP_MAX_PACKET, NULL, NULL, 0, G_MAXUINT, 0,
			      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	props[PROP_MTU] =
	    g_param_spec_uint(DFUD_TRANSPORT_PROP_MTU, NULL, NULL, 0, G_MAXUINT, 0,
			      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	props[PROP_URI] = g_param_spec_string("uri", NULL, NULL, NULL,
					      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
						  G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);

	signals[SIGNAL_PACKET] =
	    g_signal_new("packet", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE, 1, G_TYPE_BYTES);
	signals[SIGNAL_CLOSED] =
	    g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
dfud_transport_init(DfudTransport *self)
{
}

static void
open_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	GError *local = NULL;
	DfudTransportClass *klass = DFUD_TRANSPORT_GET_CLASS(source);

	if (!klass->open_finish(DFUD_TRANSPORT(source), res, &local)) {
		g_autoptr(GError) err = NULL;

		propagate_normalized(&err, local);
		g_task_return_error(task, g_steal_pointer(&err));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* connects; completes with a DFUD_ERROR (TIMEOUT, NOT_FOUND, IO, CANCELLED ...) on failure */
void
dfud_transport_open_async(DfudTransport *self, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	DfudTransportClass *klass;
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));

	klass = DFUD_TRANSPORT_GET_CLASS(self);
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, dfud_transport_open_async);
	g_task_set_check_cancellable(task, FALSE);
	if (klass->open_async == NULL || klass->open_finish == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					"transport %s cannot be opened", G_OBJECT_TYPE_NAME(self));
		return;
	}
	klass->open_async(self, cancellable, open_done_cb, g_steal_pointer(&task));
}

gboolean
dfud_transport_open_finish(DfudTransport *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

/*
 * Queues one complete SMP packet: at least the 8-byte header, exactly 8 + len bytes, and no
 * longer than max-packet. Fails when the transport is not open.
 */
gboolean
dfud_transport_send(DfudTransport *self, GBytes *packet, GError **error)
{
	DfudTransportPrivate *priv;
	DfudTransportClass *klass;
	const guint8 *data;
	gsize len = 0;
	gsize body_len;
	GError *local = NULL;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	g_return_val_if_fail(packet != NULL, FALSE);

	priv = dfud_transport_get_instance_private(self);
	klass = DFUD_TRANSPORT_GET_CLASS(self);
	if (!priv->open) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "transport %s is not open",
			    priv->uri != NULL ? priv->uri : G_OBJECT_TYPE_NAME(self));
		return FALSE;
	}
	data = g_bytes_get_data(packet, &len);
	if (len < DFUD_TRANSPORT_HEADER_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "SMP packet of %" G_GSIZE_FORMAT " bytes is shorter than its header",
			    len);
		return FALSE;
	}
	body_len = ((gsize)data[2] << 8) | data[3];
	if (len != DFUD_TRANSPORT_HEADER_SIZE + body_len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "SMP packet of %" G_GSIZE_FORMAT
			    " bytes but its header announces %" G_GSIZE_FORMAT " body bytes",
			    len, body_len);
		return FALSE;
	}
	if (priv->max_packet > 0 && len > priv->max_packet) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "SMP packet of %" G_GSIZE_FORMAT
			    " bytes exceeds the transport's limit of %u",
			    len, priv->max_packet);
		return FALSE;
	}
	if (klass->send == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED, "transport %s cannot send",
			    G_OBJECT_TYPE_NAME(self));
		return FALSE;
	}
	if (!klass->send(self, packet, &local)) {
		propagate_normalized(error, local);
		return FALSE;
	}
	return TRUE;
}

/* disconnects without emitting "closed"; harmless when already closed */
void
dfud_transport_close(DfudTransport *self)
{
	DfudTransportClass *klass;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));

	klass = DFUD_TRANSPORT_GET_CLASS(self);
	if (klass->close != NULL)
		klass->close(self);
	dfud_transport_set_open(self, FALSE);
}

static void
wait_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	GError *local = NULL;
	DfudTransportClass *klass = DFUD_TRANSPORT_GET_CLASS(source);

	if (!klass->wait_for_device_finish(DFUD_TRANSPORT(source), res, &local)) {
		g_autoptr(GError) err = NULL;

		propagate_normalized(&err, local);
		g_task_return_error(task, g_steal_pointer(&err));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* an open bounded by a deadline: its own cancellable, cancelled by the timer or the caller's */
typedef struct {
	GCancellable *op;
	GCancellable *outer;
	gulong outer_id;
	guint timer;
	guint timeout_ms;
	gboolean timed_out;
} OpenWithin;

static void
open_within_free(OpenWithin *o)
{
	g_clear_handle_id(&o->timer, g_source_remove);
	if (o->outer != NULL)
		g_cancellable_disconnect(o->outer, o->outer_id);
	g_clear_object(&o->outer);
	g_clear_object(&o->op);
	g_free(o);
}

static gboolean
open_within_timer(gpointer user_data)
{
	OpenWithin *o = user_data;

	o->timer = 0;
	o->timed_out = TRUE;
	g_cancellable_cancel(o->op);
	return G_SOURCE_REMOVE;
}

/* a "cancelled" handler gets the emitting cancellable first: cancel ours, the data */
static void
open_within_outer_cancelled(GCancellable *outer, gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
}

static void
open_within_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	OpenWithin *o = g_task_get_task_data(task);
	DfudTransport *self = DFUD_TRANSPORT(source);
	GError *error = NULL;

	g_clear_handle_id(&o->timer, g_source_remove);
	if (dfud_transport_open_finish(self, res, &error)) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (o->timed_out && (o->outer == NULL || !g_cancellable_is_cancelled(o->outer))) {
		/* what the transport was waiting for, when it says (BLE: the phase, the last error)
		 */
		g_task_return_new_error(
		    task, DFUD_ERROR, DFUD_ERROR_TIMEOUT, "connect: no link to %s within %u ms%s%s",
		    dfud_transport_get_uri(self), o->timeout_ms, error != NULL ? ": " : "",
		    error != NULL ? error->message : "");
		g_clear_error(&error);
		return;
	}
	g_task_return_error(task, error);
}

void
dfud_transport_open_within_async(DfudTransport *self, guint timeout_ms, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task;
	OpenWithin *o;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, dfud_transport_open_within_async);
	/* the open's own error (cancelled, timed out) is the answer, not GTask's */
	g_task_set_check_cancellable(task, FALSE);
	o = g_new0(OpenWithin, 1);
	o->op = g_cancellable_new();
	o->timeout_ms = MAX(timeout_ms, 1u);
	g_task_set_task_data(task, o, (GDestroyNotify)open_within_free);
	if (cancellable != NULL) {
		o->outer = g_object_ref(cancellable);
		o->outer_id = g_cancellable_connect(
		    cancellable, G_CALLBACK(open_within_outer_cancelled), o->op, NULL);
	}
	o->timer = g_timeout_add(o->timeout_ms, open_within_timer, o);
	dfud_transport_open_async(self, o->op, open_within_done, task);
}

gboolean
dfud_transport_open_within_finish(DfudTransport *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

void
dfud_transport_wait_for_device_async(DfudTransport *self, guint timeout_ms,
				     GCancellable *cancellable, GAsyncReadyCallback callback,
				     gpointer user_data)
{
	DfudTransportClass *klass;
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));

	klass = DFUD_TRANSPORT_GET_CLASS(self);
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, dfud_transport_wait_for_device_async);
	g_task_set_check_cancellable(task, FALSE);
	if (g_cancellable_is_cancelled(cancellable)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"waiting for the device was cancelled");
		return;
	}
	if (klass->wait_for_device_async == NULL || klass->wait_for_device_finish == NULL) {
		/* nothing to wait for: the engine probes the device itself */
		g_task_return_boolean(task, TRUE);
		return;
	}
	klass->wait_for_device_async(self, timeout_ms, cancellable, wait_done_cb,
				     g_steal_pointer(&task));
}

gboolean
dfud_transport_wait_for_device_finish(DfudTransport *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

gboolean
dfud_transport_is_open(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	priv = dfud_transport_get_instance_private(self);
	return priv->open;
}

guint
dfud_transport_get_fragment_size(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), 0);
	priv = dfud_transport_get_instance_private(self);
	return priv->fragment_size;
}

guint
dfud_transport_get_max_packet(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), 0);
	priv = dfud_transport_get_instance_private(self);
	return priv->max_packet;
}

guint
dfud_transport_get_mtu(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), 0);
	priv = dfud_transport_get_instance_private(self);
	return priv->mtu;
}

gboolean
dfud_transport_is_lossy(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	priv = dfud_transport_get_instance_private(self);
	return priv->lossy;
}

gboolean
dfud_transport_has_link(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), FALSE);
	priv = dfud_transport_get_instance_private(self);
	return !priv->connectionless;
}

void
dfud_transport_set_datagram(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	priv->lossy = TRUE;
	priv->connectionless = TRUE;
}

guint
dfud_transport_get_max_in_flight(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), 0);
	priv = dfud_transport_get_instance_private(self);
	return priv->max_in_flight;
}

void
dfud_transport_set_max_in_flight(DfudTransport *self, guint max_in_flight)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	priv->max_in_flight = max_in_flight;
}

const gchar *
dfud_transport_get_uri(DfudTransport *self)
{
	DfudTransportPrivate *priv;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(self), NULL);
	priv = dfud_transport_get_instance_private(self);
	return priv->uri;
}

void
dfud_transport_set_open(DfudTransport *self, gboolean open)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	open = !!open;
	if (priv->open == open)
		return;
	priv->open = open;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_OPEN]);
}

void
dfud_transport_set_fragment_size(DfudTransport *self, guint fragment_size)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	if (priv->fragment_size == fragment_size)
		return;
	priv->fragment_size = fragment_size;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_FRAGMENT_SIZE]);
}

void
dfud_transport_set_mtu(DfudTransport *self, guint mtu)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	if (priv->mtu == mtu)
		return;
	priv->mtu = mtu;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MTU]);
}

void
dfud_transport_set_max_packet(DfudTransport *self, guint max_packet)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	if (priv->max_packet == max_packet)
		return;
	priv->max_packet = max_packet;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MAX_PACKET]);
}

void
dfud_transport_set_uri(DfudTransport *self, const gchar *uri)
{
	DfudTransportPrivate *priv;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	if (g_strcmp0(priv->uri, uri) == 0)
		return;
	g_free(priv->uri);
	priv->uri = g_strdup(uri);
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_URI]);
}

/* hands one complete frame (8 + len bytes, checked by the subclass) to the listeners */
void
dfud_transport_emit_packet(DfudTransport *self, GBytes *frame)
{
	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	g_return_if_fail(frame != NULL);
	g_signal_emit(self, signals[SIGNAL_PACKET], 0, frame);
}

/* marks the transport closed and emits "closed" once (nothing when it already was closed) */
void
dfud_transport_emit_closed(DfudTransport *self, const GError *reason)
{
	DfudTransportPrivate *priv;
	g_autoptr(GError) err = NULL;

	g_return_if_fail(DFUD_IS_TRANSPORT(self));
	priv = dfud_transport_get_instance_private(self);
	if (!priv->open)
		return;
	if (reason != NULL)
		err = dfud_error_normalize(reason);
	else
		err = g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "link to %s closed",
				  priv->uri != NULL ? priv->uri : "the device");
	g_object_ref(self);
	dfud_transport_set_open(self, FALSE);
	g_debug("%s closed: %s", priv->uri != NULL ? priv->uri : G_OBJECT_TYPE_NAME(self),
		err->message);
	g_signal_emit(self, signals[SIGNAL_CLOSED], 0, err);
	g_object_unref(self);
}
