/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-hex.h"
#include "dfud-update-plan.h"

static void
plan_item_free(gpointer data)
{
	DfudUpdatePlanItem *item = data;

	g_clear_object(&item->entry);
	g_free(item->running_version);
	g_clear_pointer(&item->running_hash, g_bytes_unref);
	g_free(item);
}

void
dfud_update_plan_free(DfudUpdatePlan *plan)
{
	if (plan == NULL)
		return;
	g_ptr_array_unref(plan->items);
	g_free(plan);
}

static gboolean
slot_has_hash(const DfudSmpImageSlot *slot, GBytes *hash)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(hash, &len);

	return slot->hash_len == len && len > 0 && memcmp(slot->hash, data, len) == 0;
}

const DfudSmpImageSlot *
dfud_update_plan_item_find_slot(const DfudUpdatePlanItem *item, const DfudSmpImageState *state)
{
	GBytes *hash = dfud_image_get_hash(item->image);

	if (state == NULL || state->slots == NULL)
		return NULL;
	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *slot = g_ptr_array_index(state->slots, i);
		if (slot->image == item->image_index && slot_has_hash(slot, hash))
			return slot;
	}
	return NULL;
}

/* "image 0 runs 1.2.3.4 (hash 6b28…)" */
static gchar *
describe_slot(guint image, const DfudSmpImageSlot *slot)
{
	g_autofree gchar *hex = dfud_hex_encode(slot->hash, slot->hash_len, 2);

	return g_strdup_printf("image %u runs %s (hash %s)", image,
			       slot->version != NULL ? slot->version : "?", hex);
}

/* downgrade rules: the user's (allow_downgrade) and MCUboot's no-downgrade mode */
static gboolean
check_downgrade(const DfudUpdatePlanItem *item, const DfudSmpImageSlot *active,
		const DfudUpdateDeviceFacts *facts, const DfudUpdateOptions *options,
		GError **error)
{
	DfudImageVersion running;
	const DfudImageVersion *new_version = dfud_image_get_version(item->image);
	g_autofree gchar *new_str = NULL;
	gboolean device_forbids = facts->mode_info != NULL && facts->mode_info->has_mode &&
				  facts->mode_info->no_downgrade;

	if (active == NULL || active->version == NULL ||
	    !dfud_image_version_parse(active->version, &running, NULL))
		return TRUE; /* nothing to compare with */
	if (dfud_image_version_compare(new_version, &running, FALSE) >= 0)
		return TRUE;
	new_str = dfud_image_version_to_string(new_version);
	if (device_forbids) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image %u: version %s is older than the running %s and the device's "
			    "MCUboot refuses downgrades (no-downgrade)",
			    item->image_index, new_str, active->version);
		return FALSE;
	}
	if (!options->allow_downgrade) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image %u: version %s is older than the running %s: a downgrade needs "
			    "allow-downgrade",
			    item->image_index, new_str, active->version);
		return FALSE;
	}
	return TRUE;
}

/* the secondary slot's size from slot info, when the device reports it */
static gboolean
check_slot_size(const DfudUpdatePlanItem *item, const DfudSmpSlotInfo *info, GError **error)
{
	gsize size = dfud_image_get_size(item->image);

	if (info == NULL || info->images == NULL)
		return TRUE;
	for (guint i = 0; i < info->images->len; i++) {
		const DfudSmpSlotInfoImage *img = g_ptr_array_index(info->images, i);
		if (img->image != item->image_index)
			continue;
		if (img->has_max_image_size && size > img->max_image_size) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "image %u: %" G_GSIZE_FORMAT
				    " bytes exceed the device's largest "
				    "image of %" G_GUINT64_FORMAT " bytes",
				    item->image_index, size, img->max_image_size);
			return FALSE;
		}
		for (guint s = 0; img->slots != NULL && s < img->slots->len; s++) {
			const DfudSmpSlotInfoSlot *slot =
			    &g_array_index(img->slots, DfudSmpSlotInfoSlot, s);
			if (slot->has_size && size > slot->size) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    "image %u: %" G_GSIZE_FORMAT " bytes do not fit slot "
					    "%u of %" G_GUINT64_FORMAT " bytes",
					    item->image_index, size, slot->slot, slot->size);
				return FALSE;
			}
		}
	}
	return TRUE;
}

static DfudUpdatePlanItem *
item_new(DfudPackageEntry *entry, gboolean mcuboot)
{
	DfudUpdatePlanItem *item = g_new0(DfudUpdatePlanItem, 1);

	item->entry = g_object_ref(entry);
	item->image = dfud_package_entry_get_image(entry);
	item->image_index = dfud_package_entry_get_image_index(entry);
	item->mcuboot = mcuboot;
	return item;
}

static gint
item_compare(gconstpointer a, gconstpointer b)
{
	const DfudUpdatePlanItem *x = *(DfudUpdatePlanItem *const *)a;
	const DfudUpdatePlanItem *y = *(DfudUpdatePlanItem *const *)b;

	return (gint)x->image_index - (gint)y->image_index;
}

