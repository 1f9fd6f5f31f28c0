/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-sim-device-private.h"
#include "smp/dfud-smp-cbor-map.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-rc.h"

/* Zephyr's image management group (spec §4.1, 4.2, 4.5); upload and erase live elsewhere */

#define IMG_ERR(n) ((DfudSimStatus){(n), DFUD_SMP_GROUP_IMAGE, NULL})

const DfudSimSlotInfo *
dfud_sim_device_slot(DfudSimDevice *self, guint image, guint slot)
{
	DfudSimSlotInfo *info = &self->slots[image][slot];
	guint64 gen = dfud_sim_flash_generation(self->flash, image, slot);

	if (!info->valid_cache || info->generation != gen) {
		g_clear_object(&info->image);
		g_clear_pointer(&info->hash, g_bytes_unref);
		dfud_sim_mcuboot_inspect(self, image, slot, info);
		info->generation = gen;
		info->valid_cache = TRUE;
	}
	return info;
}

/*
 * The active slot, the slot MCUboot reverts to (pending slots may be erased: Zephyr default);
 * a single-slot MCUboot has no slot 1 (the upload finds no free slot: 9, zephyr_img_mgmt.c
 * img_mgmt_get_unused_slot_area_id()); in firmware-loader mode slot 1 is the loader's, and
 * the application's slot 0 is free only while the loader runs.
 */
gboolean
dfud_sim_device_slot_in_use(DfudSimDevice *self, guint image, guint slot)
{
	const DfudSimImageState *st = &self->boot.image[image];
	DfudSimBootMode mode = self->config->boot_mode;

	if (slot == st->active)
		return TRUE;
	if (DFUD_SIM_BOOT_IS_SINGLE_SLOT(mode) && slot == 1)
		return TRUE;
	if (mode == DFUD_SIM_BOOT_FIRMWARE_LOADER && slot == 1)
		return TRUE;
	if (!st->confirmed)
		return TRUE;
	return FALSE;
}

typedef struct {
	gboolean pending, confirmed, active, permanent;
} Flags;

/*
 * Zephyr's view in direct-XIP (img_mgmt_state.c, img_mgmt_state_flags() and
 * img_mgmt_get_next_boot_slot()): the other slot boots next when img_mgmt_vercmp() finds it
 * newer, major.minor.revision only (the build number only with
 * CONFIG_MCUMGR_GRP_IMG_VERSION_CMP_USE_BUILD_NUMBER, which dfud-sim does not offer). It
 * knows nothing of MCUboot's tie rule (slot 0 wins an equal version), so it can say
 * "nothing pending" when MCUboot will boot slot 0: as a real device does.
 */
static gboolean
other_is_newer(DfudSimDevice *self, guint image, guint slot)
{
	const DfudSimSlotInfo *a = dfud_sim_device_slot(self, image, self->boot.image[image].active);
	const DfudSimSlotInfo *o = dfud_sim_device_slot(self, image, slot);

	return o->image != NULL && a->image != NULL &&
	       dfud_image_version_compare(dfud_image_get_version(o->image),
					  dfud_image_get_version(a->image), FALSE) > 0;
}

static Flags
slot_flags(DfudSimDevice *self, guint image, guint slot)
{
	const DfudSimImageState *st = &self->boot.image[image];
	Flags f = {FALSE, FALSE, FALSE, FALSE};

	if (slot == st->active) {
		f.active = TRUE;
		f.confirmed = st->confirmed;
		return f;
	}
	/* no trailer flags to read: swap type none (img_mgmt_state.c, img_mgmt_state_flags()) */
	if (self->config->boot_mode == DFUD_SIM_BOOT_RAM_LOAD ||
	    self->config->boot_mode == DFUD_SIM_BOOT_FIRMWARE_LOADER ||
	    DFUD_SIM_BOOT_IS_SINGLE_SLOT(self->config->boot_mode))
		return f;
	if (self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP) {
		/* a higher version in the other slot boots next, for good */
		f.pending = f.permanent = other_is_newer(self, image, slot);
		return f;
	}
	f.pending = st->pending == (gint)slot;
	/* with revert a marked slot is shown pending only when it is the newer one
	 * (img_mgmt_state.c, img_mgmt_get_next_boot_slot(), img_mgmt_vercmp()) */
	if (self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT && f.pending)
		f.pending = other_is_newer(self, image, slot);
	f.permanent = f.pending && st->permanent;
	f.confirmed = !st->confirmed; /* the image MCUboot reverts to */
	return f;
}

static void
put_flag(DfudSmpCborWriter *w, gboolean frugal, const gchar *key, gboolean value, gsize *n)
{
	if (frugal && !value)
		return;
	if (w != NULL)
		dfud_smp_cbor_writer_key_bool(w, key, value);
	(*n)++;
}

