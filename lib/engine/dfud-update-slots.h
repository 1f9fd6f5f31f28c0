/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "engine/dfud-update-plan.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: what the device's slot info (spec §4.5) rules out before any byte is
 * sent (and so before the device erases anything): an upload larger than the slot it lands in
 * or than max_image_size, an installed image (decompressed: header + DECOMP_SIZE) larger than
 * the slot it runs from (DFUD_ERROR_INVALID_ARGUMENT); a ROM-fixed image linked for another
 * address than the slot it runs from, where the device reports slot addresses
 * (DFUD_ERROR_WRONG_SLOT). Without slot info there is nothing to check.
 */
gboolean dfud_update_slots_check(const DfudUpdatePlanItem *item, const DfudUpdateSteps *steps,
				 const DfudSmpSlotInfo *info, GError **error);

G_END_DECLS
