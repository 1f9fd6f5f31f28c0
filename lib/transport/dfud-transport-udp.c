/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dfud-error.h"
#include "dfud-fd-watch.h"
#include "dfud-transport-udp.h"
#include "dfud-transport-uri.h"

/* CONFIG_MCUMGR_TRANSPORT_UDP_MTU: the device reads datagrams into a buffer this large */
#define DFUD_TRANSPORT_UDP_MTU 1500u
/*
 * The IP MTU assumed for the path when the URI gives none (?mtu=N): Ethernet's 1500 for IPv4;
 * IPv6's minimum link MTU, 1280 (RFC 8200 section 5), which every IPv6 path carries, Thread and
 * 6LoWPAN included. A device does not reassemble IP fragments (Zephyr's
 * CONFIG_NET_IPV4_FRAGMENT and CONFIG_NET_IPV6_FRAGMENT are off by default): a datagram must fit
 * one IP packet, headers included.
 */
#define DFUD_TRANSPORT_UDP_IPV4_MTU 1500u
#define DFUD_TRANSPORT_UDP_IPV6_MTU 1280u
#define DFUD_TRANSPORT_UDP_IPV4_HEADERS 28u /* IPv4 20 + UDP 8 */
#define DFUD_TRANSPORT_UDP_IPV6_HEADERS 48u /* IPv6 40 + UDP 8 */
/* the largest UDP payload over IPv4: what a BLE-emulating link may carry in one packet */
#define DFUD_TRANSPORT_UDP_PAYLOAD_MAX 65507u
/* ATT opcode and handle in front of each fragment */
#define DFUD_TRANSPORT_ATT_HEADER 3u
/* the largest datagram we accept from the device (8-byte header + 16-bit len) */
#define DFUD_TRANSPORT_UDP_RECV_MAX (8u + 65535u)
#define DFUD_TRANSPORT_UDP_HEADER_SIZE 8u

struct _DfudTransportUdp {
	DfudTransport parent_instance;

	gchar *host;
	guint16 port;
	guint att_mtu; /* non-zero: sized as for a BLE link of that ATT MTU */
	guint ip_mtu;  /* the path's IP MTU from the URI, 0: the family's default */
	GSocket *socket;
	DfudFdWatch *read_watch;
	GSource *write_source;
	GQueue send_queue;	   /* of GBytes, waiting for the socket to accept them */
	GCancellable *open_cancel; /* the open in progress, cancelled by close */
	guint8 *recv_buf;
	/* a name with several addresses (localhost: ::1 and 127.0.0.1; a device with A and AAAA
	 * records): where datagrams go now, and where the device answered last */
	GList *addresses; /* of GInetAddress, the lookup's order with @heard first */
	GList *current;	  /* the link of @addresses the socket is connected to */
	GInetAddress *heard;
	gboolean answered;     /* a datagram came from @current since the socket was connected */
	GBytes *unanswered;    /* the last datagram sent there while @answered is FALSE */
	GMainContext *context; /* the opener's, for the socket's watches */
};

G_DEFINE_TYPE(DfudTransportUdp, dfud_transport_udp, DFUD_TYPE_TRANSPORT)

/* a name lookup in progress (dfud_transport_uri_resolve_async, bounded in time): stopped by the
 * caller's cancellable or by close() */
typedef struct {
	GCancellable *cancel; /* what the resolver watches */
	GCancellable *outer;  /* the caller's, forwarded to cancel */
	gulong outer_id;
} UdpOpenData;

static void
udp_open_data_free(gpointer data)
{
	UdpOpenData *od = data;

	if (od->outer != NULL)
		g_cancellable_disconnect(od->outer, od->outer_id);
	g_clear_object(&od->outer);
	g_clear_object(&od->cancel);
	g_free(od);
}

static void
udp_open_forward_cancel(GCancellable *outer, gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
}

static void
udp_close_socket(DfudTransportUdp *self)
{
	g_clear_pointer(&self->read_watch, dfud_fd_watch_free);
	if (self->write_source != NULL) {
		g_source_destroy(self->write_source);
		g_clear_pointer(&self->write_source, g_source_unref);
	}
	g_queue_clear_full(&self->send_queue, (GDestroyNotify)g_bytes_unref);
	g_clear_pointer(&self->unanswered, g_bytes_unref);
	if (self->socket != NULL) {
		g_socket_close(self->socket, NULL);
		g_clear_object(&self->socket);
	}
}

