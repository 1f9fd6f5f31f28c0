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
#include "test-transport-peer.h"
#include "test-transport-sim.h"

/* a server that predates v2 answers in v1 headers: adopted for the rest of the session */
static void
test_client_version_legacy_v1(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_LEGACY_V1);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);

	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = echo(client, "old", TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "old");
		g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_1);
	}
	/* the first request went out in v2, the others in v1 */
	g_assert_cmpuint(peer->versions->len, ==, 3);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 0), ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 1), ==, DFUD_SMP_VERSION_1);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 2), ==, DFUD_SMP_VERSION_1);
}

/* rc 13 to v2: resent once in v1 and v1 kept; rc 12 to v1 later: back to v2 */
static void
test_client_version_rc(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_STRICT_V1);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = echo(client, "one", TEST_CALL_TIMEOUT_MS, &error);
	g_autofree gchar *text2 = NULL;
	g_autofree gchar *text3 = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "one");
	g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_1);
	g_assert_cmpuint(peer->versions->len, ==, 2);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 0), ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 1), ==, DFUD_SMP_VERSION_1);

	text2 = echo(client, "two", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text2, ==, "two");
	g_assert_cmpuint(peer->versions->len, ==, 3);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 2), ==, DFUD_SMP_VERSION_1);

	peer->mode = TEST_PEER_STRICT_V2;
	text3 = echo(client, "three", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text3, ==, "three");
	g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(peer->versions->len, ==, 5);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 3), ==, DFUD_SMP_VERSION_1);
	g_assert_cmpuint(g_array_index(peer->versions, guint8, 4), ==, DFUD_SMP_VERSION_2);
}

/* datagrams that are not one exact frame are dropped by the transport; stale ones by the client */
static void
test_client_bad_frames(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_BAD_FRAMES);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	guint packets = 0;

	g_signal_connect(transport, "packet", G_CALLBACK(count_packet_cb), &packets);
	text = echo(client, "through the noise", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "through the noise");
	test_loop_run_for(100);
	/* the stale answer, the request and the answer are frames; the three others are not */
	g_assert_cmpuint(packets, ==, 3);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	g_signal_handlers_disconnect_by_func(transport, count_packet_cb, &packets);
}

/* an answer to the request that cannot be read fails the call at once, no timeout */
static void
test_client_bad_body(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_BAD_BODY);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	g_autofree gchar *text = echo(client, "junk back", 5000, &error);

	g_assert_null(text);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 4000 * G_TIME_SPAN_MILLISECOND);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
}

static gboolean
cancel_cb(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_REMOVE;
}

static void
test_client_cancel(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "never", NULL);
	CallResult r = {0};
	CallResult other = {0};
	gint64 start = g_get_monotonic_time();

	/* cancelled while waiting: only that call ends */
	dfud_smp_client_call_async(client, req, 5000, cancellable, call_cb, &r);
	dfud_smp_client_call_async(client, req, 300, NULL, call_cb, &other);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 2);
	g_timeout_add(50, cancel_cb, cancellable);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 4000 * G_TIME_SPAN_MILLISECOND);
	g_assert_false(other.done);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 1);
	g_assert_true(test_loop_run_until(&other.done, TEST_WAIT_MS));
	g_assert_error(other.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	call_result_clear(&r);
	call_result_clear(&other);

	/* cancelled before it starts: nothing is sent */
	g_cancellable_cancel(cancelled);
	dfud_smp_client_call_async(client, req, 5000, cancelled, call_cb, &r);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	call_result_clear(&r);
	test_loop_run_for(50);
	g_assert_cmpuint(peer->versions->len, ==, 2);
}

/* one timer serves every call's deadline and one watch every call of a cancellable: each call
 * still ends on its own deadline, and a cancellable ends exactly the calls made with it */
