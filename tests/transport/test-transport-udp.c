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
#include "transport/dfud-transport-udp.h"

static const gchar *const test_hash_v2 =
    "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802";

static void
test_udp_echo(void)
{
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", NULL);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "hello dfud", NULL);
	g_autoptr(DfudSmpResponse) resp = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = g_strdup_printf("udp:127.0.0.1:%u", sim->port);
	g_autofree gchar *text = NULL;

	g_assert_cmpstr(dfud_transport_get_uri(transport), ==, uri);
	/* one IPv4 packet on an Ethernet path: 1500 - 20 - 8 */
	g_assert_cmpuint(dfud_transport_get_max_packet(transport), ==, 1472);
	g_assert_cmpuint(dfud_transport_get_fragment_size(transport), ==, 1472);
	g_assert_true(dfud_smp_client_get_transport(client) == transport);
	g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_2);

	resp = call_sync(client, req, TEST_CALL_TIMEOUT_MS, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(resp->header.version, ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(resp->header.op, ==, DFUD_SMP_OP_READ_RSP); /* echo is sent as a read */
	g_assert_cmpuint(resp->header.group, ==, DFUD_SMP_GROUP_OS);
	g_assert_cmpuint(resp->header.id, ==, DFUD_SMP_OS_ECHO);
	text = dfud_smp_response_parse_echo(resp, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "hello dfud");
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_2);

	/* a request built as v1 is sent as v2 all the same */
	g_clear_pointer(&text, g_free);
	text = echo(client, "second", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "second");
	g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_2);
}

static void
test_udp_image_state(void)
{
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", NULL);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GBytes) req = dfud_smp_request_image_state_read(DFUD_SMP_VERSION_2, 0);
	g_autoptr(DfudSmpResponse) resp = NULL;
	g_autoptr(DfudSmpImageState) state = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hash = NULL;
	const DfudSmpImageSlot *slot;

	resp = call_sync(client, req, TEST_CALL_TIMEOUT_MS, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(resp->header.op, ==, DFUD_SMP_OP_READ_RSP);
	state = dfud_smp_response_parse_image_state(resp, &error);
	g_assert_no_error(error);
	slot = dfud_smp_image_state_find(state, 0, 0);
	g_assert_nonnull(slot);
	g_assert_cmpuint(slot->hash_len, ==, 32);
	hash = g_strdup("");
	for (gsize i = 0; i < slot->hash_len; i++) {
		gchar *next = g_strdup_printf("%s%02x", hash, slot->hash[i]);
		g_free(hash);
		hash = next;
	}
	g_assert_cmpstr(hash, ==, test_hash_v2);
	g_assert_cmpstr(slot->version, ==, "2.0.0");
	g_assert_true(slot->active);
	g_assert_true(slot->confirmed);
	g_assert_true(dfud_smp_image_state_find_active(state, 0) == slot);
}

/* several requests of different kinds in flight at once, each matched to its own response */
static void
test_udp_pipelined(void)
{
	const gchar *const extra[] = {"--buf-count", "16", NULL};
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", extra);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	enum { N = 12 };
	CallResult results[N] = {0};
	gboolean all_done = FALSE;
	gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;

	for (guint i = 0; i < N; i++) {
		g_autoptr(GBytes) req = NULL;

		if (i % 3 == 0) {
			req = dfud_smp_request_params(DFUD_SMP_VERSION_2, 0);
		} else if (i % 3 == 1) {
			g_autofree gchar *text = g_strdup_printf("call %u", i);
			req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, text, NULL);
		} else {
			req = dfud_smp_request_image_state_read(DFUD_SMP_VERSION_2, 0);
		}
		dfud_smp_client_call_async(client, req, TEST_CALL_TIMEOUT_MS, NULL, call_cb,
					   &results[i]);
	}
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, N);
	while (!all_done) {
		all_done = TRUE;
		for (guint i = 0; i < N; i++)
			all_done = all_done && results[i].done;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		if (!all_done)
			test_loop_run_for(5);
	}
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	for (guint i = 0; i < N; i++) {
		g_autoptr(GError) error = NULL;

		g_assert_no_error(results[i].error);
		if (i % 3 == 0) {
			DfudSmpParams params = {0};

			dfud_smp_response_parse_params(results[i].resp, &params, &error);
			g_assert_no_error(error);
			g_assert_cmpuint(params.buf_count, ==, 16);
			g_assert_cmpuint(params.buf_size, ==, 2475);
		} else if (i % 3 == 1) {
			g_autofree gchar *want = g_strdup_printf("call %u", i);
			g_autofree gchar *text =
			    dfud_smp_response_parse_echo(results[i].resp, &error);

			g_assert_no_error(error);
			g_assert_cmpstr(text, ==, want);
		} else {
			g_autoptr(DfudSmpImageState) state =
			    dfud_smp_response_parse_image_state(results[i].resp, &error);

			g_assert_no_error(error);
			g_assert_cmpuint(state->slots->len, >=, 1);
		}
		call_result_clear(&results[i]);
	}
}