static void
udp_clear_addresses(DfudTransportUdp *self)
{
	g_list_free_full(self->addresses, g_object_unref);
	self->addresses = NULL;
	self->current = NULL;
}

static gboolean udp_attach_socket(DfudTransportUdp *self, GSocketAddress *address, GError **error);

/*
 * Nothing listens where the datagrams went (ICMP port or host unreachable) and nothing ever
 * answered from there since the socket was connected: a name that resolved to several
 * addresses goes on to the next one, round the list, so that a device serving one family only
 * (Zephyr's smp_svr whose [::] socket did not bind, a device without IPv6 routing) is still
 * found; the caller's retransmission reaches it. An address that answered before is kept (the
 * device is restarting there). TRUE when the socket now points elsewhere.
 */
static gboolean
udp_try_next_address(DfudTransportUdp *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autofree gchar *from = NULL;
	GList *next;

	if (self->answered || self->current == NULL || self->addresses->next == NULL)
		return FALSE;
	if (self->heard != NULL && g_inet_address_equal(self->current->data, self->heard))
		return FALSE;
	next = self->current->next != NULL ? self->current->next : self->addresses;
	from = g_inet_address_to_string(self->current->data);
	address = g_inet_socket_address_new(next->data, self->port);
	if (!udp_attach_socket(self, address, &error)) {
		g_debug("%s: cannot go on from %s: %s",
			dfud_transport_get_uri(DFUD_TRANSPORT(self)), from, error->message);
		return FALSE;
	}
	self->current = next;
	g_debug("%s: nothing listens at %s: trying the name's next address",
		dfud_transport_get_uri(DFUD_TRANSPORT(self)), from);
	return TRUE;
}

static gboolean udp_flush(DfudTransportUdp *self, GError **error);
static void udp_fail(DfudTransportUdp *self, const GError *error);

/* the request refused at the address given up goes to the next one now, not at the caller's
 * retransmission: that address never received it */
static void
udp_resend_unanswered(DfudTransportUdp *self)
{
	g_autoptr(GError) error = NULL;

	if (self->unanswered == NULL)
		return;
	g_queue_push_head(&self->send_queue, g_steal_pointer(&self->unanswered));
	if (self->write_source == NULL && !udp_flush(self, &error))
		udp_fail(self, error);
}

/* a socket error that ends the link: tell the listeners */
static void
udp_fail(DfudTransportUdp *self, const GError *error)
{
	g_autoptr(GError) reason =
	    g_error_new(DFUD_ERROR, DFUD_ERROR_LINK_LOST, "%s: the socket failed: %s",
			dfud_transport_get_uri(DFUD_TRANSPORT(self)), error->message);

	udp_close_socket(self);
	dfud_transport_emit_closed(DFUD_TRANSPORT(self), reason);
}

/*
 * An ICMP "port unreachable" comes back as ECONNREFUSED on a connected UDP socket. The device
 * may just be restarting: the datagram is lost like any other, the caller's timeout copes.
 */
static gboolean
udp_error_is_transient(const GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
	       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
	       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
}

static void
udp_handle_datagram(DfudTransportUdp *self, const guint8 *data, gsize len)
{
	g_autoptr(GBytes) frame = NULL;
	gsize body_len;

	if (len < DFUD_TRANSPORT_UDP_HEADER_SIZE) {
		g_debug("%s: dropped a datagram of %" G_GSIZE_FORMAT
			" bytes: shorter than an SMP header",
			dfud_transport_get_uri(DFUD_TRANSPORT(self)), len);
		return;
	}
	body_len = ((gsize)data[2] << 8) | data[3];
	if (len != DFUD_TRANSPORT_UDP_HEADER_SIZE + body_len) {
		g_debug("%s: dropped a datagram of %" G_GSIZE_FORMAT
			" bytes: its SMP header announces %" G_GSIZE_FORMAT " body bytes",
			dfud_transport_get_uri(DFUD_TRANSPORT(self)), len, body_len);
		return;
	}
	if (!self->answered && self->current != NULL) {
		g_clear_object(&self->heard);
		self->heard = g_object_ref(self->current->data);
	}
	self->answered = TRUE;
	g_clear_pointer(&self->unanswered, g_bytes_unref);
	frame = g_bytes_new(data, len);
	dfud_transport_emit_packet(DFUD_TRANSPORT(self), frame);
}

