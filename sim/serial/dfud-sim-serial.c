/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimSerial"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-sim-serial.h"
#include "smp/dfud-smp-header.h"
#include "smp/dfud-smp-serial.h"

#define SERIAL_READ_CHUNK 4096
/* 8N1: a start bit, 8 data bits, a stop bit */
#define SERIAL_BITS_PER_BYTE 10

typedef struct {
	gint64 at; /* when the line has carried it (monotonic us) */
	GBytes *bytes;
} Pending;

struct _DfudSimSerial {
	DfudSimDevice *device;
	DfudSimLog *log;
	DfudSimSerialParams params;
	gchar *link;
	gint master;
	gint slave; /* kept open: the master never sees a hang-up between clients */
	gchar *pty_path;
	GSource *read_source;
	DfudSimSession *session;
	DfudSmpSerialDecoder *decoder;
	GByteArray *raw_in; /* raw framing: the packet being received */
	gsize raw_max;
	GQueue rx; /* requests on their way to the device */
	GQueue tx; /* bytes on their way to the client */
	gint64 rx_free_us;
	gint64 tx_free_us;
	GSource *rx_timer;
	GSource *tx_timer;
	GSource *noise_timer;
	GSource *replug_timer;
	gulong running_id;
	gulong drop_link_id;
	guint64 noise_lines;
	guint64 packets_out;
	guint opens;
};

static void
pending_free(gpointer data)
{
	Pending *p = data;

	g_bytes_unref(p->bytes);
	g_free(p);
}

static void
source_clear(GSource **source)
{
	if (*source != NULL) {
		g_source_destroy(*source);
		g_clear_pointer(source, g_source_unref);
	}
}

static void
serial_log(DfudSimSerial *self, const gchar *event, const gchar *key, const gchar *value,
	   gint64 len)
{
	JsonObject *fields;

	g_debug("device %u: %s %s=%s", dfud_sim_device_get_index(self->device), event, key, value);
	if (self->log == NULL || !dfud_sim_log_enabled(self->log))
		return;
	fields = json_object_new();
	json_object_set_string_member(fields, key, value);
	json_object_set_string_member(fields, "transport", "serial");
	if (len >= 0)
		json_object_set_int_member(fields, "len", len);
	dfud_sim_log_event(self->log, dfud_sim_device_get_index(self->device), event, fields);
}

/* when @len more bytes have crossed a line that is free from *@free_us on */
static gint64
serial_line_time(DfudSimSerial *self, gint64 *free_us, gsize len)
{
	gint64 now = g_get_monotonic_time();

	if (self->params.baud == 0)
		return now;
	*free_us = MAX(now, *free_us) +
		   (gint64)len * SERIAL_BITS_PER_BYTE * G_USEC_PER_SEC / self->params.baud;
	return *free_us;
}

static void
serial_arm(DfudSimSerial *self, GSource **timer, GQueue *queue, GSourceFunc func)
{
	Pending *head = g_queue_peek_head(queue);
	gint64 wait_us;

	if (head == NULL || *timer != NULL)
		return;
	wait_us = MAX(head->at - g_get_monotonic_time(), 0);
	*timer = g_timeout_source_new((guint)((wait_us + 999) / 1000));
	g_source_set_callback(*timer, func, self, NULL);
	g_source_attach(*timer, g_main_context_get_thread_default());
}

/* ---- to the client ---- */

static void
serial_write(DfudSimSerial *self, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);

	while (len > 0 && self->master >= 0) {
		gssize n = write(self->master, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* nobody reads the port: its buffer is full, the rest is lost */
			serial_log(self, "drop", "reason", g_strerror(errno), (gint64)len);
			return;
		}
		data += n;
		len -= (gsize)n;
	}
}

/* hands the queue's items whose time has come to @deliver, and waits for the next one */
static void
serial_drain(DfudSimSerial *self, GSource **timer, GQueue *queue,
	     void (*deliver)(DfudSimSerial *self, GBytes *bytes), GSourceFunc again)
{
	gint64 now = g_get_monotonic_time();
	Pending *p;

	g_clear_pointer(timer, g_source_unref);
	while ((p = g_queue_peek_head(queue)) != NULL && p->at <= now) {
		g_queue_pop_head(queue);
		deliver(self, p->bytes);
		pending_free(p);
	}
	serial_arm(self, timer, queue, again);
}

