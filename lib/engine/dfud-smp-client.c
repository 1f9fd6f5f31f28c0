/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfud-smp-client.h"
#include "dfud-smp-client-private.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-header.h"
#include "smp/dfud-smp-pending.h"
#include "smp/dfud-smp-rc.h"

#define SMP_VER_MASK 0x18u
#define SMP_VER_SHIFT 3u
#define SMP_SEQ_OFFSET 6u

G_DEFINE_TYPE(DfudSmpClient, dfud_smp_client, G_TYPE_OBJECT)

static void
smp_call_free(SmpCall *call)
{
	g_clear_object(&call->task);
	g_free(call->frame);
	g_free(call);
}

/* removes @call from the table and completes its task with @resp or @error (both taken) */
void
dfud_smp_call_complete(SmpCall *call, DfudSmpResponse *resp, GError *error)
{
	DfudSmpClient *self = call->client;
	g_autoptr(GTask) task = g_steal_pointer(&call->task);

	SmpCallResult *result = g_new0(SmpCallResult, 1);

	if (dfud_smp_pending_lookup(self->pending, call->seq) != NULL &&
	    dfud_smp_pending_lookup(self->pending, call->seq)->user_data == call)
		dfud_smp_pending_steal(self->pending, call->seq);
	result->sends = call->sends;
	g_task_set_task_data(task, result, g_free);
	smp_call_free(call);
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, resp, (GDestroyNotify)dfud_smp_response_free);
}

gchar *
dfud_smp_call_describe(const SmpCall *call)
{
	return dfud_smp_command_describe(call->group, call->id, call->op);
}

/* frames are dumped at debug level only, and only built when a debug writer would show them */
#define SMP_DUMP_MAX 64

static void
smp_dump_frame(DfudSmpClient *self, const gchar *direction, const guint8 *data, gsize len)
{
	g_autofree gchar *hex = NULL;

	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
		return;
	hex = dfud_hex_encode(data, len, SMP_DUMP_MAX);
	g_debug("%s %s %" G_GSIZE_FORMAT " bytes: %s", dfud_transport_get_uri(self->transport),
		direction, len, hex);
}

/* writes seq and version into the frame and hands it to the transport */
gboolean
dfud_smp_call_send(SmpCall *call, GError **error)
{
	g_autoptr(GBytes) packet = NULL;

	call->sent_version = call->client->version;
	call->frame[0] = (guint8)((call->frame[0] & ~SMP_VER_MASK) |
				  ((call->sent_version << SMP_VER_SHIFT) & SMP_VER_MASK));
	call->frame[SMP_SEQ_OFFSET] = call->seq;
	packet = g_bytes_new(call->frame, call->frame_len);
	smp_dump_frame(call->client, "<-", call->frame, call->frame_len);
	call->sends++;
	return dfud_transport_send(call->client->transport, packet, error);
}

/* when the next copy goes out (over a lossy transport, before the deadline, never for a call
 * that acts once), -1 for none; call->resend_gap_us is the wait */
void
dfud_smp_call_schedule_resend(SmpCall *call, gint64 now)
{
	DfudSmpClient *self = call->client;
	gint64 at = now + call->resend_gap_us;

	call->resend_at_us = -1;
	if (!dfud_transport_is_lossy(self->transport) || at >= call->deadline_us ||
	    (call->flags & DFUD_SMP_CALL_ACTS_ONCE))
		return;
	call->resend_at_us = at;
	dfud_smp_client_arm_deadline(self, at);
}

/* an answer to @call: a round trip to learn from when it went out once (Karn's rule: an answer
 * to a copy could answer any copy), else the back-off that worked */
static void
smp_client_answered(DfudSmpClient *self, SmpCall *call, gint64 now)
{
	if (call->flags & (DFUD_SMP_CALL_SLOW | DFUD_SMP_CALL_ACTS_ONCE))
		return;
	if (call->sends == 1)
		dfud_smp_rto_sample(&self->rto, now - call->first_sent_us);
	else
		dfud_smp_rto_backed_off(&self->rto, call->resend_gap_us);
}

/*
 * Spec §9.8: rc 13 (UNSUPPORTED_TOO_NEW) to a v2 request means the device speaks v1 only, rc 12
 * (UNSUPPORTED_TOO_OLD) to a v1 request that it speaks v2 only. The request was not processed:
 * switch and send it again, once. Returns TRUE when it did.
 */
