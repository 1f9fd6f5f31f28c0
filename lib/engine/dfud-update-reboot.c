/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-device.h"
#include "dfud-update-reboot.h"

#define PROBE_TIMEOUT_MIN_MS 250u
#define PROBE_TIMEOUT_MAX_MS 2000u
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 2000u
#define RESET_BUSY_MAX 5u

typedef struct {
	DfudSmpClient *client;
	DfudTransport *transport;
	DfudUpdateOptions options;
	const DfudUpdatePlan *plan; /* outlives the task: owned by the updater */
	gint64 deadline_us;
	guint backoff_ms;
	guint probe_ms; /* grows with each unanswered probe */
	guint reset_busy;
	guint timer;
	gboolean timer_holds_task; /* a back-off: the timer owns the task's reference */
	GSource *cancel_source;	   /* ends a back-off at once on cancel */
	gchar *last_error;
} Reboot;

static void
reboot_free(Reboot *r)
{
	g_clear_handle_id(&r->timer, g_source_remove);
	if (r->cancel_source != NULL) {
		g_source_destroy(r->cancel_source);
		g_source_unref(r->cancel_source);
	}
	g_clear_object(&r->client);
	g_clear_object(&r->transport);
	g_free(r->last_error);
	g_free(r);
}

static void probe(GTask *task);
static void send_reset(GTask *task);

static guint
remaining_ms(Reboot *r, guint cap)
{
	gint64 left = (r->deadline_us - g_get_monotonic_time()) / 1000;

	return (guint)CLAMP(left, 1, (gint64)MAX(cap, 1u));
}

static gboolean
retry_fired(gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);

	r->timer = 0;
	r->timer_holds_task = FALSE;
	probe(task);
	return G_SOURCE_REMOVE;
}

/* one more try after a back-off, within the deadline; takes @task's reference */
static void
retry(GTask *task, GError *error)
{
	Reboot *r = g_task_get_task_data(task);

	if (error != NULL) {
		g_free(r->last_error);
		r->last_error = g_strdup(error->message);
		g_error_free(error);
	}
	if (g_task_return_error_if_cancelled(task)) {
		g_object_unref(task);
		return;
	}
	if (g_get_monotonic_time() >= r->deadline_us) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					"the device did not come back within %u ms after the reset "
					"(last: %s)",
					r->options.reset_timeout_ms,
					r->last_error != NULL ? r->last_error : "no answer");
		g_object_unref(task);
		return;
	}
	r->timer = g_timeout_add(r->backoff_ms, retry_fired, task);
	r->timer_holds_task = TRUE;
	r->backoff_ms = MIN(r->backoff_ms * 2, BACKOFF_MAX_MS);
}

/* still the firmware from before the reset: an image it was told to boot is still pending */
static gboolean
not_rebooted_yet(const DfudUpdatePlan *plan, const DfudSmpImageState *state)
{
	for (guint i = 0; i < plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		const DfudSmpImageSlot *slot = dfud_update_plan_item_find_slot(item, state);
		if (slot != NULL && !slot->active && slot->pending)
			return TRUE;
	}
	return FALSE;
}

static void
state_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_device_read_state_finish(res, &error);

	if (state == NULL) {
		retry(task, error);
		return;
	}
	if (not_rebooted_yet(r->plan, state)) {
		dfud_smp_image_state_free(state);
		retry(task, g_error_new_literal(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
						"the device has not rebooted yet"));
		return;
	}
	g_task_return_pointer(task, state, (GDestroyNotify)dfud_smp_image_state_free);
	g_object_unref(task);
}

static void
opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);
	GError *error = NULL;

	if (!dfud_transport_open_within_finish(r->transport, res, &error)) {
		retry(task, error);
		return;
	}
	probe(task);
}

static void
probe(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (!dfud_transport_is_open(r->transport)) {
		dfud_transport_open_within_async(r->transport,
						 remaining_ms(r, r->options.connect_timeout_ms),
						 cancellable, opened, task);
		return;
	}
	dfud_update_device_read_state_async(
	    r->client, remaining_ms(r, MIN(r->options.command_timeout_ms, r->probe_ms)),
	    cancellable, state_done, task);
	r->probe_ms = MIN(r->probe_ms * 2, PROBE_TIMEOUT_MAX_MS);
}

static void
device_back(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);
	GError *error = NULL;

	if (!dfud_transport_wait_for_device_finish(r->transport, res, &error)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	r->backoff_ms = BACKOFF_MIN_MS;
	r->probe_ms = PROBE_TIMEOUT_MIN_MS;
	probe(task);
}

static void
wait_for_device(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) lost =
	    g_error_new_literal(DFUD_ERROR, DFUD_ERROR_IO, "the device resets");

	dfud_smp_client_fail_all(r->client, lost);
	dfud_transport_close(r->transport);
	r->deadline_us = g_get_monotonic_time() + (gint64)r->options.reset_timeout_ms * 1000;
	dfud_transport_wait_for_device_async(r->transport, r->options.reset_timeout_ms,
					     g_task_get_cancellable(task), device_back, task);
}

static gboolean
reset_again(gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);

	r->timer = 0;
	r->timer_holds_task = FALSE;
	send_reset(task);
	return G_SOURCE_REMOVE;
}

static void
reset_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	if (g_task_return_error_if_cancelled(task)) {
		g_object_unref(task);
		return;
	}
	if (resp == NULL) {
		/* the link may drop with the reset: the request went out, count it as done */
		g_debug("reset: %s: taken as sent", error->message);
		wait_for_device(task);
		return;
	}
	if (!dfud_smp_response_check(resp, &error)) {
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_BUSY) &&
		    ++r->reset_busy <= RESET_BUSY_MAX) {
			r->timer =
			    g_timeout_add(BACKOFF_MIN_MS << r->reset_busy, reset_again, task);
			r->timer_holds_task = TRUE;
			return;
		}
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	wait_for_device(task);
}

static void
send_reset(GTask *task)
{
	Reboot *r = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(GBytes) request =
	    dfud_smp_request_reset(dfud_smp_client_get_version(r->client), 0, FALSE, -1, &error);

	if (request == NULL) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	dfud_smp_client_call_async(r->client, request, r->options.command_timeout_ms,
				   g_task_get_cancellable(task), reset_sent, task);
}

/*
 * cancelled: a back-off ends now (anything else in flight, a call, an open or the wait for the
 * device, ends by itself with the same cancellable)
 */
static gboolean
cancelled(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;
	Reboot *r = g_task_get_task_data(task);

	(void)cancellable;
	if (r->timer != 0 && r->timer_holds_task) {
		g_clear_handle_id(&r->timer, g_source_remove);
		r->timer_holds_task = FALSE;
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"the wait for the device was cancelled");
		g_object_unref(task);
	}
	return G_SOURCE_REMOVE;
}

void
dfud_update_reboot_async(DfudSmpClient *client, const DfudUpdateOptions *options,
			 const DfudUpdatePlan *plan, GCancellable *cancellable,
			 GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(client, cancellable, callback, user_data);
	Reboot *r = g_new0(Reboot, 1);

	g_task_set_source_tag(task, dfud_update_reboot_async);
	r->client = g_object_ref(client);
	r->transport = g_object_ref(dfud_smp_client_get_transport(client));
	r->options = *options;
	r->plan = plan;
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
