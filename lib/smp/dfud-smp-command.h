/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* management group ids (spec §1.3) */
typedef enum {
	DFUD_SMP_GROUP_OS = 0,
	DFUD_SMP_GROUP_IMAGE = 1,
	DFUD_SMP_GROUP_STAT = 2,
	DFUD_SMP_GROUP_SETTINGS = 3,
	DFUD_SMP_GROUP_LOG = 4,
	DFUD_SMP_GROUP_CRASH = 5,
	DFUD_SMP_GROUP_SPLIT = 6,
	DFUD_SMP_GROUP_RUN = 7,
	DFUD_SMP_GROUP_FS = 8,
	DFUD_SMP_GROUP_SHELL = 9,
	DFUD_SMP_GROUP_ENUM = 10,
	DFUD_SMP_GROUP_ZEPHYR_BASIC = 63,
	DFUD_SMP_GROUP_PERUSER = 64,
} DfudSmpGroup;

/* OS group command ids (spec §3) */
typedef enum {
	DFUD_SMP_OS_ECHO = 0,
	DFUD_SMP_OS_CONSOLE_ECHO = 1,
	DFUD_SMP_OS_TASK_STAT = 2,
	DFUD_SMP_OS_MEMPOOL_STAT = 3,
	DFUD_SMP_OS_DATETIME = 4,
	DFUD_SMP_OS_RESET = 5,
	DFUD_SMP_OS_MCUMGR_PARAMS = 6,
	DFUD_SMP_OS_INFO = 7,
	DFUD_SMP_OS_BOOTLOADER_INFO = 8,
} DfudSmpOsCommand;

/* image group command ids (spec §4) */
typedef enum {
	DFUD_SMP_IMAGE_STATE = 0,
	DFUD_SMP_IMAGE_UPLOAD = 1,
	DFUD_SMP_IMAGE_FILE = 2,
	DFUD_SMP_IMAGE_CORE_LIST = 3,
	DFUD_SMP_IMAGE_CORE_LOAD = 4,
	DFUD_SMP_IMAGE_ERASE = 5,
	DFUD_SMP_IMAGE_SLOT_INFO = 6,
} DfudSmpImageCommand;

const gchar *dfud_smp_group_name(guint group);
const gchar *dfud_smp_command_name(guint group, guint id, guint op);
gchar *dfud_smp_command_describe(guint group, guint id, guint op);

G_END_DECLS
