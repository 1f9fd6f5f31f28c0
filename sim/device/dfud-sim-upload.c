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

/* Zephyr's image upload (spec §4.3) and image erase (§4.4) over the simulated flash */

#define IMG_ERR_RSN(n, r) ((DfudSimStatus){(n), DFUD_SMP_GROUP_IMAGE, (r)})

void
dfud_sim_upload_clear(DfudSimDevice *self)
{
	memset(&self->upload, 0, sizeof(self->upload));
}

static guint32
le32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint64
sectors_for(DfudSimDevice *self, guint64 bytes)
{
	guint32 sector = self->config->flash.sector_size;

	return (bytes + sector - 1) / sector;
}

/* erasing the slot's trailer sector takes a pending flag with it */
static void
forget_pending(DfudSimDevice *self, guint image, guint slot)
{
	DfudSimImageState *st = &self->boot.image[image];

	if (st->pending == (gint)slot) {
		st->pending = -1;
		st->permanent = FALSE;
		dfud_sim_device_save(self);
	}
}

static gboolean
erase_range(DfudSimCtx *ctx, guint image, guint slot, guint64 from, guint64 to)
{
	DfudSimDevice *self = ctx->device;
	guint32 sector = self->config->flash.sector_size;

	from = from / sector * sector;
	to = MIN(sectors_for(self, to) * sector, dfud_sim_flash_size(self->flash, image, slot));
	if (to <= from)
		return TRUE;
	ctx->flash_us += dfud_sim_device_erase_us(self, (to - from) / sector);
	return dfud_sim_flash_erase(self->flash, image, slot, (guint32)from, (guint32)(to - from),
				    NULL);
}

static gboolean
erase_trailer(DfudSimCtx *ctx, guint image, guint slot)
{
	guint32 size = dfud_sim_flash_size(ctx->device->flash, image, slot);

	forget_pending(ctx->device, image, slot);
	return erase_range(ctx, image, slot, size - ctx->device->config->flash.sector_size, size);
}

static gboolean
slot_sha256(DfudSimCtx *ctx, guint image, guint slot, guint64 len, guint8 out[32])
{
	g_autoptr(GBytes) bytes =
	    dfud_sim_flash_read_bytes(ctx->device->flash, image, slot, len, NULL);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize out_len = 32;

	if (bytes == NULL)
		return FALSE;
	ctx->flash_us += (gint64)(len * ctx->device->config->flash.hash_ns_per_byte / 1000);
	g_checksum_update(sum, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	g_checksum_get_digest(sum, out, &out_len);
	return TRUE;
}

static void
reply_off(DfudSimCtx *ctx, guint64 off)
{
	if (ctx->device->config->legacy_rc)
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "rc"), 0);
	dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "off"), off);
}

typedef struct {
	guint64 off, len, image;
	gboolean has_off, has_len, upgrade;
	GBytes *data;
	GBytes *sha;
} UploadReq;

