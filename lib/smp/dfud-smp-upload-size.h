/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-request.h"

G_BEGIN_DECLS

gsize dfud_smp_upload_frame_size(const DfudSmpUploadChunk *chunk);
gsize dfud_smp_upload_max_data(const DfudSmpUploadChunk *chunk, gsize packet_size, gsize alignment);

G_END_DECLS