/*
 * drop-response:after=1: the answer to one of the first two requests never comes. With a call
 * timeout under the retransmission timeout (its floor is 200 ms, 1 s before any round trip) that call
 * ends in Timeout; the next calls work. With room for a copy, a loss costs one copy only.
 */
static void
test_udp_timeout(void)
{
	const gchar *const extra[] = {"--fault", "drop-response:after=1", NULL};
	const gchar *const extra2[] = {"--fault", "drop-response:after=1", NULL};
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", extra);
	g_autoptr(TestSim) sim2 = test_sim_start("127.0.0.1", extra2);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudTransport) transport2 = open_udp(sim2->host, sim2->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(DfudSmpClient) client2 = dfud_smp_client_new(transport2);
	g_autoptr(GError) error = NULL;
	guint timeouts = 0;

	/* the fault fires on one of the first two requests */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *text = echo(client, "maybe lost", 150, &error);

		if (text == NULL) {
			g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
			g_assert_cmpstr(dfud_error_name(error), ==, "Timeout");
			g_assert_nonnull(strstr(error->message, "echo"));
			g_clear_error(&error);
			timeouts++;
		} else {
			g_assert_cmpstr(text, ==, "maybe lost");
		}
		g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	}
	g_assert_cmpuint(timeouts, ==, 1);
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *text =
		    echo(client, "after the loss", TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "after the loss");
	}
	/* the same loss, with time for a copy: no failure at all */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *text = echo(client2, "copied", TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "copied");
	}
}

/* a response that arrives after its request timed out is dropped, not given to the next call */
static void
test_udp_late_response(void)
{
	const gchar *const extra[] = {"--fault", "delay-response:ms=500,count=1", NULL};
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", extra);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GError) error = NULL;
	guint packets = 0;
	gulong id = g_signal_connect(transport, "packet", G_CALLBACK(count_packet_cb), &packets);
	g_autofree gchar *late = echo(client, "late", 100, &error);
	g_autoptr(GBytes) req = dfud_smp_request_echo(DFUD_SMP_VERSION_2, 0, "on time", NULL);
	CallResult r = {0};
	g_autofree gchar *text = NULL;

	g_assert_null(late);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_clear_error(&error);
	/* the late answer arrives while this call waits */
	dfud_smp_client_call_async(client, req, TEST_CALL_TIMEOUT_MS, NULL, call_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	text = dfud_smp_response_parse_echo(r.resp, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "on time");
	call_result_clear(&r);
	test_loop_run_for(600);
	/* both answers came, the late one was dropped */
	g_assert_cmpuint(packets, ==, 2);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	g_signal_handler_disconnect(transport, id);
}

/* duplicate-response:p=1: every answer comes twice; the copies are ignored */
static void
test_udp_duplicate(void)
{
	const gchar *const extra[] = {"--fault", "duplicate-response:p=1", NULL};
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", extra);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	guint packets = 0;

	g_signal_connect(transport, "packet", G_CALLBACK(count_packet_cb), &packets);
	for (guint i = 0; i < 5; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *want = g_strdup_printf("dup %u", i);
		g_autofree gchar *text = echo(client, want, TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, want);
		g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	}
	test_loop_run_for(200);
	g_assert_cmpuint(packets, ==, 10);
	g_assert_cmpuint(dfud_smp_client_get_in_flight(client), ==, 0);
	g_signal_handlers_disconnect_by_func(transport, count_packet_cb, &packets);
}

/* a server without v1 support: the client starts with v2 and stays there */
static void
test_udp_version_no_v1(void)
{
	const gchar *const extra[] = {"--no-smp-v1", NULL};
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", extra);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);

	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = echo(client, "v2 only", TEST_CALL_TIMEOUT_MS, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "v2 only");
		g_assert_cmpuint(dfud_smp_client_get_version(client), ==, DFUD_SMP_VERSION_2);
	}
}

