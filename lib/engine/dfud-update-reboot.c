/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-device.h"
#include "dfud-update-reboot.h"

/* resets sent in all when their answers are lost and the device answers as before */
#define RESET_SENDS_MAX 3u
/* a device that answers the reset with EBUSY (a reset hook refusing it for now) */
#define RESET_BUSY_MAX 5u
#define RESET_BUSY_BACKOFF_MS 100u
/* between answered probes of a connectionless device: soon after the reset, then less often */
#define PROBE_INTERVAL_MIN_MS 100u
#define PROBE_INTERVAL_MAX_MS 1000u
/* a link that could not be opened again is retried after this */
#define REOPEN_BACKOFF_MS 500u
/*
 * The reset is never copied: its answer is waited for RESET_ANSWER_RTO retransmission timeouts
 * (at least RESET_ANSWER_MIN_MS, at most Command), then what the device does next tells
 */
#define RESET_ANSWER_RTO 4u
#define RESET_ANSWER_MIN_MS 1000u

typedef struct {
	DfudSmpClient *client;
	DfudTransport *transport;
	DfudUpdateOptions options;
	DfudSmpImageState *before;
	DfudUpdateRebootFlags flags;
	gboolean done;
	gint64 start_us; /* the first reset went out */
	gint64 deadline_us;
	guint sends; /* resets sent */
	guint busy;
	gboolean acked; /* a reset was answered */
	gint64 acked_us;
	gint64 last_answer_us; /* the last probe answered since the first reset, -1: none */
	guint interval_ms;
	guint timer;	  /* a probe interval, a back-off or the deadline of the link's drop */
	void (*next)(GTask *task); /* what the timer runs */
	gulong closed_id; /* waiting for the link to drop */
	GSource *cancel_source;
	gchar *last_error; /* the last failure to reach the device again, for the timeout */
} Reboot;

static void send_reset(GTask *task);
static void probe(GTask *task);
static void link_down(GTask *task);

static void
reboot_stop_waiting(Reboot *r)
{
	g_clear_handle_id(&r->timer, g_source_remove);
	if (r->closed_id != 0)
		g_clear_signal_handler(&r->closed_id, r->transport);
	if (r->cancel_source != NULL) {
		g_source_destroy(r->cancel_source);
		g_clear_pointer(&r->cancel_source, g_source_unref);
	}
}

static void
reboot_free(Reboot *r)
{
	reboot_stop_waiting(r);
	g_clear_object(&r->client);
	g_clear_object(&r->transport);
	g_clear_pointer(&r->before, dfud_smp_image_state_free);
	g_free(r->last_error);
	g_free(r);
}

/* completes with @state or @error (taken), once */
static void
finish(GTask *task, DfudSmpImageState *state, GError *error)
{
	G_GNUC_UNUSED g_autoptr(GTask) keep = g_object_ref(task); /* a timer may hold the last ref */
	Reboot *r = g_task_get_task_data(task);

	if (r->done) {
		g_clear_pointer(&state, dfud_smp_image_state_free);
		g_clear_error(&error);
		return;
	}
	r->done = TRUE;
	reboot_stop_waiting(r);
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, state, (GDestroyNotify)dfud_smp_image_state_free);
}

static void
finish_error(GTask *task, GError *error)
{
	finish(task, NULL, error);
}

static void
finish_state(GTask *task, DfudSmpImageState *state)
{
	finish(task, state, NULL);
}

