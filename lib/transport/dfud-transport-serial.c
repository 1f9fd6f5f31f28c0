/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-fd-watch.h"
#include "dfud-transport-serial.h"
#include "dfud-transport-uri.h"
#include "smp/dfud-smp-serial.h"

#define SERIAL_HEADER_SIZE 8u
#define SERIAL_READ_CHUNK 4096u
/* what send() queues before the port takes it: a device that stops reading (flow control
 * held) fails the sends instead of making dfud hold more */
#define SERIAL_OUT_MAX (256u * 1024u)
/* a reopen after a hang-up looks for the path again this often (doubling; also how soon a
 * cancelled wait ends) */
#define SERIAL_REOPEN_MIN_MS 50u
#define SERIAL_REOPEN_MAX_MS 250u
/* raw framing: a packet not completed within this time is dropped (the device's own
 * CONFIG_MCUMGR_TRANSPORT_RAW_UART_INPUT_TIMEOUT resynchronises the same way) */
#define SERIAL_RAW_RESYNC_US (500 * G_TIME_SPAN_MILLISECOND)

struct _DfudTransportSerial {
	DfudTransport parent_instance;

	gchar *path;
	guint baud;
	guint mtu;
	gboolean raw;
	gint fd;
	gboolean was_open; /* a later open waits for the port to come back */
	DfudFdWatch *read_watch;
	GSource *write_source;
	GByteArray *out;
	DfudSmpSerialDecoder *decoder;
	GByteArray *raw_in;
	gint64 raw_last_us;
	GTask *open_task; /* an open waiting for the path to appear */
	GSource *open_retry;
	guint open_retry_ms;
};

G_DEFINE_TYPE(DfudTransportSerial, dfud_transport_serial, DFUD_TYPE_TRANSPORT)

static const gchar *
serial_uri(DfudTransportSerial *self)
{
	return dfud_transport_get_uri(DFUD_TRANSPORT(self));
}

gboolean
dfud_transport_serial_path_is_port(const gchar *real_path)
{
	const gchar *p;

	if (g_str_has_prefix(real_path, "/dev/pts/")) {
		p = real_path + strlen("/dev/pts/");
		return p[0] != '\0' && strspn(p, "0123456789") == strlen(p);
	}
	if (g_str_has_prefix(real_path, "/dev/rfcomm")) {
		p = real_path + strlen("/dev/rfcomm");
		return p[0] != '\0' && strspn(p, "0123456789") == strlen(p);
	}
	/* ttyS0, ttyACM0, ttyUSB0, ttyAMA0...; not /dev/tty (the caller's terminal) nor the
	 * virtual consoles /dev/ttyN */
	if (g_str_has_prefix(real_path, "/dev/tty")) {
		p = real_path + strlen("/dev/tty");
		return g_ascii_isalpha(p[0]) && strchr(p, '/') == NULL;
	}
	return FALSE;
}

