/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-image-results.h"

/* "off" (next expected offset) and the optional final "match" */
gboolean
dfud_smp_response_parse_image_upload(const DfudSmpResponse *resp, DfudSmpUploadResult *result,
				     GError **error)
{
	DfudSmpUploadResult r = {0};

	g_return_val_if_fail(resp != NULL, FALSE);
	g_return_val_if_fail(result != NULL, FALSE);

	if (!dfud_smp_response_check(resp, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(resp->body, "off", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT32,
					&r.off, NULL, error) ||
	    !dfud_smp_cbor_map_get_bool(resp->body, "match", DFUD_SMP_CBOR_OPTIONAL, &r.match,
					&r.has_match, error)) {
		dfud_smp_response_prefix_error(resp, error);
		return FALSE;
	}
	*result = r;
	return TRUE;
}

/* success is an empty map (or {"rc": 0}); other keys are ignored */
gboolean
dfud_smp_response_parse_image_erase(const DfudSmpResponse *resp, GError **error)
{
	g_return_val_if_fail(resp != NULL, FALSE);
	return dfud_smp_response_check(resp, error);
}

static void
image_free(gpointer data)
{
	DfudSmpSlotInfoImage *image = data;

	g_clear_pointer(&image->slots, g_array_unref);
	g_free(image);
}

void
dfud_smp_slot_info_free(DfudSmpSlotInfo *info)
{
	if (info == NULL)
		return;
	g_clear_pointer(&info->images, g_ptr_array_unref);
	g_free(info);
}

static gboolean
parse_slot(const cbor_item_t *entry, DfudSmpSlotInfoSlot *slot, GError **error)
{
	guint64 nr = 0;
	guint64 upload_id = 0;

	if (!dfud_smp_cbor_item_check_map(entry, "entry", error) ||
	    !dfud_smp_cbor_map_validate(entry, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(entry, "slot", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT8, &nr,
					NULL, error) ||
	    !dfud_smp_cbor_map_get_uint(entry, "size", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&slot->size, &slot->has_size, error) ||
	    !dfud_smp_cbor_map_get_int(entry, "rc", DFUD_SMP_CBOR_OPTIONAL, G_MININT64, G_MAXINT64,
				       &slot->rc, &slot->has_rc, error) ||
	    !dfud_smp_cbor_map_get_uint(entry, "upload_image_id", DFUD_SMP_CBOR_OPTIONAL,
					G_MAXUINT8, &upload_id, &slot->has_upload_image_id, error))
		return FALSE;
	if (!slot->has_size && !slot->has_rc) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "missing key \"size\" (and no \"rc\")");
		return FALSE;
	}
	slot->slot = (guint32)nr;
	slot->upload_image_id = (guint32)upload_id;
	return TRUE;
}

static gboolean
parse_image(const cbor_item_t *entry, DfudSmpSlotInfoImage *image, GError **error)
{
	const cbor_item_t *slots = NULL;
	guint64 nr = 0;

	if (!dfud_smp_cbor_item_check_map(entry, "entry", error) ||
	    !dfud_smp_cbor_map_validate(entry, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(entry, "image", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT8, &nr,
					NULL, error) ||
	    !dfud_smp_cbor_map_get_array(entry, "slots", DFUD_SMP_CBOR_REQUIRED, &slots, error) ||
	    !dfud_smp_cbor_map_get_uint(entry, "max_image_size", DFUD_SMP_CBOR_OPTIONAL,
					G_MAXUINT32, &image->max_image_size,
					&image->has_max_image_size, error))
		return FALSE;
	image->image = (guint32)nr;
	for (gsize i = 0; i < cbor_array_size(slots); i++) {
		DfudSmpSlotInfoSlot slot = {0};

		if (!parse_slot(cbor_array_handle(slots)[i], &slot, error)) {
			g_prefix_error(error, "slots[%" G_GSIZE_FORMAT "]: ", i);
			return FALSE;
		}
		g_array_append_val(image->slots, slot);
	}
	return TRUE;
}

/* "images": [{"image", "slots": [{"slot", "size" | "rc", "upload_image_id"?}],
 * "max_image_size"?}] */
DfudSmpSlotInfo *
dfud_smp_response_parse_slot_info(const DfudSmpResponse *resp, GError **error)
{
	g_autoptr(DfudSmpSlotInfo) info = NULL;
	const cbor_item_t *images = NULL;

	g_return_val_if_fail(resp != NULL, NULL);

	if (!dfud_smp_response_check(resp, error))
		return NULL;
	info = g_new0(DfudSmpSlotInfo, 1);
	info->images = g_ptr_array_new_with_free_func(image_free);
	if (!dfud_smp_cbor_map_get_array(resp->body, "images", DFUD_SMP_CBOR_REQUIRED, &images,
					 error)) {
		dfud_smp_response_prefix_error(resp, error);
		return NULL;
	}
	for (gsize i = 0; i < cbor_array_size(images); i++) {
		DfudSmpSlotInfoImage *image = g_new0(DfudSmpSlotInfoImage, 1);

		image->slots = g_array_new(FALSE, TRUE, sizeof(DfudSmpSlotInfoSlot));
		g_ptr_array_add(info->images, image);
		if (!parse_image(cbor_array_handle(images)[i], image, error)) {
			g_prefix_error(error, "images[%" G_GSIZE_FORMAT "]: ", i);
			dfud_smp_response_prefix_error(resp, error);
			return NULL;
		}
	}
	return g_steal_pointer(&info);
}
