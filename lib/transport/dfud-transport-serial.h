/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-transport.h"

G_BEGIN_DECLS

/*
 * SMP over a serial port (spec §6.2): Zephyr's UART and shell transports (frames of Base64 with
 * length and CRC-16, lib/smp/dfud-smp-serial.h), or its raw UART transport (plain SMP packets).
 *
 * Opening: the path (a symlink such as /dev/serial/by-id/... is followed at every open) must
 * resolve to a terminal device (/dev/tty[A-Za-z]*, /dev/pts/N, /dev/rfcommN); it is opened
 * non-blocking without becoming a controlling terminal, made exclusive (TIOCEXCL) and locked
 * (flock(2), as picocom and other serial tools do), set raw at the URI's speed (8N1, no flow
 * control, HUPCL off so that closing does not drop DTR), and its stale input discarded.
 * Errors: DFUD_ERROR_NOT_FOUND (no such port), DFUD_ERROR_NOT_AUTHORIZED (permission: the
 * dialout group), DFUD_ERROR_BUSY (another program holds it), DFUD_ERROR_INVALID_ARGUMENT (not a
 * serial port). Once a port was opened, a later open (a reconnect) waits for the path to come
 * back, as a USB CDC-ACM device re-enumerates after its reset, until cancelled (the caller's
 * open_within bound).
 *
 * The line: a hang-up (the USB device unplugged or reset, the far end of a PTY closed) closes
 * the transport with DFUD_ERROR_LINK_LOST "the port hung up". A frame the line corrupted is
 * dropped by the receiver without an answer while the port stays up, so the transport is lossy
 * and has no link in the engine's sense (a UART's port stays open across the device's reset:
 * only its answers show the reboot). Packets are at most mtu - 4 bytes (length and CRC must fit
 * the device's buffer, spec §4.3 "Maximum chunk size"), one request at a time
 * (dfud_transport_get_max_in_flight() = 1).
 */
#define DFUD_TYPE_TRANSPORT_SERIAL (dfud_transport_serial_get_type())
G_DECLARE_FINAL_TYPE(DfudTransportSerial, dfud_transport_serial, DFUD, TRANSPORT_SERIAL,
		     DfudTransport)

/* @mtu 0: DFUD_SMP_SERIAL_DEFAULT_MTU; @raw: the raw UART transport */
DfudTransport *dfud_transport_serial_new(const gchar *path, guint baud, guint mtu, gboolean raw);

/* TRUE when @real_path (resolved) names a terminal device a serial port can be */
gboolean dfud_transport_serial_path_is_port(const gchar *real_path);

G_END_DECLS
