/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimUdp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-sim-udp.h"

#include <string.h>

/* the largest UDP payload: datagrams are read whole, then cut to DFUD_SIM_UDP_MTU */
#define UDP_DATAGRAM_MAX 65536
/* datagrams read per wake-up before other sources get their turn */
#define UDP_READ_BURST 64

typedef struct {
	DfudSimUdp *udp;
	GSocketAddress *address;
	gchar *name; /* "127.0.0.1:40000" */
	DfudSimSession *session;
} DfudSimUdpPeer;

struct _DfudSimUdp {
	DfudSimDevice *device;
	DfudSimLog *log;
	GSocket *socket;
	GInetSocketAddress *address;
	GSource *source;
	gulong drop_link_id;
	GHashTable *peers;    /* name -> DfudSimUdpPeer (owned) */
	GHashTable *sessions; /* DfudSimSession -> DfudSimUdpPeer */
	guint8 *buffer;
};

static void
udp_peer_free(DfudSimUdpPeer *peer)
{
	g_clear_object(&peer->address);
	g_free(peer->name);
	g_free(peer);
}

/* the IP packet a UDP payload of @len bytes to or from @address takes: UDP and IP headers */
static gsize
udp_ip_packet_len(GSocketAddress *address, gsize len)
{
	GInetAddress *ip = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address));
	gsize ip_header = 20;

	/* an IPv4-mapped IPv6 address travels as IPv4 */
	if (g_inet_address_get_family(ip) == G_SOCKET_FAMILY_IPV6) {
		const guint8 *b = g_inet_address_to_bytes(ip);
		static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(b, mapped, sizeof(mapped)) != 0)
			ip_header = 40;
	}
	return len + 8 + ip_header;
}

static void
udp_log_drop(DfudSimUdp *self, GSocketAddress *address, const gchar *what, gsize len,
	     const gchar *reason)
{
	g_autofree gchar *name = dfud_sim_udp_address_to_string(G_INET_SOCKET_ADDRESS(address));
	JsonObject *fields;

	g_debug("device %u: %s of %" G_GSIZE_FORMAT " bytes from/to %s dropped: %s",
		dfud_sim_device_get_index(self->device), what, len, name, reason);
	if (self->log == NULL || !dfud_sim_log_enabled(self->log))
		return;
	fields = json_object_new();
	json_object_set_string_member(fields, "reason", reason);
	json_object_set_string_member(fields, "what", what);
	json_object_set_string_member(fields, "peer", name);
	json_object_set_int_member(fields, "len", (gint64)len);
	dfud_sim_log_event(self->log, dfud_sim_device_get_index(self->device), "drop", fields);
}

/*
 * Whether a datagram of @len bytes fits the device's IP MTU (--ip-mtu) in one IP packet: Zephyr
 * does not reassemble IP fragments (CONFIG_NET_IPV4_FRAGMENT and CONFIG_NET_IPV6_FRAGMENT are
 * off by default), so a request sent in fragments never reaches the SMP server, and an answer
 * that does not fit is not sent either. Logs the drop when it does not.
 */
static gboolean
udp_fits_mtu(DfudSimUdp *self, GSocketAddress *address, const gchar *what, gsize len)
{
	guint mtu = dfud_sim_device_get_ip_mtu(self->device);
	gsize ip_len = udp_ip_packet_len(address, len);
	g_autofree gchar *reason = NULL;

	if (mtu == 0 || ip_len <= mtu)
		return TRUE;
	reason = g_strdup_printf("IP packet of %" G_GSIZE_FORMAT " bytes exceeds the IP MTU %u "
				 "(no IP fragmentation)",
				 ip_len, mtu);
	udp_log_drop(self, address, what, len, reason);
	return FALSE;
}

static void
udp_send_cb(DfudSimSession *session, GBytes *frame, gpointer user_data)
{
	DfudSimUdpPeer *peer = user_data;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(frame, &len);

	if (!udp_fits_mtu(peer->udp, peer->address, "response", len))
		return;
	if (g_socket_send_to(peer->udp->socket, peer->address, (const gchar *)data, len, NULL,
			     &error) < 0)
		g_debug("device %u: response to %s lost: %s",
			dfud_sim_device_get_index(peer->udp->device), peer->name, error->message);
}

/* forgets @peer's session; the next datagram from that address opens a new one */
static void
udp_peer_close(DfudSimUdp *self, DfudSimUdpPeer *peer)
{
	DfudSimSession *session = peer->session;

	g_hash_table_remove(self->sessions, session);
	g_hash_table_steal(self->peers, peer->name);
	udp_peer_free(peer);
	dfud_sim_device_disconnect(self->device, session);
}

static void
udp_drop_link_cb(DfudSimDevice *device, gpointer session, gpointer user_data)
{
	DfudSimUdp *self = user_data;
	DfudSimUdpPeer *peer = g_hash_table_lookup(self->sessions, session);

	if (peer == NULL)
		return; /* another transport's session */
	g_debug("device %u: link to %s dropped", dfud_sim_device_get_index(device), peer->name);
	udp_peer_close(self, peer);
}

