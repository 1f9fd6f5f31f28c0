/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hb-ddi.h"

G_BEGIN_DECLS

/*
 * What dfud is given for an action: its one firmware artifact (an MCUboot .bin or an nRF
 * Connect SDK DFU zip), or, when the action holds several MCUboot .bin artifacts (app and net
 * core, an s0/s1 MCUboot pair: modules of one distribution set), an nRF Connect SDK DFU zip
 * the connector builds from them, with the manifest.json a build would write, checked by
 * dfud's own package reader before any device is touched.
 *
 * Each artifact's image comes from its software module's metadata HB_DDI_IMAGE_KEY ("0",
 * "1"... the MCUboot image number; "s0"/"s1" the upgradable-MCUboot build for NSIB slot
 * S0/S1), else from the names the SDK gives: signed_by_mcuboot_and_b0_mcuboot.bin and
 * ..._s0_image_update.bin are S0, ..._s1_image.bin and ..._s1_image_update.bin are S1, a name
 * with "ipc_radio", "cpunet" or "net_core" is image 1 (the nRF5340 network core); one
 * application artifact left without either is image 0 (as a manifest entry without
 * image_index is). Anything else is ambiguous and refused.
 */

/* keeps the firmware artifacts of @d (every image of one update) and sets their order; fails
 * with the reason (an "org.dfud.Dfu1.Error.Name: text" in @error's message) */
gboolean hb_package_pick(HbDdiDeployment *d, guint64 max_size, GError **error);

/* the DFU zip of @d's artifacts, whose verified files are @paths (same order), checked by
 * dfud's package reader */
GBytes *hb_package_assemble(const HbDdiDeployment *d, GPtrArray *paths, GError **error);

/* "org.dfud.Dfu1.Error.Name: message" of an error of dfud's domain */
gchar *hb_package_error_text(const GError *error);

G_END_DECLS