static gboolean
serial_tx_cb(gpointer user_data)
{
	DfudSimSerial *self = user_data;

	serial_drain(self, &self->tx_timer, &self->tx, serial_write, serial_tx_cb);
	return G_SOURCE_REMOVE;
}

static void
serial_queue_out(DfudSimSerial *self, GBytes *bytes)
{
	Pending *p = g_new0(Pending, 1);

	p->bytes = g_bytes_ref(bytes);
	p->at = serial_line_time(self, &self->tx_free_us, g_bytes_get_size(bytes));
	g_queue_push_tail(&self->tx, p);
	if (self->params.baud == 0 && self->tx_timer == NULL) {
		serial_tx_cb(self);
		return;
	}
	serial_arm(self, &self->tx_timer, &self->tx, serial_tx_cb);
}

static GBytes *
serial_noise_line(DfudSimSerial *self)
{
	gint64 ms = g_get_monotonic_time() / 1000;
	gchar *line;

	self->noise_lines++;
	line = g_strdup_printf(
	    "[%02d:%02d:%02d.%03d,000] <inf> app: console line %" G_GUINT64_FORMAT "\r\nuart:~$ ",
	    (int)(ms / 3600000 % 24), (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
	    (int)(ms % 1000), self->noise_lines);
	return g_bytes_new_take(line, strlen(line));
}

/* the frames of @frame, spoilt by a serial fault when one fires */
static GBytes *
serial_frames(DfudSimSerial *self, GBytes *frame)
{
	gsize len = 0;
	const guint8 *msg = g_bytes_get_data(frame, &len);
	GBytes *frames;

	if (self->params.raw)
		return g_bytes_ref(frame);
	if (dfud_sim_device_fire_response_fault(self->device, DFUD_SIM_FAULT_SERIAL_CRC,
						self->session, frame)) {
		g_autofree guint8 *raw = g_malloc(len + DFUD_SMP_SERIAL_PACKET_OVERHEAD);
		guint16 crc = (guint16)(dfud_smp_serial_crc16(0, msg, len) ^ 0xffffu);

		raw[0] = (guint8)((len + 2) >> 8);
		raw[1] = (guint8)(len + 2);
		memcpy(raw + 2, msg, len);
		raw[len + 2] = (guint8)(crc >> 8);
		raw[len + 3] = (guint8)crc;
		return dfud_smp_serial_frame_packet(raw, len + DFUD_SMP_SERIAL_PACKET_OVERHEAD);
	}
	frames = dfud_smp_serial_encode(msg, len);
	if (dfud_sim_device_fire_response_fault(self->device, DFUD_SIM_FAULT_SERIAL_BASE64,
						self->session, frame)) {
		gsize flen = 0;
		guint8 *copy = g_bytes_unref_to_data(frames, &flen);

		copy[MIN(5u, flen - 2)] = '*'; /* inside the first frame's text */
		return g_bytes_new_take(copy, flen);
	}
	return frames;
}

static void
serial_send_cb(DfudSimSession *session, GBytes *frame, gpointer user_data)
{
	DfudSimSerial *self = user_data;
	g_autoptr(GBytes) frames = NULL;
	gsize len = 0;
	const guint8 *data;
	const guint8 *second;

	if (self->master < 0 || session != self->session)
		return;
	frames = serial_frames(self, frame);
	data = g_bytes_get_data(frames, &len);
	self->packets_out++;
	second = memchr(data, '\n', len);
	/* with noise: a log line between the first frame and the next, every other packet */
	if (self->params.noise_ms != 0 && second != NULL && (gsize)(second + 1 - data) < len &&
	    self->packets_out % 2 == 0) {
		gsize first = (gsize)(second + 1 - data);
		g_autoptr(GBytes) head = g_bytes_new_from_bytes(frames, 0, first);
		g_autoptr(GBytes) tail = g_bytes_new_from_bytes(frames, first, len - first);
		g_autoptr(GBytes) noise = serial_noise_line(self);

		serial_queue_out(self, head);
		serial_queue_out(self, noise);
		serial_queue_out(self, tail);
		return;
	}
	serial_queue_out(self, frames);
}

static gboolean
serial_noise_cb(gpointer user_data)
{
	DfudSimSerial *self = user_data;
	g_autoptr(GBytes) noise = NULL;

	/* never inside a frame: only when the line is idle */
	if (self->master < 0 || !g_queue_is_empty(&self->tx))
		return G_SOURCE_CONTINUE;
	noise = serial_noise_line(self);
	serial_queue_out(self, noise);
	return G_SOURCE_CONTINUE;
}

/* ---- from the client ---- */

static void
serial_deliver_request(DfudSimSerial *self, GBytes *packet)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(packet, &len);

	if (!dfud_sim_device_is_running(self->device))
		serial_log(self, "drop", "reason", "not running", (gint64)len);
	else if (self->session != NULL)
		dfud_sim_device_receive(self->device, self->session, data, len);
}