/* the termios constants of the speeds dfud_transport_serial_baud_valid() takes */
static const struct {
	guint baud;
	speed_t speed;
} serial_speeds[] = {
    {1200, B1200},	 {1800, B1800},	      {2400, B2400},	   {4800, B4800},
    {9600, B9600},	 {19200, B19200},     {38400, B38400},	   {57600, B57600},
    {115200, B115200},	 {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},	 {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
};

static speed_t
serial_speed(guint baud)
{
	for (guint i = 0; i < G_N_ELEMENTS(serial_speeds); i++) {
		if (serial_speeds[i].baud == baud)
			return serial_speeds[i].speed;
	}
	return B115200;
}

/* ---- closing ---- */

static void
serial_stop_retry(DfudTransportSerial *self)
{
	if (self->open_retry != NULL) {
		g_source_destroy(self->open_retry);
		g_clear_pointer(&self->open_retry, g_source_unref);
	}
}

static void
serial_close_fd(DfudTransportSerial *self)
{
	g_clear_pointer(&self->read_watch, dfud_fd_watch_free);
	if (self->write_source != NULL) {
		g_source_destroy(self->write_source);
		g_clear_pointer(&self->write_source, g_source_unref);
	}
	g_byte_array_set_size(self->out, 0);
	g_byte_array_set_size(self->raw_in, 0);
	dfud_smp_serial_decoder_reset(self->decoder);
	if (self->fd >= 0) {
		close(self->fd); /* the flock goes with the descriptor */
		self->fd = -1;
	}
}

static void
serial_hung_up(DfudTransportSerial *self, const gchar *why)
{
	g_autoptr(GError) reason = g_error_new(DFUD_ERROR, DFUD_ERROR_LINK_LOST,
					       "%s: the port hung up (%s): the device was "
					       "unplugged or reset",
					       serial_uri(self), why);

	g_debug("%s", reason->message);
	serial_close_fd(self);
	dfud_transport_emit_closed(DFUD_TRANSPORT(self), reason);
}

/* ---- receiving ---- */

static void
serial_deliver(DfudTransportSerial *self, GBytes *packet)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(packet, &len);

	if (len < SERIAL_HEADER_SIZE ||
	    len != SERIAL_HEADER_SIZE + (((gsize)data[2] << 8) | data[3])) {
		g_debug("%s: dropped a packet of %" G_GSIZE_FORMAT
			" bytes: its SMP header does not match its length",
			serial_uri(self), len);
		return;
	}
	dfud_transport_emit_packet(DFUD_TRANSPORT(self), packet);
}

/* raw UART framing: SMP packets back to back, delimited by their headers' length */
static void
serial_feed_raw(DfudTransportSerial *self, const guint8 *data, gsize len)
{
	gint64 now = g_get_monotonic_time();
	gsize max = self->mtu;

	if (self->raw_in->len > 0 && now - self->raw_last_us > SERIAL_RAW_RESYNC_US) {
		g_debug("%s: dropped %u bytes of an unfinished packet", serial_uri(self),
			self->raw_in->len);
		g_byte_array_set_size(self->raw_in, 0);
	}
	self->raw_last_us = now;
	g_byte_array_append(self->raw_in, data, (guint)len);
	while (self->raw_in->len >= SERIAL_HEADER_SIZE && self->fd >= 0) {
		const guint8 *b = self->raw_in->data;
		gsize total = SERIAL_HEADER_SIZE + (((gsize)b[2] << 8) | b[3]);
		g_autoptr(GBytes) packet = NULL;

		if (total > max) {
			g_debug("%s: raw packet of %" G_GSIZE_FORMAT
				" bytes exceeds %" G_GSIZE_FORMAT ": input dropped",
				serial_uri(self), total, max);
			g_byte_array_set_size(self->raw_in, 0);
			return;
		}
		if (self->raw_in->len < total)
			return;
		packet = g_bytes_new(b, total);
		g_byte_array_remove_range(self->raw_in, 0, (guint)total);
		serial_deliver(self, packet);
	}
}

static void
serial_read_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	g_autoptr(DfudTransportSerial) self = g_object_ref(DFUD_TRANSPORT_SERIAL(user_data));
	guint8 buf[SERIAL_READ_CHUNK];

	while (self->fd == fd) {
		gssize n = read(fd, buf, sizeof(buf));
		GBytes *packet;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (condition & (G_IO_HUP | G_IO_ERR))
				serial_hung_up(self, "no more input");
			return;
		}
		if (n <= 0) {
			serial_hung_up(self, n == 0 ? "end of input" : g_strerror(errno));
			return;
		}
		if (self->raw) {
			serial_feed_raw(self, buf, (gsize)n);
			continue;
		}
		dfud_smp_serial_decoder_feed(self->decoder, buf, (gsize)n);
		/* a listener may close (or reopen) the transport meanwhile */
		while (self->fd == fd && (packet = dfud_smp_serial_decoder_pop(self->decoder))) {
			serial_deliver(self, packet);
			g_bytes_unref(packet);
		}
	}
}

/* ---- sending ---- */

static gboolean serial_write_cb(gint fd, GIOCondition condition, gpointer user_data);

