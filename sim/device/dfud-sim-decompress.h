/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "image/dfud-image.h"

G_BEGIN_DECLS

/*
 * What the nRF Connect SDK's MCUboot writes to the primary slot when it installs a compressed
 * image (flags COMPRESSED_LZMA2 [+ COMPRESSED_ARM_THUMB], spec §7.2; TLVs 0x70-0x73, §7.3),
 * after the checks MCUboot makes first:
 *
 * - the body is a 2-byte header (LZMA2 dictionary-size byte, lc/lp/pb byte) and a raw LZMA2
 *   stream, whose output went through the ARM-Thumb BCJ filter when that flag is set
 *   (mcu-tools/mcuboot docs/compression_format.md); decoded with liblzma;
 * - header size + DECOMP_SIZE + the protected TLVs that stay must be smaller than the primary
 *   slot (sdk-mcuboot boot/zephyr/decompression.c, boot_is_compressed_header_valid());
 * - the output must be exactly DECOMP_SIZE bytes;
 * - the image written is: the header with the compression flags cleared, ih_img_size =
 *   DECOMP_SIZE and ih_protect_tlv_size without the 0x70-0x73 TLVs, erased (0xff) header
 *   padding, the decompressed body, the protected TLVs but 0x70-0x73, and the unprotected
 *   TLVs with the hash TLV's value replaced by DECOMP_SHA's and the signature's by
 *   DECOMP_SIGNATURE's, COMP_DEC_SIZE dropped (decompression.c, boot_copy_protected_tlvs(),
 *   boot_copy_unprotected_tlvs()).
 *
 * Whether DECOMP_SHA is right is then the hash check of the returned image (its hash TLV is
 * DECOMP_SHA): dfud_image_get_hash_state(). @hash_tlv is the hash TLV type the build uses
 * (SHA256 or SHA512). NULL with a message that says why MCUboot would refuse the image.
 */
GBytes *dfud_sim_decompress_image(DfudImage *image, guint16 hash_tlv, guint32 primary_size,
				  GError **error);

G_END_DECLS