static void
write_slot_entry(DfudSimDevice *self, DfudSmpCborWriter *w, guint image, guint slot,
		 const DfudSimSlotInfo *info)
{
	gboolean frugal = self->config->frugal_list;
	Flags f = slot_flags(self, image, slot);
	gboolean bootable = (dfud_image_get_flags(info->image) & DFUD_IMAGE_FLAG_NON_BOOTABLE) == 0;
	g_autofree gchar *version =
	    dfud_image_version_to_device_string(dfud_image_get_version(info->image));
	gsize n = 3; /* slot, version, hash */
	gsize hash_len;
	const guint8 *hash = g_bytes_get_data(info->hash, &hash_len);

	if (self->config->images > 1)
		n++;
	put_flag(NULL, frugal, "bootable", bootable, &n);
	put_flag(NULL, frugal, "pending", f.pending, &n);
	put_flag(NULL, frugal, "confirmed", f.confirmed, &n);
	put_flag(NULL, frugal, "active", f.active, &n);
	put_flag(NULL, frugal, "permanent", f.permanent, &n);
	dfud_smp_cbor_writer_map(w, n);
	if (self->config->images > 1)
		dfud_smp_cbor_writer_key_uint(w, "image", image);
	dfud_smp_cbor_writer_key_uint(w, "slot", slot);
	dfud_smp_cbor_writer_key_text(w, "version", version);
	dfud_smp_cbor_writer_key_bytes(w, "hash", hash, hash_len);
	n = 0;
	put_flag(w, frugal, "bootable", bootable, &n);
	put_flag(w, frugal, "pending", f.pending, &n);
	put_flag(w, frugal, "confirmed", f.confirmed, &n);
	put_flag(w, frugal, "active", f.active, &n);
	put_flag(w, frugal, "permanent", f.permanent, &n);
}

/* the image state map (spec §4.1): also the answer to a successful state write */
void
dfud_sim_device_write_state(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	DfudSmpCborWriter *w;
	gsize n = 0;

	for (guint i = 0; i < self->config->images; i++) {
		for (guint s = 0; s < 2; s++) {
			if (dfud_sim_device_slot(self, i, s)->image != NULL)
				n++;
		}
	}
	w = dfud_sim_reply_key(&ctx->reply, "images");
	dfud_smp_cbor_writer_array(w, n);
	for (guint i = 0; i < self->config->images; i++) {
		for (guint s = 0; s < 2; s++) {
			const DfudSimSlotInfo *info = dfud_sim_device_slot(self, i, s);
			if (info->image != NULL)
				write_slot_entry(self, w, i, s, info);
		}
	}
	if (!self->config->frugal_list)
		dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "splitStatus"), 0);
}

static gboolean
find_hash(DfudSimDevice *self, GBytes *hash, guint *image, guint *slot)
{
	for (guint i = 0; i < self->config->images; i++) {
		for (guint s = 0; s < 2; s++) {
			const DfudSimSlotInfo *info = dfud_sim_device_slot(self, i, s);
			if (info->hash != NULL && g_bytes_equal(info->hash, hash)) {
				*image = i;
				*slot = s;
				return TRUE;
			}
		}
	}
	return FALSE;
}

/* spec §4.2, rules 1-7 in order */
static DfudSimStatus
state_write(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	g_autoptr(GBytes) hash = NULL;
	gboolean confirm = FALSE;
	gsize hash_len = self->config->sha512 ? 64 : 32;
	guint image = 0, slot;
	DfudSimImageState *st;
	gboolean xip_revert = self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT;

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_bytes(ctx->body, "hash", DFUD_SMP_CBOR_OPTIONAL,
					 DFUD_SMP_BODY_MAX, &hash, NULL) ||
	    !dfud_smp_cbor_map_get_bool(ctx->body, "confirm", DFUD_SMP_CBOR_OPTIONAL, &confirm,
					NULL, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	/* 1 */
	if (hash != NULL) {
		if (g_bytes_get_size(hash) != hash_len)
			return IMG_ERR(DFUD_SMP_IMG_RC_INVALID_HASH);
		if (!find_hash(self, hash, &image, &slot))
			return IMG_ERR(DFUD_SMP_IMG_RC_HASH_NOT_FOUND);
	} else if (!confirm) {
		return IMG_ERR(DFUD_SMP_IMG_RC_INVALID_HASH);
	} else {
		slot = self->boot.image[0].active;
	}
	st = &self->boot.image[image];
	/*
	 * Zephyr 4.3 (img_mgmt_state.c) refuses to confirm any slot but the running one unless
	 * CONFIG_MCUMGR_GRP_IMG_ALLOW_CONFIRM_NON_ACTIVE_SLOT, which depends on an MCUboot mode:
	 * without MCUboot it is off and a confirm of slot 1 answers 32 (the peer of tests/peer)
	 */
	if (self->config->boot_mode == DFUD_SIM_BOOT_NONE && confirm && slot != st->active)
		return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_CONFIRMATION_DENIED);
	/* 2: ALLOW_CONFIRM_NON_ACTIVE_IMAGE_SECONDARY */
	if (!xip_revert && confirm && image != 0 && slot != 1)
		return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_CONFIRMATION_DENIED);
	/* 3 */
	if (!confirm && slot == st->active)
		return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
	if (!xip_revert) {
		/* 4 */
		if (st->pending >= 0 && !st->permanent) {
			if (!confirm && (gint)slot == st->pending)
				goto done;
			return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING);
		}
		/* 5 */
		if (st->pending >= 0 && st->permanent) {
			if (confirm && (gint)slot == st->pending)
				goto done;
			return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING);
		}
		/* 6 */
		if (!st->confirmed && !confirm)
			return IMG_ERR(DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING);
	}
	/* 7 */
	if (confirm && slot == st->active) {
		st->confirmed = TRUE;
	} else {
		st->pending = (gint)slot;
		st->permanent = confirm;
	}
	dfud_sim_device_save(self);