/* checks 1-12 of a first chunk; on success the upload state is set up for the write */
static DfudSimStatus
first_chunk(DfudSimCtx *ctx, UploadReq *req, gboolean *done)
{
	DfudSimDevice *self = ctx->device;
	DfudSimUpload *up = &self->upload;
	gsize data_len = req->data != NULL ? g_bytes_get_size(req->data) : 0;
	const guint8 *data = req->data != NULL ? g_bytes_get_data(req->data, NULL) : NULL;
	gsize sha_len = req->sha != NULL ? g_bytes_get_size(req->sha) : 0;
	const guint8 *sha = req->sha != NULL ? g_bytes_get_data(req->sha, NULL) : NULL;
	guint image, slot;
	DfudSimFault *slow;

	*done = FALSE;
	if (data_len < DFUD_IMAGE_HEADER_SIZE)
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_IMAGE_HEADER, "header malformed");
	if (!req->has_len)
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_LENGTH, "header malformed");
	if (le32(data) != DFUD_IMAGE_MAGIC)
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_IMAGE_HEADER_MAGIC, "magic mismatch");
	if (sha_len > 32)
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_HASH, NULL);
	/* 6: the same upload again resumes it (at 0 there is nothing to resume: only a
	 * stuck-offset device writes nothing with the first chunk, which then starts over) */
	if (sha != NULL && up->active && up->off > 0 && up->sha_len == sha_len &&
	    memcmp(up->sha, sha, sha_len) == 0) {
		reply_off(ctx, up->off);
		*done = TRUE;
		return DFUD_SIM_OK;
	}
	/* 7: a single-image build ignores `image` and takes the free slot of image 0
	 * (zephyr_img_mgmt.c, img_mgmt_get_unused_slot_area_id(); the peer of tests/peer) */
	if (self->config->images > 1 && req->image >= self->config->images)
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_NO_FREE_SLOT, "no slot");
	image = self->config->images > 1 ? (guint)req->image : 0;
	slot = 1 - self->boot.image[image].active;
	if (dfud_sim_device_slot_in_use(self, image, slot))
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_NO_FREE_SLOT, "no slot");
	/* 8: the target slot's own size (slot 1 may be smaller: a compressed image's slot) */
	if (req->len > dfud_sim_flash_size(self->flash, image, slot))
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_IMAGE_TOO_LARGE, "img too large");
	/* 9: CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT (off by default; the nRF
	 * Connect SDK recommends it): a ROM_FIXED image must be linked for the slot it goes to
	 * (img_mgmt.c, img_mgmt_upload_inspect(); image 0's slot addresses only) */
	if (self->config->reject_mismatched_slot && image == 0 &&
	    (self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP ||
	     self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT) &&
	    (le32(data + 16) & DFUD_IMAGE_FLAG_ROM_FIXED) != 0 &&
	    le32(data + 4) != dfud_sim_config_slot_addr(self->config, slot))
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_FLASH_ADDRESS, "img addr mismatch");
	/* 10: major.minor.revision only */
	if (req->upgrade) {
		const DfudSimSlotInfo *running =
		    dfud_sim_device_slot(self, image, self->boot.image[image].active);
		DfudImageVersion v = {
		    data[20], data[21], (guint16)(data[22] | data[23] << 8),
		    (guint32)(data[24] | data[25] << 8 | data[26] << 16 | (guint32)data[27] << 24)};
		if (running->image == NULL)
			return IMG_ERR_RSN(DFUD_SMP_IMG_RC_VERSION_GET_FAILED, NULL);
		if (dfud_image_version_compare(&v, dfud_image_get_version(running->image), FALSE) <=
		    0)
			return IMG_ERR_RSN(DFUD_SMP_IMG_RC_CURRENT_VERSION_IS_NEWER, "downgrade");
	}
	/* 12 (before the erase, which would destroy what it looks for) */
	if (self->config->image_check && sha_len == 32) {
		guint8 digest[32];
		if (slot_sha256(ctx, image, slot, req->len, digest) &&
		    memcmp(digest, sha, 32) == 0) {
			dfud_sim_upload_clear(self);
			reply_off(ctx, req->len);
			dfud_smp_cbor_writer_bool(dfud_sim_reply_key(&ctx->reply, "match"), TRUE);
			*done = TRUE;
			return DFUD_SIM_OK;
		}
	}
	/* 11 */
	dfud_sim_upload_clear(self);
	if (!self->config->progressive_erase) {
		gint64 before = ctx->flash_us;
		if (!erase_range(ctx, image, slot, 0, req->len) || !erase_trailer(ctx, image, slot))
			return IMG_ERR_RSN(DFUD_SMP_IMG_RC_FLASH_ERASE_FAILED, "fa erase fail");
		slow =
		    dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_SLOW_ERASE,
					       DFUD_SIM_PHASE_COMMAND, ctx->session, &ctx->hdr, -1);
		if (slow != NULL)
			ctx->flash_us = before + (gint64)slow->ms * 1000;
	} else {
		forget_pending(self, image, slot);
	}
	up->active = TRUE;
	up->image = image;
	up->slot = slot;
	up->off = 0;
	up->len = req->len;
	up->sha_len = sha_len;
	if (sha_len > 0)
		memcpy(up->sha, sha, sha_len);
	up->erased_to = 0;
	return DFUD_SIM_OK;
}

static DfudSimStatus
write_chunk(DfudSimCtx *ctx, UploadReq *req)
{
	DfudSimDevice *self = ctx->device;
	DfudSimUpload *up = &self->upload;
	gsize data_len = req->data != NULL ? g_bytes_get_size(req->data) : 0;
	const guint8 *data = req->data != NULL ? g_bytes_get_data(req->data, NULL) : NULL;
	guint32 sector = self->config->flash.sector_size;
	DfudSimFault *stuck;

	if (req->off + data_len > up->len) {
		dfud_sim_upload_clear(self);
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_IMAGE_DATA_OVERRUN, "data overrun");
	}
	/* stuck-offset, a buggy device: what lies beyond N is not written, the answer says N */
	stuck =
	    dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_STUCK_OFFSET, DFUD_SIM_PHASE_COMMAND,
				       ctx->session, &ctx->hdr, (gint64)(req->off + data_len));
	if (stuck != NULL) {
		guint64 n = (guint64)stuck->offset;

		data_len = req->off < n ? n - req->off : 0;
		/* an upload already past N (the fault came with SIGHUP) goes back to N */
		up->off = MIN(req->off, n);
	}
	if (self->config->progressive_erase && req->off + data_len > up->erased_to) {
		guint64 to = sectors_for(self, req->off + data_len) * sector;
		gint64 before = ctx->flash_us;
		if (!erase_range(ctx, up->image, up->slot, up->erased_to, to)) {
			dfud_sim_upload_clear(self);
			return IMG_ERR_RSN(DFUD_SMP_IMG_RC_FLASH_ERASE_FAILED, "fa erase fail");
		}
		if (up->erased_to == 0) {
			DfudSimFault *slow = dfud_sim_device_fault_fire(
			    self, DFUD_SIM_FAULT_SLOW_ERASE, DFUD_SIM_PHASE_COMMAND, ctx->session,
			    &ctx->hdr, -1);
			if (slow != NULL)
				ctx->flash_us = before + (gint64)slow->ms * 1000;
		}
		up->erased_to = to;
	}
	if (data_len > 0 && !dfud_sim_flash_write(self->flash, up->image, up->slot,
						  (guint32)req->off, data, data_len, NULL)) {
		dfud_sim_upload_clear(self);
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_FLASH_WRITE_FAILED, "fa write fail");
	}
	ctx->flash_us += (gint64)(data_len * self->config->flash.write_ns_per_byte / 1000);
	up->off += data_len;
	reply_off(ctx, up->off);
	if (up->off == up->len) {
		gboolean match = FALSE;
		if (self->config->progressive_erase)
			erase_trailer(ctx, up->image, up->slot);
		if (self->config->image_check) {
			guint8 digest[32];
			match = up->sha_len == 32 &&
				slot_sha256(ctx, up->image, up->slot, up->len, digest) &&
				memcmp(digest, up->sha, 32) == 0;
			dfud_smp_cbor_writer_bool(dfud_sim_reply_key(&ctx->reply, "match"), match);
		}
		dfud_sim_upload_clear(self);
	}
	return DFUD_SIM_OK;
}