static gboolean
serial_rx_cb(gpointer user_data)
{
	DfudSimSerial *self = user_data;

	serial_drain(self, &self->rx_timer, &self->rx, serial_deliver_request, serial_rx_cb);
	return G_SOURCE_REMOVE;
}

static void
serial_count_drops(DfudSimSerial *self, const DfudSmpSerialStats *before)
{
	const DfudSmpSerialStats *now = dfud_smp_serial_decoder_get_stats(self->decoder);

	if (now->bad_frames != before->bad_frames)
		serial_log(self, "drop", "reason", "bad frame", -1);
	if (now->bad_length != before->bad_length)
		serial_log(self, "drop", "reason", "packet length (UART MTU or SMP buffer)", -1);
	if (now->bad_crc != before->bad_crc)
		serial_log(self, "drop", "reason", "bad CRC", -1);
}

/*
 * The raw UART transport (CONFIG_MCUMGR_TRANSPORT_RAW_UART, spec §6.2): SMP packets back to back,
 * delimited by their headers' length; one longer than the buffer discards what is buffered (no
 * framing to resynchronise on)
 */
static void
serial_feed_raw(DfudSimSerial *self, const guint8 *data, gsize len, GQueue *out)
{
	g_byte_array_append(self->raw_in, data, (guint)len);
	while (self->raw_in->len >= DFUD_SMP_HEADER_SIZE) {
		const guint8 *b = self->raw_in->data;
		gsize total = DFUD_SMP_HEADER_SIZE + (((gsize)b[2] << 8) | b[3]);

		if (total > self->raw_max) {
			serial_log(self, "drop", "reason", "raw packet beyond the buffer",
				   (gint64)total);
			g_byte_array_set_size(self->raw_in, 0);
			return;
		}
		if (self->raw_in->len < total)
			return;
		g_queue_push_tail(out, g_bytes_new(b, total));
		g_byte_array_remove_range(self->raw_in, 0, (guint)total);
	}
}

static gboolean
serial_readable_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	DfudSimSerial *self = user_data;
	guint8 buf[SERIAL_READ_CHUNK];
	DfudSmpSerialStats before = *dfud_smp_serial_decoder_get_stats(self->decoder);
	gssize n = read(fd, buf, sizeof(buf));
	gint64 at;
	GBytes *packet;
	GQueue packets = G_QUEUE_INIT;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return G_SOURCE_CONTINUE;
		/* cannot happen while the slave is held open; do not spin if it does */
		serial_log(self, "drop", "reason", n == 0 ? "end of input" : g_strerror(errno), -1);
		g_clear_pointer(&self->read_source, g_source_unref);
		return G_SOURCE_REMOVE;
	}
	at = serial_line_time(self, &self->rx_free_us, (gsize)n);
	if (self->params.raw) {
		serial_feed_raw(self, buf, (gsize)n, &packets);
	} else {
		dfud_smp_serial_decoder_feed(self->decoder, buf, (gsize)n);
		serial_count_drops(self, &before);
		while ((packet = dfud_smp_serial_decoder_pop(self->decoder)) != NULL)
			g_queue_push_tail(&packets, packet);
	}
	while ((packet = g_queue_pop_head(&packets)) != NULL) {
		Pending *p = g_new0(Pending, 1);

		p->at = at;
		p->bytes = packet;
		g_queue_push_tail(&self->rx, p);
	}
	if (self->params.baud == 0 && self->rx_timer == NULL)
		serial_rx_cb(self);
	else
		serial_arm(self, &self->rx_timer, &self->rx, serial_rx_cb);
	return G_SOURCE_CONTINUE;
}