/* writes what the port takes now; FALSE (with @why) when the port failed */
static gboolean
serial_flush(DfudTransportSerial *self, const gchar **why)
{
	while (self->out->len > 0) {
		gssize n = write(self->fd, self->out->data, self->out->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (self->write_source == NULL) {
				self->write_source = g_unix_fd_source_new(self->fd, G_IO_OUT);
				g_source_set_callback(self->write_source,
						      G_SOURCE_FUNC(serial_write_cb), self, NULL);
				g_source_attach(self->write_source,
						g_main_context_get_thread_default());
			}
			return TRUE;
		}
		if (n < 0) {
			*why = g_strerror(errno);
			return FALSE;
		}
		g_byte_array_remove_range(self->out, 0, (guint)n);
	}
	if (self->write_source != NULL) {
		g_source_destroy(self->write_source);
		g_clear_pointer(&self->write_source, g_source_unref);
	}
	return TRUE;
}

static gboolean
serial_write_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(user_data);
	const gchar *why = NULL;

	if (!serial_flush(self, &why)) {
		g_clear_pointer(&self->write_source, g_source_unref); /* returning REMOVE */
		serial_hung_up(self, why);
		return G_SOURCE_REMOVE;
	}
	return self->write_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
serial_send(DfudTransport *transport, GBytes *packet, GError **error)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(transport);
	g_autoptr(GBytes) frames = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(packet, &len);
	const gchar *why = NULL;

	if (self->fd < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: not open", serial_uri(self));
		return FALSE;
	}
	if (len > self->mtu - (self->raw ? 0 : DFUD_SMP_SERIAL_PACKET_OVERHEAD)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: a packet of %" G_GSIZE_FORMAT " bytes exceeds the SMP MTU %u",
			    serial_uri(self), len, self->mtu);
		return FALSE;
	}
	frames = self->raw ? g_bytes_ref(packet) : dfud_smp_serial_encode(data, len);
	data = g_bytes_get_data(frames, &len);
	if (self->out->len + len > SERIAL_OUT_MAX) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO,
			    "%s: the port takes no more output (%u bytes waiting)",
			    serial_uri(self), self->out->len);
		return FALSE;
	}
	g_byte_array_append(self->out, data, (guint)len);
	if (self->write_source != NULL)
		return TRUE;
	if (!serial_flush(self, &why)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST, "%s: %s", serial_uri(self),
			    why);
		serial_hung_up(self, why);
		return FALSE;
	}
	return TRUE;
}

static void
serial_close(DfudTransport *transport)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(transport);

	if (self->open_task != NULL) {
		GTask *task = g_steal_pointer(&self->open_task);

		serial_stop_retry(self);
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"%s: closed while opening", serial_uri(self));
		g_object_unref(task);
	}
	serial_close_fd(self);
}

/* ---- opening ---- */

typedef enum {
	TRY_OPENED,
	TRY_ABSENT, /* no such port (yet): worth waiting for after a reset */
	TRY_FAILED,
} TryResult;

static TryResult
serial_errno_error(DfudTransportSerial *self, int err, const gchar *what, GError **error)
{
	gint code = DFUD_ERROR_IO;
	const gchar *hint = "";
	TryResult result = TRY_FAILED;

	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
	case EIO:
		code = DFUD_ERROR_NOT_FOUND;
		hint = " (no such port: unplugged, or not enumerated yet)";
		result = TRY_ABSENT;
		break;
	case EACCES:
	case EPERM:
		code = DFUD_ERROR_NOT_AUTHORIZED;
		hint = " (the port's group, usually dialout, must include dfud's user)";
		break;
	case EBUSY:
	case EWOULDBLOCK:
		code = DFUD_ERROR_BUSY;
		hint = " (another program holds the port: a terminal, ModemManager, ...)";
		break;
	default:
		break;
	}
	g_set_error(error, DFUD_ERROR, code, "%s: %s: %s%s", serial_uri(self), what,
		    g_strerror(err), hint);
	return result;
}

