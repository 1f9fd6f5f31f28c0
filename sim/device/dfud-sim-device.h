/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "dfud-sim-config.h"
#include "dfud-sim-fault.h"
#include "dfud-sim-log.h"

G_BEGIN_DECLS

/*
 * One simulated device: Zephyr's SMP server in front of MCUboot. Transports hand it complete
 * SMP packets (after their own reassembly) for a session (one BLE connection, or one UDP peer)
 * and get complete response frames back through the session's send function, possibly later
 * (flash timing, link model, faults) and possibly never (faults, full buffers).
 *
 * Signals:
 *   "running-changed" (gboolean running): FALSE when the device resets (every session is
 *       closed first, through "drop-link"), TRUE when the application runs again after the
 *       swap time. A BLE transport stops advertising meanwhile; UDP stays silent.
 *   "drop-link" (gpointer session): the device or a fault drops this link; the transport
 *       tears its connection down and then calls dfud_sim_device_disconnect().
 */
#define DFUD_TYPE_SIM_DEVICE (dfud_sim_device_get_type())
G_DECLARE_FINAL_TYPE(DfudSimDevice, dfud_sim_device, DFUD, SIM_DEVICE, GObject)

typedef struct _DfudSimSession DfudSimSession;

/* called on the main loop with one complete SMP response frame for @session */
typedef void (*DfudSimSendFunc)(DfudSimSession *session, GBytes *frame, gpointer user_data);

/*
 * Loads the device's state (slots and MCUboot flags) from its state directory, creating it on
 * first use (then --slot0 / --slot0-net are installed as confirmed, running images). @config
 * and @log must outlive the device.
 */
DfudSimDevice *
dfud_sim_device_new(const DfudSimConfig *config, guint index, DfudSimLog *log, GError **error);
guint
dfud_sim_device_get_index(DfudSimDevice *self);
gboolean
dfud_sim_device_is_running(DfudSimDevice *self);
/* the largest SMP packet the device accepts (buf_size): BLE reassembly limit */
guint
dfud_sim_device_get_buf_size(DfudSimDevice *self);
/* the device's IP MTU for UDP datagrams (--ip-mtu), 0 when not modelled */
guint
dfud_sim_device_get_ip_mtu(DfudSimDevice *self);
/* whether the BLE air-time model times this device's packets (--link) */
gboolean
dfud_sim_device_has_link_model(DfudSimDevice *self);
/* what the SMP characteristic requires of the link (a require:security fault) */
DfudSimSecurity
dfud_sim_device_get_required_security(DfudSimDevice *self);
/* replaces the faults (after --fault-file was re-read) */
void
dfud_sim_device_set_faults(DfudSimDevice *self, GPtrArray *faults);

/* a new link; @peer names it in the log ("udp 127.0.0.1:40000", "ble 00:AA:...") */
DfudSimSession *
dfud_sim_device_connect(DfudSimDevice *self, const gchar *peer, DfudSimSendFunc send,
			gpointer user_data);
/* the link is gone: its queued requests and unsent responses are discarded */
void
dfud_sim_device_disconnect(DfudSimDevice *self, DfudSimSession *session);
/* one complete SMP packet from the client, exactly as received (may be malformed) */
void
dfud_sim_device_receive(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet,
			gsize len);

/*
 * For a transport's own faults (serial-crc, serial-base64): whether a fault of @kind fires for
 * the response @frame sent to @session (cmd= and after= as for drop-response); counted and
 * logged like the device's own
 */
gboolean dfud_sim_device_fire_response_fault(DfudSimDevice *self, DfudSimFaultKind kind,
					     DfudSimSession *session, GBytes *frame);

G_END_DECLS