/* ---- the port ---- */

static void
serial_update_link(DfudSimSerial *self)
{
	g_autofree gchar *tmp = NULL;

	if (self->link == NULL)
		return;
	if (self->pty_path == NULL) {
		if (unlink(self->link) != 0 && errno != ENOENT)
			g_warning("%s: %s", self->link, g_strerror(errno));
		return;
	}
	tmp = g_strconcat(self->link, ".new", NULL);
	(void)unlink(tmp);
	/* replaced at once: a client never finds the link missing while the port is there */
	if (symlink(self->pty_path, tmp) != 0 || rename(tmp, self->link) != 0)
		g_warning("%s: %s", self->link, g_strerror(errno));
}

static void
serial_close_pty(DfudSimSerial *self)
{
	source_clear(&self->read_source);
	source_clear(&self->rx_timer);
	source_clear(&self->tx_timer);
	g_queue_clear_full(&self->rx, pending_free);
	g_queue_clear_full(&self->tx, pending_free);
	dfud_smp_serial_decoder_reset(self->decoder);
	g_byte_array_set_size(self->raw_in, 0);
	if (self->session != NULL) {
		DfudSimSession *session = g_steal_pointer(&self->session);

		dfud_sim_device_disconnect(self->device, session);
	}
	if (self->slave >= 0)
		close(self->slave);
	if (self->master >= 0)
		close(self->master); /* the client's descriptor hangs up */
	self->slave = -1;
	self->master = -1;
	g_clear_pointer(&self->pty_path, g_free);
	serial_update_link(self);
}

static gboolean
serial_pty_new(DfudSimSerial *self, GError **error)
{
	struct termios tio;
	gchar name[128];
	gint master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	gint slave = -1;

	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    tcgetattr(slave, &tio) != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "pseudo-terminal: %s",
			    g_strerror(errno));
		if (master >= 0)
			close(master);
		if (slave >= 0)
			close(slave);
		return FALSE;
	}
	/* the line raw until the client sets it: no echo of what it writes */
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);
	g_unix_set_fd_nonblocking(master, TRUE, NULL);
	self->master = master;
	self->slave = slave;
	self->pty_path = g_strdup(name);
	return TRUE;
}

static gboolean
serial_open_pty(DfudSimSerial *self, GError **error)
{
	g_autofree gchar *peer = NULL;
	guint index = dfud_sim_device_get_index(self->device);

	if (self->master >= 0)
		return TRUE;
	if (!serial_pty_new(self, error))
		return FALSE;
	self->rx_free_us = self->tx_free_us = 0;
	peer = g_strdup_printf("serial %s", self->pty_path);
	self->session = dfud_sim_device_connect(self->device, peer, serial_send_cb, self);
	self->read_source = g_unix_fd_source_new(self->master, G_IO_IN);
	g_source_set_callback(self->read_source, G_SOURCE_FUNC(serial_readable_cb), self, NULL);
	g_source_attach(self->read_source, g_main_context_get_thread_default());
	serial_update_link(self);
	if (self->opens++ > 0) {
		printf("dfud-sim: device %u serial reopened on %s\n", index, self->pty_path);
		fflush(stdout);
	}
	serial_log(self, "serial", "pty", self->pty_path, -1);
	return TRUE;
}

/* the port back (the device runs again, the cable plugged in) */
static void
serial_reopen(DfudSimSerial *self)
{
	g_autoptr(GError) error = NULL;

	if (!serial_open_pty(self, &error))
		g_warning("device %u: %s", dfud_sim_device_get_index(self->device), error->message);
}

static gboolean
serial_replug_cb(gpointer user_data)
{
	DfudSimSerial *self = user_data;

	g_clear_pointer(&self->replug_timer, g_source_unref);
	if (dfud_sim_device_is_running(self->device))
		serial_reopen(self);
	return G_SOURCE_REMOVE;
}

