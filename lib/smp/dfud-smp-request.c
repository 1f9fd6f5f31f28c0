/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-smp-cbor-writer.h"
#include "dfud-smp-command.h"
#include "dfud-smp-request.h"
#include "dfud-smp-upload-size.h"

/* room for the fixed keys and values of any request besides its one variable-length field */
#define DFUD_SMP_REQUEST_FIXED_ROOM 64u

typedef struct {
	guint8 *buf;
	gsize capacity;
	DfudSmpCborWriter w;
	DfudSmpHeader hdr;
} DfudSmpRequestBuilder;

static void
builder_init(DfudSmpRequestBuilder *b, guint8 *buf, gsize capacity, DfudSmpVersion version,
	     guint8 op, guint16 group, guint8 id, guint8 seq)
{
	b->buf = buf;
	b->capacity = capacity;
	b->hdr =
	    (DfudSmpHeader){.op = op, .version = version, .group = group, .id = id, .seq = seq};
	dfud_smp_cbor_writer_init(&b->w, buf + DFUD_SMP_HEADER_SIZE,
				  capacity - DFUD_SMP_HEADER_SIZE);
}

/* writes the header now that the body length is known; 0 if the body did not fit */
static gsize
builder_finish(DfudSmpRequestBuilder *b)
{
	if (!dfud_smp_cbor_writer_ok(&b->w) || b->w.pos > DFUD_SMP_BODY_MAX)
		return 0;
	b->hdr.len = (guint16)b->w.pos;
	dfud_smp_header_encode(&b->hdr, b->buf);
	return DFUD_SMP_HEADER_SIZE + b->w.pos;
}

typedef void (*DfudSmpBodyFunc)(DfudSmpCborWriter *w, gconstpointer data);

/* allocates room for the fixed part plus `variable` bytes, writes, shrinks into a GBytes */
static GBytes *
build(DfudSmpVersion version, guint8 op, guint16 group, guint8 id, guint8 seq, gsize variable,
      DfudSmpBodyFunc body, gconstpointer data, GError **error)
{
	DfudSmpRequestBuilder b;
	g_autofree guint8 *buf = NULL;
	gsize capacity;
	gsize len;

	if (variable > DFUD_SMP_BODY_MAX) {
		g_autofree gchar *what = dfud_smp_command_describe(group, id, op);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: %" G_GSIZE_FORMAT
			    " bytes of parameters do not fit in one SMP frame",
			    what, variable);
		return NULL;
	}
	capacity = DFUD_SMP_HEADER_SIZE + DFUD_SMP_REQUEST_FIXED_ROOM + variable;
	buf = g_malloc(capacity);
	builder_init(&b, buf, capacity, version, op, group, id, seq);
	body(&b.w, data);
	len = builder_finish(&b);
	if (len == 0) {
		g_autofree gchar *what = dfud_smp_command_describe(group, id, op);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: request does not fit in one SMP frame", what);
		return NULL;
	}
	return g_bytes_new_take(g_realloc(g_steal_pointer(&buf), len), len);
}

static void
body_empty(DfudSmpCborWriter *w, gconstpointer data)
{
	dfud_smp_cbor_writer_map(w, 0);
}

/* one optional text parameter: {} when NULL */
typedef struct {
	const gchar *key;
	const gchar *value;
} DfudSmpTextParam;

static void
body_text(DfudSmpCborWriter *w, gconstpointer data)
{
	const DfudSmpTextParam *p = data;

	if (p->value == NULL) {
		dfud_smp_cbor_writer_map(w, 0);
		return;
	}
	dfud_smp_cbor_writer_map(w, 1);
	dfud_smp_cbor_writer_key_text(w, p->key, p->value);
}

static GBytes *
build_text(DfudSmpVersion version, guint8 op, guint16 group, guint8 id, guint8 seq,
	   const gchar *key, const gchar *value, GError **error)
{
	DfudSmpTextParam p = {key, value};
	gsize len = value != NULL ? strlen(value) : 0;

	if (value != NULL && !g_utf8_validate(value, -1, NULL)) {
		g_autofree gchar *what = dfud_smp_command_describe(group, id, op);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: \"%s\" parameter is not valid UTF-8", what, key);
		return NULL;
	}
	return build(version, op, group, id, seq, len, body_text, &p, error);
}

/* {"d": text}, sent as a read like the spec example */
GBytes *
dfud_smp_request_echo(DfudSmpVersion version, guint8 seq, const gchar *text, GError **error)
{
	g_return_val_if_fail(text != NULL, NULL);
	return build_text(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_ECHO, seq, "d",
			  text, error);
}

typedef struct {
	gboolean force;
	gint boot_mode;
} DfudSmpResetParams;

