/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "engine/dfud-smp-client.h"
#include "smp/dfud-smp.h"
#include "test-transport-call.h"
#include "test-transport-sim.h"
#include "transport/dfud-transport-udp.h"

void
call_result_clear(CallResult *r)
{
	g_clear_pointer(&r->resp, dfud_smp_response_free);
	g_clear_error(&r->error);
	r->done = FALSE;
}

void
call_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CallResult *r = user_data;

	g_assert_false(r->done);
	r->resp = dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &r->error);
	g_assert_true((r->resp == NULL) != (r->error == NULL));
	r->done = TRUE;
}

void
call_sends_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CallResult *r = user_data;

	r->sends = dfud_smp_client_call_get_sends(res);
	call_cb(source, res, user_data);
}

void
open_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CallResult *r = user_data;

	dfud_transport_open_finish(DFUD_TRANSPORT(source), res, &r->error);
	r->done = TRUE;
}

DfudTransport *
open_udp(const gchar *host, guint16 port)
{
	DfudTransport *transport = dfud_transport_udp_new(host, port, 0);
	CallResult r = {0};

	g_assert_false(dfud_transport_is_open(transport));
	dfud_transport_open_async(transport, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	g_assert_true(dfud_transport_is_open(transport));
	return transport;
}

DfudSmpResponse *
call_sync(DfudSmpClient *client, GBytes *request, guint timeout_ms, GCancellable *cancellable,
	  GError **error)
{
	CallResult r = {0};

	dfud_smp_client_call_async(client, request, timeout_ms, cancellable, call_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, timeout_ms + TEST_WAIT_MS));
	if (r.error != NULL)
		g_propagate_error(error, r.error);
	return r.resp;
}

/* an echo round trip; the request is built as v1 with seq 200 on purpose: the client patches */
gchar *
echo(DfudSmpClient *client, const gchar *text, guint timeout_ms, GError **error)
{
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_1, 200, text, NULL);
	g_autoptr(DfudSmpResponse) resp = call_sync(client, req, timeout_ms, NULL, error);

	if (resp == NULL)
		return NULL;
	return dfud_smp_response_parse_echo(resp, error);
}

void
count_packet_cb(DfudTransport *transport, GBytes *frame, gpointer user_data)
{
	guint *count = user_data;

	(*count)++;
}

void
count_closed_cb(DfudTransport *transport, GError *reason, gpointer user_data)
{
	guint *count = user_data;

	(*count)++;
}