DfudSimStatus
dfud_sim_upload_handle(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	UploadReq req = {0};
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) sha = NULL;
	DfudSimStatus st;
	gboolean done = FALSE;

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_uint(ctx->body, "off", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&req.off, &req.has_off, NULL) ||
	    !dfud_smp_cbor_map_get_uint(ctx->body, "len", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&req.len, &req.has_len, NULL) ||
	    !dfud_smp_cbor_map_get_uint(ctx->body, "image", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&req.image, NULL, NULL) ||
	    !dfud_smp_cbor_map_get_bytes(ctx->body, "data", DFUD_SMP_CBOR_OPTIONAL,
					 DFUD_SMP_BODY_MAX, &data, NULL) ||
	    !dfud_smp_cbor_map_get_bytes(ctx->body, "sha", DFUD_SMP_CBOR_OPTIONAL,
					 DFUD_SMP_BODY_MAX, &sha, NULL) ||
	    !dfud_smp_cbor_map_get_bool(ctx->body, "upgrade", DFUD_SMP_CBOR_OPTIONAL, &req.upgrade,
					NULL, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	req.data = data;
	req.sha = sha;
	if (!req.has_off) {
		dfud_sim_upload_clear(self);
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_INVALID_OFFSET, NULL);
	}
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_LINK, DFUD_SIM_PHASE_UPLOAD,
				       ctx->session, &ctx->hdr, (gint64)req.off) != NULL) {
		ctx->drop_link = TRUE;
		ctx->no_response = TRUE;
		return DFUD_SIM_OK;
	}
	if (req.off == 0) {
		st = first_chunk(ctx, &req, &done);
		if (st.rc != 0) {
			dfud_sim_upload_clear(self);
			return st;
		}
		if (done)
			return DFUD_SIM_OK;
	} else if (!self->upload.active || req.off != self->upload.off) {
		/* not what the device expects: it says what it does expect */
		reply_off(ctx, self->upload.active ? self->upload.off : 0);
		return DFUD_SIM_OK;
	}
	return write_chunk(ctx, &req);
}

DfudSimStatus
dfud_sim_erase_handle(DfudSimCtx *ctx)
{
	DfudSimDevice *self = ctx->device;
	guint64 abs_slot = 0;
	gboolean has_slot = FALSE;
	guint image, slot;
	guint32 size;

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_uint(ctx->body, "slot", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32,
					&abs_slot, &has_slot, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!has_slot)
		abs_slot = 1 - self->boot.image[0].active;
	/* a slot without a flash area: its open fails (10), and the upload state is reset all the
	 * same (img_mgmt.c, img_mgmt_erase(); the peer answers 10 for slot 2 of one image) */
	if (abs_slot >= 2u * self->config->images ||
	    (DFUD_SIM_BOOT_IS_SINGLE_SLOT(self->config->boot_mode) && abs_slot == 1)) {
		dfud_sim_upload_clear(self);
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_FLASH_OPEN_FAILED, NULL);
	}
	image = (guint)(abs_slot / 2);
	slot = (guint)(abs_slot % 2);
	if (dfud_sim_device_slot(self, image, slot)->image != NULL &&
	    dfud_sim_device_slot_in_use(self, image, slot))
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_NO_FREE_SLOT, "no slot");
	size = dfud_sim_flash_size(self->flash, image, slot);
	forget_pending(self, image, slot);
	if (!erase_range(ctx, image, slot, 0, size))
		return IMG_ERR_RSN(DFUD_SMP_IMG_RC_FLASH_ERASE_FAILED, "fa erase fail");
	dfud_sim_upload_clear(self);
	if (self->config->legacy_rc)
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "rc"), 0);
	return DFUD_SIM_OK;
}
