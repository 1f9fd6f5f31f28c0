/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "BleLinkCheck"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "dfud-error.h"
#include "engine/dfud-smp-client.h"
#include "smp/dfud-smp.h"
#include "transport/dfud-transport.h"

/*
 * The BLE transport's link as its users see it, step by step, against a device that answers
 * SMP (dfud-sim --ble in the VM, tests/engine-ble):
 *
 *   echo   opens the link when it is not open; os echo, which must be answered
 *   new    closes, and goes on with a new transport object for the same URI, as the daemon does
 *          for each command (the close's disconnect is still going on when the next opens)
 *   reset  os reset, which must be answered; then, without closing, waits for the transport's
 *          "closed" (the device rebooting drops the link): its reason must be LinkLost
 *   wait   wait_for_device after that drop: completes when the device advertises again
 *   lost   os echo, which must fail with LinkLost (a device that drops the link on a request)
 *
 * Prints one line per step, "STEP ok MS [what]" (MS: the step's duration; for reset, the time
 * from the answer to "closed") or "STEP FAIL NAME: MESSAGE", and stops at the first failure.
 * Exit status 0 when every step passed, else dfud_error_to_exit() of the failure.
 */

#define OPEN_TIMEOUT_MS 60000
#define COMMAND_TIMEOUT_MS 10000
/* Zephyr reboots 250 ms after answering; the central notices within the supervision timeout */
#define DROP_TIMEOUT_MS 20000
#define WAIT_TIMEOUT_MS 60000

typedef struct {
	gchar *uri;
	DfudTransport *transport;
	DfudSmpClient *client;
	gulong closed_id;
	gint64 closed_at;
	GError *closed_reason;
	/* the asynchronous call in progress */
	gboolean done;
	GAsyncResult *result;
} Check;

static void
got_result(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Check *c = user_data;

	(void)source;
	c->result = g_object_ref(res);
	c->done = TRUE;
}

/* runs the main context until the call in progress completes; returns its result */
static GAsyncResult *
wait_result(Check *c)
{
	while (!c->done)
		g_main_context_iteration(NULL, TRUE);
	c->done = FALSE;
	return g_steal_pointer(&c->result);
}

static void
on_closed(DfudTransport *transport, GError *reason, gpointer user_data)
{
	Check *c = user_data;

	(void)transport;
	c->closed_at = g_get_monotonic_time();
	g_clear_error(&c->closed_reason);
	c->closed_reason = reason != NULL ? g_error_copy(reason)
					  : g_error_new_literal(DFUD_ERROR, DFUD_ERROR_FAILED,
								"closed without a reason");
}

static void
check_drop_transport(Check *c)
{
	if (c->transport == NULL)
		return;
	dfud_transport_close(c->transport);
	g_clear_signal_handler(&c->closed_id, c->transport);
	g_clear_object(&c->client);
	g_clear_object(&c->transport);
}

static gboolean
check_new_transport(Check *c, GError **error)
{
	check_drop_transport(c);
	c->transport = dfud_transport_new_for_uri(c->uri, error);
	if (c->transport == NULL)
		return FALSE;
	c->client = dfud_smp_client_new(c->transport);
	c->closed_id = g_signal_connect(c->transport, "closed", G_CALLBACK(on_closed), c);
	return TRUE;
}

static gboolean
ensure_open(Check *c, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	if (dfud_transport_is_open(c->transport))
		return TRUE;
	dfud_transport_open_within_async(c->transport, OPEN_TIMEOUT_MS, NULL, got_result, c);
	res = wait_result(c);
	return dfud_transport_open_within_finish(c->transport, res, error);
}

/* sends @request and returns the device's answer (checked: rc 0) */
static DfudSmpResponse *
call(Check *c, GBytes *request, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(DfudSmpResponse) resp = NULL;

	if (request == NULL)
		return NULL;
	dfud_smp_client_call_async(c->client, request, COMMAND_TIMEOUT_MS, NULL, got_result, c);
	res = wait_result(c);
	resp = dfud_smp_client_call_finish(c->client, res, error);
	if (resp == NULL || !dfud_smp_response_check(resp, error))
		return NULL;
	return g_steal_pointer(&resp);
}

static gchar *
step_echo(Check *c, GError **error)
{
	g_autoptr(GBytes) request = NULL;
	g_autoptr(DfudSmpResponse) resp = NULL;
	g_autofree gchar *text = NULL;

	if (!ensure_open(c, error))
		return NULL;
	request = dfud_smp_request_echo(dfud_smp_client_get_version(c->client), 0, "link", error);
	resp = call(c, request, error);
	if (resp == NULL)
		return NULL;
	text = dfud_smp_response_parse_echo(resp, error);
	if (text == NULL)
		return NULL;
	if (g_strcmp0(text, "link") != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "echoed \"%s\", not \"link\"",
			    text);
		return NULL;
	}
	return g_strdup_printf("ATT MTU %u", dfud_transport_get_mtu(c->transport));
}

