/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <string.h>

#include "dfud-smp-serial.h"

#define MARK_PKT_1 0x06u
#define MARK_PKT_2 0x09u
#define MARK_FRAG_1 0x04u
#define MARK_FRAG_2 0x14u

/* ---- CRC-16/XMODEM (Zephyr's crc16_itu_t with seed 0, spec §6.2) ---- */

static guint16 crc_table[256];

static void
crc_table_init(void)
{
	static gsize done = 0;

	if (!g_once_init_enter(&done))
		return;
	for (guint i = 0; i < 256; i++) {
		guint16 crc = (guint16)(i << 8);

		for (guint bit = 0; bit < 8; bit++)
			crc =
			    (crc & 0x8000u) ? (guint16)((crc << 1) ^ 0x1021u) : (guint16)(crc << 1);
		crc_table[i] = crc;
	}
	g_once_init_leave(&done, 1);
}

guint16
dfud_smp_serial_crc16(guint16 crc, const guint8 *data, gsize len)
{
	crc_table_init();
	for (gsize i = 0; i < len; i++)
		crc = (guint16)((crc << 8) ^ crc_table[((crc >> 8) ^ data[i]) & 0xffu]);
	return crc;
}

/* ---- encoder ---- */

gsize
dfud_smp_serial_encoded_size(gsize len)
{
	gsize text = 4 * ((len + DFUD_SMP_SERIAL_PACKET_OVERHEAD + 2) / 3);
	gsize frames = (text + DFUD_SMP_SERIAL_FRAME_TEXT_MAX - 1) / DFUD_SMP_SERIAL_FRAME_TEXT_MAX;

	return text + 3 * frames;
}

GBytes *
dfud_smp_serial_frame_packet(const guint8 *packet, gsize len)
{
	g_autofree gchar *text = NULL;
	GByteArray *out;
	gsize text_len;

	g_return_val_if_fail(packet != NULL && len > 0, NULL);
	text = g_base64_encode(packet, len);
	text_len = strlen(text);
	out = g_byte_array_sized_new((guint)(text_len + 3 * (text_len / 124 + 1)));
	/* 124 characters a frame: whole 4-character groups, so each frame decodes alone */
	for (gsize at = 0; at < text_len; at += DFUD_SMP_SERIAL_FRAME_TEXT_MAX) {
		gsize n = MIN(DFUD_SMP_SERIAL_FRAME_TEXT_MAX, text_len - at);
		guint8 marker[2] = {at == 0 ? MARK_PKT_1 : MARK_FRAG_1,
				    at == 0 ? MARK_PKT_2 : MARK_FRAG_2};

		g_byte_array_append(out, marker, 2);
		g_byte_array_append(out, (const guint8 *)text + at, (guint)n);
		g_byte_array_append(out, (const guint8 *)"\n", 1);
	}
	return g_byte_array_free_to_bytes(out);
}

GBytes *
dfud_smp_serial_encode(const guint8 *message, gsize len)
{
	g_autofree guint8 *raw = NULL;
	guint16 crc;

	if (len == 0 || len > G_MAXUINT16 - 2u)
		return NULL;
	raw = g_malloc(len + DFUD_SMP_SERIAL_PACKET_OVERHEAD);
	raw[0] = (guint8)((len + 2) >> 8);
	raw[1] = (guint8)(len + 2);
	memcpy(raw + 2, message, len);
	crc = dfud_smp_serial_crc16(0, message, len);
	raw[len + 2] = (guint8)(crc >> 8);
	raw[len + 3] = (guint8)crc;
	return dfud_smp_serial_frame_packet(raw, len + DFUD_SMP_SERIAL_PACKET_OVERHEAD);
}

/* ---- decoder ---- */

typedef enum {
	STATE_OUTSIDE,	 /* console noise, looking for a marker */
	STATE_MARK_PKT,	 /* saw 0x06 */
	STATE_MARK_FRAG, /* saw 0x04 */
	STATE_FRAME,	 /* Base64 text up to '\n' */
} DecoderState;

struct _DfudSmpSerialDecoder {
	gsize max_message;
	DecoderState state;
	guint frame_chars; /* Base64 characters of the current frame */
	gchar quantum[4];  /* a 4-character group, which may span frames */
	guint quantum_len;
	gboolean started; /* a packet is being received */
	gboolean padded;  /* its last group (with '=') was seen */
	guint8 *buf;	  /* length | message | CRC */
	gsize have;
	gsize expected; /* 2 + the length field, 0 until known */
	GQueue packets;
	DfudSmpSerialStats stats;
};

DfudSmpSerialDecoder *
dfud_smp_serial_decoder_new(gsize max_message)
{
	DfudSmpSerialDecoder *self = g_new0(DfudSmpSerialDecoder, 1);

	g_return_val_if_fail(max_message > 0 && max_message <= G_MAXUINT16 - 2u, NULL);
	self->max_message = max_message;
	/* + 2 bytes of slack: a group decodes 3 bytes at once */
	self->buf = g_malloc(max_message + DFUD_SMP_SERIAL_PACKET_OVERHEAD + 2);
	g_queue_init(&self->packets);
	return self;
}

void
dfud_smp_serial_decoder_free(DfudSmpSerialDecoder *self)
{
	if (self == NULL)
		return;
	g_queue_clear_full(&self->packets, (GDestroyNotify)g_bytes_unref);
	g_free(self->buf);
	g_free(self);
}

static void
packet_forget(DfudSmpSerialDecoder *self)
{
	self->started = FALSE;
	self->padded = FALSE;
	self->have = 0;
	self->expected = 0;
	self->quantum_len = 0;
}