static gboolean
serial_configure(DfudTransportSerial *self, gint fd, GError **error)
{
	struct termios tio;

	if (tcgetattr(fd, &tio) != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: not a serial port: %s", serial_uri(self), g_strerror(errno));
		return FALSE;
	}
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS | HUPCL | CSIZE);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	/* with VMIN 0 a read of an empty port returns 0, which is how a hang-up shows: 1 makes it
	 * EAGAIN (the descriptor is non-blocking) */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, serial_speed(self->baud));
	cfsetospeed(&tio, serial_speed(self->baud));
	if (tcsetattr(fd, TCSANOW, &tio) != 0) {
		serial_errno_error(self, errno, "setting the line", error);
		return FALSE;
	}
	/* what the device said before this open is no answer to us */
	tcflush(fd, TCIOFLUSH);
	return TRUE;
}

static TryResult
serial_try_open(DfudTransportSerial *self, GMainContext *context, GError **error)
{
	g_autofree gchar *real = realpath(self->path, NULL);
	g_autoptr(GError) local = NULL;
	gint fd;

	if (real == NULL)
		return serial_errno_error(self, errno, self->path, error);
	if (!dfud_transport_serial_path_is_port(real)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: %s is not a serial port (/dev/tty*, /dev/pts/N, /dev/rfcommN)",
			    serial_uri(self), real);
		return TRY_FAILED;
	}
	fd = open(real, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return serial_errno_error(self, errno, real, error);
	/* exclusive: no other open of the port (root's aside), and the lock serial tools take */
	if (ioctl(fd, TIOCEXCL) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		TryResult r = serial_errno_error(self, errno, "taking the port", error);

		close(fd);
		return r;
	}
	if (!serial_configure(self, fd, error)) {
		close(fd);
		return TRY_FAILED;
	}
	self->fd = fd;
	self->read_watch = dfud_fd_watch_new(context, fd, G_IO_IN, serial_read_cb, self, &local);
	if (self->read_watch == NULL) {
		serial_close_fd(self);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s: %s", serial_uri(self),
			    local->message);
		return TRY_FAILED;
	}
	g_debug("%s: opened %s at %u baud, packets of up to %u bytes, %s framing", serial_uri(self),
		real, self->baud, dfud_transport_get_max_packet(DFUD_TRANSPORT(self)),
		self->raw ? "raw" : "SMP");
	self->was_open = TRUE;
	dfud_transport_set_open(DFUD_TRANSPORT(self), TRUE);
	return TRY_OPENED;
}

static gboolean serial_retry_cb(gpointer user_data);

/* one attempt of the open in progress; completes it unless the port is still away */
static void
serial_open_step(DfudTransportSerial *self)
{
	GTask *task = self->open_task;
	g_autoptr(GError) error = NULL;
	TryResult r;

	if (g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		self->open_task = NULL;
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"%s: opening was cancelled", serial_uri(self));
		g_object_unref(task);
		return;
	}
	r = serial_try_open(self, g_task_get_context(task), &error);
	if (r == TRY_ABSENT && self->was_open) {
		g_debug("%s: waiting for the port to come back: %s", serial_uri(self),
			error->message);
		self->open_retry = g_timeout_source_new(self->open_retry_ms);
		self->open_retry_ms = MIN(self->open_retry_ms * 2, SERIAL_REOPEN_MAX_MS);
		g_source_set_callback(self->open_retry, serial_retry_cb, self, NULL);
		g_source_attach(self->open_retry, g_task_get_context(task));
		return;
	}
	self->open_task = NULL;
	if (r == TRY_OPENED)
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, g_steal_pointer(&error));
	g_object_unref(task);
}

static gboolean
serial_retry_cb(gpointer user_data)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(user_data);

	g_clear_pointer(&self->open_retry, g_source_unref);
	serial_open_step(self);
	return G_SOURCE_REMOVE;
}

