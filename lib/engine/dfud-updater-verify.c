/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-hex.h"
#include "dfud-update-mark.h"
#include "dfud-updater-private.h"

/* --- serial recovery: the upload, before the reset --- */

/*
 * Serial recovery: boot_serial answers no `match` for the last chunk; its image list hashes
 * slot 0 (bs_list(), BOOT_SERIAL_IMG_GRP_HASH): the upload must be there before the reset
 * boots it, or the device is left in recovery to be updated again
 */
gboolean
dfud_updater_check_recovery_upload(DfudUpdater *self, GError **error)
{
	for (guint i = 0; i < self->plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(self->plan->items, i);
		const DfudSmpImageSlot *slot = dfud_update_plan_item_find_slot(item, self->state);

		if (slot == NULL || slot->active || slot->slot != item->upload_slot) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE,
				    "serial recovery: after the upload the bootloader does not list "
				    "the new image's hash in slot %u of image %u; not resetting (the "
				    "device stays in recovery, run the update again)",
				    item->upload_slot, item->image_index);
			return FALSE;
		}
	}
	return TRUE;
}

/* --- stage 5: verify the device runs the new images --- */

static gchar *
describe_hash(GBytes *hash)
{
	gsize len = 0;
	const guint8 *data = hash != NULL ? g_bytes_get_data(hash, &len) : NULL;

	return dfud_hex_encode(data, len, 2);
}

/* where the new image is after a reset that did not boot it, and what that says */
static gchar *
describe_not_booted(const DfudSmpImageState *state, const DfudUpdatePlanItem *item,
		    const gchar *want)
{
	GBytes *hash = dfud_image_get_hash(item->image);
	gsize hash_len = 0;
	const guint8 *hash_data = g_bytes_get_data(hash, &hash_len);
	const DfudSmpImageSlot *slot = dfud_smp_image_state_find_hash(state, hash_data, hash_len);

	if (slot == NULL || slot->image != item->image_index)
		return g_strdup_printf("%s is no longer on the device: the bootloader refused it "
				       "(MCUboot erases an image that fails its checks)",
				       want);
	if (slot->pending)
		return g_strdup_printf("%s is still pending in slot %u: the bootloader did not "
				       "swap (no MCUboot under the application, a mode without "
				       "swap, or a swap that failed)",
				       want, slot->slot);
	return g_strdup_printf("%s is in slot %u, no longer pending: the bootloader tried it and "
			       "went back (it did not confirm itself, or did not boot)",
			       want, slot->slot);
}

/*
 * Direct-XIP: MCUboot leaves a ROM-fixed image linked for another address than its slot's
 * unused in that slot (loader.c, boot_rom_address_check()); it fails no check, so it is not
 * erased. Slot info carries no addresses (spec §4.5), so a bare image linked for the wrong
 * slot is known only here; TRUE (with WrongSlot) when that is what happened.
 */
static gboolean
not_run_from_slot(DfudUpdater *self, const DfudUpdatePlanItem *item, GError **error)
{
	DfudUpdateStrategy strategy = self->plan->steps.strategy;
	GBytes *hash = dfud_image_get_hash(item->image);
	const DfudSmpImageSlot *slot = dfud_smp_image_state_find_hash(
	    self->state, g_bytes_get_data(hash, NULL), g_bytes_get_size(hash));
	guint32 address = 0;

	if ((strategy != DFUD_UPDATE_STRATEGY_DIRECT_XIP &&
	     strategy != DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT) ||
	    !dfud_image_get_rom_fixed_address(item->image, &address) || slot == NULL ||
	    slot->image != item->image_index || slot->active)
		return FALSE;
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_WRONG_SLOT,
		    "the device did not run the new image: it is linked for 0x%x (ROM_FIXED) and "
		    "stays unused in slot %u, which MCUboot does not run it from: it is the "
		    "build for the other slot; upload the build for slot %u (an nRF Connect SDK "
		    "direct-XIP zip holds both)",
		    address, slot->slot, slot->slot);
	return TRUE;
}

