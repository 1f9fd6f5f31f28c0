/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-ble-agent.h"
#include "dfud-ble-link.h"
#include "dfud-ble-scan.h"
#include "dfud-transport-ble.h"

G_BEGIN_DECLS

/*
 * The BLE transport's state, shared by its two halves: dfud-transport-ble.c (the object, the
 * operation in progress, wait_for_device and the standby discovery) and dfud-ble-open.c (the
 * open state machine: bus, adapter, discovery, connect with retries, services, link, pairing,
 * and BlueZ's object signals).
 */

typedef enum { DFUD_BLE_OP_NONE, DFUD_BLE_OP_OPEN, DFUD_BLE_OP_WAIT } DfudBleOpKind;
typedef enum {
	DFUD_BLE_PH_SETUP,
	DFUD_BLE_PH_SCAN,
	DFUD_BLE_PH_TEARDOWN, /* the device is linked, but this process is taking that link down */
	DFUD_BLE_PH_CONNECT,
	DFUD_BLE_PH_RESOLVE,
	DFUD_BLE_PH_LINK,
	DFUD_BLE_PH_PAIR,
} DfudBlePhase;

struct _DfudTransportBle {
	DfudTransport parent_instance;
	gchar *address; /* upper case */
	gchar *adapter_name;
	GStrv allowed_adapters; /* without adapter_name: the ones to choose from, NULL for all */
	GDBusConnection *bus;
	gint passkey;
	guint connect_timeout_s;
	GDBusObjectManager *om;
	gulong om_ids[4];
	GDBusProxy *adapter;
	gchar *device_path;
	DfudBleLink *link;
	DfudBleAgent *agent;
	gint64 seen_at; /* the last advertisement seen while not connected */
	gint64 lost_at; /* the link last went down (or was closed) */
	/* the operation in progress, open or wait_for_device: one at a time */
	GTask *op;
	DfudBleOpKind op_kind;
	DfudBlePhase phase;
	GCancellable *op_cancel; /* our D-Bus calls for the operation */
	GSource *user_cancel;
	guint deadline;
	guint no_service; /* services resolved but no SMP characteristic yet */
	gint64 deadline_us;
	guint timeout_ms;
	/* the one discovery session: an operation's, or the standby one after the link went down */
	DfudBleScan *scan;
	guint standby; /* stops the standby discovery when no operation takes it over */
	gboolean paired;
	guint link_drops;   /* this open: the device dropped the link while notifications started */
	guint busy_retries; /* this open: the characteristic was still held ("Notify acquired") */
	guint stale_clears; /* this open: Disconnects of a connection BlueZ still held */
	guint stale_retry;  /* the Connect after such a Disconnect */
	guint relink;	    /* a new link start after a busy characteristic */
	guint teardown;	    /* ends the wait for a link going down (dfud-ble-teardown.h) */
	gboolean teardown_waited; /* this open: waited its longest, take the link as it is */
	gchar *last_error;
	gchar *bluez_owner; /* bluetoothd's unique name when the adapter was last picked */
};

/* dfud-transport-ble.c */
void dfud_transport_ble_op_finish(DfudTransportBle *self, GError *error);
/* the open link went away (no operation running): discovery starts at once, "closed" emitted */
void dfud_transport_ble_link_down(DfudTransportBle *self, const GError *reason);
/* the device advertised while not connected; TRUE when that ended the operation (a wait) */
gboolean dfud_transport_ble_advertised(DfudTransportBle *self);
/* a wait_for_device operation has its adapter: done, or discovering */
void dfud_transport_ble_wait_ready(DfudTransportBle *self);

/* dfud-ble-setup.c */
/* runs the current operation from its setup (bus, object manager, adapter) on */
void dfud_ble_open_setup(DfudTransportBle *self);
/* picks the adapter (and goes on), or waits for one to appear (within the deadline) */
void dfud_ble_setup_find_adapter(DfudTransportBle *self);

/* dfud-ble-open.c */
const gchar *dfud_ble_open_phase_name(DfudBlePhase phase);
/* the setup is done (adapter powered): an open discovers and connects, a wait waits */
void dfud_ble_open_begin(DfudTransportBle *self);
/* connects the handlers of BlueZ's object signals to the new self->om */
void dfud_ble_open_watch_objects(DfudTransportBle *self);
/* discovers the device (keeps a running discovery on the same adapter) */
void dfud_ble_open_start_scan(DfudTransportBle *self);
void dfud_ble_open_drop_link(DfudTransportBle *self);
/* Device1.Disconnect, not waited for (recorded: an open waits until the link is down) */
void dfud_ble_open_disconnect(DfudTransportBle *self);
/* whether the device is connected, as BlueZ's cache says */
gboolean dfud_ble_open_device_connected(DfudTransportBle *self);

G_END_DECLS