/* a reset: the USB device leaves the bus, and comes back once the firmware runs */
static void
serial_running_cb(DfudSimDevice *device, gboolean running, gpointer user_data)
{
	DfudSimSerial *self = user_data;

	if (!running) {
		serial_log(self, "serial", "state", "away (reset)", -1);
		source_clear(&self->replug_timer); /* the reset's drop-link: no unplug */
		serial_close_pty(self);
	} else if (self->replug_timer == NULL) {
		serial_reopen(self);
	}
}

/* after a drop-link: a reset (the device no longer runs: the reset's own handler reopens the
 * port) or the cable pulled, plugged back after --serial-unplug ms */
static gboolean
serial_unplugged_cb(gpointer user_data)
{
	DfudSimSerial *self = user_data;

	g_clear_pointer(&self->replug_timer, g_source_unref);
	if (!dfud_sim_device_is_running(self->device))
		return G_SOURCE_REMOVE;
	serial_log(self, "serial", "state", "away (unplugged)", -1);
	self->replug_timer = g_timeout_source_new(self->params.unplug_ms);
	g_source_set_callback(self->replug_timer, serial_replug_cb, self, NULL);
	g_source_attach(self->replug_timer, g_main_context_get_thread_default());
	return G_SOURCE_REMOVE;
}

static void
serial_drop_link_cb(DfudSimDevice *device, gpointer session, gpointer user_data)
{
	DfudSimSerial *self = user_data;

	if (session == NULL || session != self->session)
		return;
	serial_close_pty(self);
	/* a reset drops the link first and stops the device next: tell them apart after both */
	source_clear(&self->replug_timer);
	self->replug_timer = g_idle_source_new();
	g_source_set_callback(self->replug_timer, serial_unplugged_cb, self, NULL);
	g_source_attach(self->replug_timer, g_main_context_get_thread_default());
}

DfudSimSerial *
dfud_sim_serial_new(DfudSimDevice *device, DfudSimLog *log, const DfudSimSerialParams *params,
		    GError **error)
{
	DfudSimSerial *self;
	guint buffer;

	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(device), NULL);
	g_return_val_if_fail(params != NULL && params->mtu > DFUD_SMP_SERIAL_PACKET_OVERHEAD, NULL);

	self = g_new0(DfudSimSerial, 1);
	self->device = g_object_ref(device);
	self->log = log;
	self->params = *params;
	self->link = g_strdup(params->link);
	self->params.link = self->link;
	self->master = self->slave = -1;
	g_queue_init(&self->rx);
	g_queue_init(&self->tx);
	/* length and CRC around the message must fit the UART MTU and the SMP buffer */
	buffer = MIN(params->mtu, dfud_sim_device_get_buf_size(device));
	self->decoder = dfud_smp_serial_decoder_new(buffer - DFUD_SMP_SERIAL_PACKET_OVERHEAD);
	self->raw_in = g_byte_array_new();
	self->raw_max = buffer;
	if (!serial_open_pty(self, error)) {
		dfud_sim_serial_free(self);
		return NULL;
	}
	self->running_id =
	    g_signal_connect(device, "running-changed", G_CALLBACK(serial_running_cb), self);
	self->drop_link_id =
	    g_signal_connect(device, "drop-link", G_CALLBACK(serial_drop_link_cb), self);
	/* the raw transport cannot share its line with a console: no noise there */
	if (params->noise_ms != 0 && !params->raw) {
		self->noise_timer = g_timeout_source_new(params->noise_ms);
		g_source_set_callback(self->noise_timer, serial_noise_cb, self, NULL);
		g_source_attach(self->noise_timer, g_main_context_get_thread_default());
	}
	return self;
}

void
dfud_sim_serial_free(DfudSimSerial *self)
{
	if (self == NULL)
		return;
	if (self->running_id != 0)
		g_signal_handler_disconnect(self->device, self->running_id);
	if (self->drop_link_id != 0)
		g_signal_handler_disconnect(self->device, self->drop_link_id);
	source_clear(&self->noise_timer);
	source_clear(&self->replug_timer);
	serial_close_pty(self);
	dfud_smp_serial_decoder_free(self->decoder);
	g_byte_array_unref(self->raw_in);
	g_clear_object(&self->device);
	g_free(self->link);
	g_free(self);
}

const gchar *
dfud_sim_serial_get_path(DfudSimSerial *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->pty_path;
}
