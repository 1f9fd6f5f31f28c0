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
 * the highest `off` the device reports is the progress, a lower one resynchronises, `off` 0 on
 * a later chunk means the device lost the session. A lost final answer is settled by reading
 * image state, never by a fresh first chunk.
 *
 * Packets the device never takes get smaller: while no request of the packet size has been
 * answered, an echo goes out after a while; when the echo is answered and the big request still
 * is not, or the device answers a big request with rc 2, 3 or 9, the packet size steps down by a
 * quarter (not below 256 bytes) and the upload goes on from the device's offset. A UDP path that
 * drops datagrams the device cannot take in one IP packet, a BLE device without the buffers to
 * reassemble big packets, both show this way.
 */
#define DFUD_TYPE_UPLOADER (dfud_uploader_get_type())
G_DECLARE_FINAL_TYPE(DfudUploader, dfud_uploader, DFUD, UPLOADER, GObject)

/* @acked: the offset the device expects next */
typedef void (*DfudUploaderProgressFunc)(guint64 acked, gpointer user_data);

DfudUploader *dfud_uploader_new(DfudSmpClient *client, DfudImage *image, guint image_index,
				const DfudUpdateOptions *options, gsize packet_size, guint window);
void dfud_uploader_set_progress_func(DfudUploader *self, DfudUploaderProgressFunc func,
				     gpointer user_data);
/* completes when the device acknowledged the whole image (and `match` was not false) */
void dfud_uploader_run_async(DfudUploader *self, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data);
gboolean dfud_uploader_run_finish(DfudUploader *self, GAsyncResult *res, GError **error);
guint64 dfud_uploader_get_acked(DfudUploader *self);
/* the packet size in use: smaller than asked for once the device left bigger ones unanswered */
gsize dfud_uploader_get_packet_size(DfudUploader *self);

G_END_DECLS