static gboolean
smp_client_retry_version(DfudSmpClient *self, SmpCall *call, const DfudSmpResponse *resp)
{
	guint want;
	g_autoptr(GError) error = NULL;

	if (call->version_resent || !resp->status.failed || resp->status.group_error)
		return FALSE;
	if (resp->status.rc == DFUD_SMP_RC_UNSUPPORTED_TOO_NEW &&
	    call->sent_version == DFUD_SMP_VERSION_2)
		want = DFUD_SMP_VERSION_1;
	else if (resp->status.rc == DFUD_SMP_RC_UNSUPPORTED_TOO_OLD &&
		 call->sent_version == DFUD_SMP_VERSION_1)
		want = DFUD_SMP_VERSION_2;
	else
		return FALSE;
	if (self->version != want) {
		g_info("device refused SMP v%u (rc %" G_GINT64_FORMAT "): using SMP v%u",
		       call->sent_version + 1, resp->status.rc, want + 1);
		self->version = want;
	}
	call->version_resent = TRUE;
	if (!dfud_smp_call_send(call, &error)) {
		dfud_smp_call_complete(call, NULL, g_steal_pointer(&error));
		return TRUE;
	}
	return TRUE;
}

/*
 * Spec §9.7: rc 10 (EBUSY) says the device did not take the request now (a reset hook, another
 * operation): it goes again after a back-off (from SMP_BUSY_BACKOFF_MIN_MS, doubling up to
 * SMP_BUSY_BACKOFF_MAX_MS) as long as the call's timeout allows; then the busy answer is the
 * call's answer. A busy request was not processed, so this holds for a reset too. TRUE when it
 * goes again.
 */
#define SMP_BUSY_BACKOFF_MIN_MS 50
#define SMP_BUSY_BACKOFF_MAX_MS 1000

static gboolean
smp_client_retry_busy(DfudSmpClient *self, SmpCall *call, const DfudSmpResponse *resp, gint64 now)
{
	gint64 at;

	if (!resp->status.failed || resp->status.group_error ||
	    resp->status.rc != DFUD_SMP_RC_EBUSY)
		return FALSE;
	call->busy_gap_us =
	    call->busy_gap_us == 0
		? SMP_BUSY_BACKOFF_MIN_MS * G_TIME_SPAN_MILLISECOND
		: MIN(call->busy_gap_us * 2, SMP_BUSY_BACKOFF_MAX_MS * G_TIME_SPAN_MILLISECOND);
	at = now + call->busy_gap_us;
	if (at >= call->deadline_us)
		return FALSE;
	g_debug("%s (seq %u): busy, again in %" G_GINT64_FORMAT " ms",
		dfud_smp_command_name(call->group, call->id, call->op), call->seq,
		call->busy_gap_us / 1000);
	/* the copy machinery sends it then; over a lossy transport copies follow as for any call */
	call->resend_at_us = at;
	dfud_smp_client_arm_deadline(self, at);
	return TRUE;
}

static void
smp_client_packet_cb(DfudTransport *transport, GBytes *frame, gpointer user_data)
{
	g_autoptr(DfudSmpClient) self = g_object_ref(DFUD_SMP_CLIENT(user_data));
	DfudSmpHeader hdr;
	const DfudSmpPendingEntry *entry;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(frame, &len);
	DfudSmpResponse *resp;
	SmpCall *call;

	smp_dump_frame(self, "->", data, len);
	if (!dfud_smp_header_decode(data, len, &hdr, &error)) {
		g_debug("dropped a frame: %s", error->message);
		return;
	}
	if (!dfud_smp_op_is_response(hdr.op)) {
		g_debug("dropped a frame with op %u (%s): not a response", hdr.op,
			dfud_smp_op_name(hdr.op));
		return;
	}
	entry = dfud_smp_pending_match(self->pending, &hdr, &error);
	if (entry == NULL) {
		/* late (timed out), duplicated or foreign */
		g_debug("dropped a response: %s", error->message);
		return;
	}
	call = entry->user_data;
	smp_client_answered(self, call, g_get_monotonic_time());
	resp = dfud_smp_response_parse(data, len, &error);
	if (resp == NULL) {
		/* it answers this request, but cannot be read: no point waiting for another */
		dfud_smp_call_complete(call, NULL, g_steal_pointer(&error));
		return;
	}
	if (smp_client_retry_version(self, call, resp) ||
	    smp_client_retry_busy(self, call, resp, g_get_monotonic_time())) {
		dfud_smp_response_free(resp);
		return;
	}
	if (resp->header.version != self->version && resp->header.version <= DFUD_SMP_VERSION_2) {
		/* the device answers in the version it speaks: use it from now on */
		g_info("device answers SMP v%u headers: using SMP v%u", resp->header.version + 1u,
		       resp->header.version + 1u);
		self->version = resp->header.version;
	}
	dfud_smp_call_complete(call, resp, NULL);
}

static void
smp_client_closed_cb(DfudTransport *transport, GError *reason, gpointer user_data)
{
	DfudSmpClient *self = DFUD_SMP_CLIENT(user_data);

	if (reason != NULL) {
		dfud_smp_client_fail_all(self, reason);
	} else {
		g_autoptr(GError) error =
		    g_error_new_literal(DFUD_ERROR, DFUD_ERROR_LINK_LOST, "the link was closed");
		dfud_smp_client_fail_all(self, error);
	}
}

