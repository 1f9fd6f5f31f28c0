/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-client-private.h"
#include "smp/dfud-smp-pending.h"

/*
 * The SMP client's calls in time: one timer for every call's deadline and next copy, one
 * source per cancellable in use.
 */

void
dfud_smp_cancel_watch_free(gpointer data)
{
	CancelWatch *watch = data;

	g_source_destroy(watch->source);
	g_source_unref(watch->source);
	g_object_unref(watch->cancellable);
	g_free(watch);
}

typedef struct {
	GArray *calls;	 /* of CallRef: cancelled (with a cancellable) or past their deadline */
	GArray *resends; /* of CallRef: due for another copy */
	gint64 now;
	GCancellable *cancellable;
	gint64 earliest; /* the next deadline or copy of the calls left, -1 for none */
} CallScan;

typedef struct {
	guint8 seq;
	guint64 serial;
} CallRef;

static void
scan_earliest(CallScan *scan, gint64 when)
{
	if (when >= 0 && (scan->earliest < 0 || when < scan->earliest))
		scan->earliest = when;
}

static void
scan_call(const DfudSmpPendingEntry *entry, gpointer data)
{
	CallScan *scan = data;
	SmpCall *call = entry->user_data;
	CallRef ref = {call->seq, call->serial};

	if (scan->cancellable != NULL) {
		if (g_task_get_cancellable(call->task) == scan->cancellable)
			g_array_append_val(scan->calls, ref);
		return;
	}
	if (call->deadline_us <= scan->now) {
		g_array_append_val(scan->calls, ref);
		return;
	}
	scan_earliest(scan, call->deadline_us);
	if (call->resend_at_us >= 0 && call->resend_at_us <= scan->now && scan->resends != NULL)
		g_array_append_val(scan->resends, ref);
	else
		scan_earliest(scan, call->resend_at_us);
}

/* the call a scan picked, if it is still in the table (a callback may have ended it) */
static SmpCall *
picked_call(DfudSmpClient *self, const CallRef *ref)
{
	const DfudSmpPendingEntry *entry = dfud_smp_pending_lookup(self->pending, ref->seq);
	SmpCall *call = entry != NULL ? entry->user_data : NULL;

	return call != NULL && call->serial == ref->serial ? call : NULL;
}

/* the calls a scan picked, one after the other, as long as each is still in the table
 * (completing one runs its caller's callback, which may end or start others) */
static void
complete_picked(DfudSmpClient *self, GArray *calls, gboolean cancelled)
{
	for (guint i = 0; i < calls->len; i++) {
		SmpCall *call = picked_call(self, &g_array_index(calls, CallRef, i));
		g_autofree gchar *what = NULL;
		GError *error;

		if (call == NULL)
			continue;
		what = dfud_smp_call_describe(call);
		if (cancelled)
			error = g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED,
					    "%s (seq %u) cancelled", what, call->seq);
		else if (call->sends > 1)
			error =
			    g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					"no response to %s (seq %u) within %u ms (sent %u times)",
					what, call->seq, call->timeout_ms, call->sends);
		else
			error = g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					    "no response to %s (seq %u) within %u ms", what,
					    call->seq, call->timeout_ms);
		g_debug("%s", error->message);
		dfud_smp_call_complete(call, NULL, error);
	}
}

static void
resend_picked(DfudSmpClient *self, GArray *calls, gint64 now)
{
	for (guint i = 0; i < calls->len; i++) {
		SmpCall *call = picked_call(self, &g_array_index(calls, CallRef, i));
		GError *error = NULL;

		if (call == NULL)
			continue;
		if (!g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) {
			g_autofree gchar *what = dfud_smp_call_describe(call);
			g_debug("%s (seq %u): no response within %" G_GINT64_FORMAT
				" ms: sending copy %u",
				what, call->seq, (now - call->first_sent_us) / 1000,
				call->sends + 1);
		}
		if (!dfud_smp_call_send(call, &error)) {
			dfud_smp_call_complete(call, NULL, error);
			continue;
		}
		call->resend_gap_us = MIN(call->resend_gap_us * 2,
					  (gint64)DFUD_SMP_RTO_MAX_MS * G_TIME_SPAN_MILLISECOND);
		dfud_smp_call_schedule_resend(call, now);
	}
}