static void
body_reset(DfudSmpCborWriter *w, gconstpointer data)
{
	const DfudSmpResetParams *p = data;

	dfud_smp_cbor_writer_map(w, (p->force ? 1 : 0) + (p->boot_mode >= 0 ? 1 : 0));
	if (p->force)
		dfud_smp_cbor_writer_key_bool(w, "force", TRUE);
	if (p->boot_mode >= 0)
		dfud_smp_cbor_writer_key_uint(w, "boot_mode", (guint64)p->boot_mode);
}

/* force is sent only when TRUE; boot_mode (0..255) only when >= 0 */
GBytes *
dfud_smp_request_reset(DfudSmpVersion version, guint8 seq, gboolean force, gint boot_mode,
		       GError **error)
{
	DfudSmpResetParams p = {force, boot_mode};

	if (boot_mode > G_MAXUINT8) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "os reset: boot mode %d is out of range 0..255", boot_mode);
		return NULL;
	}
	return build(version, DFUD_SMP_OP_WRITE, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_RESET, seq, 0,
		     body_reset, &p, error);
}

GBytes *
dfud_smp_request_params(DfudSmpVersion version, guint8 seq)
{
	return build(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_MCUMGR_PARAMS, seq,
		     0, body_empty, NULL, NULL);
}

/* format: the field letters (spec §3.4) or NULL for the device's default */
GBytes *
dfud_smp_request_os_info(DfudSmpVersion version, guint8 seq, const gchar *format, GError **error)
{
	return build_text(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_INFO, seq,
			  "format", format, error);
}

/* query: NULL, DFUD_SMP_BOOTLOADER_QUERY_MODE or DFUD_SMP_BOOTLOADER_QUERY_ACTIVE_B0_SLOT */
GBytes *
dfud_smp_request_bootloader_info(DfudSmpVersion version, guint8 seq, const gchar *query,
				 GError **error)
{
	return build_text(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_BOOTLOADER_INFO,
			  seq, "query", query, error);
}

GBytes *
dfud_smp_request_image_state_read(DfudSmpVersion version, guint8 seq)
{
	return build(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_STATE, seq, 0,
		     body_empty, NULL, NULL);
}

typedef struct {
	const guint8 *hash;
	gsize hash_len;
	gboolean confirm;
} DfudSmpStateParams;

static void
body_state_write(DfudSmpCborWriter *w, gconstpointer data)
{
	const DfudSmpStateParams *p = data;

	dfud_smp_cbor_writer_map(w, (p->hash_len > 0 ? 1 : 0) + (p->confirm ? 1 : 0));
	if (p->hash_len > 0)
		dfud_smp_cbor_writer_key_bytes(w, "hash", p->hash, p->hash_len);
	if (p->confirm)
		dfud_smp_cbor_writer_key_bool(w, "confirm", TRUE);
}

/*
 * "test" (confirm FALSE, hash required) or "confirm" (hash of the slot to make permanent, or
 * none for the running image) (spec §4.2). hash_len is 0, 32 or 64.
 */
GBytes *
dfud_smp_request_image_state_write(DfudSmpVersion version, guint8 seq, const guint8 *hash,
				   gsize hash_len, gboolean confirm, GError **error)
{
	DfudSmpStateParams p = {hash, hash_len, confirm};

	g_return_val_if_fail(hash != NULL || hash_len == 0, NULL);

	if (hash_len != 0 && hash_len != 32 && hash_len != 64) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image state write: hash of %" G_GSIZE_FORMAT
			    " bytes, expected 32 or 64",
			    hash_len);
		return NULL;
	}
	if (hash_len == 0 && !confirm) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "image state write: marking an image for test needs its hash");
		return NULL;
	}
	return build(version, DFUD_SMP_OP_WRITE, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_STATE, seq,
		     hash_len, body_state_write, &p, error);
}

static gboolean
upload_check(const DfudSmpUploadChunk *chunk, GError **error)
{
	if (chunk->off > chunk->len || chunk->data_len > chunk->len - chunk->off) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image upload: chunk of %" G_GSIZE_FORMAT
			    " bytes at offset %" G_GUINT64_FORMAT
			    " runs past the image size %" G_GUINT64_FORMAT,
			    chunk->data_len, chunk->off, chunk->len);
		return FALSE;
	}
	if (chunk->off == 0 && chunk->sha_len > DFUD_SMP_UPLOAD_SHA_MAX) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image upload: sha of %" G_GSIZE_FORMAT " bytes, at most %u allowed",
			    chunk->sha_len, DFUD_SMP_UPLOAD_SHA_MAX);
		return FALSE;
	}
	return TRUE;
}