/* nobody listens (ICMP port unreachable): a timeout, the transport stays usable */
static void
test_udp_no_listener(void)
{
	TestPeer *gone = test_peer_new("127.0.0.1", TEST_PEER_SILENT);
	guint16 port = gone->port;
	g_autoptr(DfudTransport) transport = NULL;
	g_autoptr(DfudSmpClient) client = NULL;
	guint closed = 0;

	test_peer_free(gone);
	transport = open_udp("127.0.0.1", port);
	client = dfud_smp_client_new(transport);
	g_signal_connect(transport, "closed", G_CALLBACK(count_closed_cb), &closed);
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = echo(client, "anyone?", 200, &error);

		g_assert_null(text);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	}
	g_assert_true(dfud_transport_is_open(transport));
	g_assert_cmpuint(closed, ==, 0);
	g_signal_handlers_disconnect_by_func(transport, count_closed_cb, &closed);
}

static void
wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CallResult *r = user_data;

	dfud_transport_wait_for_device_finish(DFUD_TRANSPORT(source), res, &r->error);
	r->done = TRUE;
}

/* UDP: nothing to wait for after a reset (the engine probes); open and close are repeatable */
static void
test_udp_wait_and_reopen(void)
{
	g_autoptr(TestSim) sim = test_sim_start("127.0.0.1", NULL);
	g_autoptr(DfudTransport) transport = open_udp(sim->host, sim->port);
	g_autoptr(DfudSmpClient) client = dfud_smp_client_new(transport);
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	CallResult r = {0};

	dfud_transport_wait_for_device_async(transport, 60000, NULL, wait_cb, &r);
	g_assert_false(r.done);
	g_assert_true(test_loop_run_until(&r.done, 1000));
	g_assert_no_error(r.error);
	call_result_clear(&r);

	g_cancellable_cancel(cancelled);
	dfud_transport_wait_for_device_async(transport, 60000, cancelled, wait_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, 1000));
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	call_result_clear(&r);

	/* open twice is harmless, close and reopen keeps the client working */
	dfud_transport_open_async(transport, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	dfud_transport_close(transport);
	dfud_transport_close(transport);
	dfud_transport_open_async(transport, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	text = echo(client, "again", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "again");
}

/* a host name goes through GResolver */
static void
test_udp_resolve(void)
{
	g_autoptr(GResolver) resolver = g_resolver_get_default();
	g_autoptr(GError) error = NULL;
	GList *addresses = g_resolver_lookup_by_name(resolver, "localhost", NULL, &error);
	g_autofree gchar *first = NULL;
	g_autoptr(TestPeer) peer = NULL;
	g_autoptr(DfudTransport) transport = NULL;
	g_autoptr(DfudSmpClient) client = NULL;
	g_autofree gchar *text = NULL;

	if (addresses == NULL) {
		g_test_skip("localhost does not resolve here");
		return;
	}
	/* the transport takes the first address: serve there */
	first = g_inet_address_to_string(addresses->data);
	g_resolver_free_addresses(addresses);
	peer = test_peer_new(first, TEST_PEER_LEGACY_V1);
	transport = open_udp("localhost", peer->port);
	client = dfud_smp_client_new(transport);
	text = echo(client, "by name", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "by name");
}

/* --- a name with several addresses, nothing listening at the first */

/* a resolver that knows one name, "two.test": 127.0.0.2 first (nothing listens there: loopback
 * answers with ICMP port unreachable), then 127.0.0.1 */
typedef struct {
	GResolver parent_instance;
} TestResolver;
typedef struct {
	GResolverClass parent_class;
} TestResolverClass;

static GType test_resolver_get_type(void);
G_DEFINE_TYPE(TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_addresses(const gchar *name, GError **error)
{
	if (g_strcmp0(name, "two.test") != 0) {
		g_set_error(error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "%s: unknown",
			    name);
		return NULL;
	}
	return g_list_append(g_list_append(NULL, g_inet_address_new_from_string("127.0.0.2")),
			     g_inet_address_new_from_string("127.0.0.1"));
}

static GList *
test_resolver_lookup_by_name(GResolver *resolver, const gchar *name, GCancellable *cancellable,
			     GError **error)
{
	return test_resolver_addresses(name, error);
}

static void
test_resolver_lookup_by_name_async(GResolver *resolver, const gchar *name,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(resolver, cancellable, callback, user_data);
	GError *error = NULL;
	GList *addresses = test_resolver_addresses(name, &error);

	if (addresses == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, addresses, (GDestroyNotify)g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
test_resolver_class_init(TestResolverClass *klass)
{
	GResolverClass *resolver_class = G_RESOLVER_CLASS(klass);

	resolver_class->lookup_by_name = test_resolver_lookup_by_name;
	resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
	resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init(TestResolver *self)
{
}

/* the first address refuses (ICMP): the request goes on to the next one at once, not at the
 * client's retransmission, and the device is found there; again after a reopen */
static void
test_udp_resolve_next_address(void)
{
	g_autoptr(GResolver) saved = g_resolver_get_default();
	g_autoptr(GResolver) fake = g_object_new(test_resolver_get_type(), NULL);
	g_autoptr(TestPeer) peer = test_peer_new("127.0.0.1", TEST_PEER_STRICT_V2);
	g_autoptr(DfudTransport) transport = NULL;
	g_autoptr(DfudSmpClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *again = NULL;
	CallResult r = {0};

	g_resolver_set_default(fake);
	transport = open_udp("two.test", peer->port);
	client = dfud_smp_client_new(transport);
	text = echo(client, "second address", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "second address");
	/* one copy reached it: the refused one, sent on, not a retransmission */
	g_assert_cmpuint(peer->seqs->len, ==, 1);

	dfud_transport_close(transport);
	dfud_transport_open_async(transport, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	again = echo(client, "reopened", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(again, ==, "reopened");
	g_assert_cmpuint(peer->seqs->len, ==, 2);
	g_resolver_set_default(saved);
}

static gboolean
ipv6_loopback_available(void)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string("::1", 0);

	return socket != NULL && g_socket_bind(socket, addr, FALSE, NULL);
}

static void
test_udp_ipv6(void)
{
	g_autoptr(TestSim) sim = NULL;
	g_autoptr(DfudTransport) transport = NULL;
	g_autoptr(DfudSmpClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *uri = NULL;

	if (!ipv6_loopback_available()) {
		g_test_skip("no IPv6 loopback");
		return;
	}
	sim = test_sim_start("::1", NULL);
	transport = open_udp("::1", sim->port);
	uri = g_strdup_printf("udp:[::1]:%u", sim->port);
	g_assert_cmpstr(dfud_transport_get_uri(transport), ==, uri);
	/* IPv6's minimum link MTU holds on every path: 1280 - 40 - 8 */
	g_assert_cmpuint(dfud_transport_get_max_packet(transport), ==, 1232);
	client = dfud_smp_client_new(transport);
	text = echo(client, "over IPv6", TEST_CALL_TIMEOUT_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "over IPv6");
}

/* the path's IP MTU from the URI sizes the datagrams; so does a smaller route MTU; a transport
 * sized as a BLE link keeps its sizes */
static void
test_udp_path_mtu(void)
{
	g_autoptr(DfudTransport) small = dfud_transport_udp_new("127.0.0.1", 9, 0);
	g_autoptr(DfudTransport) big = dfud_transport_udp_new("127.0.0.1", 9, 0);
	g_autoptr(DfudTransport) ble = dfud_transport_udp_new("127.0.0.1", 9, 247);
	CallResult r = {0};

	dfud_transport_udp_set_ip_mtu(small, 576);
	/* loopback's route MTU is 65536: the device's datagram buffer (1500) bounds it */
	dfud_transport_udp_set_ip_mtu(big, 9000);
	dfud_transport_open_async(small, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	g_assert_cmpuint(dfud_transport_get_max_packet(small), ==, 576 - 28);
	dfud_transport_open_async(big, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	g_assert_cmpuint(dfud_transport_get_max_packet(big), ==, 1500);
	dfud_transport_open_async(ble, NULL, open_cb, &r);
	g_assert_true(test_loop_run_until(&r.done, TEST_WAIT_MS));
	g_assert_no_error(r.error);
	call_result_clear(&r);
	g_assert_cmpuint(dfud_transport_get_fragment_size(ble), ==, 244);
	g_assert_cmpuint(dfud_transport_get_max_packet(ble), >, 1500);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/transport/udp/echo", test_udp_echo);
	g_test_add_func("/transport/udp/image-state", test_udp_image_state);
	g_test_add_func("/transport/udp/pipelined", test_udp_pipelined);
	g_test_add_func("/transport/udp/timeout", test_udp_timeout);
	g_test_add_func("/transport/udp/late-response", test_udp_late_response);
	g_test_add_func("/transport/udp/duplicate", test_udp_duplicate);
	g_test_add_func("/transport/udp/version/no-v1", test_udp_version_no_v1);
	g_test_add_func("/transport/udp/no-listener", test_udp_no_listener);
	g_test_add_func("/transport/udp/wait-and-reopen", test_udp_wait_and_reopen);
	g_test_add_func("/transport/udp/resolve", test_udp_resolve);
	g_test_add_func("/transport/udp/resolve-next-address", test_udp_resolve_next_address);
	g_test_add_func("/transport/udp/ipv6", test_udp_ipv6);
	g_test_add_func("/transport/udp/path-mtu", test_udp_path_mtu);
	return g_test_run();
}