static gboolean
smp_client_deadline_cb(gpointer user_data)
{
	g_autoptr(DfudSmpClient) self = g_object_ref(DFUD_SMP_CLIENT(user_data));
	g_autoptr(GArray) calls = g_array_new(FALSE, FALSE, sizeof(CallRef));
	g_autoptr(GArray) resends = g_array_new(FALSE, FALSE, sizeof(CallRef));
	CallScan scan = {calls, resends, g_get_monotonic_time(), NULL, -1};

	g_source_set_ready_time(self->deadline, -1);
	dfud_smp_pending_foreach(self->pending, scan_call, &scan);
	resend_picked(self, resends, scan.now);
	complete_picked(self, calls, FALSE);
	/* the earliest deadline or copy left, including calls the callbacks started */
	scan = (CallScan){calls, NULL, G_MININT64, NULL, -1};
	g_array_set_size(calls, 0);
	dfud_smp_pending_foreach(self->pending, scan_call, &scan);
	g_source_set_ready_time(self->deadline, scan.earliest);
	return G_SOURCE_CONTINUE;
}

static gboolean
deadline_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	return callback(user_data);
}

static GSourceFuncs deadline_funcs = {NULL, NULL, deadline_dispatch, NULL, NULL, NULL};

/* the timer fires no later than @deadline_us; a later one that ended early costs one scan */
void
dfud_smp_client_arm_deadline(DfudSmpClient *self, gint64 deadline_us)
{
	gint64 ready;

	if (self->deadline == NULL) {
		self->deadline = g_source_new(&deadline_funcs, sizeof(GSource));
		g_source_set_callback(self->deadline, smp_client_deadline_cb, self, NULL);
		g_source_set_ready_time(self->deadline, -1);
		g_source_attach(self->deadline, self->context);
	}
	ready = g_source_get_ready_time(self->deadline);
	if (ready < 0 || deadline_us < ready)
		g_source_set_ready_time(self->deadline, deadline_us);
}

static gboolean
smp_client_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	CancelWatch *watch = user_data;
	g_autoptr(DfudSmpClient) self = g_object_ref(watch->client);
	g_autoptr(GArray) calls = g_array_new(FALSE, FALSE, sizeof(CallRef));
	CallScan scan = {calls, NULL, 0, cancellable, -1};

	dfud_smp_pending_foreach(self->pending, scan_call, &scan);
	complete_picked(self, calls, TRUE);
	/* a cancelled cancellable stays cancelled: later calls with it fail at once */
	g_ptr_array_remove(self->watches, watch);
	return G_SOURCE_REMOVE;
}

static gboolean
watch_in_use(DfudSmpClient *self, GCancellable *cancellable)
{
	g_autoptr(GArray) calls = g_array_new(FALSE, FALSE, sizeof(CallRef));
	CallScan scan = {calls, NULL, 0, cancellable, -1};

	dfud_smp_pending_foreach(self->pending, scan_call, &scan);
	return calls->len > 0;
}

/* a source for @cancellable unless one exists; unused ones go once there are a few */
#define SMP_CLIENT_WATCHES_KEPT 4

void
dfud_smp_client_watch(DfudSmpClient *self, GCancellable *cancellable)
{
	CancelWatch *watch;

	if (cancellable == NULL)
		return;
	for (guint i = 0; i < self->watches->len; i++) {
		if (((CancelWatch *)g_ptr_array_index(self->watches, i))->cancellable ==
		    cancellable)
			return;
	}
	for (guint i = self->watches->len;
	     i-- > 0 && self->watches->len >= SMP_CLIENT_WATCHES_KEPT;) {
		CancelWatch *old = g_ptr_array_index(self->watches, i);
		if (!watch_in_use(self, old->cancellable))
			g_ptr_array_remove_index(self->watches, i);
	}
	watch = g_new0(CancelWatch, 1);
	watch->client = self;
	watch->cancellable = g_object_ref(cancellable);
	watch->source = g_cancellable_source_new(cancellable);
	g_source_set_callback(watch->source, G_SOURCE_FUNC(smp_client_cancelled_cb), watch, NULL);
	g_source_attach(watch->source, self->context);
	g_ptr_array_add(self->watches, watch);
}
