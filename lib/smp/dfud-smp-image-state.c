/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-image-state.h"

static void
slot_free(gpointer data)
{
	DfudSmpImageSlot *slot = data;

	g_free(slot->version);
	g_free(slot);
}

void
dfud_smp_image_state_free(DfudSmpImageState *state)
{
	if (state == NULL)
		return;
	g_clear_pointer(&state->slots, g_ptr_array_unref);
	g_free(state);
}

static gboolean
parse_slot(const cbor_item_t *entry, DfudSmpImageSlot *slot, GError **error)
{
	static const struct {
		const gchar *key;
		gsize offset;
	} flags[] = {
	    {"bootable", G_STRUCT_OFFSET(DfudSmpImageSlot, bootable)},
	    {"pending", G_STRUCT_OFFSET(DfudSmpImageSlot, pending)},
	    {"confirmed", G_STRUCT_OFFSET(DfudSmpImageSlot, confirmed)},
	    {"active", G_STRUCT_OFFSET(DfudSmpImageSlot, active)},
	    {"permanent", G_STRUCT_OFFSET(DfudSmpImageSlot, permanent)},
	};
	guint64 image = 0;
	guint64 slot_nr = 0;
	g_autoptr(GBytes) hash = NULL;

	if (!dfud_smp_cbor_item_check_map(entry, "entry", error) ||
	    !dfud_smp_cbor_map_validate(entry, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(entry, "image", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT8, &image,
					NULL, error) ||
	    !dfud_smp_cbor_map_get_uint(entry, "slot", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT8, &slot_nr,
					NULL, error) ||
	    !dfud_smp_cbor_map_get_text(entry, "version", DFUD_SMP_CBOR_REQUIRED,
					DFUD_SMP_IMAGE_VERSION_MAX, &slot->version, error) ||
	    !dfud_smp_cbor_map_get_bytes(entry, "hash", DFUD_SMP_CBOR_OPTIONAL,
					 DFUD_SMP_IMAGE_HASH_MAX, &hash, error))
		return FALSE;
	slot->image = (guint32)image;
	slot->slot = (guint32)slot_nr;
	if (hash != NULL) {
		gsize len = g_bytes_get_size(hash);

		if (len != 32 && len != 64) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "key \"hash\": %" G_GSIZE_FORMAT " bytes, expected 32 or 64",
				    len);
			return FALSE;
		}
		memcpy(slot->hash, g_bytes_get_data(hash, NULL), len);
		slot->hash_len = len;
	}
	/* frugal lists omit false flags */
	for (guint i = 0; i < G_N_ELEMENTS(flags); i++) {
		gboolean *flag = G_STRUCT_MEMBER_P(slot, flags[i].offset);

		if (!dfud_smp_cbor_map_get_bool(entry, flags[i].key, DFUD_SMP_CBOR_OPTIONAL, flag,
						NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* "images": one entry per readable slot; "splitStatus" optional (spec §4.1). Also the answer
 * to an image state write. */
DfudSmpImageState *
dfud_smp_response_parse_image_state(const DfudSmpResponse *resp, GError **error)
{
	g_autoptr(DfudSmpImageState) state = NULL;
	const cbor_item_t *images = NULL;

	g_return_val_if_fail(resp != NULL, NULL);

	if (!dfud_smp_response_check(resp, error))
		return NULL;
	state = g_new0(DfudSmpImageState, 1);
	state->slots = g_ptr_array_new_with_free_func(slot_free);
	if (!dfud_smp_cbor_map_get_array(resp->body, "images", DFUD_SMP_CBOR_REQUIRED, &images,
					 error) ||
	    !dfud_smp_cbor_map_get_int(resp->body, "splitStatus", DFUD_SMP_CBOR_OPTIONAL,
				       G_MININT64, G_MAXINT64, &state->split_status,
				       &state->has_split_status, error)) {
		dfud_smp_response_prefix_error(resp, error);
		return NULL;
	}
	for (gsize i = 0; i < cbor_array_size(images); i++) {
		DfudSmpImageSlot *slot = g_new0(DfudSmpImageSlot, 1);

		g_ptr_array_add(state->slots, slot);
		if (!parse_slot(cbor_array_handle(images)[i], slot, error)) {
			g_prefix_error(error, "images[%" G_GSIZE_FORMAT "]: ", i);
			dfud_smp_response_prefix_error(resp, error);
			return NULL;
		}
	}
	return g_steal_pointer(&state);
}

const DfudSmpImageSlot *
dfud_smp_image_state_find(const DfudSmpImageState *state, guint32 image, guint32 slot)
{
	g_return_val_if_fail(state != NULL, NULL);

	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *s = g_ptr_array_index(state->slots, i);

		if (s->image == image && s->slot == slot)
			return s;
	}
	return NULL;
}

const DfudSmpImageSlot *
dfud_smp_image_state_find_active(const DfudSmpImageState *state, guint32 image)
{
	g_return_val_if_fail(state != NULL, NULL);

	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *s = g_ptr_array_index(state->slots, i);

		if (s->image == image && s->active)
			return s;
	}
	return NULL;
}

/* the first slot whose reported hash equals hash */
const DfudSmpImageSlot *
dfud_smp_image_state_find_hash(const DfudSmpImageState *state, const guint8 *hash, gsize hash_len)
{
	g_return_val_if_fail(state != NULL, NULL);
	g_return_val_if_fail(hash != NULL || hash_len == 0, NULL);

	if (hash_len == 0)
		return NULL;
	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *s = g_ptr_array_index(state->slots, i);

		if (s->hash_len == hash_len && memcmp(s->hash, hash, hash_len) == 0)
			return s;
	}
	return NULL;
}

DfudSmpImageState *
dfud_smp_image_state_copy(const DfudSmpImageState *state)
{
	DfudSmpImageState *copy;

	g_return_val_if_fail(state != NULL, NULL);

	copy = g_new0(DfudSmpImageState, 1);
	copy->slots = g_ptr_array_new_with_free_func(slot_free);
	for (guint i = 0; i < state->slots->len; i++) {
		DfudSmpImageSlot *s = g_memdup2(g_ptr_array_index(state->slots, i),
						sizeof(DfudSmpImageSlot));

		s->version = g_strdup(s->version);
		g_ptr_array_add(copy->slots, s);
	}
	copy->has_split_status = state->has_split_status;
	copy->split_status = state->split_status;
	return copy;
}

static gboolean
slot_equal(const DfudSmpImageSlot *a, const DfudSmpImageSlot *b)
{
	return a->image == b->image && a->slot == b->slot && a->hash_len == b->hash_len &&
	       memcmp(a->hash, b->hash, a->hash_len) == 0 && a->bootable == b->bootable &&
	       a->pending == b->pending && a->confirmed == b->confirmed &&
	       a->active == b->active && a->permanent == b->permanent &&
	       g_strcmp0(a->version, b->version) == 0;
}

/* the same slots with the same images and flags, whatever their order */
gboolean
dfud_smp_image_state_equal(const DfudSmpImageState *a, const DfudSmpImageState *b)
{
	g_return_val_if_fail(a != NULL && b != NULL, FALSE);

	if (a->slots->len != b->slots->len)
		return FALSE;
	for (guint i = 0; i < a->slots->len; i++) {
		const DfudSmpImageSlot *s = g_ptr_array_index(a->slots, i);
		const DfudSmpImageSlot *t = dfud_smp_image_state_find(b, s->image, s->slot);

		if (t == NULL || !slot_equal(s, t))
			return FALSE;
	}
	return TRUE;
}