/*
 * a datagram's length, 0 when none is waiting (an empty datagram is no SMP frame either), -1 on
 * an error. recv() on the descriptor: draining ends with a read that finds the socket empty,
 * for which GSocket would make an error object and format its message each time.
 */
static gssize
udp_receive(DfudTransportUdp *self, GSocket *socket, GError **error)
{
	for (;;) {
		gssize n = recv(g_socket_get_fd(socket), self->recv_buf,
				DFUD_TRANSPORT_UDP_RECV_MAX, MSG_DONTWAIT);
		int saved;

		if (n >= 0)
			return n;
		saved = errno;
		if (saved == EINTR)
			continue;
		if (saved == EAGAIN || saved == EWOULDBLOCK)
			return 0;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "%s",
			    g_strerror(saved));
		return -1;
	}
}

static void
udp_read_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	g_autoptr(DfudTransportUdp) self = g_object_ref(DFUD_TRANSPORT_UDP(user_data));
	g_autoptr(GSocket) socket = self->socket != NULL ? g_object_ref(self->socket) : NULL;

	/* drain what is there; a listener may close (or reopen) the transport meanwhile */
	while (socket != NULL && self->socket == socket) {
		g_autoptr(GError) error = NULL;
		gssize n = udp_receive(self, socket, &error);

		if (n == 0 && error == NULL)
			return;
		if (n < 0) {
			if (udp_error_is_transient(error)) {
				if (udp_try_next_address(self)) {
					udp_resend_unanswered(self);
					return;
				}
				g_debug("%s: %s (the device may be restarting)",
					dfud_transport_get_uri(DFUD_TRANSPORT(self)),
					error->message);
				continue;
			}
			udp_fail(self, error);
			return;
		}
		udp_handle_datagram(self, self->recv_buf, (gsize)n);
	}
}

static gboolean udp_write_cb(GSocket *socket, GIOCondition condition, gpointer user_data);

/* sends the queue head first; FALSE on a fatal socket error */
static gboolean
udp_flush(DfudTransportUdp *self, GError **error)
{
	while (!g_queue_is_empty(&self->send_queue)) {
		GBytes *packet = g_queue_peek_head(&self->send_queue);
		g_autoptr(GError) local = NULL;
		gsize len = 0;
		const gchar *data = g_bytes_get_data(packet, &len);
		gssize n = g_socket_send(self->socket, data, len, NULL, &local);

		if (n < 0 && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			if (self->write_source == NULL) {
				self->write_source =
				    g_socket_create_source(self->socket, G_IO_OUT, NULL);
				g_source_set_callback(self->write_source,
						      G_SOURCE_FUNC(udp_write_cb), self, NULL);
				g_source_attach(self->write_source,
						g_main_context_get_thread_default());
			}
			return TRUE;
		}
		if (n < 0 && udp_error_is_transient(local)) {
			/* the next address, if any, gets this packet: it is not lost there */
			if (udp_try_next_address(self))
				continue;
			g_debug("%s: packet of %" G_GSIZE_FORMAT " bytes lost: %s",
				dfud_transport_get_uri(DFUD_TRANSPORT(self)), len, local->message);
		} else if (n < 0) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		g_clear_pointer(&self->unanswered, g_bytes_unref);
		if (n >= 0 && !self->answered && self->current != NULL &&
		    self->addresses->next != NULL)
			self->unanswered = g_bytes_ref(packet);
		g_bytes_unref(g_queue_pop_head(&self->send_queue));
	}
	if (self->write_source != NULL) {
		g_source_destroy(self->write_source);
		g_clear_pointer(&self->write_source, g_source_unref);
	}
	return TRUE;
}

static gboolean
udp_write_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(user_data);
	g_autoptr(GError) error = NULL;

	if (!udp_flush(self, &error)) {
		udp_fail(self, error);
		return G_SOURCE_REMOVE;
	}
	/* udp_flush destroyed the source when the queue drained */
	return self->write_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
