/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-dbus-generated.h"
#include "hb-cache.h"
#include "hb-config.h"
#include "hb-http.h"

G_BEGIN_DECLS

/*
 * The connector: dfud's devices, as its ObjectManager shows them, each a hawkBit target
 * (HbTarget) polling through the one HTTP session. A device that goes (dfud stopped, BlueZ
 * lost it) takes its target with it; its journal stays and the target takes up its action
 * again when the device comes back.
 */
typedef struct {
	HbConfig *config;
	HbHttp *http;
	HbCache *cache;
	GDBusConnection *bus;
	GDBusObjectManager *manager;
	DfudDbusManager *root;
	GHashTable *targets;   /* device object path -> HbTarget */
	guint image_reads;     /* GetImageState calls in flight */
	GQueue image_waiting;  /* HbTarget (a reference each) waiting for theirs */
	guint update_calls;    /* Device.Update calls in flight */
	GQueue update_waiting; /* HbTarget (a reference each) waiting for their call */
	guint stats_id;
	GCancellable *cancellable; /* every call and request; cancelled when stopping */
	guint live_targets;	   /* HbTarget objects not yet freed */
} HbConnector;

/* at most this many devices are asked for their image state at once */
#define HB_CONNECTOR_MAX_IMAGE_READS 2
/* at most this many Device.Update calls at once: dfud reads each caller's firmware within the
 * call and refuses calls past its MaxFirmwareReadMemory with Busy */
#define HB_CONNECTOR_MAX_UPDATE_CALLS 4

HbConnector *hb_connector_new(HbConfig *config, GDBusConnection *bus, GError **error);
/* stops: targets dropped, every call and request cancelled, their callbacks run (at most
 * HB_CONNECTOR_DRAIN_S seconds), then freed */
void hb_connector_free(HbConnector *connector);
#define HB_CONNECTOR_DRAIN_S 5
/* dfud's error name of a D-Bus error ("org.dfud.Dfu1.Error.Busy"), its message stripped */
gchar *hb_connector_error_text(const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbConnector, hb_connector_free)

G_END_DECLS
