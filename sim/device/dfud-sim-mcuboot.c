/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-device-private.h"

/*
 * MCUboot: what a slot holds, and the boot decision on reset (swap with revert, overwrite,
 * direct-XIP, the NSIB update of MCUboot itself), validating every candidate first.
 */

static guint32
le32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint16
le16(const guint8 *p)
{
	return (guint16)(p[0] | p[1] << 8);
}

/* the bytes from the header to the end of the unprotected TLV area, or 0 */
static guint64
image_extent(DfudSimDevice *self, guint image, guint slot)
{
	guint8 hdr[DFUD_IMAGE_HEADER_SIZE];
	guint8 info[DFUD_IMAGE_TLV_INFO_SIZE];
	guint32 size = dfud_sim_flash_slot_size(self->flash, image);
	guint64 tlv;

	if (!dfud_sim_flash_read(self->flash, image, slot, 0, hdr, sizeof(hdr), NULL) ||
	    le32(hdr) != DFUD_IMAGE_MAGIC)
		return 0;
	tlv = (guint64)le16(hdr + 8) + le32(hdr + 12) + le16(hdr + 10);
	if (tlv + sizeof(info) > size ||
	    !dfud_sim_flash_read(self->flash, image, slot, (guint32)tlv, info, sizeof(info),
				 NULL) ||
	    le16(info) != DFUD_IMAGE_TLV_INFO_MAGIC)
		return 0;
	tlv += le16(info + 2);
	return tlv <= size ? tlv : 0;
}

void
dfud_sim_mcuboot_inspect(DfudSimDevice *self, guint image, guint slot, DfudSimSlotInfo *info)
{
	guint16 want = self->config->sha512 ? DFUD_IMAGE_TLV_SHA512 : DFUD_IMAGE_TLV_SHA256;
	guint16 want_len = self->config->sha512 ? 64 : 32;
	guint64 extent = image_extent(self, image, slot);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(DfudImage) img = NULL;
	GArray *tlvs;

	if (extent == 0)
		return;
	bytes = dfud_sim_flash_read_bytes(self->flash, image, slot, extent, NULL);
	if (bytes == NULL)
		return;
	img = dfud_image_new_from_bytes(bytes, NULL);
	if (img == NULL)
		return;
	tlvs = dfud_image_get_tlvs(img);
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (t->type == want && t->len == want_len && !t->protected_area) {
			info->hash = g_bytes_new_from_bytes(bytes, t->offset, t->len);
			info->image = g_steal_pointer(&img);
			return;
		}
	}
}

static void
log_boot(DfudSimDevice *self, guint image, const gchar *action, guint slot, const gchar *reason)
{
	JsonObject *o = json_object_new();

	json_object_set_int_member(o, "image", image);
	json_object_set_string_member(o, "action", action);
	json_object_set_int_member(o, "slot", slot);
	if (reason != NULL)
		json_object_set_string_member(o, "reason", reason);
	dfud_sim_device_log(self, "boot", o);
}

/* what MCUboot checks before it boots a candidate; NULL = fine, else why not */
static gchar *
validate(DfudSimDevice *self, guint image, guint slot, gboolean check_downgrade)
{
	const DfudSimSlotInfo *info = dfud_sim_device_slot(self, image, slot);
	const DfudSimSlotInfo *running =
	    dfud_sim_device_slot(self, image, self->boot.image[image].active);
	g_autoptr(GError) error = NULL;

	if (info->image == NULL)
		return g_strdup("no valid image (header, TLVs or hash TLV missing)");
	if (dfud_image_get_hash_state(info->image) == DFUD_IMAGE_HASH_STATE_MISMATCH)
		return g_strdup("image hash mismatch");
	if (self->key != NULL && !dfud_image_verify_signature(info->image, self->key, &error))
		return g_strdup_printf("signature: %s", error->message);
	if (check_downgrade && self->config->no_downgrade && running->image != NULL &&
	    dfud_image_version_compare(dfud_image_get_version(info->image),
				       dfud_image_get_version(running->image), FALSE) < 0)
		return g_strdup("downgrade prevented");
	return NULL;
}

static void
corrupt_if_asked(DfudSimDevice *self, guint image, guint slot)
{
	const DfudSimSlotInfo *info = dfud_sim_device_slot(self, image, slot);
	guint8 b;
	guint32 off;

	if (info->image == NULL)
		return;
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_CORRUPT_IMAGE, DFUD_SIM_PHASE_BOOT,
				       NULL, NULL, image) == NULL)
		return;
	off = dfud_image_get_hdr_size(info->image);
	if (dfud_sim_flash_read(self->flash, image, slot, off, &b, 1, NULL)) {
		b ^= 0xff;
		dfud_sim_flash_write(self->flash, image, slot, off, &b, 1, NULL);
	}
}