static void
collect_call(const DfudSmpPendingEntry *entry, gpointer data)
{
	g_ptr_array_add(data, entry->user_data);
}

/* fails every outstanding call with a copy of @error (e.g. the link dropped) */
void
dfud_smp_client_fail_all(DfudSmpClient *self, const GError *error)
{
	g_autoptr(GPtrArray) calls = g_ptr_array_new();
	g_autoptr(DfudSmpClient) keep = NULL;

	g_return_if_fail(DFUD_IS_SMP_CLIENT(self));
	g_return_if_fail(error != NULL);

	keep = g_object_ref(self);
	/* empty the table first: a callback may start new calls */
	dfud_smp_pending_foreach(self->pending, collect_call, calls);
	for (guint i = 0; i < calls->len; i++) {
		SmpCall *call = g_ptr_array_index(calls, i);

		dfud_smp_pending_steal(self->pending, call->seq);
	}
	for (guint i = 0; i < calls->len; i++) {
		SmpCall *call = g_ptr_array_index(calls, i);
		g_autofree gchar *what = dfud_smp_call_describe(call);
		GError *copy = dfud_error_normalize(error);

		g_prefix_error(&copy, "%s: ", what);
		dfud_smp_call_complete(call, NULL, copy);
	}
}

/* a request frame the client can patch: a request op, exactly 8 + len bytes */
static gboolean
smp_request_check(GBytes *request, DfudSmpHeader *hdr, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(request, &len);

	g_autoptr(GError) local = NULL;

	if (!dfud_smp_frame_decode(data, len, hdr, NULL, NULL, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "invalid SMP request: %s", local->message);
		return FALSE;
	}
	if (hdr->op != DFUD_SMP_OP_READ && hdr->op != DFUD_SMP_OP_WRITE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "invalid SMP request: op %u (%s) is not a request", hdr->op,
			    dfud_smp_op_name(hdr->op));
		return FALSE;
	}
	return TRUE;
}

void
dfud_smp_client_call_async(DfudSmpClient *self, GBytes *request, guint timeout_ms,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data)
{
	dfud_smp_client_call_full_async(self, request, timeout_ms, DFUD_SMP_CALL_NONE, cancellable,
					callback, user_data);
}

guint64
dfud_smp_client_call_full_async(DfudSmpClient *self, GBytes *request, guint timeout_ms,
				DfudSmpCallFlags flags, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GError) error = NULL;
	DfudSmpHeader hdr;
	SmpCall *call;
	gsize len = 0;
	const guint8 *data;
	guint64 serial;
	gint64 now;

	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), 0);
	g_return_val_if_fail(request != NULL, 0);

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, dfud_smp_client_call_async);
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, g_new0(SmpCallResult, 1), g_free);

	if (!smp_request_check(request, &hdr, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return 0;
	}
	if (timeout_ms == 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"an SMP request needs a timeout");
		return 0;
	}
	if (g_cancellable_is_cancelled(cancellable)) {
		g_autofree gchar *what = dfud_smp_command_describe(hdr.group, hdr.id, hdr.op);

		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED, "%s cancelled",
					what);
		return 0;
	}

	call = g_new0(SmpCall, 1);
	call->client = self;
	call->serial = serial = ++self->next_call_id;
	call->group = hdr.group;
	call->id = hdr.id;
	call->op = hdr.op;
	call->timeout_ms = timeout_ms;
	call->flags = flags;
	data = g_bytes_get_data(request, &len);
	call->frame = g_memdup2(data, len);
	call->frame_len = len;
	if (!dfud_smp_pending_register(self->pending, hdr.group, hdr.id, hdr.op, call, &call->seq,
				       &error)) {
		smp_call_free(call);
		g_task_return_error(task, g_steal_pointer(&error));
		return 0;
	}
	call->task = g_steal_pointer(&task);
	now = g_get_monotonic_time();
	call->first_sent_us = now;
	call->deadline_us = now + (gint64)timeout_ms * 1000;
	call->resend_gap_us = self->rto.rto_us;
	dfud_smp_client_arm_deadline(self, call->deadline_us);
	dfud_smp_client_watch(self, cancellable);
	if (!dfud_smp_call_send(call, &error)) {
		dfud_smp_call_complete(call, NULL, g_steal_pointer(&error));
		return serial;
	}
	dfud_smp_call_schedule_resend(call, now);
	return serial;
}

guint
dfud_smp_client_call_get_sends(GAsyncResult *res)
{
	SmpCallResult *result;

	g_return_val_if_fail(G_IS_TASK(res), 0);
	result = g_task_get_task_data(G_TASK(res));
	return result != NULL ? result->sends : 0;
}

