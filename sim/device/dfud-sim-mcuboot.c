/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-decompress.h"
#include "dfud-sim-device-private.h"

/*
 * MCUboot: what a slot holds, and the boot decision on reset for each mode of spec §3.5 (swap
 * with revert, overwrite with compressed images, direct-XIP, RAM-load, single slot, firmware
 * loader, the NSIB update of MCUboot itself), validating every candidate first.
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
	guint32 size = dfud_sim_flash_size(self->flash, image, slot);
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

/*
 * Direct-XIP runs an image where it lies: MCUboot does not start a ROM_FIXED image whose
 * ih_load_addr is not its slot's address (mcu-tools/mcuboot boot/bootutil/src/loader.c,
 * boot_rom_address_check(), MCUBOOT_DIRECT_XIP); the slot stays as it is, only unused.
 * Image 0's slot addresses are --slot0-addr/--slot1-addr; other images are not checked.
 */
static gchar *
rom_address_check(DfudSimDevice *self, guint image, guint slot)
{
	const DfudSimSlotInfo *info = dfud_sim_device_slot(self, image, slot);
	guint32 linked = 0;
	guint32 at = dfud_sim_config_slot_addr(self->config, slot);

	if (image != 0 || (self->config->boot_mode != DFUD_SIM_BOOT_DIRECT_XIP &&
			   self->config->boot_mode != DFUD_SIM_BOOT_DIRECT_XIP_REVERT))
		return NULL;
	if (info->image == NULL || !dfud_image_get_rom_fixed_address(info->image, &linked) ||
	    linked == at)
		return NULL;
	return g_strdup_printf("ROM_FIXED image linked for 0x%x, slot %u is at 0x%x", linked, slot,
			       at);
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

gchar *
dfud_sim_mcuboot_validate(DfudSimDevice *self, guint image, guint slot)
{
	return validate(self, image, slot, FALSE);
}

void
dfud_sim_mcuboot_corrupt_if_asked(DfudSimDevice *self, guint image, guint slot)
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
	guint32 size = dfud_sim_flash_size(self->flash, image, slot);

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
	dfud_sim_flash_erase(self->flash, 0, 1, 0, dfud_sim_flash_size(self->flash, 0, 1), NULL);
	log_boot(self, 0, "mcuboot-update", target, NULL);
	return TRUE;
}

/*
 * Overwrite-only with a compressed image in slot 1 (validated as uploaded: its own hash and
 * signature): MCUboot decompresses it, checks DECOMP_SIZE against slot 0 and the output, the
 * DECOMP_SHA hash and DECOMP_SIGNATURE of what it would write (sdk-mcuboot
 * boot/zephyr/decompression.c, bootutil_img_hash_decompress(); spec §7.3 TLVs 0x70-0x73), and
 * only then writes the decompressed image to slot 0. Any failure: slot 1 is erased and the old
 * image runs on. Slot 0 then reports DECOMP_SHA as its hash.
 */