done:
	dfud_sim_device_write_state(ctx);
	return DFUD_SIM_OK;
}

/*
 * spec §4.5: each slot's size (they may differ: overwrite-only with compressed images, the
 * firmware loader's slot); a single-slot MCUboot has one slot. Zephyr reports no flash
 * address here: a client learns a slot's address only from what was built for it.
 */
static DfudSimStatus
slot_info(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	DfudSmpCborWriter *w = dfud_sim_reply_key(&ctx->reply, "images");
	guint slots = DFUD_SIM_BOOT_IS_SINGLE_SLOT(self->config->boot_mode) ? 1 : 2;

	dfud_smp_cbor_writer_array(w, self->config->images);
	for (guint i = 0; i < self->config->images; i++) {
		dfud_smp_cbor_writer_map(w, 2);
		dfud_smp_cbor_writer_key_uint(w, "image", i);
		dfud_smp_cbor_writer_text(w, "slots");
		dfud_smp_cbor_writer_array(w, slots);
		for (guint s = 0; s < slots; s++) {
			gboolean active = s == self->boot.image[i].active;
			dfud_smp_cbor_writer_map(w, active ? 2 : 3);
			dfud_smp_cbor_writer_key_uint(w, "slot", s);
			dfud_smp_cbor_writer_key_uint(w, "size",
						      dfud_sim_flash_size(self->flash, i, s));
			if (!active)
				dfud_smp_cbor_writer_key_uint(w, "upload_image_id", i);
		}
	}
	return DFUD_SIM_OK;
}

/* direct-XIP, RAM-load and firmware-loader builds do not register the state write handler
 * (spec §4.2: rc 8; nrfconnect/sdk-zephyr img_mgmt.c @ 09c6068, img_mgmt_handlers[]: the
 * Kconfigs MODE_DIRECT_XIP, MODE_RAM_LOAD, MODE_FIRMWARE_UPDATER); every other build does,
 * single slot with RAM load too (CONFIG_MCUBOOT_BOOTLOADER_MODE_SINGLE_APP_RAM_LOAD is not
 * among them) */
static gboolean
state_write_registered(DfudSimBootMode mode)
{
	return mode != DFUD_SIM_BOOT_DIRECT_XIP && mode != DFUD_SIM_BOOT_RAM_LOAD &&
	       mode != DFUD_SIM_BOOT_FIRMWARE_LOADER;
}

DfudSimStatus
dfud_sim_img_handle(DfudSimCtx *ctx, gboolean *found)
{
	gboolean read = ctx->hdr.op == DFUD_SMP_OP_READ;

	*found = TRUE;
	switch (ctx->hdr.id) {
	case DFUD_SMP_IMAGE_STATE:
		if (read) {
			dfud_sim_device_write_state(ctx);
			return DFUD_SIM_OK;
		}
		if (state_write_registered(ctx->device->config->boot_mode))
			return state_write(ctx);
		break;
	case DFUD_SMP_IMAGE_UPLOAD:
		if (!read)
			return dfud_sim_upload_handle(ctx);
		break;
	case DFUD_SMP_IMAGE_ERASE:
		if (!read)
			return dfud_sim_erase_handle(ctx);
		break;
	case DFUD_SMP_IMAGE_SLOT_INFO:
		/* CONFIG_MCUMGR_GRP_IMG_SLOT_INFO: on by default with several images */
		if (read && (ctx->device->config->images > 1 || ctx->device->config->slot_info))
			return slot_info(ctx);
		break;
	default:
		break;
	}
	*found = FALSE;
	return DFUD_SIM_OK;
}
