/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The 8-byte SMP frame header (spec §1.1): all multi-byte fields big-endian. */
#define DFUD_SMP_HEADER_SIZE 8u
/* the header's len field is 16 bits: the CBOR body of one frame is at most this long */
#define DFUD_SMP_BODY_MAX 65535u
#define DFUD_SMP_FRAME_MAX (DFUD_SMP_HEADER_SIZE + DFUD_SMP_BODY_MAX)

typedef enum {
	DFUD_SMP_OP_READ = 0,
	DFUD_SMP_OP_READ_RSP = 1,
	DFUD_SMP_OP_WRITE = 2,
	DFUD_SMP_OP_WRITE_RSP = 3,
} DfudSmpOp;

/* the 2-bit ver field; 2 and 3 are reserved (a server answers them with rc 13) */
typedef enum {
	DFUD_SMP_VERSION_1 = 0,
	DFUD_SMP_VERSION_2 = 1,
} DfudSmpVersion;

typedef struct {
	guint8 op;	/* DfudSmpOp; the wire field holds 0..7 */
	guint8 version; /* DfudSmpVersion; the wire field holds 0..3 */
	guint8 flags;	/* reserved, sent as 0 */
	guint16 len;	/* body length, header excluded */
	guint16 group;
	guint8 seq;
	guint8 id;
} DfudSmpHeader;

void dfud_smp_header_encode(const DfudSmpHeader *hdr, guint8 out[DFUD_SMP_HEADER_SIZE]);
gboolean dfud_smp_header_decode(const guint8 *buf, gsize buf_len, DfudSmpHeader *hdr,
				GError **error);
gboolean dfud_smp_frame_decode(const guint8 *frame, gsize frame_len, DfudSmpHeader *hdr,
			       const guint8 **body, gsize *body_len, GError **error);
GBytes *dfud_smp_frame_new(const DfudSmpHeader *hdr, const guint8 *body, gsize body_len);

gboolean dfud_smp_op_is_response(guint op);
guint8 dfud_smp_op_response_for(guint op);
const gchar *dfud_smp_op_name(guint op);

G_END_DECLS
