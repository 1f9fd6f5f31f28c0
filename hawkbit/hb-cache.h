/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hb-config.h"
#include "hb-ddi.h"
#include "hb-http.h"

G_BEGIN_DECLS

/*
 * The artifact cache ([Update] CacheDirectory): each artifact is downloaded once, whatever
 * the number of targets that want it, into SHA256.part, resumed with an HTTP Range request
 * after a broken transfer ([Update] DownloadAttempts in all), and becomes SHA256 only once
 * its size and sha256 are the ones the server announced. The cache holds at most
 * [Update] MaxCacheSize bytes: the least recently used artifacts no action holds are
 * removed to make room; an artifact that cannot fit fails its actions.
 */
typedef struct _HbCache HbCache;

HbCache *hb_cache_new(HbHttp *http, const HbConfig *config, GError **error);
void hb_cache_free(HbCache *cache);
/* stopping: the downloads end (cancelled, no retry) */
void hb_cache_stop(HbCache *cache);
/* a download or hash check is in flight */
gboolean hb_cache_busy(HbCache *cache);

/* the verified file of @artifact, held until hb_cache_release() */
void hb_cache_fetch_async(HbCache *cache, const HbDdiArtifact *artifact, const gchar *controller_id,
			  GAsyncReadyCallback callback, gpointer user_data);
gchar *hb_cache_fetch_finish(GAsyncResult *result, GError **error);
void hb_cache_release(HbCache *cache, const gchar *sha256);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbCache, hb_cache_free)

G_END_DECLS
