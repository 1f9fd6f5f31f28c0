/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-smp-command.h"
#include "dfud-smp-header.h"

/* Names used at the start of every error message about a command, e.g. "image upload". */

static const gchar *const dfud_smp_os_commands[] = {
    [DFUD_SMP_OS_ECHO] = "os echo",
    [DFUD_SMP_OS_CONSOLE_ECHO] = "os console echo",
    [DFUD_SMP_OS_TASK_STAT] = "os task statistics",
    [DFUD_SMP_OS_MEMPOOL_STAT] = "os memory pool statistics",
    [DFUD_SMP_OS_DATETIME] = "os date-time",
    [DFUD_SMP_OS_RESET] = "os reset",
    [DFUD_SMP_OS_MCUMGR_PARAMS] = "os mcumgr params",
    [DFUD_SMP_OS_INFO] = "os info",
    [DFUD_SMP_OS_BOOTLOADER_INFO] = "os bootloader info",
};

static const gchar *const dfud_smp_image_commands[] = {
    [DFUD_SMP_IMAGE_STATE] = NULL, /* read and write have their own names */
    [DFUD_SMP_IMAGE_UPLOAD] = "image upload",
    [DFUD_SMP_IMAGE_FILE] = "image file",
    [DFUD_SMP_IMAGE_CORE_LIST] = "image core list",
    [DFUD_SMP_IMAGE_CORE_LOAD] = "image core load",
    [DFUD_SMP_IMAGE_ERASE] = "image erase",
    [DFUD_SMP_IMAGE_SLOT_INFO] = "image slot info",
};

const gchar *
dfud_smp_group_name(guint group)
{
	switch (group) {
	case DFUD_SMP_GROUP_OS:
		return "os";
	case DFUD_SMP_GROUP_IMAGE:
		return "image";
	case DFUD_SMP_GROUP_STAT:
		return "stat";
	case DFUD_SMP_GROUP_SETTINGS:
		return "settings";
	case DFUD_SMP_GROUP_LOG:
		return "log";
	case DFUD_SMP_GROUP_CRASH:
		return "crash";
	case DFUD_SMP_GROUP_SPLIT:
		return "split";
	case DFUD_SMP_GROUP_RUN:
		return "run";
	case DFUD_SMP_GROUP_FS:
		return "fs";
	case DFUD_SMP_GROUP_SHELL:
		return "shell";
	case DFUD_SMP_GROUP_ENUM:
		return "enum";
	case DFUD_SMP_GROUP_ZEPHYR_BASIC:
		return "zephyr basic";
	default:
		return NULL;
	}
}

/* Name of a known command, NULL otherwise. op may be the request or the response op: image
 * state is named "image state read" or "image state write" after it. */
const gchar *
dfud_smp_command_name(guint group, guint id, guint op)
{
	gboolean write = (op & ~1u) == DFUD_SMP_OP_WRITE;

	if (group == DFUD_SMP_GROUP_OS && id < G_N_ELEMENTS(dfud_smp_os_commands))
		return dfud_smp_os_commands[id];
	if (group == DFUD_SMP_GROUP_IMAGE && id == DFUD_SMP_IMAGE_STATE)
		return write ? "image state write" : "image state read";
	if (group == DFUD_SMP_GROUP_IMAGE && id < G_N_ELEMENTS(dfud_smp_image_commands))
		return dfud_smp_image_commands[id];
	return NULL;
}

/* Always returns a name: "image upload", "fs command 3", "group 77 command 1". */
gchar *
dfud_smp_command_describe(guint group, guint id, guint op)
{
	const gchar *name = dfud_smp_command_name(group, id, op);
	const gchar *group_name;

	if (name != NULL)
		return g_strdup(name);
	group_name = dfud_smp_group_name(group);
	if (group_name != NULL)
		return g_strdup_printf("%s command %u", group_name, id);
	return g_strdup_printf("group %u command %u", group, id);
}