typedef struct {
	guint64 serial;
	SmpCall *call;
} SerialFind;

static void
find_serial(const DfudSmpPendingEntry *entry, gpointer data)
{
	SerialFind *find = data;
	SmpCall *call = entry->user_data;

	if (call->serial == find->serial)
		find->call = call;
}

void
dfud_smp_client_stop_resending(DfudSmpClient *self, guint64 call_id)
{
	SerialFind find = {call_id, NULL};

	g_return_if_fail(DFUD_IS_SMP_CLIENT(self));
	if (call_id == 0)
		return;
	dfud_smp_pending_foreach(self->pending, find_serial, &find);
	if (find.call != NULL)
		find.call->resend_at_us = -1;
}

guint
dfud_smp_client_get_rto_ms(DfudSmpClient *self)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), DFUD_SMP_RTO_INITIAL_MS);
	return (guint)(self->rto.rto_us / G_TIME_SPAN_MILLISECOND);
}

DfudSmpRtt
dfud_smp_client_get_rtt(DfudSmpClient *self)
{
	DfudSmpRtt rtt = {0, 0};

	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), rtt);
	rtt.srtt_us = self->rto.srtt_us;
	rtt.rttvar_us = self->rto.rttvar_us;
	return rtt;
}

void
dfud_smp_client_set_rtt(DfudSmpClient *self, const DfudSmpRtt *rtt)
{
	g_return_if_fail(DFUD_IS_SMP_CLIENT(self));
	g_return_if_fail(rtt != NULL);

	dfud_smp_rto_seed(&self->rto, rtt->srtt_us, rtt->rttvar_us);
}

guint
dfud_smp_client_get_srtt_ms(DfudSmpClient *self)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), 0);
	return (guint)((self->rto.srtt_us + G_TIME_SPAN_MILLISECOND / 2) / G_TIME_SPAN_MILLISECOND);
}

DfudSmpResponse *
dfud_smp_client_call_finish(DfudSmpClient *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), NULL);
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

DfudTransport *
dfud_smp_client_get_transport(DfudSmpClient *self)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), NULL);
	return self->transport;
}

guint
dfud_smp_client_get_version(DfudSmpClient *self)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), DFUD_SMP_VERSION_2);
	return self->version;
}

guint
dfud_smp_client_get_in_flight(DfudSmpClient *self)
{
	g_return_val_if_fail(DFUD_IS_SMP_CLIENT(self), 0);
	return dfud_smp_pending_count(self->pending);
}

static void
dfud_smp_client_dispose(GObject *object)
{
	DfudSmpClient *self = DFUD_SMP_CLIENT(object);

	if (self->transport != NULL) {
		g_clear_signal_handler(&self->packet_id, self->transport);
		g_clear_signal_handler(&self->closed_id, self->transport);
		g_clear_object(&self->transport);
	}
	if (self->deadline != NULL) {
		g_source_destroy(self->deadline);
		g_clear_pointer(&self->deadline, g_source_unref);
	}
	g_ptr_array_set_size(self->watches, 0);
	G_OBJECT_CLASS(dfud_smp_client_parent_class)->dispose(object);
}

static void
dfud_smp_client_finalize(GObject *object)
{
	DfudSmpClient *self = DFUD_SMP_CLIENT(object);

	/* every call holds a reference through its task: the table is empty by now */
	dfud_smp_pending_free(self->pending);
	g_ptr_array_unref(self->watches);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(dfud_smp_client_parent_class)->finalize(object);
}

static void
dfud_smp_client_class_init(DfudSmpClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dfud_smp_client_dispose;
	object_class->finalize = dfud_smp_client_finalize;
}

static void
dfud_smp_client_init(DfudSmpClient *self)
{
	self->pending = dfud_smp_pending_new(NULL);
	/* a fresh session does not start at seq 0: late answers to a previous session's first
	 * requests then match nothing */
	dfud_smp_pending_set_next_seq(self->pending, (guint8)g_random_int_range(0, 256));
	self->version = DFUD_SMP_VERSION_2;
	dfud_smp_rto_init(&self->rto);
	self->context = g_main_context_ref_thread_default();
	self->watches = g_ptr_array_new_with_free_func(dfud_smp_cancel_watch_free);
}

/* a client on @transport (opened or not; it only sends once a call is made) */
DfudSmpClient *
dfud_smp_client_new(DfudTransport *transport)
{
	DfudSmpClient *self;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(transport), NULL);

	self = g_object_new(DFUD_TYPE_SMP_CLIENT, NULL);
	self->transport = g_object_ref(transport);
	self->packet_id =
	    g_signal_connect(transport, "packet", G_CALLBACK(smp_client_packet_cb), self);
	self->closed_id =
	    g_signal_connect(transport, "closed", G_CALLBACK(smp_client_closed_cb), self);
	return self;
}
