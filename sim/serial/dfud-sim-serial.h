/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "device/dfud-sim-device.h"
#include "device/dfud-sim-log.h"

G_BEGIN_DECLS

/*
 * The serial transport of one device, like Zephyr's SMP UART transport on a USB CDC-ACM port
 * (spec §6.2), served on a pseudo-terminal as Zephyr's native_sim serves its UART: frames of
 * Base64 with length and CRC-16 (lib/smp/dfud-smp-serial.h, the codec the client uses too).
 *
 * - the PTY's path is printed ("device K serial on /dev/pts/N"); with a link path a symlink is
 *   kept pointing at the current PTY, as udev keeps /dev/serial/by-id/... for a USB device
 * - the device's UART MTU (--serial-mtu): a request whose packet (message, length and CRC) is
 *   longer than it, or than the SMP buffer (--buf-size), is dropped undecoded, as Zephyr's
 *   receive context drops what passes its buffer; one packet is decoded at a time (a new start
 *   frame discards a partial one)
 * - the line rate (--serial-baud): a PTY moves bytes at memory speed, so both directions are
 *   paced at 10 bits a byte (8N1): a request reaches the device when its last byte would have,
 *   an answer's bytes leave no faster than the line carries them
 * - console noise (--serial-noise MS): a log line every MS ms, and one between the frames of a
 *   packet of several frames, on the same line as the SMP frames (never inside a frame)
 * - faults serial-crc and serial-base64 spoil an answer's frames
 * - a reset closes the PTY (its USB device re-enumerates) and opens a new one when the device
 *   runs again; drop-link (an unplug) closes it for --serial-unplug ms. A new PTY has a new
 *   path: printed ("device K serial reopened on /dev/pts/M"), and the symlink follows it.
 */
typedef struct _DfudSimSerial DfudSimSerial;

typedef struct {
	const gchar *link; /* symlink path, NULL for none */
	guint baud;	   /* 0: not paced */
	guint mtu;
	guint noise_ms;
	guint unplug_ms;
	gboolean raw; /* the raw UART transport: plain SMP packets, no noise, no serial faults */
} DfudSimSerialParams;

DfudSimSerial *dfud_sim_serial_new(DfudSimDevice *device, DfudSimLog *log,
				   const DfudSimSerialParams *params, GError **error);
/* closes the PTY and removes the symlink */
void dfud_sim_serial_free(DfudSimSerial *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimSerial, dfud_sim_serial_free)
/* the current PTY's path, NULL while the port is away */
const gchar *dfud_sim_serial_get_path(DfudSimSerial *self);

G_END_DECLS