static void
serial_open_async(DfudTransport *transport, GCancellable *cancellable, GAsyncReadyCallback callback,
		  gpointer user_data)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(transport);
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);

	g_task_set_source_tag(task, serial_open_async);
	g_task_set_check_cancellable(task, FALSE);
	if (self->fd >= 0) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (self->open_task != NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_BUSY,
					"%s: already being opened", serial_uri(self));
		return;
	}
	self->open_task = g_steal_pointer(&task);
	self->open_retry_ms = SERIAL_REOPEN_MIN_MS;
	serial_open_step(self);
}

static gboolean
serial_open_finish(DfudTransport *transport, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, transport), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

static void
dfud_transport_serial_dispose(GObject *object)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(object);

	serial_close(DFUD_TRANSPORT(self));
	dfud_transport_set_open(DFUD_TRANSPORT(self), FALSE);
	G_OBJECT_CLASS(dfud_transport_serial_parent_class)->dispose(object);
}

static void
dfud_transport_serial_finalize(GObject *object)
{
	DfudTransportSerial *self = DFUD_TRANSPORT_SERIAL(object);

	g_free(self->path);
	g_byte_array_unref(self->out);
	g_byte_array_unref(self->raw_in);
	dfud_smp_serial_decoder_free(self->decoder);
	G_OBJECT_CLASS(dfud_transport_serial_parent_class)->finalize(object);
}

static void
dfud_transport_serial_class_init(DfudTransportSerialClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	DfudTransportClass *transport_class = DFUD_TRANSPORT_CLASS(klass);

	object_class->dispose = dfud_transport_serial_dispose;
	object_class->finalize = dfud_transport_serial_finalize;
	transport_class->open_async = serial_open_async;
	transport_class->open_finish = serial_open_finish;
	transport_class->send = serial_send;
	transport_class->close = serial_close;
	/* no wait_for_device: the base class's completes at once, the engine probes the device
	 * itself (its answers show the reboot) and opens a port that hung up again */
}

static void
dfud_transport_serial_init(DfudTransportSerial *self)
{
	self->fd = -1;
	self->out = g_byte_array_new();
	self->raw_in = g_byte_array_new();
}

DfudTransport *
dfud_transport_serial_new(const gchar *path, guint baud, guint mtu, gboolean raw)
{
	DfudTransportSerial *self;
	DfudTransportUri parsed = {.kind = DFUD_TRANSPORT_URI_SERIAL};
	g_autofree gchar *uri = NULL;
	guint packet;

	g_return_val_if_fail(path != NULL && path[0] == '/', NULL);
	g_return_val_if_fail(dfud_transport_serial_baud_valid(baud), NULL);
	g_return_val_if_fail(mtu == 0 || (mtu >= DFUD_TRANSPORT_SERIAL_MTU_MIN &&
					  mtu <= DFUD_TRANSPORT_SERIAL_MTU_MAX),
			     NULL);

	self = g_object_new(DFUD_TYPE_TRANSPORT_SERIAL, NULL);
	self->path = g_strdup(path);
	self->baud = baud;
	self->mtu = mtu != 0 ? mtu : DFUD_SMP_SERIAL_DEFAULT_MTU;
	self->raw = raw;
	self->decoder = dfud_smp_serial_decoder_new(DFUD_TRANSPORT_SERIAL_MTU_MAX);
	parsed.path = self->path;
	parsed.baud = baud;
	parsed.serial_mtu = mtu;
	parsed.raw = raw;
	uri = dfud_transport_uri_to_string(&parsed);
	dfud_transport_set_uri(DFUD_TRANSPORT(self), uri);
	/* a frame the line corrupts is dropped without an answer (resent like a lost datagram);
	 * the port stays open across a UART device's reset */
	dfud_transport_set_datagram(DFUD_TRANSPORT(self));
	dfud_transport_set_max_in_flight(DFUD_TRANSPORT(self), 1);
	packet = self->mtu - (raw ? 0 : DFUD_SMP_SERIAL_PACKET_OVERHEAD);
	dfud_transport_set_max_packet(DFUD_TRANSPORT(self), packet);
	dfud_transport_set_fragment_size(DFUD_TRANSPORT(self), packet);
	return DFUD_TRANSPORT(self);
}