void
dfud_smp_serial_decoder_reset(DfudSmpSerialDecoder *self)
{
	g_return_if_fail(self != NULL);
	packet_forget(self);
	self->state = STATE_OUTSIDE;
	self->frame_chars = 0;
}

const DfudSmpSerialStats *
dfud_smp_serial_decoder_get_stats(DfudSmpSerialDecoder *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return &self->stats;
}

GBytes *
dfud_smp_serial_decoder_pop(DfudSmpSerialDecoder *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return g_queue_pop_head(&self->packets);
}

static gboolean
is_base64(guint8 c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/';
}

/* a frame or packet gone bad: drop the packet, look for the next marker */
static void
drop(DfudSmpSerialDecoder *self, guint64 *counter)
{
	(*counter)++;
	packet_forget(self);
	self->state = STATE_OUTSIDE;
}

/* a complete 4-character group: validate and append its bytes; FALSE when the packet is bad */
static gboolean
quantum_decode(DfudSmpSerialDecoder *self)
{
	const gchar *q = self->quantum;
	guint8 out[3];
	gint state = 0;
	guint save = 0;
	gsize n;

	/* "xx==", "xxx=" or "xxxx"; padding ends the packet */
	if (!is_base64((guint8)q[0]) || !is_base64((guint8)q[1]))
		return FALSE;
	if (q[2] == '=' ? q[3] != '='
			: (!is_base64((guint8)q[2]) || (q[3] != '=' && !is_base64((guint8)q[3]))))
		return FALSE;
	self->padded = q[3] == '=';
	n = g_base64_decode_step(q, 4, out, &state, &save);
	if (self->have + n > self->max_message + DFUD_SMP_SERIAL_PACKET_OVERHEAD)
		return FALSE;
	memcpy(self->buf + self->have, out, n);
	self->have += n;
	self->quantum_len = 0;
	if (self->expected == 0 && self->have >= 2) {
		gsize field = ((gsize)self->buf[0] << 8) | self->buf[1];

		/* the CRC and at least one byte, at most the largest message and the CRC */
		if (field < 3 || field > self->max_message + 2)
			return FALSE;
		self->expected = field + 2;
	}
	return self->expected == 0 || self->have <= self->expected;
}

static void
frame_end(DfudSmpSerialDecoder *self)
{
	gsize message_len;

	self->state = STATE_OUTSIDE;
	if (self->expected == 0 || self->have < self->expected) {
		if (self->padded) /* padding, yet short of its length */
			drop(self, &self->stats.bad_length);
		return; /* more frames to come */
	}
	if (self->quantum_len != 0 || self->have != self->expected) {
		drop(self, &self->stats.bad_length);
		return;
	}
	message_len = self->expected - DFUD_SMP_SERIAL_PACKET_OVERHEAD;
	if (dfud_smp_serial_crc16(0, self->buf + 2, message_len + 2) != 0) {
		drop(self, &self->stats.bad_crc);
		return;
	}
	if (g_queue_get_length(&self->packets) >= DFUD_SMP_SERIAL_QUEUE_MAX) {
		drop(self, &self->stats.overflow);
		return;
	}
	g_queue_push_tail(&self->packets, g_bytes_new(self->buf + 2, message_len));
	self->stats.packets++;
	packet_forget(self);
}

static void
frame_start(DfudSmpSerialDecoder *self, gboolean first)
{
	if (first) {
		if (self->started) /* a new packet cuts the one in progress short */
			self->stats.bad_length++;
		packet_forget(self);
		self->started = TRUE;
	} else if (!self->started || self->padded) {
		drop(self, &self->stats.bad_frames);
		return;
	}
	self->state = STATE_FRAME;
	self->frame_chars = 0;
}

static void
feed_frame_byte(DfudSmpSerialDecoder *self, guint8 c)
{
	if (c == '\n') {
		frame_end(self);
		return;
	}
	if (!is_base64(c) && c != '=') {
		drop(self, &self->stats.bad_frames);
		/* a marker cut short of its newline starts the next frame */
		if (c == MARK_PKT_1 || c == MARK_FRAG_1)
			self->state = c == MARK_PKT_1 ? STATE_MARK_PKT : STATE_MARK_FRAG;
		return;
	}
	if (self->frame_chars >= DFUD_SMP_SERIAL_FRAME_TEXT_MAX || self->padded) {
		drop(self, &self->stats.bad_frames);
		return;
	}
	self->frame_chars++;
	self->quantum[self->quantum_len++] = (gchar)c;
	if (self->quantum_len == 4 && !quantum_decode(self))
		drop(self, &self->stats.bad_length);
}

void
dfud_smp_serial_decoder_feed(DfudSmpSerialDecoder *self, const guint8 *data, gsize len)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(data != NULL || len == 0);

	for (gsize i = 0; i < len; i++) {
		guint8 c = data[i];

		switch (self->state) {
		case STATE_FRAME:
			feed_frame_byte(self, c);
			break;
		case STATE_MARK_PKT:
		case STATE_MARK_FRAG:
			if (self->state == STATE_MARK_PKT && c == MARK_PKT_2) {
				frame_start(self, TRUE);
				break;
			}
			if (self->state == STATE_MARK_FRAG && c == MARK_FRAG_2) {
				frame_start(self, FALSE);
				break;
			}
			self->stats.noise_bytes++;
			self->state = STATE_OUTSIDE;
			/* fall through: this byte may start a marker */
			G_GNUC_FALLTHROUGH;
		case STATE_OUTSIDE:
			if (c == MARK_PKT_1)
				self->state = STATE_MARK_PKT;
			else if (c == MARK_FRAG_1)
				self->state = STATE_MARK_FRAG;
			else
				self->stats.noise_bytes++;
			break;
		}
	}
}