static void
body_upload(DfudSmpCborWriter *w, const DfudSmpUploadChunk *chunk)
{
	gboolean first = chunk->off == 0;
	gsize pairs = 2;

	if (first) {
		pairs += 1 + (chunk->image != 0 ? 1 : 0) + (chunk->sha_len > 0 ? 1 : 0) +
			 (chunk->upgrade ? 1 : 0);
	}
	dfud_smp_cbor_writer_map(w, pairs);
	dfud_smp_cbor_writer_key_uint(w, "off", chunk->off);
	dfud_smp_cbor_writer_key_bytes(w, "data", chunk->data, chunk->data_len);
	if (!first)
		return;
	dfud_smp_cbor_writer_key_uint(w, "len", chunk->len);
	if (chunk->image != 0)
		dfud_smp_cbor_writer_key_uint(w, "image", chunk->image);
	if (chunk->sha_len > 0)
		dfud_smp_cbor_writer_key_bytes(w, "sha", chunk->sha, chunk->sha_len);
	if (chunk->upgrade)
		dfud_smp_cbor_writer_key_bool(w, "upgrade", TRUE);
}

/*
 * The upload hot path: writes the frame into buf without allocating and returns its length
 * (exactly dfud_smp_upload_frame_size(chunk)), or 0 with an error when the chunk is inconsistent
 * or the frame does not fit in buf_size or in one SMP frame.
 */
gsize
dfud_smp_request_image_upload_into(DfudSmpVersion version, guint8 seq,
				   const DfudSmpUploadChunk *chunk, guint8 *buf, gsize buf_size,
				   GError **error)
{
	DfudSmpRequestBuilder b;
	gsize size;
	gsize len;

	g_return_val_if_fail(chunk != NULL, 0);
	g_return_val_if_fail(chunk->data != NULL || chunk->data_len == 0, 0);
	g_return_val_if_fail(chunk->sha != NULL || chunk->sha_len == 0, 0);
	g_return_val_if_fail(buf != NULL || buf_size == 0, 0);

	if (!upload_check(chunk, error))
		return 0;
	size = dfud_smp_upload_frame_size(chunk);
	if (size > DFUD_SMP_FRAME_MAX) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image upload: a frame of %" G_GSIZE_FORMAT
			    " bytes exceeds the SMP maximum of %u",
			    size, DFUD_SMP_FRAME_MAX);
		return 0;
	}
	if (size > buf_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image upload: the frame needs %" G_GSIZE_FORMAT
			    " bytes, the buffer holds %" G_GSIZE_FORMAT,
			    size, buf_size);
		return 0;
	}
	builder_init(&b, buf, size, version, DFUD_SMP_OP_WRITE, DFUD_SMP_GROUP_IMAGE,
		     DFUD_SMP_IMAGE_UPLOAD, seq);
	body_upload(&b.w, chunk);
	len = builder_finish(&b);
	if (len != size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_FAILED,
			    "image upload: frame of %" G_GSIZE_FORMAT
			    " bytes differs from its computed size %" G_GSIZE_FORMAT,
			    len, size);
		return 0;
	}
	return len;
}

GBytes *
dfud_smp_request_image_upload(DfudSmpVersion version, guint8 seq, const DfudSmpUploadChunk *chunk,
			      GError **error)
{
	g_autofree guint8 *buf = NULL;
	gsize size;
	gsize len;

	g_return_val_if_fail(chunk != NULL, NULL);

	if (!upload_check(chunk, error))
		return NULL;
	size = dfud_smp_upload_frame_size(chunk);
	if (size <= DFUD_SMP_FRAME_MAX)
		buf = g_malloc(size);
	else
		size = 0; /* the call below reports the oversize frame */
	len = dfud_smp_request_image_upload_into(version, seq, chunk, buf, size, error);
	if (len == 0)
		return NULL;
	return g_bytes_new_take(g_steal_pointer(&buf), len);
}

static void
body_erase(DfudSmpCborWriter *w, gconstpointer data)
{
	gint slot = *(const gint *)data;

	if (slot < 0) {
		dfud_smp_cbor_writer_map(w, 0);
		return;
	}
	dfud_smp_cbor_writer_map(w, 1);
	dfud_smp_cbor_writer_key_uint(w, "slot", (guint64)slot);
}

/* slot: absolute slot to erase, or < 0 for the device's default (spec §4.4) */
GBytes *
dfud_smp_request_image_erase(DfudSmpVersion version, guint8 seq, gint slot)
{
	return build(version, DFUD_SMP_OP_WRITE, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_ERASE, seq, 0,
		     body_erase, &slot, NULL);
}

GBytes *
dfud_smp_request_image_slot_info(DfudSmpVersion version, guint8 seq)
{
	return build(version, DFUD_SMP_OP_READ, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_SLOT_INFO, seq,
		     0, body_empty, NULL, NULL);
}
