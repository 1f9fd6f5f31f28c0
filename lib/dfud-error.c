/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudError"

#include "config.h"

#include <gio/gio.h>

#include "dfud-error.h"

typedef struct {
	DfudErrorCode code;
	const gchar *name; /* suffix of org.dfud.Dfu1.Error. and the key scripts match on */
	DfudExitCode exit_code;
} DfudErrorEntry;

/* the one place an error's name and exit code are declared; indexed by code */
static const DfudErrorEntry dfud_error_entries[] = {
    {DFUD_ERROR_FAILED, "Failed", DFUD_EXIT_FAILED},
    {DFUD_ERROR_INVALID_ARGUMENT, "InvalidArgument", DFUD_EXIT_USAGE},
    {DFUD_ERROR_IO, "Io", DFUD_EXIT_NO_INPUT},
    {DFUD_ERROR_NOT_FOUND, "NotFound", DFUD_EXIT_NOT_FOUND},
    {DFUD_ERROR_BUSY, "Busy", DFUD_EXIT_BUSY},
    {DFUD_ERROR_TIMEOUT, "Timeout", DFUD_EXIT_FAILED},
    {DFUD_ERROR_CANCELLED, "Cancelled", DFUD_EXIT_FAILED},
    {DFUD_ERROR_NOT_AUTHORIZED, "NotAuthorized", DFUD_EXIT_NOT_AUTHORIZED},
    {DFUD_ERROR_NOTHING_TO_DO, "NothingToDo", DFUD_EXIT_NOTHING_TO_DO},
    {DFUD_ERROR_REVERTED, "Reverted", DFUD_EXIT_REVERTED},
    {DFUD_ERROR_NOT_SUPPORTED, "NotSupported", DFUD_EXIT_FAILED},
    {DFUD_ERROR_PROTOCOL, "Protocol", DFUD_EXIT_FAILED},
    {DFUD_ERROR_DEVICE, "Device", DFUD_EXIT_FAILED},
    {DFUD_ERROR_IMAGE_EMPTY, "ImageEmpty", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_TRUNCATED, "ImageTruncated", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_BAD_MAGIC, "ImageBadMagic", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_BAD_HEADER, "ImageBadHeader", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE, "ImageSizeBeyondFile", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_BAD_TLV, "ImageBadTlv", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_NO_HASH, "ImageNoHash", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_IMAGE_HASH_MISMATCH, "ImageHashMismatch", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_SIGNATURE_INVALID, "SignatureInvalid", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_KEY_MISMATCH, "KeyMismatch", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_KEY_INVALID, "KeyInvalid", DFUD_EXIT_USAGE},
    {DFUD_ERROR_UNSIGNED, "Unsigned", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_PACKAGE_INVALID, "PackageInvalid", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_PACKAGE_MISMATCH, "PackageMismatch", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_UNKNOWN_FORMAT, "UnknownFormat", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_LINK_LOST, "LinkLost", DFUD_EXIT_LINK_LOST},
    {DFUD_ERROR_PERMANENT_INSTALL, "PermanentInstall", DFUD_EXIT_USAGE},
    {DFUD_ERROR_WRONG_SLOT, "WrongSlot", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_NOT_NEWER, "NotNewer", DFUD_EXIT_INVALID_FILE},
    {DFUD_ERROR_LOADER_NEEDED, "LoaderNeeded", DFUD_EXIT_FAILED},
    {DFUD_ERROR_RECOVERY_NEEDED, "RecoveryNeeded", DFUD_EXIT_USAGE},
    {DFUD_ERROR_RECOVERY_NOT_ENTERED, "RecoveryNotEntered", DFUD_EXIT_FAILED},
};
G_STATIC_ASSERT(G_N_ELEMENTS(dfud_error_entries) == DFUD_ERROR_LAST);

G_DEFINE_QUARK(dfud-error-quark, dfud_error)

static const DfudErrorEntry *
dfud_error_entry(DfudErrorCode code)
{
	if ((guint)code >= DFUD_ERROR_LAST)
		return &dfud_error_entries[DFUD_ERROR_FAILED];
	return &dfud_error_entries[code];
}

const gchar *
dfud_error_code_to_name(DfudErrorCode code)
{
	return dfud_error_entry(code)->name;
}

gboolean
dfud_error_code_from_name(const gchar *name, DfudErrorCode *code)
{
	for (guint i = 0; i < G_N_ELEMENTS(dfud_error_entries); i++) {
		if (g_strcmp0(dfud_error_entries[i].name, name) == 0) {
			*code = dfud_error_entries[i].code;
			return TRUE;
		}
	}
	return FALSE;
}

DfudExitCode
dfud_error_code_to_exit(DfudErrorCode code)
{
	return dfud_error_entry(code)->exit_code;
}

/* maps the few foreign domains that can reach a caller onto ours, never passing them raw */
GError *
dfud_error_normalize(const GError *error)
{
	DfudErrorCode code = DFUD_ERROR_FAILED;

	g_return_val_if_fail(error != NULL, NULL);

	if (error->domain == DFUD_ERROR)
		return g_error_copy(error);
	if (error->domain == G_IO_ERROR) {
		switch (error->code) {
		case G_IO_ERROR_NOT_FOUND:
			code = DFUD_ERROR_NOT_FOUND;
			break;
		case G_IO_ERROR_TIMED_OUT:
			code = DFUD_ERROR_TIMEOUT;
			break;
		case G_IO_ERROR_CANCELLED:
			code = DFUD_ERROR_CANCELLED;
			break;
		case G_IO_ERROR_BUSY:
			code = DFUD_ERROR_BUSY;
			break;
		case G_IO_ERROR_PERMISSION_DENIED:
			code = DFUD_ERROR_NOT_AUTHORIZED;
			break;
		case G_IO_ERROR_NOT_SUPPORTED:
			code = DFUD_ERROR_NOT_SUPPORTED;
			break;
		case G_IO_ERROR_INVALID_ARGUMENT:
			code = DFUD_ERROR_INVALID_ARGUMENT;
			break;
		default:
			code = DFUD_ERROR_IO;
			break;
		}
	} else if (error->domain == G_FILE_ERROR) {
		code = error->code == G_FILE_ERROR_NOENT ? DFUD_ERROR_NOT_FOUND : DFUD_ERROR_IO;
	}
	return g_error_new_literal(DFUD_ERROR, code, error->message);
}

const gchar *
dfud_error_name(const GError *error)
{
	g_autoptr(GError) norm = NULL;

	if (error == NULL)
		return NULL;
	if (error->domain == DFUD_ERROR)
		return dfud_error_code_to_name(error->code);
	norm = dfud_error_normalize(error);
	return dfud_error_code_to_name(norm->code);
}

DfudExitCode
dfud_error_to_exit(const GError *error)
{
	g_autoptr(GError) norm = NULL;

	if (error == NULL)
		return DFUD_EXIT_OK;
	norm = dfud_error_normalize(error);
	return dfud_error_code_to_exit(norm->code);
}
