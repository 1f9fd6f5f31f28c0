/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>
#include <glib.h>

#include "dfud-smp-header.h"

G_BEGIN_DECLS

cbor_item_t *dfud_smp_message_parse(const guint8 *frame, gsize frame_len, DfudSmpHeader *hdr,
				    GError **error);

G_END_DECLS