udp_send(DfudTransport *transport, GBytes *packet, GError **error)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(transport);
	g_autoptr(GError) local = NULL;

	if (self->socket == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: not open",
			    dfud_transport_get_uri(transport));
		return FALSE;
	}
	g_queue_push_tail(&self->send_queue, g_bytes_ref(packet));
	if (self->write_source != NULL)
		return TRUE; /* waits for its turn */
	if (!udp_flush(self, &local)) {
		/* the queue was empty: the packet that failed is the one just queued */
		g_bytes_unref(g_queue_pop_tail(&self->send_queue));
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: %s",
			    dfud_transport_get_uri(transport), local->message);
		return FALSE;
	}
	return TRUE;
}

static void
udp_close(DfudTransport *transport)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(transport);

	if (self->open_cancel != NULL)
		g_cancellable_cancel(self->open_cancel);
	udp_close_socket(self);
}

/* the kernel's idea of the path MTU to the connected peer (the route's, or what ICMP taught it),
 * 0 when it has none */
static guint
udp_route_mtu(DfudTransportUdp *self, GSocketFamily family)
{
	int mtu = 0;
	socklen_t len = sizeof(mtu);
	int level = family == G_SOCKET_FAMILY_IPV6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int name = family == G_SOCKET_FAMILY_IPV6 ? IPV6_MTU : IP_MTU;

	if (getsockopt(g_socket_get_fd(self->socket), level, name, &mtu, &len) != 0 || mtu <= 0)
		return 0;
	return (guint)mtu;
}

/*
 * The largest datagram: what one IP packet of the path carries (the URI's ?mtu=N, else the
 * family's default, and never more than the kernel's route MTU), and no more than the device's
 * datagram buffer; a BLE-sized link (att_mtu) keeps its own sizes unless ?mtu= is given.
 */
static void
udp_size_packets(DfudTransportUdp *self, GSocketFamily family)
{
	gboolean v6 = family == G_SOCKET_FAMILY_IPV6;
	guint headers = v6 ? DFUD_TRANSPORT_UDP_IPV6_HEADERS : DFUD_TRANSPORT_UDP_IPV4_HEADERS;
	guint mtu = self->ip_mtu != 0 ? self->ip_mtu
				      : (v6 ? DFUD_TRANSPORT_UDP_IPV6_MTU : DFUD_TRANSPORT_UDP_IPV4_MTU);
	guint route = udp_route_mtu(self, family);
	guint payload;

	if (self->att_mtu != 0 && self->ip_mtu == 0)
		return;
	/* a host name the URI parser could not check: an IPv6 path carries 1280 at least */
	if (v6)
		mtu = MAX(mtu, DFUD_TRANSPORT_IPV6_MTU_MIN);
	if (route != 0 && route < mtu)
		mtu = route;
	payload = mtu > headers ? mtu - headers : 0;
	if (self->att_mtu == 0) {
		payload = MIN(payload, DFUD_TRANSPORT_UDP_MTU);
		dfud_transport_set_fragment_size(DFUD_TRANSPORT(self), payload);
	}
	dfud_transport_set_max_packet(DFUD_TRANSPORT(self), payload);
}

/*
 * A new socket connected to @address in place of the old one (whose watches go); what waits in
 * the send queue stays for the new one.
 */
static gboolean
udp_attach_socket(DfudTransportUdp *self, GSocketAddress *address, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(DfudFdWatch) watch = NULL;
	g_autofree gchar *where = NULL;

	socket = g_socket_new(g_socket_address_get_family(address), G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP, &local);
	if (socket == NULL || !g_socket_connect(socket, address, NULL, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: %s",
			    dfud_transport_get_uri(DFUD_TRANSPORT(self)), local->message);
		return FALSE;
	}
	g_socket_set_blocking(socket, FALSE);
	watch = dfud_fd_watch_new(self->context, g_socket_get_fd(socket), G_IO_IN, udp_read_cb,
				  self, &local);
	if (watch == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: %s",
			    dfud_transport_get_uri(DFUD_TRANSPORT(self)), local->message);
		return FALSE;
	}
	g_clear_pointer(&self->read_watch, dfud_fd_watch_free);
	if (self->write_source != NULL) {
		g_source_destroy(self->write_source);
		g_clear_pointer(&self->write_source, g_source_unref);
	}
	if (self->socket != NULL)
		g_socket_close(self->socket, NULL);
	g_set_object(&self->socket, socket);
	self->read_watch = g_steal_pointer(&watch);
	self->answered = FALSE;
	udp_size_packets(self, g_socket_address_get_family(address));
	where = g_socket_connectable_to_string(G_SOCKET_CONNECTABLE(address));
	g_debug("%s: socket connected to %s, datagrams of up to %u bytes",
		dfud_transport_get_uri(DFUD_TRANSPORT(self)), where,
		dfud_transport_get_max_packet(DFUD_TRANSPORT(self)));
	return TRUE;
}