static gboolean
is_mcuboot_role(DfudImageRole role)
{
	return role == DFUD_IMAGE_ROLE_MCUBOOT_S0 || role == DFUD_IMAGE_ROLE_MCUBOOT_S1;
}

/* the MCUboot variant for the inactive S slot */
static gboolean
add_mcuboot(DfudUpdatePlan *plan, DfudPackage *package, const DfudUpdateDeviceFacts *facts,
	    GError **error)
{
	DfudPackageEntry *entry;

	if (facts->b0_info == NULL || !facts->b0_info->has_active) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
				    "the package updates MCUboot but the device does not report "
				    "its active S slot (bootloader info active_b0_slot)");
		return FALSE;
	}
	plan->mcuboot = TRUE;
	plan->b0_active = facts->b0_info->active;
	entry = dfud_package_get_mcuboot_for_active_slot(package, plan->b0_active, error);
	if (entry == NULL)
		return FALSE;
	g_ptr_array_add(plan->items, item_new(entry, TRUE));
	return TRUE;
}

/* TRUE when @item must stay in the plan; fills running_* */
static gboolean
check_item(DfudUpdatePlanItem *item, const DfudUpdateDeviceFacts *facts,
	   const DfudUpdateOptions *options, GString *running, GError **error)
{
	const DfudSmpImageSlot *active =
	    facts->state != NULL ? dfud_smp_image_state_find_active(facts->state, item->image_index)
				 : NULL;
	const DfudSmpImageSlot *holder = dfud_update_plan_item_find_slot(item, facts->state);

	if (active != NULL) {
		item->running_version = g_strdup(active->version);
		item->running_hash = g_bytes_new(active->hash, active->hash_len);
	}
	if (item->mcuboot)
		return check_slot_size(item, facts->slot_info, error);
	/* an update cut short after its reset: the new image runs in test, confirm it */
	if (holder != NULL && holder->active && !holder->confirmed && !holder->permanent &&
	    (options->mode == DFUD_UPDATE_MODE_TEST_AND_CONFIRM ||
	     options->mode == DFUD_UPDATE_MODE_CONFIRM_ONLY)) {
		item->confirm_only = TRUE;
		return TRUE;
	}
	if (holder != NULL && holder->active) {
		g_autofree gchar *what = describe_slot(item->image_index, holder);
		if (running->len > 0)
			g_string_append(running, ", ");
		g_string_append(running, what);
		return TRUE;
	}
	item->uploaded = holder != NULL;
	if (!check_downgrade(item, active, facts, options, error))
		return FALSE;
	return check_slot_size(item, facts->slot_info, error);
}

DfudUpdatePlan *
dfud_update_plan_new(DfudPackage *package, const DfudUpdateDeviceFacts *facts,
		     const DfudUpdateOptions *options, GError **error)
{
	g_autoptr(DfudUpdatePlan) plan = g_new0(DfudUpdatePlan, 1);
	g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func(plan_item_free);
	g_autoptr(GString) running = g_string_new(NULL);
	GPtrArray *entries = dfud_package_get_entries(package);
	gboolean has_mcuboot = FALSE;

	plan->items = g_ptr_array_new_with_free_func(plan_item_free);
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		if (is_mcuboot_role(dfud_package_entry_get_role(entry))) {
			has_mcuboot = TRUE;
			continue;
		}
		if (options->image >= 0 &&
		    dfud_package_entry_get_image_index(entry) != (guint)options->image)
			continue;
		g_ptr_array_add(plan->items, item_new(entry, FALSE));
	}
	if (has_mcuboot && !add_mcuboot(plan, package, facts, error))
		return NULL;
	if (plan->items->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "the package holds no image %d", options->image);
		return NULL;
	}
	g_ptr_array_sort(plan->items, item_compare);

	/* keep only what the device does not run yet */
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		gsize before = running->len;
		if (!check_item(item, facts, options, running, error))
			return NULL;
		if (running->len == before)
			g_ptr_array_add(candidates, g_ptr_array_steal_index(plan->items, i--));
	}
	if (candidates->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO, "already up to date: %s",
			    running->str);
		return NULL;
	}
	g_ptr_array_unref(plan->items);
	plan->items = g_steal_pointer(&candidates);
	plan->confirm_only = TRUE;
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (!item->confirm_only)
			plan->confirm_only = FALSE;
	}
	/* with other images still to send, those running in test are left as they are (the
	 * coming reset reverts them, and they are uploaded again by a rerun) */
	for (guint i = 0; !plan->confirm_only && i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (item->confirm_only)
			g_ptr_array_remove_index(plan->items, i--);
	}
	return g_steal_pointer(&plan);
}

void
dfud_update_plan_refresh(DfudUpdatePlan *plan, const DfudSmpImageState *state)
{
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		const DfudSmpImageSlot *holder = dfud_update_plan_item_find_slot(item, state);
		if (holder != NULL && !holder->active)
			item->uploaded = TRUE;
	}
}

guint64
dfud_update_plan_bytes_to_upload(const DfudUpdatePlan *plan)
{
	guint64 total = 0;

	for (guint i = 0; i < plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (!item->uploaded)
			total += dfud_image_get_size(item->image);
	}
	return total;
}