/* ends the wait when cancelled or past the deadline; TRUE when it did */
static gboolean
ended(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);
	gint64 now = g_get_monotonic_time();
	gdouble since = (gdouble)(now - r->start_us) / G_USEC_PER_SEC;

	if (r->done)
		return TRUE;
	if (g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		finish_error(task, g_error_new_literal(DFUD_ERROR, DFUD_ERROR_CANCELLED,
						       "the wait for the device was cancelled"));
		return TRUE;
	}
	if (now < r->deadline_us)
		return FALSE;
	if (r->last_answer_us < 0)
		finish_error(task, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					       "the device has not answered since the reset %.1f s "
					       "ago (Reset=%u s)%s%s",
					       since, r->options.reset_timeout_ms / 1000,
					       r->last_error != NULL ? ": " : "",
					       r->last_error != NULL ? r->last_error : ""));
	else
		finish_error(task, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					       "the device has not answered since %.1f s after the "
					       "reset, for %.1f s (Reset=%u s)",
					       (gdouble)(r->last_answer_us - r->start_us) /
						   G_USEC_PER_SEC,
					       (gdouble)(now - r->last_answer_us) / G_USEC_PER_SEC,
					       r->options.reset_timeout_ms / 1000));
	return TRUE;
}

static guint
remaining_ms(Reboot *r, guint cap)
{
	gint64 left = (r->deadline_us - g_get_monotonic_time()) / 1000;

	return (guint)CLAMP(left, 1, (gint64)MAX(cap, 1u));
}

static void
remember_error(Reboot *r, const GError *error)
{
	g_free(r->last_error);
	r->last_error = g_strdup(error->message);
}

/* @func(@task) after @ms (the timer holds a reference) */
static gboolean
timer_fired(gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);

	r->timer = 0;
	if (!ended(task))
		r->next(task);
	return G_SOURCE_REMOVE;
}

static void
later(GTask *task, guint ms, void (*func)(GTask *task))
{
	Reboot *r = g_task_get_task_data(task);

	g_clear_handle_id(&r->timer, g_source_remove);
	r->next = func;
	r->timer =
	    g_timeout_add_full(G_PRIORITY_DEFAULT, ms, timer_fired, g_object_ref(task), g_object_unref);
}

/* --- what the device answers after the reset --- */

/*
 * Another reset when the last one was not acknowledged: only after the device answered exactly
 * as before it (a second reset then undoes nothing), at most RESET_SENDS_MAX in all.
 */
static void
resend_or_fail(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);

	if (r->sends < RESET_SENDS_MAX) {
		/* not at once: a device may hold its SMP buffers a little after an answer, and a
		 * request arriving meanwhile is lost (two buffers, spec §5.4) */
		g_debug("reset: no answer to %u reset(s) and the device answers as before it: "
			"sending it again",
			r->sends);
		later(task, MAX(r->interval_ms, dfud_smp_client_get_rto_ms(r->client)), send_reset);
		return;
	}
	finish_error(task, g_error_new(DFUD_ERROR, DFUD_ERROR_DEVICE,
				       "the device never answered the reset (sent %u times) and "
				       "still answers as before it: it did not reset",
				       r->sends));
}

static void
evaluate(GTask *task, DfudSmpImageState *state_in)
{
	g_autoptr(DfudSmpImageState) state = state_in;
	Reboot *r = g_task_get_task_data(task);
	gint64 now = g_get_monotonic_time();

	if (!dfud_smp_image_state_equal(r->before, state)) {
		g_debug("reset: the image state changed: the device rebooted");
		finish_state(task, g_steal_pointer(&state));
		return;
	}
	if (!r->acked) {
		resend_or_fail(task);
		return;
	}
	if (dfud_transport_has_link(r->transport)) {
		/* over a new link after the old one dropped: the rebooted firmware */
		g_debug("reset: the link dropped and the device answers as before: no swap");
		finish_state(task, g_steal_pointer(&state));
		return;
	}
	if (now - r->acked_us >= (gint64)r->options.reset_grace_ms * 1000) {
		g_debug("reset: the device answers as before %" G_GINT64_FORMAT
			" ms after the reset: it rebooted without a swap",
			(now - r->acked_us) / 1000);
		finish_state(task, g_steal_pointer(&state));
		return;
	}
	/* still within Zephyr's reset delay, or a bootloader that did not swap */
	later(task, r->interval_ms, probe);
	r->interval_ms = MIN(r->interval_ms * 2, PROBE_INTERVAL_MAX_MS);
}

