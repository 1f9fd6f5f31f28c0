/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "engine/dfud-update-options.h"
#include "image/dfud-image.h"

G_BEGIN_DECLS

#define DD_CONFIG_DEFAULT_PATH "/etc/dfud/dfud.conf"

/*
 * dfud.conf (GKeyFile). Every key is optional; unknown groups or keys are warned about, a
 * value of the wrong type or out of range is an error naming the group, key and value.
 *
 *   [Daemon]
 *   MaxConnections=8            links open at once over all transports (1..64)
 *   MaxConnectionsPerAdapter=4  BLE links open at once per adapter (1..32)
 *   JobLinger=300               seconds a finished job stays on the bus (0..86400)
 *   MaxFirmwareSize=67108864    bytes accepted from a caller's descriptor (1 KiB..1 GiB)
 *   MaxFirmwareReadMemory=      bytes of all the Update calls' firmware being read at once
 *                               (MaxFirmwareSize..16 GiB; default twice MaxFirmwareSize)
 *   HistorySize=10000           entries kept in the update history (10..1000000)
 *
 *   [Bluetooth]
 *   Adapters=hci0;hci1          adapters dfud may use; empty: all
 *   Passkey=123456              passkey for devices that demand an authenticated link (0..999999)
 *
 *   [Timeouts]                  seconds
 *   Connect=60  FirstChunk=60  Chunk=2.5  LastChunk=20  Command=5  Reset=300  ResetGrace=5
 *   MinRate=1024                bytes/s an upload keeps on average at least (1..100 MiB/s)
 *   FirmwareRead=10             an Update call's descriptor read to its end
 *
 *   [Security]
 *   TrustedKeys=/etc/dfud/keys/a.pem;/etc/dfud/keys/b.pem  images must verify with one of them
 *   RequireSigned=false         refuse images without a signature
 *
 *   [Devices]
 *   Uris=serial:/dev/serial/by-id/usb-...-if00?baud=115200;udp:192.0.2.7  devices known at
 *                               start, as Manager.AddDevice makes them (at most 1024)
 */
typedef struct {
	guint max_connections;
	guint max_connections_per_adapter;
	guint job_linger_s;
	guint64 max_firmware_size;
	guint64 max_read_memory;
	guint history_size;
	gchar **adapters; /* NULL or empty: all */
	gint passkey;	  /* -1: none */
	/* the timeouts of DfudUpdateOptions (ms), applied by dd_config_apply_timeouts() */
	guint connect_timeout_ms;
	guint first_chunk_timeout_ms;
	guint chunk_timeout_ms;
	guint last_chunk_timeout_ms;
	guint command_timeout_ms;
	guint reset_timeout_ms;
	guint reset_grace_ms;
	guint min_rate; /* bytes/s, [Timeouts] MinRate */
	/* not the engine's: how long Device.Update may read the caller's descriptor (ms) */
	guint firmware_read_timeout_ms;
	GPtrArray *trusted_keys; /* of DfudPublicKey, loaded from the PEM files */
	gboolean require_signed;
	gchar **device_uris; /* [Devices] Uris, canonical; NULL or empty: none */
} DdConfig;

DdConfig *dd_config_new(void); /* the defaults */
void dd_config_free(DdConfig *config);
/* a missing file at @path is not an error (the defaults stay); NULL: DD_CONFIG_DEFAULT_PATH */
gboolean dd_config_load(DdConfig *config, const gchar *path, GError **error);
gboolean dd_config_load_data(DdConfig *config, const gchar *data, gsize len, GError **error);
void dd_config_apply_timeouts(const DdConfig *config, DfudUpdateOptions *options);
gboolean dd_config_adapter_allowed(const DdConfig *config, const gchar *adapter);
/*
 * checks every image of @package against the [Security] policy: with trusted keys, each image
 * must verify with one (DFUD_ERROR_KEY_MISMATCH / SIGNATURE_INVALID naming the image); with
 * RequireSigned, an unsigned image is DFUD_ERROR_UNSIGNED
 */
gboolean dd_config_check_package(const DdConfig *config, GPtrArray *package_images,
				 GError **error); /* of DfudImage */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdConfig, dd_config_free)

G_END_DECLS
