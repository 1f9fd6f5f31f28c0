/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The flash of one device: two slots per image, each a file image<N>-slot<S>.bin in the state
 * directory. A file holds the slot's leading bytes; everything past its end reads as erased
 * (0xff), so an erased slot is an empty file and a slot holding a small image is a small file.
 */
typedef struct _DfudSimFlash DfudSimFlash;

DfudSimFlash *dfud_sim_flash_open(const gchar *dir, guint images, guint32 slot_size,
				  guint32 net_slot_size, GError **error);
void dfud_sim_flash_free(DfudSimFlash *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimFlash, dfud_sim_flash_free)
guint dfud_sim_flash_get_images(DfudSimFlash *self);
/* the size of slot 0 of @image (slot 1 has the same unless set otherwise) */
guint32 dfud_sim_flash_slot_size(DfudSimFlash *self, guint image);
guint32 dfud_sim_flash_size(DfudSimFlash *self, guint image, guint slot);
/* a slot of another size (image 0's slot 1 in overwrite-only or firmware-loader mode) */
void dfud_sim_flash_set_size(DfudSimFlash *self, guint image, guint slot, guint32 size);
/* bumped on every change of the slot: lets callers cache what they parsed from it */
guint64 dfud_sim_flash_generation(DfudSimFlash *self, guint image, guint slot);
gboolean dfud_sim_flash_read(DfudSimFlash *self, guint image, guint slot, guint32 off, guint8 *buf,
			     gsize len, GError **error);
/* the whole programmed part of the slot [0, @len) (@len <= slot size) */
GBytes *dfud_sim_flash_read_bytes(DfudSimFlash *self, guint image, guint slot, gsize len,
				  GError **error);
gboolean dfud_sim_flash_write(DfudSimFlash *self, guint image, guint slot, guint32 off,
			      const guint8 *data, gsize len, GError **error);
gboolean dfud_sim_flash_erase(DfudSimFlash *self, guint image, guint slot, guint32 off, guint32 len,
			      GError **error);
/* TRUE when every byte of the slot is 0xff */
gboolean dfud_sim_flash_is_blank(DfudSimFlash *self, guint image, guint slot);
/* exchanges the contents of the two slots of @image (a swap) */
gboolean dfud_sim_flash_swap(DfudSimFlash *self, guint image, GError **error);
/* copies slot 1 over slot 0 (overwrite-only) */
gboolean dfud_sim_flash_copy_secondary(DfudSimFlash *self, guint image, GError **error);

G_END_DECLS