static void
state_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	DfudSmpImageState *state = dfud_update_device_read_state_finish(res, &error);

	if (r->done) {
		g_clear_pointer(&state, dfud_smp_image_state_free);
		return;
	}
	if (state != NULL) {
		r->last_answer_us = g_get_monotonic_time();
		evaluate(task, state);
		return;
	}
	remember_error(r, error);
	if (ended(task))
		return;
	if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED)) {
		/* the rebooted firmware has no image state to show: nothing to verify by */
		g_prefix_error(&error, "after the reset: ");
		finish_error(task, g_steal_pointer(&error));
		return;
	}
	if (dfud_transport_has_link(r->transport) &&
	    (!dfud_transport_is_open(r->transport) ||
	     g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT))) {
		/* the new link failed too: wait for the device again */
		link_down(task);
		return;
	}
	if (!g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT)) {
		/* an answer, but an error (busy past the client's retries, a bad frame): not at the
		 * link's speed, again after the probe interval */
		r->last_answer_us = g_get_monotonic_time();
		later(task, r->interval_ms, probe);
		r->interval_ms = MIN(r->interval_ms * 2, PROBE_INTERVAL_MAX_MS);
		return;
	}
	/* silence (the client sent copies meanwhile): the device reboots, swaps, or is gone */
	probe(task);
}

static void
probe(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);

	/* a transport without a link that closed itself (a serial port hung up as its USB device
	 * re-enumerates): open it again, waiting for it to come back, before asking */
	if (!dfud_transport_has_link(r->transport) && !dfud_transport_is_open(r->transport)) {
		link_down(task);
		return;
	}
	dfud_update_device_read_state_async(r->client,
					    remaining_ms(r, r->options.command_timeout_ms),
					    g_task_get_cancellable(task), state_read,
					    g_object_ref(task));
}

/* --- a link: it drops, the device comes back, a new link --- */

static void
reopened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;

	if (r->done)
		return;
	if (!dfud_transport_open_within_finish(r->transport, res, &error)) {
		remember_error(r, error);
		if (!ended(task))
			later(task, REOPEN_BACKOFF_MS, link_down);
		return;
	}
	probe(task);
}

static void
device_back(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;

	if (r->done)
		return;
	if (!dfud_transport_wait_for_device_finish(r->transport, res, &error)) {
		remember_error(r, error);
		if (!ended(task))
			finish_error(task, g_steal_pointer(&error));
		return;
	}
	dfud_transport_open_within_async(r->transport,
					 remaining_ms(r, r->options.connect_timeout_ms),
					 g_task_get_cancellable(task), reopened,
					 g_object_ref(task));
}

/* the link dropped (the evidence of a reboot) or must be opened anew */
static void
link_down(GTask *task)
{
	G_GNUC_UNUSED g_autoptr(GTask) keep = g_object_ref(task); /* a timer may hold the last ref */
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) lost =
	    g_error_new_literal(DFUD_ERROR, DFUD_ERROR_LINK_LOST, "the device resets");

	if (r->closed_id != 0)
		g_clear_signal_handler(&r->closed_id, r->transport);
	g_clear_handle_id(&r->timer, g_source_remove);
	dfud_smp_client_fail_all(r->client, lost);
	dfud_transport_close(r->transport);
	dfud_transport_wait_for_device_async(r->transport, remaining_ms(r, G_MAXUINT),
					     g_task_get_cancellable(task), device_back,
					     g_object_ref(task));
}

static void
link_closed(DfudTransport *transport, GError *reason, gpointer user_data)
{
	GTask *task = user_data;

	g_debug("reset: the link dropped (%s): the device reboots",
		reason != NULL ? reason->message : "closed");
	link_down(task);
}

static void
link_kept(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);

	finish_error(task, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
				       "the device kept its link up for %u s after %s the reset: "
				       "it did not reset (Reset=%u s)",
				       r->options.reset_timeout_ms / 1000,
				       r->acked ? "answering" : "being sent",
				       r->options.reset_timeout_ms / 1000));
}

