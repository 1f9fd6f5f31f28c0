/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-auth.h"
#include "dd-config.h"
#include "dd-firmware-cache.h"
#include "dd-history.h"
#include "dd-scheduler.h"
#include "dd-store.h"

G_BEGIN_DECLS

/* what the manager owns and lends to every device and job; it outlives them all */
typedef struct {
	DdConfig *config;
	DdScheduler *scheduler;
	DdStore *store;
	DdFirmwareCache *firmware_cache; /* one parsed package per firmware content */
	DdHistory *history;
	DdAuth *auth;
	GDBusObjectManagerServer *object_manager;
	GDBusConnection *bluez_bus; /* NULL: BLE devices unavailable */
} DdContext;

G_END_DECLS