static gint64
copy_us(DfudSimDevice *self, guint image, gboolean both)
{
	const DfudSimFlashParams *fl = &self->config->flash;
	guint64 bytes = image_extent(self, image, 1);
	guint64 sectors;

	if (both)
		bytes += image_extent(self, image, 0);
	sectors = (bytes + fl->sector_size - 1) / fl->sector_size;
	return (gint64)sectors *
	       (fl->erase_us_per_sector + (gint64)fl->sector_size * fl->write_ns_per_byte / 1000);
}

static void
refuse(DfudSimDevice *self, guint image, guint slot, const gchar *why)
{
	guint32 size = dfud_sim_flash_slot_size(self->flash, image);

	log_boot(self, image, "refused", slot, why);
	dfud_sim_flash_erase(self->flash, image, slot, 0, size, NULL);
}

/* NSIB: an MCUboot build in image 0's secondary slot; TRUE when it was one */
static gboolean
boot_nsib(DfudSimDevice *self, gint64 *us)
{
	const DfudSimSlotInfo *info = dfud_sim_device_slot(self, 0, 1);
	guint target = 1 - self->boot.b0_active;
	g_autofree gchar *why = NULL;

	if (self->s_hash[0] == NULL || info->hash == NULL)
		return FALSE;
	if (g_bytes_equal(info->hash, self->s_hash[self->boot.b0_active])) {
		g_autofree gchar *msg = g_strdup_printf(
		    "MCUboot build for S%u, which is running: the update must be the S%u build",
		    self->boot.b0_active, target);
		log_boot(self, 0, "mcuboot-refused", 1, msg);
		return TRUE;
	}
	if (!g_bytes_equal(info->hash, self->s_hash[target]))
		return FALSE;
	why = validate(self, 0, 1, FALSE);
	if (why != NULL) {
		refuse(self, 0, 1, why);
		return TRUE;
	}
	*us += copy_us(self, 0, FALSE);
	self->boot.b0_active = target;
	dfud_sim_flash_erase(self->flash, 0, 1, 0, dfud_sim_flash_slot_size(self->flash, 0), NULL);
	log_boot(self, 0, "mcuboot-update", target, NULL);
	return TRUE;
}

static gint64
boot_swap(DfudSimDevice *self, guint i)
{
	DfudSimImageState *st = &self->boot.image[i];
	gboolean overwrite = self->config->boot_mode == DFUD_SIM_BOOT_OVERWRITE_ONLY;
	gint64 us = 0;
	g_autofree gchar *why = NULL;

	if (!st->confirmed && !overwrite) {
		us += copy_us(self, i, TRUE);
		dfud_sim_flash_swap(self->flash, i, NULL);
		st->confirmed = TRUE;
		st->pending = -1;
		log_boot(self, i, "revert", 0, "the test image was not confirmed");
		return us;
	}
	if (st->pending != 1) {
		st->pending = -1;
		return 0;
	}
	st->pending = -1;
	corrupt_if_asked(self, i, 1);
	if (i == 0 && boot_nsib(self, &us))
		return us;
	why = validate(self, i, 1, TRUE);
	if (why != NULL) {
		refuse(self, i, 1, why);
		return us;
	}
	if (overwrite) {
		us += copy_us(self, i, FALSE);
		dfud_sim_flash_copy_secondary(self->flash, i, NULL);
		dfud_sim_flash_erase(self->flash, i, 1, 0, dfud_sim_flash_slot_size(self->flash, i),
				     NULL);
		st->confirmed = TRUE;
		log_boot(self, i, "overwrite", 1, NULL);
		return us;
	}
	us += copy_us(self, i, TRUE);
	dfud_sim_flash_swap(self->flash, i, NULL);
	st->confirmed = st->permanent;
	log_boot(self, i, st->permanent ? "swap-permanent" : "swap-test", 1, NULL);
	st->permanent = FALSE;
	return us;
}

