/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* placeholder: being written */
typedef int dfud_placeholder_t;