static gchar *
step_lost(Check *c, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree gchar *answer = step_echo(c, &local);

	if (answer != NULL) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_FAILED,
				    "the echo was answered: the link was not lost");
		return NULL;
	}
	if (!g_error_matches(local, DFUD_ERROR, DFUD_ERROR_LINK_LOST)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "not LinkLost: ");
		return NULL;
	}
	return g_strdup_printf("%s (LinkLost)", local->message);
}

static gboolean
time_out(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* the reset's answer, then the drop; returns the time from the answer to "closed" */
static gchar *
step_reset(Check *c, GError **error)
{
	g_autoptr(GBytes) request = NULL;
	g_autoptr(DfudSmpResponse) resp = NULL;
	gint64 answered;
	gboolean timed_out = FALSE;
	guint timer;

	if (!ensure_open(c, error))
		return NULL;
	request =
	    dfud_smp_request_reset(dfud_smp_client_get_version(c->client), 0, FALSE, -1, error);
	c->closed_at = 0;
	resp = call(c, request, error);
	if (resp == NULL)
		return NULL;
	answered = g_get_monotonic_time();
	timer = g_timeout_add(DROP_TIMEOUT_MS, time_out, &timed_out);
	while (c->closed_at == 0 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(timer);
	if (c->closed_at == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT,
			    "no \"closed\" within %u ms of the reset's answer", DROP_TIMEOUT_MS);
		return NULL;
	}
	if (!g_error_matches(c->closed_reason, DFUD_ERROR, DFUD_ERROR_LINK_LOST)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_FAILED,
			    "closed with %s, not LinkLost: %s", dfud_error_name(c->closed_reason),
			    c->closed_reason->message);
		return NULL;
	}
	return g_strdup_printf("closed %" G_GINT64_FORMAT " ms after the answer: %s (LinkLost)",
			       MAX(c->closed_at - answered, 0) / 1000, c->closed_reason->message);
}

static gchar *
step_wait(Check *c, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	dfud_transport_wait_for_device_async(c->transport, WAIT_TIMEOUT_MS, NULL, got_result, c);
	res = wait_result(c);
	if (!dfud_transport_wait_for_device_finish(c->transport, res, error))
		return NULL;
	return g_strdup("advertising");
}

static gchar *
step_new(Check *c, GError **error)
{
	if (!check_new_transport(c, error))
		return NULL;
	return g_strdup("a new transport");
}

typedef gchar *(*StepFunc)(Check *c, GError **error);

static const struct {
	const gchar *name;
	StepFunc func;
} steps[] = {
    {"echo", step_echo}, {"new", step_new},   {"reset", step_reset},
    {"wait", step_wait}, {"lost", step_lost},
};

static StepFunc
find_step(const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		if (g_strcmp0(steps[i].name, name) == 0)
			return steps[i].func;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	Check c = {0};
	g_autoptr(GError) error = NULL;
	int rc = 0;

	setlocale(LC_ALL, "");
	if (argc < 3) {
		fprintf(stderr, "usage: %s URI STEP... (steps: echo new reset wait lost)\n",
			argv[0]);
		return 64;
	}
	for (int i = 2; i < argc; i++) {
		if (find_step(argv[i]) == NULL) {
			fprintf(stderr, "%s: unknown step %s\n", argv[0], argv[i]);
			return 64;
		}
	}
	c.uri = argv[1];
	if (!check_new_transport(&c, &error)) {
		fprintf(stderr, "%s: %s\n", argv[0], error->message);
		return dfud_error_to_exit(error);
	}
	for (int i = 2; i < argc && rc == 0; i++) {
		gint64 t0 = g_get_monotonic_time();
		g_autofree gchar *what = find_step(argv[i])(&c, &error);

		if (what == NULL) {
			printf("%s FAIL %s: %s\n", argv[i], dfud_error_name(error), error->message);
			rc = dfud_error_to_exit(error);
		} else {
			printf("%s ok %" G_GINT64_FORMAT " %s\n", argv[i],
			       (g_get_monotonic_time() - t0) / 1000, what);
		}
		fflush(stdout);
	}
	check_drop_transport(&c);
	g_clear_error(&c.closed_reason);
	return rc;
}