static void
test_client_deadlines_shared(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GCancellable) shared = g_cancellable_new();
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "never", NULL);
	CallResult early = {0}, late = {0}, a = {0}, b = {0};
	CallResult own[6] = {0};
	GCancellable *cancellables[G_N_ELEMENTS(own)];

	dfud_smp_client_call_async(client, req, 5000, shared, call_cb, &a);
	dfud_smp_client_call_async(client, req, 300, NULL, call_cb, &late);
	dfud_smp_client_call_async(client, req, 100, NULL, call_cb, &early);
	dfud_smp_client_call_async(client, req, 5000, shared, call_cb, &b);
	g_assert_true(test_loop_run_until(&early.done, TEST_WAIT_MS));
	g_assert_error(early.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_false(late.done);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 3);
	g_assert_true(test_loop_run_until(&late.done, TEST_WAIT_MS));
	g_assert_error(late.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_false(a.done);
	g_assert_false(b.done);
	g_cancellable_cancel(shared);
	g_assert_true(test_loop_run_until(&b.done, TEST_WAIT_MS));
	g_assert_true(a.done);
	g_assert_error(a.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_error(b.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);

	/* more cancellables than the client keeps watches for: each call still ends */
	for (guint i = 0; i < G_N_ELEMENTS(own); i++) {
		cancellables[i] = g_cancellable_new();
		dfud_smp_client_call_async(client, req, 200, cancellables[i], call_cb, &own[i]);
	}
	g_cancellable_cancel(cancellables[G_N_ELEMENTS(own) - 1]);
	for (guint i = 0; i < G_N_ELEMENTS(own); i++) {
		gint want = i == G_N_ELEMENTS(own) - 1 ? DFUD_ERROR_CANCELLED : DFUD_ERROR_TIMEOUT;

		g_assert_true(test_loop_run_until(&own[i].done, TEST_WAIT_MS));
		g_assert_error(own[i].error, DFUD_ERROR, want);
		call_result_clear(&own[i]);
		g_object_unref(cancellables[i]);
	}
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	call_result_clear(&early);
	call_result_clear(&late);
	call_result_clear(&a);
	call_result_clear(&b);
}

static void
closed_cb(DfudTransport *transport, GError *reason, gpointer user_data)
{
	guint *count = user_data;

	g_assert_error(reason, DFUD_ERROR, DFUD_ERROR_IO);
	(*count)++;
}

/* "closed" from the transport fails every outstanding call with its reason; so does fail_all */
static void
test_client_closed(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_image_state_read(DFUD_SMP_VERSION_2, 0);
	g_autoptr(GError) reason =
	    g_error_new_literal(DFUD_ERROR, DFUD_ERROR_IO, "link lost in the test");
	g_autoptr(GError) busy = g_error_new_literal(DFUD_ERROR, DFUD_ERROR_BUSY, "stop now");
	g_autoptr(GError) error = NULL;
	CallResult r[3] = {0};
	guint closed = 0;

	for (guint i = 0; i < 3; i++)
		dfud_smp_client_call_async(client, req, 5000, NULL, call_cb, &r[i]);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 3);
	test_loop_run_for(20);
	g_signal_connect(transport, "closed", G_CALLBACK(closed_cb), &closed);
	dfud_transport_emit_closed(transport, reason);
	g_assert_cmpuint(closed, ==, 1);
	g_assert_false(dfud_transport_is_open(transport));
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	for (guint i = 0; i < 3; i++) {
		g_assert_true(test_loop_run_until(&r[i].done, TEST_WAIT_MS));
		g_assert_error(r[i].error, DFUD_ERROR, DFUD_ERROR_IO);
		g_assert_nonnull(strstr(r[i].error->message, "link lost in the test"));
		call_result_clear(&r[i]);
	}
	/* once closed, "closed" is not emitted again */
	dfud_transport_emit_closed(transport, reason);
	g_assert_cmpuint(closed, ==, 1);
	g_signal_handlers_disconnect_by_func(transport, closed_cb, &closed);

	/* a call on a closed transport fails at once */
	dfud_smp_client_call_async(client, req, 5000, NULL, call_cb, &r[0]);
	g_assert_true(test_loop_run_until(&r[0].done, 1000));
	g_assert_error(r[0].error, DFUD_ERROR, DFUD_ERROR_IO);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	call_result_clear(&r[0]);

	/* fail_all on a reopened transport */
	dfud_transport_close(transport);
	{
		CallResult o = {0};

		dfud_transport_open_async(transport, NULL, open_cb, &o);
		g_assert_true(test_loop_run_until(&o.done, TEST_WAIT_MS));
		g_assert_no_error(o.error);
	}
	for (guint i = 0; i < 2; i++)
		dfud_smp_client_call_async(client, req, 5000, NULL, call_cb, &r[i]);
	dfud_smp_client_fail_all(client, busy);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	for (guint i = 0; i < 2; i++) {
		g_assert_true(test_loop_run_until(&r[i].done, TEST_WAIT_MS));
		g_assert_error(r[i].error, DFUD_ERROR, DFUD_ERROR_BUSY);
		call_result_clear(&r[i]);
	}
	g_assert_true(dfud_transport_is_open(transport));
	dfud_transport_close(transport);
	g_assert_false(dfud_transport_is_open(transport));
	g_assert_no_error(error);
}