/* --- the reset --- */

static void
after_reset(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);

	r->interval_ms = PROBE_INTERVAL_MIN_MS;
	if (!dfud_transport_has_link(r->transport)) {
		probe(task);
		return;
	}
	if (!dfud_transport_is_open(r->transport)) {
		link_down(task);
		return;
	}
	/* the task outlives the handler: finish and free disconnect it */
	r->closed_id = g_signal_connect(r->transport, "closed", G_CALLBACK(link_closed), task);
	later(task, remaining_ms(r, G_MAXUINT), link_kept);
}

static void
reset_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	if (r->done || ended(task))
		return;
	if (resp == NULL) {
		/* the request may have gone through: what the device does next will tell */
		g_debug("reset: %s: not acknowledged", error->message);
		after_reset(task);
		return;
	}
	if (!dfud_smp_response_check(resp, &error)) {
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_BUSY) &&
		    ++r->busy <= RESET_BUSY_MAX) {
			r->sends--; /* refused, not lost */
			later(task, RESET_BUSY_BACKOFF_MS << r->busy, send_reset);
			return;
		}
		finish_error(task, g_steal_pointer(&error));
		return;
	}
	r->acked = TRUE;
	r->acked_us = g_get_monotonic_time();
	if (r->flags & DFUD_UPDATE_REBOOT_ACKNOWLEDGED) {
		finish_state(task, dfud_smp_image_state_copy(r->before));
		return;
	}
	after_reset(task);
}

static void
send_reset(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(GBytes) request =
	    dfud_smp_request_reset(dfud_smp_client_get_version(r->client), 0,
				   (r->flags & DFUD_UPDATE_REBOOT_FORCE) != 0,
				   (r->flags & DFUD_UPDATE_REBOOT_BOOTLOADER) != 0 ? 1 : -1, &error);

	if (request == NULL) {
		finish_error(task, error);
		return;
	}
	r->sends++;
	dfud_smp_client_call_full_async(r->client, request,
					remaining_ms(r, MIN(r->options.command_timeout_ms,
							    MAX(RESET_ANSWER_MIN_MS,
								RESET_ANSWER_RTO *
								    dfud_smp_client_get_rto_ms(
									r->client)))),
					DFUD_SMP_CALL_ACTS_ONCE, g_task_get_cancellable(task),
					reset_sent, g_object_ref(task));
}

/* cancelled: a timer or the wait for the link's drop ends now; calls end by themselves */
static gboolean
cancelled(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;

	(void)cancellable;
	ended(task);
	return G_SOURCE_REMOVE;
}

void
dfud_update_reboot_async(DfudSmpClient *client, const DfudUpdateOptions *options,
			 const DfudSmpImageState *before, DfudUpdateRebootFlags flags,
			 GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(client, cancellable, callback, user_data);
	Reboot *r = g_new0(Reboot, 1);

	g_return_if_fail(before != NULL);

	g_task_set_source_tag(task, dfud_update_reboot_async);
	g_task_set_check_cancellable(task, FALSE);
	r->client = g_object_ref(client);
	r->transport = g_object_ref(dfud_smp_client_get_transport(client));
	r->options = *options;
	r->before = dfud_smp_image_state_copy(before);
	r->flags = flags;
	r->start_us = g_get_monotonic_time();
	r->deadline_us = r->start_us + (gint64)options->reset_timeout_ms * 1000;
	r->last_answer_us = -1;
	g_task_set_task_data(task, r, (GDestroyNotify)reboot_free);
	if (cancellable != NULL) {
		r->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(r->cancel_source, G_SOURCE_FUNC(cancelled), task, NULL);
		g_source_attach(r->cancel_source, g_main_context_get_thread_default());
	}
	send_reset(task);
}

DfudSmpImageState *
dfud_update_reboot_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}