static DfudSimUdpPeer *
udp_peer_lookup(DfudSimUdp *self, GSocketAddress *address)
{
	g_autofree gchar *name = dfud_sim_udp_address_to_string(G_INET_SOCKET_ADDRESS(address));
	g_autofree gchar *label = NULL;
	DfudSimUdpPeer *peer = g_hash_table_lookup(self->peers, name);

	if (peer != NULL)
		return peer;
	peer = g_new0(DfudSimUdpPeer, 1);
	peer->udp = self;
	peer->address = g_object_ref(address);
	peer->name = g_steal_pointer(&name);
	label = g_strdup_printf("udp %s", peer->name);
	peer->session = dfud_sim_device_connect(self->device, label, udp_send_cb, peer);
	g_hash_table_insert(self->peers, peer->name, peer);
	g_hash_table_insert(self->sessions, peer->session, peer);
	return peer;
}

/* reads one datagram; FALSE when there is none left (or the socket failed) */
static gboolean
udp_read_one(DfudSimUdp *self)
{
	g_autoptr(GSocketAddress) address = NULL;
	g_autoptr(GError) error = NULL;
	DfudSimUdpPeer *peer;
	gssize len;

	len = g_socket_receive_from(self->socket, &address, (gchar *)self->buffer, UDP_DATAGRAM_MAX,
				    NULL, &error);
	if (len < 0) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			g_debug("device %u: receive failed: %s",
				dfud_sim_device_get_index(self->device), error->message);
		return FALSE;
	}
	if (!G_IS_INET_SOCKET_ADDRESS(address))
		return TRUE;
	if (!dfud_sim_device_is_running(self->device)) {
		udp_log_drop(self, address, "request", (gsize)len, "not running");
		return TRUE;
	}
	if (!udp_fits_mtu(self, address, "request", (gsize)len))
		return TRUE;
	/* Zephyr receives into a buffer of CONFIG_MCUMGR_TRANSPORT_UDP_MTU bytes; with the BLE
	 * air-time model a datagram stands for a packet BLE reassembled, up to the SMP buffer */
	if (len > DFUD_SIM_UDP_MTU && !dfud_sim_device_has_link_model(self->device))
		len = DFUD_SIM_UDP_MTU;
	peer = udp_peer_lookup(self, address);
	dfud_sim_device_receive(self->device, peer->session, self->buffer, (gsize)len);
	return TRUE;
}

static gboolean
udp_readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	DfudSimUdp *self = user_data;

	for (guint i = 0; i < UDP_READ_BURST; i++) {
		if (!udp_read_one(self))
			break;
	}
	return G_SOURCE_CONTINUE;
}

DfudSimUdp *
dfud_sim_udp_new(DfudSimDevice *device, DfudSimLog *log, GInetSocketAddress *address,
		 GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree gchar *name = NULL;
	DfudSimUdp *self;

	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(device), NULL);
	g_return_val_if_fail(G_IS_INET_SOCKET_ADDRESS(address), NULL);

	name = dfud_sim_udp_address_to_string(address);
	self = g_new0(DfudSimUdp, 1);
	self->device = g_object_ref(device);
	self->log = log;
	self->peers =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)udp_peer_free);
	self->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->buffer = g_malloc(UDP_DATAGRAM_MAX);
	self->socket = g_socket_new(g_socket_address_get_family(G_SOCKET_ADDRESS(address)),
				    G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &local_error);
	if (self->socket == NULL ||
	    !g_socket_bind(self->socket, G_SOCKET_ADDRESS(address), FALSE, &local_error)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot listen on udp %s: %s", name,
			    local_error->message);
		dfud_sim_udp_free(self);
		return NULL;
	}
	g_socket_set_blocking(self->socket, FALSE);
	bound = g_socket_get_local_address(self->socket, &local_error);
	if (bound == NULL || !G_IS_INET_SOCKET_ADDRESS(bound)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO,
			    "cannot read the address of udp %s: %s", name,
			    local_error != NULL ? local_error->message : "not an IP socket");
		dfud_sim_udp_free(self);
		return NULL;
	}
	self->address = G_INET_SOCKET_ADDRESS(g_steal_pointer(&bound));
	self->drop_link_id =
	    g_signal_connect(device, "drop-link", G_CALLBACK(udp_drop_link_cb), self);
	self->source = g_socket_create_source(self->socket, G_IO_IN, NULL);
	g_source_set_callback(self->source, G_SOURCE_FUNC(udp_readable_cb), self, NULL);
	g_source_set_name(self->source, "dfud-sim udp");
	g_source_attach(self->source, g_main_context_get_thread_default());
	return self;
}

void
dfud_sim_udp_free(DfudSimUdp *self)
{
	GHashTableIter iter;
	gpointer value;

	if (self == NULL)
		return;
	if (self->source != NULL) {
		g_source_destroy(self->source);
		g_source_unref(self->source);
	}
	if (self->drop_link_id != 0)
		g_signal_handler_disconnect(self->device, self->drop_link_id);
	/* the device forgets every session of this transport */
	g_hash_table_iter_init(&iter, self->peers);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		DfudSimUdpPeer *peer = value;

		dfud_sim_device_disconnect(self->device, peer->session);
	}
	g_hash_table_unref(self->sessions);
	g_hash_table_unref(self->peers);
	if (self->socket != NULL)
		g_socket_close(self->socket, NULL);
	g_clear_object(&self->socket);
	g_clear_object(&self->address);
	g_clear_object(&self->device);
	g_free(self->buffer);
	g_free(self);
}

GInetSocketAddress *
dfud_sim_udp_get_address(DfudSimUdp *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->address;
}

guint
dfud_sim_udp_get_session_count(DfudSimUdp *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return g_hash_table_size(self->peers);
}
