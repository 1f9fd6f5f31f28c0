/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-firmware-cache.h"

G_BEGIN_DECLS

/*
 * Reads a caller's firmware descriptor to its end without blocking the daemon: a regular file
 * (or memfd) or a pipe; anything else (directory, device, socket) is refused. More than
 * @max_size bytes is DFUD_ERROR_INVALID_ARGUMENT, an empty one DFUD_ERROR_IMAGE_EMPTY.
 * Takes @fd (closes it). Regular files are read in a worker thread with pread() (the
 * descriptor's offset may be shared with other calls), one file at a time in the order of the
 * calls, each after the previous read's callback has returned. A file identical to one of
 * @known's contents (optional) is compared as it is read, not copied: the result is then that
 * content's GBytes.
 */
void dd_firmware_read_async(gint fd, gsize max_size, DdFirmwareCache *known,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data);
GBytes *dd_firmware_read_finish(GAsyncResult *res, GError **error);

G_END_DECLS
