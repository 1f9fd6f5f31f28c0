/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "engine/dfud-update-plan.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: what rules an image out before any byte is sent (and so before the
 * device erases anything): an image that is no RAM-load build for a RAM-load bootloader
 * (DFUD_ERROR_WRONG_SLOT); from the device's slot info (spec §4.5), when it has it, an upload
 * larger than the slot it lands in or than max_image_size, an installed image (decompressed:
 * header + DECOMP_SIZE) larger than the slot it runs from (DFUD_ERROR_INVALID_ARGUMENT). Slot
 * info has no flash addresses: a ROM-fixed image for the wrong slot is the device's to refuse
 * (image error 25) or shows after the reset.
 */
gboolean dfud_update_slots_check(const DfudUpdatePlanItem *item, const DfudUpdateSteps *steps,
				 const DfudSmpSlotInfo *info, GError **error);

G_END_DECLS
