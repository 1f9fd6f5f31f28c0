/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBle"

#include "config.h"

#include "dfud-sim-ble-socket.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dfud-error.h"

/* larger than any ATT value (512 bytes) */
#define READ_BUF_SIZE 2048

struct _DfudSimBleSocket {
	gint fd;
	gint peer_fd;
	guint read_watch;
	guint write_watch;
	GQueue pending;	 /* GBytes messages not sent yet */
	gboolean broken; /* a send failed: nothing more is sent */
	gboolean closed; /* closed_func was called */
	DfudSimBleSocketReadFunc read_func;
	DfudSimBleSocketClosedFunc closed_func;
	gpointer user_data;
	gboolean *freed; /* set while messages are handed out: the callee may free the socket */
};

/* only from our watches' callbacks: the callee may free @self */
static void
socket_closed(DfudSimBleSocket *self, const gchar *why)
{
	if (self->closed)
		return;
	self->closed = self->broken = TRUE;
	g_debug("socket %d closed: %s", self->fd, why);
	if (self->closed_func != NULL)
		self->closed_func(self->user_data);
}

static gboolean
readable(gint fd, GIOCondition cond, gpointer user_data)
{
	DfudSimBleSocket *self = user_data;
	guint8 buf[READ_BUF_SIZE];
	gboolean freed = FALSE;

	/* everything there is: bluetoothd blocks while the socket is full */
	for (;;) {
		gssize n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			self->freed = &freed;
			self->read_func(buf, (gsize)n, self->user_data);
			if (freed)
				return G_SOURCE_REMOVE;
			self->freed = NULL;
			if (self->closed)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    (cond & (G_IO_HUP | G_IO_ERR)) == 0)
			return G_SOURCE_CONTINUE;
		break;
	}
	self->read_watch = 0;
	socket_closed(self, "hang-up");
	return G_SOURCE_REMOVE;
}

DfudSimBleSocket *
dfud_sim_ble_socket_new(DfudSimBleSocketReadFunc read_func, DfudSimBleSocketClosedFunc closed_func,
			gpointer user_data, GError **error)
{
	DfudSimBleSocket *self;
	gint sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "socketpair: %s", g_strerror(errno));
		return NULL;
	}
	self = g_new0(DfudSimBleSocket, 1);
	self->fd = sv[0];
	self->peer_fd = sv[1];
	self->read_func = read_func;
	self->closed_func = closed_func;
	self->user_data = user_data;
	g_queue_init(&self->pending);
	/* only our end: the peer is another open file, bluetoothd's to block on */
	g_unix_set_fd_nonblocking(self->fd, TRUE, NULL);
	self->read_watch = g_unix_fd_add_full(G_PRIORITY_HIGH, self->fd,
					      G_IO_IN | G_IO_HUP | G_IO_ERR, readable, self, NULL);
	return self;
}

gint
dfud_sim_ble_socket_dup_peer(DfudSimBleSocket *self, GError **error)
{
	gint fd;

	if (self->peer_fd < 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IO, "the peer was given away");
		return -1;
	}
	fd = fcntl(self->peer_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "dup: %s", g_strerror(errno));
	return fd;
}

void
dfud_sim_ble_socket_drop_peer(DfudSimBleSocket *self)
{
	if (self->peer_fd >= 0)
		close(self->peer_fd);
	self->peer_fd = -1;
}

static void flush(DfudSimBleSocket *self);

static gboolean
writable(gint fd, GIOCondition cond, gpointer user_data)
{
	DfudSimBleSocket *self = user_data;

	(void)fd;
	self->write_watch = 0;
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		socket_closed(self, "hang-up while writing");
		return G_SOURCE_REMOVE;
	}
	flush(self);
	return G_SOURCE_REMOVE;
}

static void
flush(DfudSimBleSocket *self)
{
	GBytes *msg;

	while (!self->broken && (msg = g_queue_peek_head(&self->pending)) != NULL) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(msg, &len);
		gssize n = send(self->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (self->write_watch == 0)
				self->write_watch = g_unix_fd_add(
				    self->fd, G_IO_OUT | G_IO_HUP | G_IO_ERR, writable, self);
			return;
		}
		if (n < 0 || (gsize)n != len) {
			/* the hang-up, if that is what it is, comes through the read watch */
			g_debug("socket %d: send: %s", self->fd,
				n < 0 ? g_strerror(errno) : "short write");
			self->broken = TRUE;
			return;
		}
		g_bytes_unref(g_queue_pop_head(&self->pending));
	}
}

gboolean
dfud_sim_ble_socket_send(DfudSimBleSocket *self, const guint8 *data, gsize len, GError **error)
{
	if (self->broken) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IO, "the socket is closed");
		return FALSE;
	}
	g_queue_push_tail(&self->pending, g_bytes_new(data, len));
	if (self->write_watch == 0)
		flush(self);
	if (self->broken) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IO, "the socket is closed");
		return FALSE;
	}
	return TRUE;
}

void
dfud_sim_ble_socket_free(DfudSimBleSocket *self)
{
	if (self == NULL)
		return;
	if (self->freed != NULL)
		*self->freed = TRUE;
	if (self->read_watch != 0)
		g_source_remove(self->read_watch);
	if (self->write_watch != 0)
		g_source_remove(self->write_watch);
	g_queue_clear_full(&self->pending, (GDestroyNotify)g_bytes_unref);
	dfud_sim_ble_socket_drop_peer(self);
	close(self->fd);
	g_free(self);
}