static gint64
install_compressed(DfudSimDevice *self, guint i)
{
	const DfudSimSlotInfo *info = dfud_sim_device_slot(self, i, 1);
	guint16 hash_tlv = self->config->sha512 ? DFUD_IMAGE_TLV_SHA512 : DFUD_IMAGE_TLV_SHA256;
	guint32 size = dfud_sim_flash_size(self->flash, i, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(DfudImage) img = NULL;
	g_autofree gchar *why = NULL;
	gint64 us = copy_us(self, i, FALSE);

	out = dfud_sim_decompress_image(info->image, hash_tlv, size, &error);
	if (out != NULL)
		img = dfud_image_new_from_bytes(out, &error);
	if (img == NULL)
		why = g_strdup_printf("compressed image: %s", error->message);
	else if (dfud_image_get_hash_state(img) != DFUD_IMAGE_HASH_STATE_VERIFIED)
		why =
		    g_strdup("compressed image: the decompressed image does not match DECOMP_SHA");
	else if (self->key != NULL && !dfud_image_verify_signature(img, self->key, &error))
		why = g_strdup_printf("compressed image: DECOMP_SIGNATURE: %s", error->message);
	if (why != NULL) {
		refuse(self, i, 1, why);
		return us;
	}
	us += (gint64)g_bytes_get_size(out) * self->config->flash.write_ns_per_byte / 1000;
	dfud_sim_flash_erase(self->flash, i, 0, 0, size, NULL);
	dfud_sim_flash_write(self->flash, i, 0, 0, g_bytes_get_data(out, NULL),
			     g_bytes_get_size(out), NULL);
	dfud_sim_flash_erase(self->flash, i, 1, 0, dfud_sim_flash_size(self->flash, i, 1), NULL);
	self->boot.image[i].confirmed = TRUE;
	log_boot(self, i, "decompress", 1, NULL);
	return us;
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
	dfud_sim_mcuboot_corrupt_if_asked(self, i, 1);
	if (i == 0 && boot_nsib(self, &us))
		return us;
	why = validate(self, i, 1, TRUE);
	if (why == NULL && dfud_image_is_compressed(dfud_sim_device_slot(self, i, 1)->image)) {
		/* only the NCS MCUboot of overwrite-only builds decompresses (spec §7.2) */
		if (!overwrite)
			why =
			    g_strdup("a compressed image: this MCUboot mode has no decompression");
		else
			return us + install_compressed(self, i);
	}
	if (why != NULL) {
		refuse(self, i, 1, why);
		return us;
	}
	if (overwrite) {
		us += copy_us(self, i, FALSE);
		dfud_sim_flash_copy_secondary(self->flash, i, NULL);
		dfud_sim_flash_erase(self->flash, i, 1, 0, dfud_sim_flash_size(self->flash, i, 1),
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

/* what boot_read_image_header() gives: the header of a slot, FALSE without the magic */
static gboolean
read_header(DfudSimDevice *self, guint image, guint slot, DfudImageVersion *v, guint32 *flags,
	    guint32 *load_addr)
{
	guint8 h[DFUD_IMAGE_HEADER_SIZE];

	if (!dfud_sim_flash_read(self->flash, image, slot, 0, h, sizeof(h), NULL) ||
	    le32(h) != DFUD_IMAGE_MAGIC)
		return FALSE;
	*load_addr = le32(h + 4);
	*flags = le32(h + 16);
	v->major = h[20];
	v->minor = h[21];
	v->revision = le16(h + 22);
	v->build = le32(h + 24);
	return TRUE;
}

/*
 * find_slot_with_highest_version() (mcu-tools/mcuboot boot/bootutil/src/loader.c): slot 0
 * first, a later slot replaces the candidate only when its version is greater, so on a tie
 * slot 0 wins; boot_version_cmp() (bootutil_loader.c: boot_compare_version() in newer trees)
 * ignores the build number unless MCUBOOT_VERSION_CMP_USE_BUILD_NUMBER
 * (CONFIG_BOOT_VERSION_CMP_USE_BUILD_NUMBER, --version-cmp-build-number).
 */
static gint
highest_slot(DfudSimDevice *self, const gboolean avail[2], const DfudImageVersion v[2])
{
	gint cand = -1;

	for (guint s = 0; s < 2; s++) {
		if (!avail[s])
			continue;
		if (cand < 0 || dfud_image_version_compare(&v[s], &v[cand],
							   self->config->version_cmp_build_number) > 0)
			cand = (gint)s;
	}
	return cand;
}

/*
 * RAM-load: boot_load_image_to_sram() (loader.c; ram_load.c in newer trees) copies only an
 * image with IMAGE_F_RAM_LOAD, to ih_load_addr, and boot_verify_ram_load_address() wants
 * [ih_load_addr, + the image with its TLVs) inside IMAGE_EXECUTABLE_RAM_START/SIZE
 * (--exec-ram-start/--exec-ram-size); otherwise BOOT_EBADIMAGE, and the caller,
 * boot_load_and_validate_images(), erases the slot (boot_remove_image_from_flash()).
 */
static gchar *
ram_load_check(DfudSimDevice *self, guint image, guint slot, guint32 flags, guint32 load_addr)
{
	guint64 size = image_extent(self, image, slot);
	guint64 ram_end = (guint64)self->config->exec_ram_start + self->config->exec_ram_size;

	if ((flags & DFUD_IMAGE_FLAG_RAM_LOAD) == 0)
		return g_strdup("not a RAM_LOAD image (RAM-load boots no other)");
	if (load_addr < self->config->exec_ram_start || load_addr + size > ram_end)
		return g_strdup_printf("RAM load address 0x%x (+0x%" G_GINT64_MODIFIER
				       "x bytes) outside RAM 0x%x..0x%" G_GINT64_MODIFIER "x",
				       load_addr, size, self->config->exec_ram_start, ram_end);
	return NULL;
}

/*
 * Direct-XIP, direct-XIP with revert and RAM-load, as boot_load_and_validate_images()
 * (loader.c, MCUBOOT_DIRECT_XIP / MCUBOOT_RAM_LOAD) does it: the slots with an image header
 * are candidates; the highest version is tried first, and a candidate that fails drops out:
 * - a ROM_FIXED image linked for another address (boot_rom_address_check()): left as it is;
 * - with revert, boot_select_or_erase(): a slot whose trailer was never marked by a state
 *   write, or a test that ran once unconfirmed, is erased;
 * - RAM-load: see ram_load_check(), erased;
 * - an invalid image (boot_validate_slot(): hash, signature): erased, since in these modes
 *   ARE_SLOTS_EQUIVALENT() (bootutil_priv.h) makes either slot the one booted.
 * A lower version is never looked at while a higher one boots, so downgrade prevention does
 * not come into it. No candidate left: MCUboot boots nothing ("no-bootable-image").
 */
static gint64
boot_xip_or_ram(DfudSimDevice *self, guint i)
{
	DfudSimImageState *st = &self->boot.image[i];
	DfudSimBootMode mode = self->config->boot_mode;
	gboolean revert = mode == DFUD_SIM_BOOT_DIRECT_XIP_REVERT;
	gboolean avail[2];
	DfudImageVersion v[2];
	guint32 flags[2], load[2];
	gint c;

	if (revert && !st->confirmed) {
		/* the test image ran once: boot_select_or_erase() erases it */
		guint other = 1 - st->active;
		refuse(self, i, st->active, "the test image was not confirmed");
		st->active = other;
		st->confirmed = TRUE;
		st->pending = -1;
		log_boot(self, i, "revert", other, NULL);
		return 0;
	}
	dfud_sim_mcuboot_corrupt_if_asked(self, i, 1 - st->active);
	for (guint s = 0; s < 2; s++)
		avail[s] = read_header(self, i, s, &v[s], &flags[s], &load[s]);
	while ((c = highest_slot(self, avail, v)) >= 0) {
		g_autofree gchar *why = NULL;
		gboolean marked = st->pending == c;

		avail[c] = FALSE;
		if ((why = rom_address_check(self, i, (guint)c)) != NULL) {
			log_boot(self, i, "not-booted", (guint)c, why);
			continue;
		}
		/* the running slot's trailer is confirmed (a test run once is handled above);
		 * the other's is good only when a state write marked it */
		if (revert && c != (gint)st->active && !marked) {
			refuse(self, i, (guint)c, "not marked for boot by a state write");
			continue;
		}
		if (mode == DFUD_SIM_BOOT_RAM_LOAD)
			why = ram_load_check(self, i, (guint)c, flags[c], load[c]);
		if (why == NULL)
			why = validate(self, i, (guint)c, FALSE);
		if (why != NULL) {
			refuse(self, i, (guint)c, why);
			continue;
		}
		if (c != (gint)st->active) {
			st->active = (guint)c;
			st->confirmed = revert ? st->permanent : TRUE;
			log_boot(self, i, revert && !st->permanent ? "boot-test" : "boot", (guint)c,
				 NULL);
		}
		st->pending = -1;
		st->permanent = FALSE;
		return 0;
	}
	log_boot(self, i, "no-bootable-image", st->active, "no slot holds an image MCUboot boots");
	st->pending = -1;
	st->permanent = FALSE;
	return 0;
}

/*
 * Single application slot (mode 0, and 8 which copies it to RAM first): MCUboot validates
 * slot 0 and runs it; there is no second slot and nothing to swap (mcu-tools/mcuboot
 * boot/bootutil/src/loader.c, MCUBOOT_SINGLE_APPLICATION_SLOT; updates come through
 * MCUboot's own serial recovery, not the application's SMP server).
 */
static gint64
boot_single(DfudSimDevice *self)
{
	g_autofree gchar *why = validate(self, 0, 0, FALSE);

	log_boot(self, 0, why == NULL ? "boot" : "no-bootable-image", 0, why);
	return 0;
}

/*
 * Firmware loader (mode 7): slot 0 holds the application, slot 1 the firmware loader, an
 * SMP server of its own with the image group. MCUboot runs the loader when the boot mode
 * retained by `os reset` with `boot_mode` 1 (spec §3.2) asks for it, or when slot 0 holds no
 * valid application; otherwise it validates and runs the application (mcu-tools/mcuboot
 * boot/zephyr/main.c, MCUBOOT_FIRMWARE_LOADER with the boot-mode entrance). The loader
 * uploads to slot 0; its reset runs the new application once it is valid.
 */
static gint64
boot_firmware_loader(DfudSimDevice *self)
{
	DfudSimImageState *st = &self->boot.image[0];
	g_autofree gchar *why = NULL;
	gboolean asked = self->enter_loader;

	self->enter_loader = FALSE;
	if (!asked) {
		dfud_sim_mcuboot_corrupt_if_asked(self, 0, 0);
		why = validate(self, 0, 0, FALSE);
		if (why == NULL) {
			st->active = 0;
			st->confirmed = TRUE;
			log_boot(self, 0, "boot", 0, NULL);
			return 0;
		}
	}
	st->active = 1;
	st->confirmed = TRUE;
	log_boot(self, 0, "firmware-loader", 1,
		 asked ? "boot_mode 1: the bootloader was asked for" : why);
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
	if (DFUD_SIM_BOOT_IS_SINGLE_SLOT(self->config->boot_mode))
		return boot_single(self);
	if (self->config->boot_mode == DFUD_SIM_BOOT_FIRMWARE_LOADER)
		return boot_firmware_loader(self);
	for (guint i = 0; i < self->config->images; i++) {
		if (DFUD_SIM_BOOT_IS_XIP_OR_RAM(self->config->boot_mode))
			us += boot_xip_or_ram(self, i);
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
	guint32 size = dfud_sim_flash_size(self->flash, image, 0);

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
