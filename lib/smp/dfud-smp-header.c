/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-smp-header.h"

#define DFUD_SMP_HDR_OP_MASK 0x07u
#define DFUD_SMP_HDR_VER_MASK 0x18u
#define DFUD_SMP_HDR_VER_SHIFT 3u
#define DFUD_SMP_HDR_RESERVED_MASK 0xe0u

void
dfud_smp_header_encode(const DfudSmpHeader *hdr, guint8 out[DFUD_SMP_HEADER_SIZE])
{
	g_return_if_fail(hdr != NULL);
	g_return_if_fail(out != NULL);

	out[0] = (guint8)(((hdr->version << DFUD_SMP_HDR_VER_SHIFT) & DFUD_SMP_HDR_VER_MASK) |
			  (hdr->op & DFUD_SMP_HDR_OP_MASK));
	out[1] = hdr->flags;
	out[2] = (guint8)(hdr->len >> 8);
	out[3] = (guint8)(hdr->len & 0xff);
	out[4] = (guint8)(hdr->group >> 8);
	out[5] = (guint8)(hdr->group & 0xff);
	out[6] = hdr->seq;
	out[7] = hdr->id;
}

/* Decodes the first 8 bytes of buf; bytes after the header are not looked at, so this also
 * serves a transport that has only the first fragment of a frame and needs len. */
gboolean
dfud_smp_header_decode(const guint8 *buf, gsize buf_len, DfudSmpHeader *hdr, GError **error)
{
	g_return_val_if_fail(buf != NULL || buf_len == 0, FALSE);
	g_return_val_if_fail(hdr != NULL, FALSE);

	if (buf_len < DFUD_SMP_HEADER_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "SMP frame too short: %" G_GSIZE_FORMAT " bytes, the header needs %u",
			    buf_len, DFUD_SMP_HEADER_SIZE);
		return FALSE;
	}
	if ((buf[0] & DFUD_SMP_HDR_RESERVED_MASK) != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "SMP header has reserved bits set (first byte 0x%02x)", buf[0]);
		return FALSE;
	}
	hdr->op = buf[0] & DFUD_SMP_HDR_OP_MASK;
	hdr->version = (buf[0] & DFUD_SMP_HDR_VER_MASK) >> DFUD_SMP_HDR_VER_SHIFT;
	hdr->flags = buf[1];
	hdr->len = (guint16)((buf[2] << 8) | buf[3]);
	hdr->group = (guint16)((buf[4] << 8) | buf[5]);
	hdr->seq = buf[6];
	hdr->id = buf[7];
	return TRUE;
}

/* Decodes a whole frame: the buffer must hold exactly the header and the len body bytes. */
gboolean
dfud_smp_frame_decode(const guint8 *frame, gsize frame_len, DfudSmpHeader *hdr, const guint8 **body,
		      gsize *body_len, GError **error)
{
	gsize avail;

	if (!dfud_smp_header_decode(frame, frame_len, hdr, error))
		return FALSE;
	avail = frame_len - DFUD_SMP_HEADER_SIZE;
	if (hdr->len > avail) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "SMP frame truncated: header announces %u body bytes, "
			    "only %" G_GSIZE_FORMAT " present",
			    hdr->len, avail);
		return FALSE;
	}
	if (hdr->len < avail) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "SMP frame has %" G_GSIZE_FORMAT
			    " trailing bytes after the %u body bytes the header announces",
			    avail - hdr->len, hdr->len);
		return FALSE;
	}
	if (body != NULL)
		*body = frame + DFUD_SMP_HEADER_SIZE;
	if (body_len != NULL)
		*body_len = hdr->len;
	return TRUE;
}

/* Builds header + body; the header's len is taken from body_len, not from hdr->len. */
GBytes *
dfud_smp_frame_new(const DfudSmpHeader *hdr, const guint8 *body, gsize body_len)
{
	DfudSmpHeader h;
	guint8 *buf;

	g_return_val_if_fail(hdr != NULL, NULL);
	g_return_val_if_fail(body != NULL || body_len == 0, NULL);
	g_return_val_if_fail(body_len <= DFUD_SMP_BODY_MAX, NULL);

	h = *hdr;
	h.len = (guint16)body_len;
	buf = g_malloc(DFUD_SMP_HEADER_SIZE + body_len);
	dfud_smp_header_encode(&h, buf);
	if (body_len > 0)
		memcpy(buf + DFUD_SMP_HEADER_SIZE, body, body_len);
	return g_bytes_new_take(buf, DFUD_SMP_HEADER_SIZE + body_len);
}

gboolean
dfud_smp_op_is_response(guint op)
{
	return op == DFUD_SMP_OP_READ_RSP || op == DFUD_SMP_OP_WRITE_RSP;
}

/* the op a server answers a request op with (spec §1.2: read -> read-rsp, else write-rsp) */
guint8
dfud_smp_op_response_for(guint op)
{
	return op == DFUD_SMP_OP_READ ? DFUD_SMP_OP_READ_RSP : DFUD_SMP_OP_WRITE_RSP;
}

const gchar *
dfud_smp_op_name(guint op)
{
	switch (op) {
	case DFUD_SMP_OP_READ:
		return "read";
	case DFUD_SMP_OP_READ_RSP:
		return "read response";
	case DFUD_SMP_OP_WRITE:
		return "write";
	case DFUD_SMP_OP_WRITE_RSP:
		return "write response";
	default:
		return "reserved op";
	}
}
