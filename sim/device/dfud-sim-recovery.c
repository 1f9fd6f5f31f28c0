/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include "dfud-sim-device-private.h"
#include "smp/dfud-smp-cbor-map.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-rc.h"

/*
 * --serial-recovery: MCUboot waiting in serial recovery (the button held at reset), its own SMP
 * server instead of the application's. What it answers is MCUboot's boot_serial
 * (mcu-tools/mcuboot boot/boot_serial/src/boot_serial.c, boot_serial_input() and the bs_*
 * handlers, at 01562f5d7458b6ea1de50e5a22b7474f1ac11074), built as Zephyr's MCUboot does by
 * default (BOOT_SERIAL_IMG_GRP_HASH and BOOT_MGMT_ECHO on, BOOT_SERIAL_IMG_GRP_IMAGE_STATE,
 * SLOT_INFO and MCUMGR_PARAMS off unless --serial-recovery-params):
 *
 *   os echo (0)                {"r": d}
 *   os console echo ctrl (1)   {"rc": 0}
 *   os reset (5)               {"rc": 0}, the reboot 250 ms later (k_sleep then sys_reboot),
 *                              into the application (the button released)
 *   os params (6)              {"buf_size": 512, "buf_count": 1} (with --serial-recovery-params;
 *                              MCUBOOT_SERIAL_MAX_RECEIVE_SIZE, one buffer)
 *   image state read (1/0)     {"images": [{"bootable": true, "slot": N, "hash": H,
 *                              "version": "1.2.3"}]} for each slot holding an image that
 *                              passes validation (hash, signature); no active, confirmed or
 *                              pending flags (bs_list())
 *   image upload (1/1)         keys image, data, len, off (no sha, no upgrade): into the
 *                              PRIMARY slot, erased whole by the chunk at off 0 (no progressive
 *                              erase); a chunk at another offset than expected is answered
 *                              {"rc": 0, "off": expected}; len beyond the slot or data past it
 *                              rc 3; every answer carries "rc" (bs_upload())
 *   anything else              {"rc": 8} (MGMT_ERR_ENOTSUP); state write too
 *
 * Answers use the request's header with op + 1 (boot_serial_output()), SMP v1 style errors.
 * A reset made from here boots the primary slot as MCUboot does when no swap is pending.
 */

static DfudSimStatus
recovery_rc(DfudSimCtx *ctx, gint rc)
{
	dfud_sim_reply_reset(&ctx->reply);
	dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "rc"), rc);
	return DFUD_SIM_OK;
}

static DfudSimStatus
recovery_echo(DfudSimCtx *ctx)
{
	g_autofree gchar *d = NULL;

	if (ctx->body == NULL ||
	    !dfud_smp_cbor_map_get_text(ctx->body, "d", DFUD_SMP_CBOR_REQUIRED, 1024, &d, NULL))
		return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
	dfud_smp_cbor_writer_text(dfud_sim_reply_key(&ctx->reply, "r"), d);
	return DFUD_SIM_OK;
}

static DfudSimStatus
recovery_list(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	DfudSmpCborWriter *w = dfud_sim_reply_key(&ctx->reply, "images");
	gboolean valid[2];
	guint n = 0;

	/* only images that pass MCUboot's validation (bootutil_img_validate()) are listed */
	for (guint slot = 0; slot < 2; slot++) {
		g_autofree gchar *why = dfud_sim_mcuboot_validate(self, 0, slot);
		valid[slot] = why == NULL;
		n += valid[slot];
	}
	dfud_smp_cbor_writer_array(w, n);
	for (guint slot = 0; slot < 2; slot++) {
		const DfudSimSlotInfo *info = dfud_sim_device_slot(self, 0, slot);
		g_autofree gchar *version = NULL;
		gboolean bootable;
		gsize hash_len = 0;
		const guint8 *hash;

		if (!valid[slot])
			continue;
		bootable = (dfud_image_get_flags(info->image) & DFUD_IMAGE_FLAG_NON_BOOTABLE) == 0;
		version = dfud_image_version_to_device_string(dfud_image_get_version(info->image));
		hash = g_bytes_get_data(info->hash, &hash_len);
		dfud_smp_cbor_writer_map(w, bootable ? 4 : 3);
		if (bootable)
			dfud_smp_cbor_writer_key_bool(w, "bootable", TRUE);
		dfud_smp_cbor_writer_key_uint(w, "slot", slot);
		dfud_smp_cbor_writer_key_bytes(w, "hash", hash, hash_len);
		dfud_smp_cbor_writer_key_text(w, "version", version);
	}
	return DFUD_SIM_OK;
}

