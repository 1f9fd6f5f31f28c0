/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-error.h"
#include "dfud-update-slots.h"

static const DfudSmpSlotInfoSlot *
find_slot(const DfudSmpSlotInfoImage *img, guint slot)
{
	for (guint s = 0; img->slots != NULL && s < img->slots->len; s++) {
		const DfudSmpSlotInfoSlot *info = &g_array_index(img->slots, DfudSmpSlotInfoSlot, s);
		if (info->slot == slot)
			return info;
	}
	return NULL;
}

static gboolean
check_fits(const DfudUpdatePlanItem *item, const DfudSmpSlotInfoSlot *slot, guint64 size,
	   const gchar *what, GError **error)
{
	if (slot == NULL || !slot->has_size || size <= slot->size)
		return TRUE;
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "image %u: %s of %" G_GUINT64_FORMAT " bytes does not fit slot %u of %" G_GUINT64_FORMAT
		    " bytes",
		    item->image_index, what, size, slot->slot, slot->size);
	return FALSE;
}

gboolean
dfud_update_slots_check(const DfudUpdatePlanItem *item, const DfudUpdateSteps *steps,
			const DfudSmpSlotInfo *info, GError **error)
{
	guint64 upload_size = dfud_image_get_size(item->image);
	guint64 installed_size = dfud_image_get_installed_size(item->image);

	/* MCUboot's RAM-load boots RAM_LOAD builds only (loader.c: BOOT_EBADIMAGE without
	 * IMAGE_F_RAM_LOAD) */
	if (steps->strategy == DFUD_UPDATE_STRATEGY_RAM_LOAD &&
	    (dfud_image_get_flags(item->image) & DFUD_IMAGE_FLAG_RAM_LOAD) == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_WRONG_SLOT,
			    "image %u is no RAM-load build (header flag RAM_LOAD, imgtool "
			    "--load-addr): the device's MCUboot loads images into RAM and would "
			    "never run it",
			    item->image_index);
		return FALSE;
	}
	if (info == NULL || info->images == NULL)
		return TRUE;
	for (guint i = 0; i < info->images->len; i++) {
		const DfudSmpSlotInfoImage *img = g_ptr_array_index(info->images, i);
		const DfudSmpSlotInfoSlot *target;
		const DfudSmpSlotInfoSlot *run;

		if (img->image != item->image_index)
			continue;
		if (img->has_max_image_size && upload_size > img->max_image_size) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "image %u: %" G_GUINT64_FORMAT " bytes exceed the device's "
				    "largest image of %" G_GUINT64_FORMAT " bytes",
				    item->image_index, upload_size, img->max_image_size);
			return FALSE;
		}
		target = find_slot(img, item->upload_slot);
		run = find_slot(img, item->run_slot);
		if (!check_fits(item, target, upload_size, "the upload", error))
			return FALSE;
		/* a compressed image is decompressed into the slot it runs from */
		if (steps->strategy != DFUD_UPDATE_STRATEGY_RAM_LOAD &&
		    !check_fits(item, run, installed_size,
				dfud_image_is_compressed(item->image) ? "the decompressed image"
								      : "the image",
				error))
			return FALSE;
	}
	return TRUE;
}
