/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"

G_BEGIN_DECLS

/*
 * Internal to the uploader: the packet size a device takes. Packets the device never takes get
 * smaller: while no request of the packet size has been answered, an echo goes out after a
 * while (SIZE_PROBE_AFTER_RTO retransmission timeouts, at least a second, doubling); when the
 * echo is answered and the big request still is not (the device works through its requests in
 * order, spec §1.4: the big one never reached it), or the device answers a big request with rc 2,
 * 3 or 9 (no memory to take it, unreadable, truncated), the size steps down by a quarter, not
 * below DFUD_UPLOAD_SIZE_FLOOR, and the step function is called. A UDP path that drops datagrams
 * the device cannot take in one IP packet, a BLE device without the buffers to reassemble big
 * packets, both show this way.
 */
#define DFUD_UPLOAD_SIZE_FLOOR 256u

#define DFUD_TYPE_UPLOAD_SIZE (dfud_upload_size_get_type())
G_DECLARE_FINAL_TYPE(DfudUploadSize, dfud_upload_size, DFUD, UPLOAD_SIZE, GObject)

/* the size stepped down to dfud_upload_size_get(); @why says what showed the need. With
 * @why's ownership: the uploader goes on at the new size. At the floor: DFUD_UPLOAD_SIZE_FLOOR
 * reached, the caller fails with @why. */
typedef void (*DfudUploadSizeStepFunc)(gboolean stepped, GError *why, gpointer user_data);

DfudUploadSize *dfud_upload_size_new(DfudSmpClient *client, gsize packet_size,
				     guint probe_timeout_ms, DfudUploadSizeStepFunc func,
				     gpointer user_data);
gsize dfud_upload_size_get(DfudUploadSize *self);
/* a request of @size went out (the echo follows while none of the packet size is answered) */
void dfud_upload_size_sent(DfudUploadSize *self, gsize size, GCancellable *cancellable);
/* the answer to a request of @size: TRUE when it made the size step down (the call's answer is
 * then settled by the step function) */
gboolean dfud_upload_size_answered(DfudUploadSize *self, gsize size, const DfudSmpResponse *resp,
				   const GError *error);
/* no more probes (the upload ended); the step function is not called again */
void dfud_upload_size_stop(DfudUploadSize *self);

G_END_DECLS
