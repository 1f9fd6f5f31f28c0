/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"
#include "transport/dfud-transport.h"

G_BEGIN_DECLS

/* a bound for the loop in every test: far above any timeout a test asks for */
#define TEST_WAIT_MS 10000u
#define TEST_CALL_TIMEOUT_MS 3000u

/* the outcome of one asynchronous call, filled by call_cb / open_cb */
typedef struct {
	gboolean done;
	DfudSmpResponse *resp;
	GError *error;
	guint sends; /* call_sends_cb: copies of the request that went out */
} CallResult;

void call_result_clear(CallResult *r);
void call_cb(GObject *source, GAsyncResult *res, gpointer user_data);
/* call_cb that also records how many copies went out */
void call_sends_cb(GObject *source, GAsyncResult *res, gpointer user_data);
void open_cb(GObject *source, GAsyncResult *res, gpointer user_data);
/* a UDP transport, opened (asserts it opens) */
DfudTransport *open_udp(const gchar *host, guint16 port);
/* one call, the main loop run until it completes */
DfudSmpResponse *call_sync(DfudSmpClient *client, GBytes *request, guint timeout_ms,
			   GCancellable *cancellable, GError **error);
/* an echo round trip: the text the device sent back */
gchar *echo(DfudSmpClient *client, const gchar *text, guint timeout_ms, GError **error);
/* "packet" / "closed" handlers counting into a guint */
void count_packet_cb(DfudTransport *transport, GBytes *frame, gpointer user_data);
void count_closed_cb(DfudTransport *transport, GError *reason, gpointer user_data);

G_END_DECLS
