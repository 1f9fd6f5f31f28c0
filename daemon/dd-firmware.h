/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-firmware-cache.h"

G_BEGIN_DECLS

/* what one read may take (dfud.conf: MaxFirmwareSize, MaxFirmwareReadMemory, FirmwareRead) */
typedef struct {
	gsize max_size;	  /* bytes of one firmware */
	gsize max_memory; /* bytes of every read's buffer and result together, see below */
	guint timeout_ms; /* from the call to the descriptor's end */
} DdFirmwareLimits;

/*
 * Reads a caller's firmware descriptor to its end without blocking the daemon: a regular file
 * (or memfd) or a pipe; anything else (directory, device, socket) is refused. More than
 * @limits->max_size bytes is DFUD_ERROR_INVALID_ARGUMENT, an empty one DFUD_ERROR_IMAGE_EMPTY.
 * Takes @fd (closes it). Regular files are read in a worker thread with pread() (the
 * descriptor's offset may be shared with other calls), one file at a time in the order of the
 * calls, each after the previous read's callback has returned. A file identical to one of
 * @known's contents (optional) is compared as it is read, not copied: the result is then that
 * content's GBytes.
 *
 * Bounded: the read ends within @limits->timeout_ms of this call (DFUD_ERROR_TIMEOUT: a pipe
 * whose writer keeps it open, a file waiting too long for its turn or stuck), and the buffers
 * of all reads, with the results until they are freed, take at most @limits->max_memory bytes
 * (DFUD_ERROR_BUSY past it, at once). Cancelling @cancellable ends the read within a main loop
 * iteration, its descriptor closed (DFUD_ERROR_CANCELLED); a file already in its worker thread
 * keeps its descriptor until the thread's current pread() returns.
 */
void dd_firmware_read_async(gint fd, const DdFirmwareLimits *limits, DdFirmwareCache *known,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data);
GBytes *dd_firmware_read_finish(GAsyncResult *res, GError **error);

/* the bytes held now by reads in progress and by the results not yet freed (for tests) */
gsize dd_firmware_get_memory_in_use(void);

G_END_DECLS
