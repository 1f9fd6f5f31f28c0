/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DFUD_ERROR (dfud_error_quark())

/*
 * Every failure dfud reports is one of these. Each code has exactly one D-Bus error name
 * (org.dfud.Dfu1.Error.<Name>) and one dfuctl exit code, both in the table in dfud-error.c.
 * Append new codes at the end: the numbers are ABI for the D-Bus error mapping.
 */
typedef enum {
	DFUD_ERROR_FAILED,		  /* Failed: anything not covered below */
	DFUD_ERROR_INVALID_ARGUMENT,	  /* InvalidArgument: a caller's value is out of range */
	DFUD_ERROR_IO,			  /* Io: reading a file or descriptor failed */
	DFUD_ERROR_NOT_FOUND,		  /* NotFound: no such device, job or file */
	DFUD_ERROR_BUSY,		  /* Busy: device or daemon busy, retry later */
	DFUD_ERROR_TIMEOUT,		  /* Timeout: a stage took longer than its limit */
	DFUD_ERROR_CANCELLED,		  /* Cancelled */
	DFUD_ERROR_NOT_AUTHORIZED,	  /* NotAuthorized: the caller may not do this */
	DFUD_ERROR_NOTHING_TO_DO,	  /* NothingToDo: the device already runs this firmware */
	DFUD_ERROR_REVERTED,		  /* Reverted: the device booted the old image again */
	DFUD_ERROR_NOT_SUPPORTED,	  /* NotSupported: the device lacks the command */
	DFUD_ERROR_PROTOCOL,		  /* Protocol: the device sent a malformed frame or body */
	DFUD_ERROR_DEVICE,		  /* Device: the device answered with an SMP error */
	DFUD_ERROR_IMAGE_EMPTY,		  /* ImageEmpty: the file has no bytes */
	DFUD_ERROR_IMAGE_TRUNCATED,	  /* ImageTruncated: the file ends inside a structure */
	DFUD_ERROR_IMAGE_BAD_MAGIC,	  /* ImageBadMagic: not an MCUboot image */
	DFUD_ERROR_IMAGE_BAD_HEADER,	  /* ImageBadHeader: header fields are inconsistent */
	DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE, /* ImageSizeBeyondFile: header size runs past the end */
	DFUD_ERROR_IMAGE_BAD_TLV,	  /* ImageBadTlv: TLV area malformed */
	DFUD_ERROR_IMAGE_NO_HASH,	  /* ImageNoHash: no hash TLV the device could report */
	DFUD_ERROR_IMAGE_HASH_MISMATCH,	  /* ImageHashMismatch: the hash TLV does not match */
	DFUD_ERROR_SIGNATURE_INVALID,	  /* SignatureInvalid: signature does not verify */
	DFUD_ERROR_KEY_MISMATCH,	  /* KeyMismatch: image was signed by another key */
	DFUD_ERROR_KEY_INVALID,		  /* KeyInvalid: the key file cannot be used */
	DFUD_ERROR_UNSIGNED,		  /* Unsigned: a signature was required but is absent */
	DFUD_ERROR_PACKAGE_INVALID,	  /* PackageInvalid: zip or manifest.json malformed */
	DFUD_ERROR_PACKAGE_MISMATCH,	  /* PackageMismatch: manifest and images disagree */
	DFUD_ERROR_UNKNOWN_FORMAT,	  /* UnknownFormat: neither an MCUboot image nor a DFU zip */
	DFUD_ERROR_LINK_LOST,		  /* LinkLost: the link to the device went away mid-command */
	DFUD_ERROR_PERMANENT_INSTALL, /* PermanentInstall: test-only asked of a bootloader with no
					 revert, and a permanent install was not accepted */
	DFUD_ERROR_WRONG_SLOT,	      /* WrongSlot: the image is linked for another slot than the one
					 it would run from */
	DFUD_ERROR_NOT_NEWER,	      /* NotNewer: the bootloader boots the highest version only */
	DFUD_ERROR_LOADER_NEEDED,     /* LoaderNeeded: the application cannot replace itself and the
					 device did not enter its loader */
	DFUD_ERROR_RECOVERY_NEEDED,   /* RecoveryNeeded: the device waits in MCUboot's serial
					 recovery, whose upload overwrites its only image: not
					 without the recovery option */
	DFUD_ERROR_RECOVERY_NOT_ENTERED, /* RecoveryNotEntered: recovery asked, and the device did
					    not come back in serial recovery after os reset
					    boot_mode 1 */
	DFUD_ERROR_LAST
} DfudErrorCode;

/* Exit codes of dfuctl, documented in `dfuctl --help` and dfuctl(1). */
typedef enum {
	DFUD_EXIT_OK = 0,
	DFUD_EXIT_FAILED = 1,
	DFUD_EXIT_NOTHING_TO_DO = 2,
	DFUD_EXIT_NOT_FOUND = 3,
	DFUD_EXIT_NOT_AUTHORIZED = 4,
	DFUD_EXIT_BUSY = 5,
	DFUD_EXIT_REVERTED = 6,
	DFUD_EXIT_LINK_LOST = 7, /* the link to the device was lost: retry */
	DFUD_EXIT_USAGE = 64,	     /* sysexits EX_USAGE */
	DFUD_EXIT_INVALID_FILE = 65, /* sysexits EX_DATAERR: firmware file or package refused */
	DFUD_EXIT_NO_INPUT = 66,     /* sysexits EX_NOINPUT: file cannot be opened or read */
} DfudExitCode;

GQuark
dfud_error_quark(void);
const gchar *
dfud_error_code_to_name(DfudErrorCode code);
gboolean
dfud_error_code_from_name(const gchar *name, DfudErrorCode *code);
DfudExitCode
dfud_error_code_to_exit(DfudErrorCode code);
const gchar *
dfud_error_name(const GError *error);
DfudExitCode
dfud_error_to_exit(const GError *error);
GError *
dfud_error_normalize(const GError *error);

G_END_DECLS
