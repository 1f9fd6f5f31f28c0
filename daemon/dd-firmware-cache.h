/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "package/dfud-package.h"

G_BEGIN_DECLS

/*
 * One parsed package per firmware content, shared by every job that updates with it: a fleet
 * updated with one file holds it once, parsed and hashed once, whatever the number of jobs.
 * An entry lives as long as its package: the cache holds no reference to it (the jobs do).
 * Contents are told apart by comparing them (size, then bytes): no hash needed to find one.
 */
#define DD_TYPE_FIRMWARE_CACHE (dd_firmware_cache_get_type())
G_DECLARE_FINAL_TYPE(DdFirmwareCache, dd_firmware_cache, DD, FIRMWARE_CACHE, GObject)

DdFirmwareCache *dd_firmware_cache_new(void);

/*
 * The package of @firmware: the cached one when a live package has this content, else
 * parsed now (an error when it does not parse: nothing is cached then). *@sha256 (optional)
 * gets the content's SHA-256 in hex, computed once per content.
 */
DfudPackage *dd_firmware_cache_get_package(DdFirmwareCache *self, GBytes *firmware, gchar **sha256,
					   GError **error);
/* the live package whose content has this SHA-256 (hex), or NULL */
DfudPackage *dd_firmware_cache_lookup_sha256(DdFirmwareCache *self, const gchar *sha256);
/* the contents of the live entries (a new array of GBytes references) */
GPtrArray *dd_firmware_cache_get_contents(DdFirmwareCache *self);
/* live entries (for tests) */
guint dd_firmware_cache_get_size(DdFirmwareCache *self);

G_END_DECLS