/* the socket, connected to @address (a literal's, or the first of @self->addresses); the open
 * completes here */
static void
udp_connect(DfudTransportUdp *self, GTask *task, GSocketAddress *address)
{
	g_autoptr(GError) error = NULL;

	udp_close_socket(self);
	if (self->context != NULL)
		g_main_context_unref(self->context);
	self->context = g_main_context_ref(g_task_get_context(task));
	if (!udp_attach_socket(self, address, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	self->current = self->addresses; /* NULL for a literal */
	dfud_transport_set_open(DFUD_TRANSPORT(self), TRUE);
	g_task_return_boolean(task, TRUE);
}

/* takes @addresses; the one the device answered from last goes first */
static void
udp_set_addresses(DfudTransportUdp *self, GList *addresses)
{
	udp_clear_addresses(self);
	for (GList *l = addresses; l != NULL; l = l->next) {
		if (self->heard != NULL && g_inet_address_equal(l->data, self->heard)) {
			addresses = g_list_remove_link(addresses, l);
			addresses = g_list_concat(l, addresses);
			break;
		}
	}
	self->addresses = addresses;
}

static void
udp_resolved_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	DfudTransportUdp *self = g_task_get_source_object(task);
	UdpOpenData *od = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	GList *addresses = dfud_transport_uri_resolve_finish(res, &error);
	g_autoptr(GSocketAddress) address = NULL;

	if (self->open_cancel == od->cancel)
		g_clear_object(&self->open_cancel);
	if (addresses == NULL) {
		g_prefix_error(&error, "%s: ", dfud_transport_get_uri(DFUD_TRANSPORT(self)));
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	udp_set_addresses(self, addresses);
	address = g_inet_socket_address_new(self->addresses->data, self->port);
	udp_connect(self, task, address);
}

static void
udp_open_async(DfudTransport *transport, GCancellable *cancellable, GAsyncReadyCallback callback,
	       gpointer user_data)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(transport);
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	g_autoptr(GSocketAddress) literal = NULL;
	DfudTransportUri name = {.kind = DFUD_TRANSPORT_URI_UDP, .port = self->port};
	UdpOpenData *od;

	g_task_set_source_tag(task, udp_open_async);
	g_task_set_check_cancellable(task, FALSE);
	if (g_cancellable_is_cancelled(cancellable)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"%s: opening was cancelled",
					dfud_transport_get_uri(transport));
		return;
	}
	if (self->socket != NULL) {
		g_task_return_boolean(task, TRUE); /* already open */
		return;
	}
	/* an address literal (an IPv6 one may carry its scope): no other address to try */
	literal = g_inet_socket_address_new_from_string(self->host, self->port);
	if (literal != NULL) {
		udp_clear_addresses(self);
		udp_connect(self, task, literal);
		return;
	}
	/* a name: resolve it without blocking; close() or @cancellable stop the lookup */
	if (self->open_cancel != NULL)
		g_cancellable_cancel(self->open_cancel);
	g_clear_object(&self->open_cancel);
	od = g_new0(UdpOpenData, 1);
	od->cancel = g_cancellable_new();
	self->open_cancel = g_object_ref(od->cancel);
	if (cancellable != NULL) {
		od->outer = g_object_ref(cancellable);
		od->outer_id =
		    g_cancellable_connect(cancellable, G_CALLBACK(udp_open_forward_cancel),
					  g_object_ref(od->cancel), g_object_unref);
	}
	g_task_set_task_data(task, od, udp_open_data_free);
	name.host = self->host;
	dfud_transport_uri_resolve_async(&name, od->cancel, udp_resolved_cb, g_steal_pointer(&task));
}

static gboolean
udp_open_finish(DfudTransport *transport, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, transport), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

/* the engine probes a UDP device itself: nothing to wait for */
static void
udp_wait_for_device_async(DfudTransport *transport, guint timeout_ms, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(transport, cancellable, callback, user_data);

	g_task_set_source_tag(task, udp_wait_for_device_async);
	g_task_return_boolean(task, TRUE);
}

static gboolean
udp_wait_for_device_finish(DfudTransport *transport, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, transport), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