/* requests the client refuses before sending; packets the transport refuses */
static void
test_client_invalid(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) good = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "x", NULL);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(good, &len);
	g_autoptr(GBytes) shortb = g_bytes_new(data, 5);
	g_autoptr(GBytes) truncated = g_bytes_new(data, len - 1);
	g_autofree guint8 *rsp = g_memdup2(data, len);
	g_autoptr(GBytes) response = NULL;
	g_autofree guint8 *big = NULL;
	g_autoptr(GBytes) oversize = NULL;
	g_autoptr(GError) error = NULL;
	GBytes *bad[3];
	CallResult r = {0};

	rsp[0] = (guint8)((rsp[0] & ~0x07u) | DFUD_SMP_OP_WRITE_RSP);
	response = g_bytes_new(rsp, len);
	bad[0] = shortb;
	bad[1] = truncated;
	bad[2] = response;
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		dfud_smp_client_call_async(client, bad[i], 1000, NULL, call_cb, &r);
		g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
		g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		call_result_clear(&r);
	}
	dfud_smp_client_call_async(client, good, 0, NULL, call_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	call_result_clear(&r);

	/* the transport: frames only, at most one IPv4 packet of an Ethernet path (1500 - 28) */
	g_assert_cmpuint(dfud_transport_get_max_packet(transport), ==, 1472);
	g_assert_false(dfud_transport_send(transport, shortb, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(dfud_transport_send(transport, truncated, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	big = g_malloc0(1473);
	big[2] = (1473 - 8) >> 8;
	big[3] = (1473 - 8) & 0xff;
	oversize = g_bytes_new(big, 1473);
	g_assert_false(dfud_transport_send(transport, oversize, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(dfud_transport_send(transport, good, &error));
	g_assert_no_error(error);
	dfud_transport_close(transport);
	g_assert_false(dfud_transport_send(transport, good, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
}

/* a lost request goes out again with the same seq after the retransmission timeout, and the
 * answer to the copy completes the call */
static void
test_client_resend_same_seq(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_LOSSY);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "again", NULL);
	CallResult r = {0};
	guint sends = 0;

	g_assert_true(dfud_transport_is_lossy(transport));
	dfud_smp_client_call_async(client, req, 5000, NULL, call_sends_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	sends = r.sends;
	g_assert_cmpuint(sends, ==, 2);
	g_assert_cmpuint(peer->seqs->len, ==, 2);
	g_assert_cmpuint(g_array_index(peer->seqs, guint8, 0), ==,
			 g_array_index(peer->seqs, guint8, 1));
	/* Karn: no round trip was measured from the copy, the wait that worked is kept */
	g_assert_cmpuint(dfud_smp_client_get_srtt_ms(client), ==, 0);
	g_assert_cmpuint(dfud_smp_client_get_rto_ms(client), >=, DFUD_SMP_RTO_INITIAL_MS);
	call_result_clear(&r);
}

/* answers to requests sent once are round trips: the timeout comes down to its floor */
static void
test_client_rto_measured(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_LEGACY_V1);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);

	g_assert_cmpuint(dfud_smp_client_get_rto_ms(client), ==, DFUD_SMP_RTO_INITIAL_MS);
	for (guint i = 0; i < 4; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = echo(client, "rtt", TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "rtt");
	}
	/* loopback: well under the floor */
	g_assert_cmpuint(dfud_smp_client_get_rto_ms(client), ==, DFUD_SMP_RTO_MIN_MS);
	g_assert_cmpuint(peer->seqs->len, ==, 4);
}

/* a request that acts once (os reset) is never copied, nor is a call told to stop; a silent
 * device ends both at their timeout */
static void
test_client_resend_limits(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "once", NULL);
	CallResult once = {0}, quiet = {0};
	guint64 id;

	dfud_smp_client_call_full_async(client, req, 1500, DFUD_SMP_CALL_ACTS_ONCE, NULL,
					call_sends_cb, &once);
	g_assert_true(test_loop_run_until(&once.done, TEST_WAIT_MS));
	g_assert_error(once.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_cmpuint(once.sends, ==, 1);
	g_assert_cmpuint(peer->seqs->len, ==, 1);

	id = dfud_smp_client_call_full_async(client, req, 2500, DFUD_SMP_CALL_NONE, NULL,
					     call_sends_cb, &quiet);
	g_assert_cmpuint(id, !=, 0);
	dfud_smp_client_stop_resending(client, id);
	g_assert_true(test_loop_run_until(&quiet.done, TEST_WAIT_MS));
	g_assert_error(quiet.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_cmpuint(quiet.sends, ==, 1);
	g_assert_cmpuint(peer->seqs->len, ==, 2);
	call_result_clear(&once);
	call_result_clear(&quiet);
}

/* a silent device: copies back off (doubling from the timeout) until the call's own timeout */
static void
test_client_resend_backoff(void)
{
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	g_autoptr(DfudTransport) transport = open_udp("127.0.0.1", peer->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "hello?", NULL);
	CallResult r = {0};

	/* sent at 0, copies at 1 s and 3 s (the initial timeout, doubled), timeout at 3.5 s */
	dfud_smp_client_call_async(client, req, 3500, NULL, call_sends_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_nonnull(strstr(r.error->message, "sent 3 times"));
	g_assert_cmpuint(r.sends, ==, 3);
	call_result_clear(&r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/transport/client/version/legacy-v1", test_client_version_legacy_v1);
	g_test_add_func("/transport/client/version/rc", test_client_version_rc);
	g_test_add_func("/transport/client/bad-frames", test_client_bad_frames);
	g_test_add_func("/transport/client/bad-body", test_client_bad_body);
	g_test_add_func("/transport/client/cancel", test_client_cancel);
	g_test_add_func("/transport/client/deadlines-shared", test_client_deadlines_shared);
	g_test_add_func("/transport/client/closed", test_client_closed);
	g_test_add_func("/transport/client/invalid", test_client_invalid);
	g_test_add_func("/transport/client/resend/same-seq", test_client_resend_same_seq);
	g_test_add_func("/transport/client/resend/limits", test_client_resend_limits);
	g_test_add_func("/transport/client/resend/backoff", test_client_resend_backoff);
	g_test_add_func("/transport/client/rto-measured", test_client_rto_measured);
	return g_test_run();
}
