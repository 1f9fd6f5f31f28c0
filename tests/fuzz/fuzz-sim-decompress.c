/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud-sim's MCUboot install of a compressed image (sim/device/dfud-sim-decompress.c): what a
 * client uploads goes through liblzma and the rebuilt image is parsed again; the output is
 * bounded by DECOMP_SIZE and the primary slot, whatever the header and the stream say.
 */
#define G_LOG_DOMAIN "DfudFuzz"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "device/dfud-sim-decompress.h"

#define PRIMARY_SLOT 0x76000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) bytes = g_bytes_new(data, size);
	g_autoptr(DfudImage) img = dfud_image_new_from_bytes(bytes, NULL);
	g_autoptr(GBytes) out = NULL;
	g_autoptr(DfudImage) installed = NULL;

	if (img == NULL || !dfud_image_is_compressed(img))
		return 0;
	out = dfud_sim_decompress_image(img, DFUD_IMAGE_TLV_SHA256, PRIMARY_SLOT, NULL);
	if (out == NULL)
		return 0;
	g_assert_cmpuint(g_bytes_get_size(out), <, PRIMARY_SLOT + 0x10000);
	installed = dfud_image_new_from_bytes(out, NULL);
	if (installed != NULL)
		(void)dfud_image_get_hash_state(installed);
	return 0;
}