/* the active slot of @item's image must hold its hash */
static gboolean
verify_item(DfudUpdater *self, const DfudUpdatePlanItem *item, GError **error)
{
	const DfudSmpImageSlot *active =
	    dfud_smp_image_state_find_active(self->state, item->image_index);
	/* a compressed image runs as its decompressed self: DECOMP_SHA (spec §7.2) */
	GBytes *hash = dfud_image_get_installed_hash(item->image);
	gsize hash_len = 0;
	const guint8 *hash_data = g_bytes_get_data(hash, &hash_len);
	g_autofree gchar *want =
	    dfud_image_version_to_device_string(dfud_image_get_version(item->image));
	g_autofree gchar *want_hash = describe_hash(hash);
	g_autofree gchar *got_hash = NULL;
	g_autoptr(GBytes) got = NULL;

	if (active != NULL && active->hash_len == hash_len &&
	    memcmp(active->hash, hash_data, hash_len) == 0)
		return TRUE;
	if (active == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE,
			    "after the reset the device reports no active slot for image %u",
			    item->image_index);
		return FALSE;
	}
	got = g_bytes_new(active->hash, active->hash_len);
	got_hash = describe_hash(got);
	if (item->running_hash != NULL && g_bytes_equal(got, item->running_hash) &&
	    not_run_from_slot(self, item, error))
		return FALSE;
	if (item->running_hash != NULL && g_bytes_equal(got, item->running_hash)) {
		g_autofree gchar *why = describe_not_booted(self->state, item, want);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED,
			    "the device booted its previous image again: image %u runs %s (hash "
			    "%s), expected %s (hash %s); %s",
			    item->image_index, active->version != NULL ? active->version : "?",
			    got_hash, want, want_hash, why);
		return FALSE;
	}
	if (dfud_image_is_compressed(item->image) &&
	    g_bytes_equal(got, dfud_image_get_hash(item->image))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE,
			    "after the reset image %u reports the compressed image's hash %s as "
			    "running, not the decompressed image's (DECOMP_SHA %s) that MCUboot "
			    "installs: the device did not decompress it",
			    item->image_index, got_hash, want_hash);
		return FALSE;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE,
		    "after the reset image %u runs %s (hash %s), expected %s (hash %s)",
		    item->image_index, active->version != NULL ? active->version : "?", got_hash,
		    want, want_hash);
	return FALSE;
}

static void
verify_done(DfudUpdater *self)
{
	if (self->plan->steps.confirm_after) {
		dfud_updater_stage_confirm(self);
		return;
	}
	dfud_updater_finish(self, NULL);
}

static void
b0_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	g_autoptr(DfudSmpBootloaderInfo) info = dfud_update_device_read_b0_finish(res, &error);

	if (self->task == NULL) {
		g_clear_error(&error);
		return;
	}
	if (info == NULL) {
		dfud_updater_recover_or_fail(self, DFUD_UPDATE_STAGE_VERIFYING, error);
		return;
	}
	if (info->active == self->plan->b0_active) {
		dfud_updater_finish(
		    self, g_error_new(DFUD_ERROR, DFUD_ERROR_REVERTED,
				      "the device booted its previous MCUboot again: it still "
				      "runs from S%u, expected S%u",
				      info->active, 1 - self->plan->b0_active));
		return;
	}
	verify_done(self);
}

void
dfud_updater_stage_verify(DfudUpdater *self)
{
	GError *error = NULL;

	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_VERIFYING);
	for (guint i = 0; i < self->plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(self->plan->items, i);
		if (!item->mcuboot && !verify_item(self, item, &error)) {
			dfud_updater_finish(self, error);
			return;
		}
	}
	if (self->plan->mcuboot) {
		dfud_update_device_read_b0_async(self->client, self->options.command_timeout_ms,
						 self->cancellable, b0_read, g_object_ref(self));
		return;
	}
	verify_done(self);
}

/* --- stage 6: confirm what runs now (test-and-confirm) --- */

static void confirm_next(DfudUpdater *self);

static void
confirm_checked(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_device_read_state_finish(res, &error);

	if (!dfud_updater_take_state(self, state, error, TRUE, DFUD_UPDATE_STAGE_CONFIRMING))
		return;
	for (guint i = 0; i < self->plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(self->plan->items, i);
		const DfudSmpImageSlot *slot = dfud_update_plan_item_find_slot(item, state);
		if (item->mcuboot)
			continue;
		if (slot == NULL || !slot->active || !slot->confirmed) {
			dfud_updater_finish(
			    self, g_error_new(DFUD_ERROR, DFUD_ERROR_DEVICE,
					      "image %u is not confirmed after the confirm "
					      "command",
					      item->image_index));
			return;
		}
	}
	dfud_updater_finish(self, NULL);
}

static void
confirm_skip(DfudUpdater *self)
{
	if (self->item == 0) {
		dfud_update_device_read_state_async(self->client, self->options.command_timeout_ms,
						    self->cancellable, confirm_checked,
						    g_object_ref(self));
		return;
	}
	self->item--;
	confirm_next(self);
}

static void
confirm_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_mark_finish(res, &error);

	if (dfud_updater_take_state(self, state, error, TRUE, DFUD_UPDATE_STAGE_CONFIRMING))
		confirm_skip(self);
}

static void
confirm_next(DfudUpdater *self)
{
	DfudUpdatePlanItem *item = dfud_updater_current_item(self);

	/* images other than 0 were confirmed before the reset */
	if (item->image_index != 0 && !item->mcuboot && !item->confirm_only) {
		confirm_skip(self);
		return;
	}
	/* an MCUboot update: the application keeps running, confirm it (a no-op when it is) */
	self->progress.image_index = item->image_index;
	dfud_update_mark_async(self->client,
			       item->mcuboot ? NULL : dfud_image_get_installed_hash(item->image),
			       TRUE, self->options.command_timeout_ms, self->cancellable,
			       confirm_done, g_object_ref(self));
}

void
dfud_updater_stage_confirm(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_CONFIRMING);
	self->item = self->plan->items->len - 1;
	confirm_next(self);
}