static void
dfud_transport_udp_dispose(GObject *object)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(object);

	udp_close(DFUD_TRANSPORT(self));
	dfud_transport_set_open(DFUD_TRANSPORT(self), FALSE);
	g_clear_object(&self->open_cancel);
	G_OBJECT_CLASS(dfud_transport_udp_parent_class)->dispose(object);
}

static void
dfud_transport_udp_finalize(GObject *object)
{
	DfudTransportUdp *self = DFUD_TRANSPORT_UDP(object);

	g_free(self->host);
	g_free(self->recv_buf);
	udp_clear_addresses(self);
	g_clear_object(&self->heard);
	g_clear_pointer(&self->unanswered, g_bytes_unref);
	if (self->context != NULL)
		g_main_context_unref(self->context);
	G_OBJECT_CLASS(dfud_transport_udp_parent_class)->finalize(object);
}

static void
dfud_transport_udp_class_init(DfudTransportUdpClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	DfudTransportClass *transport_class = DFUD_TRANSPORT_CLASS(klass);

	object_class->dispose = dfud_transport_udp_dispose;
	object_class->finalize = dfud_transport_udp_finalize;
	transport_class->open_async = udp_open_async;
	transport_class->open_finish = udp_open_finish;
	transport_class->send = udp_send;
	transport_class->close = udp_close;
	transport_class->wait_for_device_async = udp_wait_for_device_async;
	transport_class->wait_for_device_finish = udp_wait_for_device_finish;
}

static void
dfud_transport_udp_init(DfudTransportUdp *self)
{
	g_queue_init(&self->send_queue);
	self->recv_buf = g_malloc(DFUD_TRANSPORT_UDP_RECV_MAX);
}

/* @host: an IPv4 or IPv6 address (no brackets) or a name, resolved when opening */
DfudTransport *
dfud_transport_udp_new(const gchar *host, guint16 port, guint att_mtu)
{
	DfudTransportUdp *self;
	DfudTransportUri parsed = {.kind = DFUD_TRANSPORT_URI_UDP};
	g_autofree gchar *uri = NULL;

	g_return_val_if_fail(host != NULL && host[0] != '\0', NULL);
	g_return_val_if_fail(att_mtu == 0 || (att_mtu >= DFUD_TRANSPORT_ATT_MTU_MIN &&
					      att_mtu <= DFUD_TRANSPORT_ATT_MTU_MAX),
			     NULL);

	self = g_object_new(DFUD_TYPE_TRANSPORT_UDP, NULL);
	dfud_transport_set_datagram(DFUD_TRANSPORT(self));
	self->host = g_strdup(host);
	self->port = port;
	self->att_mtu = att_mtu;
	parsed.host = self->host;
	parsed.port = port;
	parsed.att_mtu = att_mtu;
	uri = dfud_transport_uri_to_string(&parsed);
	dfud_transport_set_uri(DFUD_TRANSPORT(self), uri);
	if (att_mtu != 0) {
		dfud_transport_set_mtu(DFUD_TRANSPORT(self), att_mtu);
		dfud_transport_set_max_packet(DFUD_TRANSPORT(self), DFUD_TRANSPORT_UDP_PAYLOAD_MAX);
		dfud_transport_set_fragment_size(DFUD_TRANSPORT(self),
						 att_mtu - DFUD_TRANSPORT_ATT_HEADER);
	} else {
		/* until the socket is connected and the family known */
		dfud_transport_set_max_packet(DFUD_TRANSPORT(self),
					      DFUD_TRANSPORT_UDP_IPV4_MTU -
						  DFUD_TRANSPORT_UDP_IPV4_HEADERS);
		dfud_transport_set_fragment_size(DFUD_TRANSPORT(self),
						 DFUD_TRANSPORT_UDP_IPV4_MTU -
						     DFUD_TRANSPORT_UDP_IPV4_HEADERS);
	}
	return DFUD_TRANSPORT(self);
}

/* the IP MTU of the path to the device (the URI's ?mtu=N), 0 for the family's default; takes
 * effect at the next open */
void
dfud_transport_udp_set_ip_mtu(DfudTransport *transport, guint ip_mtu)
{
	g_return_if_fail(DFUD_IS_TRANSPORT_UDP(transport));
	DFUD_TRANSPORT_UDP(transport)->ip_mtu = ip_mtu;
}
