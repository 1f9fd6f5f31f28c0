/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"
#include "engine/dfud-update-options.h"
#include "image/dfud-image.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: uploads one image (spec §4.3), pipelined and resumable. The first
 * chunk carries len, image, the file's SHA-256 and upgrade; its answer is the device's real
 * offset (a resumed session answers where it stands). Then up to `window` chunks are in flight;
 * the highest `off` the device reports is the progress, whichever request it answers (a late
 * answer counts), a lower one resynchronises, `off` 0 on a later chunk means the device lost the
 * session. A lost final answer is settled by reading image state, never by a fresh first chunk.
 *
 * Bounded (dfud.conf(5), "how long an update can take"):
 * - the first chunk's answer (the device erases its slot) within FirstChunk of its first send,
 *   copies over UDP included; no answer fails the upload;
 * - any other: when no answer of the chunks out comes within Chunk (LastChunk for the final one;
 *   the round-trip timeout when longer), they go again from the device's offset; the same
 *   offset without an answer chunk_retries times fails the upload (Timeout);
 * - a device that answers the offset it has to every chunk without taking it: again after a
 *   back-off, failed (Device) after chunk_retries, never a loop at the link's speed;
 * - the device losing the upload (offset 0): started again RESTARTS_MAX times at most;
 * - the whole upload within the deadline the caller sets (dfud_uploader_set_deadline).
 * Packets the device never takes get smaller (dfud-upload-size.h).
 */
#define DFUD_TYPE_UPLOADER (dfud_uploader_get_type())
G_DECLARE_FINAL_TYPE(DfudUploader, dfud_uploader, DFUD, UPLOADER, GObject)

/* @acked: the offset the device expects next */
typedef void (*DfudUploaderProgressFunc)(guint64 acked, gpointer user_data);

DfudUploader *dfud_uploader_new(DfudSmpClient *client, DfudImage *image, guint image_index,
				const DfudUpdateOptions *options, gsize packet_size, guint window);
void dfud_uploader_set_progress_func(DfudUploader *self, DfudUploaderProgressFunc func,
				     gpointer user_data);
/* the monotonic time by which the whole upload must be done (DFUD_ERROR_TIMEOUT), 0: none */
void dfud_uploader_set_deadline(DfudUploader *self, gint64 deadline_us);
/*
 * Starts with a chunk at @off instead of a first chunk (0: a first chunk): for a device that
 * resumes by offset alone, MCUboot's serial recovery, which keeps its expected offset while it
 * runs and erases the slot again at every chunk at offset 0 (boot_serial.c, bs_upload()). An
 * answer naming offset 0 (the device restarted) starts over with a first chunk.
 */
void dfud_uploader_set_resume(DfudUploader *self, guint64 off);
/* completes when the device acknowledged the whole image (and `match` was not false) */
void dfud_uploader_run_async(DfudUploader *self, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data);
gboolean dfud_uploader_run_finish(DfudUploader *self, GAsyncResult *res, GError **error);
guint64 dfud_uploader_get_acked(DfudUploader *self);
/* the packet size in use: smaller than asked for once the device left bigger ones unanswered */
gsize dfud_uploader_get_packet_size(DfudUploader *self);

G_END_DECLS
