/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-dbus-generated.h"
#include "dfuctl-output.h"

G_BEGIN_DECLS

/*
 * One job as a record, the same for `jobs`, `update` and `watch`. JSON keys (stable):
 * id, path, device, status, result (null before the end), mode, progress, bytes_done,
 * bytes_total, rate (whole bytes/s), mtu, buf_size, window, image, old_version, old_hash (hex;
 * null when not known yet), images (list of {image, role, version, hash, size}), created,
 * started, finished (µs since the epoch; null when not yet), restarts, error_name,
 * error_message (null unless failed or cancelled). Titled "Job N".
 */
DfuctlRecord *dfuctl_job_record(DfudDbusJob *job);

/*
 * One Manager.GetHistory entry (or Device.LastUpdate) as a record. JSON keys (stable): job,
 * device (URI), name, result, error_name, error_message, old_version, old_hash, new_version,
 * new_hash, started (µs since the epoch), duration_ms, bytes, rate (whole bytes/s); a value the
 * entry lacks (or has empty) is null. Titled "Job N".
 */
DfuctlRecord *dfuctl_history_record(GVariant *entry);

/* µs since the epoch as local time ("2026-01-02 03:04:05"); "-" for 0 */
gchar *dfuctl_format_time(gint64 usec);
/* bytes/s for people: "12.3 KiB/s" */
gchar *dfuctl_format_rate(gdouble rate);

G_END_DECLS
