/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-sim-config.h"

G_BEGIN_DECLS

/*
 * The bound the simulator's model puts on uploading an image (dfud-sim --capacity): no client
 * can upload faster than the link carries image data in the best packets the SMP buffer allows,
 * nor faster than the flash erases and writes it. All times are model time (neither
 * --time-scale nor --link-time-scale applies).
 *
 *   packet: the SMP packet length <= buf_size that carries image data fastest over the link
 *           (candidates: buf_size and the multiples of ATT_MTU - 3 below it; buf_size without
 *           the link model)
 *   data_per_packet: image bytes in an upload request of that length (the request's overhead
 *           from the SMP codec, for an offset at the image's end)
 *   link_Bps: image bytes per second over the saturated link (uplink) in such packets
 *   erase_us: the sectors the image covers times the sector erase time; write_us: its bytes
 *           times the write time
 *   bound_us: progressive erase: max(link time, erase + write); erase on the first chunk:
 *           erase + max(link time, write)
 *
 * Not counted (each under 1% of a 300 KB image's time): the trailer sector's erase, the image
 * check's hash at the end, the first chunk's extra fields, the responses' air time (the model
 * gives each direction its own queue). Nor --buf-count: with 2 buffers a client can only have
 * one request in the device and stays well below the bound.
 */
typedef struct {
	guint64 image_bytes;
	gsize packet;
	gsize data_per_packet;
	gboolean has_link;
	gdouble link_Bps; /* only with has_link */
	const gchar *flash;
	gint64 erase_us;
	gint64 write_us;
	gdouble flash_Bps;
	gboolean progressive_erase;
	gint64 bound_us;
	gdouble capacity_Bps;
	const gchar *limit; /* "link" or "flash" */
} DfudSimCapacity;

/*
 * Computes the bound for @image_bytes with @config's link, SMP buffer and flash (checked with
 * dfud_sim_config_validate_model(); the state directory is not needed).
 * DFUD_ERROR_INVALID_ARGUMENT: a bad config, an empty image or one larger than slot 0, or a
 * buffer too small to carry image data.
 */
gboolean
dfud_sim_capacity_compute(const DfudSimConfig *config, guint64 image_bytes,
			  DfudSimCapacity *out, GError **error);
/* one JSON object, the keys of dfud-sim(1) --capacity (link_Bps null without the link model) */
gchar *
dfud_sim_capacity_to_json(const DfudSimCapacity *capacity);

G_END_DECLS