static DfudSimStatus
recovery_upload(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	guint32 size = dfud_sim_flash_slot_size(self->flash, 0);
	const guint32 sector = self->config->flash.sector_size;
	g_autoptr(GBytes) data = NULL;
	guint64 off = 0, len = 0, image = 0;
	gboolean has_off = FALSE, has_len = FALSE;
	gsize data_len;

	if (ctx->body == NULL ||
	    !dfud_smp_cbor_map_get_bytes(ctx->body, "data", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT16,
					 &data, NULL) ||
	    !dfud_smp_cbor_map_get_uint(ctx->body, "off", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32, &off,
					&has_off, NULL) ||
	    !dfud_smp_cbor_map_get_uint(ctx->body, "len", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32, &len,
					&has_len, NULL) ||
	    !dfud_smp_cbor_map_get_uint(ctx->body, "image", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&image, NULL, NULL) ||
	    !has_off)
		return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
	data_len = g_bytes_get_size(data);
	/* the cable pulled (drop-link:offset=N) as in the application's upload */
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_LINK, DFUD_SIM_PHASE_UPLOAD,
				       ctx->session, &ctx->hdr, (gint64)off) != NULL) {
		ctx->drop_link = TRUE;
		ctx->no_response = TRUE;
		return DFUD_SIM_OK;
	}
	if (off == 0) {
		/* a single image device has one image: "image" beyond it has no area */
		if (image > 0 || !has_len || len > size)
			return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
		if (!dfud_sim_flash_erase(self->flash, 0, 0, 0, size, NULL))
			return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
		ctx->flash_us += dfud_sim_device_erase_us(self, (size + sector - 1) / sector);
		self->recovery_off = 0;
		self->recovery_len = len;
	} else if (off != self->recovery_off) {
		/* "pretend success" and ask for the offset it expects */
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "rc"), 0);
		dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "off"),
					  self->recovery_off);
		return DFUD_SIM_OK;
	}
	if (self->recovery_off + data_len > self->recovery_len)
		return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
	if (!dfud_sim_flash_write(self->flash, 0, 0, (guint32)self->recovery_off,
				  g_bytes_get_data(data, NULL), data_len, NULL))
		return recovery_rc(ctx, DFUD_SMP_RC_EINVAL);
	ctx->flash_us += (gint64)(data_len * self->config->flash.write_ns_per_byte / 1000);
	self->recovery_off += data_len;
	/* corrupt-image: the image as written to flash is damaged (a bad write) */
	if (self->recovery_off == self->recovery_len)
		dfud_sim_mcuboot_corrupt_if_asked(self, 0, 0);
	dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "rc"), 0);
	dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "off"), self->recovery_off);
	return DFUD_SIM_OK;
}

DfudSimStatus
dfud_sim_recovery_handle(DfudSimCtx *ctx)
{
	const DfudSmpHeader *h = &ctx->hdr;

	if (h->group == DFUD_SMP_GROUP_OS) {
		switch (h->id) {
		case DFUD_SMP_OS_ECHO:
			return recovery_echo(ctx);
		case 1: /* console echo control */
			return recovery_rc(ctx, 0);
		case DFUD_SMP_OS_RESET:
			ctx->reset = TRUE;
			ctx->device->recovery_leaving = TRUE;
			return recovery_rc(ctx, 0);
		case DFUD_SMP_OS_MCUMGR_PARAMS:
			if (!ctx->device->config->serial_recovery_params)
				break;
			dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "buf_size"), 512);
			dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "buf_count"), 1);
			return DFUD_SIM_OK;
		default:
			break;
		}
	} else if (h->group == DFUD_SMP_GROUP_IMAGE) {
		if (h->id == DFUD_SMP_IMAGE_STATE && h->op == DFUD_SMP_OP_READ)
			return recovery_list(ctx);
		if (h->id == DFUD_SMP_IMAGE_UPLOAD)
			return recovery_upload(ctx);
	}
	return recovery_rc(ctx, DFUD_SMP_RC_ENOTSUP);
}
