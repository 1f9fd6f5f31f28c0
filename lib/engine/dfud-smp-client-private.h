/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-smp-client.h"
#include "engine/dfud-smp-rto.h"
#include "smp/dfud-smp-pending.h"

G_BEGIN_DECLS

/* internal to the SMP client: dfud-smp-client.c (calls, answers) and dfud-smp-client-timers.c */

struct _DfudSmpClient {
	GObject parent_instance;

	DfudTransport *transport;
	gulong packet_id;
	gulong closed_id;
	DfudSmpPending *pending; /* of SmpCall, owned by the table's entries */
	guint version;
	/*
	 * Per call, only a table entry: one timer serves every call's deadline and one source
	 * per cancellable in use watches for cancellation (an upload sends hundreds of calls
	 * with one cancellable; a source per call made the main loop's work grow with them).
	 */
	GMainContext *context; /* the thread-default one at creation: every call's */
	GSource *deadline;     /* ready at the earliest deadline, -1 without calls */
	GPtrArray *watches;    /* of CancelWatch */
	guint64 next_call_id;
	DfudSmpRto rto; /* the retransmission timeout over a lossy transport */
};

/* one request in flight */
typedef struct {
	DfudSmpClient *client; /* not a reference: the task holds one */
	guint64 serial; /* unique in the client: tells a call from a later one at its address */
	GTask *task;
	guint8 *frame; /* the caller's request with our seq and version */
	gsize frame_len;
	guint8 seq;
	guint16 group;
	guint8 id;
	guint8 op;
	guint timeout_ms;
	DfudSmpCallFlags flags;
	guint sent_version;
	gboolean version_resent; /* once after a version change (rc 12/13) */
	guint sends;		 /* copies sent */
	gint64 first_sent_us;	 /* monotonic */
	gint64 deadline_us;	 /* monotonic */
	gint64 resend_at_us;	 /* the next copy, -1 for none */
	gint64 resend_gap_us;	 /* doubles with each copy */
	gint64 busy_gap_us;	 /* the wait after a busy answer, doubling */
} SmpCall;

/* what a finished call tells its caller besides the response */
typedef struct {
	guint sends;
} SmpCallResult;

/* the source watching one cancellable for the calls made with it */
typedef struct {
	DfudSmpClient *client;
	GCancellable *cancellable;
	GSource *source;
} CancelWatch;

void dfud_smp_cancel_watch_free(gpointer data);
/* removes @call from the table and completes its task with @resp or @error (both taken) */
void dfud_smp_call_complete(SmpCall *call, DfudSmpResponse *resp, GError *error);
gchar *dfud_smp_call_describe(const SmpCall *call);
/* writes seq and version into the frame and hands it to the transport */
gboolean dfud_smp_call_send(SmpCall *call, GError **error);
/* when the next copy goes out (over a lossy transport) */
void dfud_smp_call_schedule_resend(SmpCall *call, gint64 now);
/* the timer fires no later than @deadline_us */
void dfud_smp_client_arm_deadline(DfudSmpClient *self, gint64 deadline_us);
/* a source watching @cancellable for the client's calls, unless one exists */
void dfud_smp_client_watch(DfudSmpClient *self, GCancellable *cancellable);

G_END_DECLS