static gint64
boot_direct_xip(DfudSimDevice *self, guint i)
{
	DfudSimImageState *st = &self->boot.image[i];
	gboolean revert = self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT;
	guint other = 1 - st->active;
	const DfudSimSlotInfo *a, *o;
	g_autofree gchar *why = NULL;

	if (revert && !st->confirmed) {
		/* the test image ran once: MCUboot invalidates it */
		refuse(self, i, st->active, "the test image was not confirmed");
		st->active = other;
		st->confirmed = TRUE;
		st->pending = -1;
		log_boot(self, i, "revert", other, NULL);
		return 0;
	}
	if (revert && st->pending != (gint)other) {
		st->pending = -1;
		return 0;
	}
	corrupt_if_asked(self, i, other);
	o = dfud_sim_device_slot(self, i, other);
	if (o->image == NULL) {
		st->pending = -1;
		return 0;
	}
	why = validate(self, i, other, TRUE);
	if (why != NULL) {
		refuse(self, i, other, why);
		st->pending = -1;
		return 0;
	}
	a = dfud_sim_device_slot(self, i, st->active);
	if (a->image == NULL ||
	    dfud_image_version_compare(dfud_image_get_version(o->image),
				       dfud_image_get_version(a->image), TRUE) > 0) {
		st->active = other;
		st->confirmed = revert ? st->permanent : TRUE;
		log_boot(self, i, revert && !st->permanent ? "boot-test" : "boot", other, NULL);
	}
	st->pending = -1;
	st->permanent = FALSE;
	return 0;
}

gint64
dfud_sim_mcuboot_boot(DfudSimDevice *self)
{
	gint64 us = 0;

	/* no bootloader: the application restarts from where it runs, its slots untouched, and a
	 * slot marked for test (or confirm) stays pending (the peer of tests/peer does so) */
	if (self->config->boot_mode == DFUD_SIM_BOOT_NONE) {
		for (guint i = 0; i < self->config->images; i++)
			log_boot(self, i, "restart", self->boot.image[i].active,
				 "no MCUboot: nothing swaps");
		return 0;
	}
	for (guint i = 0; i < self->config->images; i++) {
		if (self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP ||
		    self->config->boot_mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT)
			us += boot_direct_xip(self, i);
		else
			us += boot_swap(self, i);
	}
	return us;
}

static DfudImage *
load_image(const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(DfudImage) img = NULL;

	if (!g_file_get_contents(path, &contents, &len, error))
		return NULL;
	bytes = g_bytes_new_take(g_steal_pointer(&contents), len);
	img = dfud_image_new_from_bytes(bytes, error);
	if (img == NULL || !dfud_image_verify(img, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&img);
}

gboolean
dfud_sim_mcuboot_install(DfudSimDevice *self, guint image, const gchar *path, GError **error)
{
	g_autoptr(DfudImage) img = load_image(path, error);
	GBytes *bytes;
	guint32 size = dfud_sim_flash_slot_size(self->flash, image);

	if (img == NULL)
		return FALSE;
	bytes = dfud_image_get_bytes(img);
	if (g_bytes_get_size(bytes) > size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: %" G_GSIZE_FORMAT " bytes do not fit the 0x%x-byte slot", path,
			    g_bytes_get_size(bytes), size);
		return FALSE;
	}
	if (!dfud_sim_flash_erase(self->flash, image, 0, 0, size, error) ||
	    !dfud_sim_flash_write(self->flash, image, 0, 0, g_bytes_get_data(bytes, NULL),
				  g_bytes_get_size(bytes), error))
		return FALSE;
	if (dfud_sim_device_slot(self, image, 0)->image == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: the image has no %s hash TLV the device could report", path,
			    self->config->sha512 ? "SHA-512" : "SHA-256");
		return FALSE;
	}
	self->boot.image[image].active = 0;
	self->boot.image[image].confirmed = TRUE;
	self->boot.image[image].pending = -1;
	self->boot.image[image].permanent = FALSE;
	log_boot(self, image, "install", 0, path);
	return TRUE;
}

gboolean
dfud_sim_mcuboot_load_nsib(DfudSimDevice *self, GError **error)
{
	const gchar *paths[2] = {self->config->mcuboot_s0_path, self->config->mcuboot_s1_path};

	for (guint s = 0; s < 2; s++) {
		g_autoptr(DfudImage) img = load_image(paths[s], error);
		if (img == NULL)
			return FALSE;
		self->s_hash[s] = g_bytes_ref(dfud_image_get_hash(img));
	}
	if (g_bytes_equal(self->s_hash[0], self->s_hash[1])) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "--mcuboot-s0 and --mcuboot-s1 are the same build");
		return FALSE;
	}
	return TRUE;
}
