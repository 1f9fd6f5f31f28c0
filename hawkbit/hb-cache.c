/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbCache"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "dfud-error.h"
#include "hb-cache.h"

#define READ_CHUNK 65536

struct _HbCache {
	HbHttp *http;
	const HbConfig *config;
	GHashTable *downloads; /* sha256 -> Download */
	GHashTable *held;      /* sha256 -> GUINT_TO_POINTER(holders) */
	gboolean stopping;
};

typedef struct {
	HbCache *cache;
	HbDdiArtifact artifact; /* its strings owned here */
	gchar *controller_id;
	gchar *part;
	gchar *final;
	GList *waiters; /* GTask */
	guint attempt;
	guint64 offset; /* bytes in the .part file */
	int fd;
	SoupMessage *msg;
	GInputStream *stream;
	GCancellable *cancellable;
	guint retry_id;
} Download;

static void download_start(Download *d);
static void download_finish(Download *d, GError *error);

static void
download_free(Download *d)
{
	g_clear_handle_id(&d->retry_id, g_source_remove);
	if (d->fd >= 0)
		close(d->fd);
	g_clear_object(&d->msg);
	g_clear_object(&d->stream);
	g_clear_object(&d->cancellable);
	g_free(d->artifact.filename);
	g_free(d->artifact.sha256);
	g_free(d->artifact.href);
	g_free(d->controller_id);
	g_free(d->part);
	g_free(d->final);
	g_free(d);
}

HbCache *
hb_cache_new(HbHttp *http, const HbConfig *config, GError **error)
{
	HbCache *cache;

	if (g_mkdir_with_parents(config->cache_dir, 0700) != 0) {
		int saved = errno;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot make %s: %s",
			    config->cache_dir, g_strerror(saved));
		return NULL;
	}
	cache = g_new0(HbCache, 1);
	cache->http = http;
	cache->config = config;
	cache->downloads =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)download_free);
	cache->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return cache;
}

void
hb_cache_free(HbCache *cache)
{
	if (cache == NULL)
		return;
	g_hash_table_unref(cache->downloads);
	g_hash_table_unref(cache->held);
	g_free(cache);
}

static void
cache_hold(HbCache *cache, const gchar *sha256)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(cache->held, sha256));
	g_hash_table_replace(cache->held, g_strdup(sha256), GUINT_TO_POINTER(n + 1));
}

void
hb_cache_release(HbCache *cache, const gchar *sha256)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(cache->held, sha256));
	if (n <= 1)
		g_hash_table_remove(cache->held, sha256);
	else
		g_hash_table_replace(cache->held, g_strdup(sha256), GUINT_TO_POINTER(n - 1));
}

void
hb_cache_stop(HbCache *cache)
{
	g_autoptr(GList) downloads = g_hash_table_get_values(cache->downloads);

	cache->stopping = TRUE;
	for (GList *l = downloads; l != NULL; l = l->next) {
		Download *d = l->data;
		g_cancellable_cancel(d->cancellable);
		/* one waiting for its next attempt ends now; the others when their I/O does */
		if (d->retry_id != 0) {
			g_autoptr(GError) error =
			    g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopping");
			g_clear_handle_id(&d->retry_id, g_source_remove);
			download_finish(d, error);
		}
	}
}

gboolean
hb_cache_busy(HbCache *cache)
{
	return g_hash_table_size(cache->downloads) > 0;
}

typedef struct {
	gchar *path;
	gint64 mtime;
	guint64 size;
	gchar *sha256;
} CacheFile;

static void
cache_file_free(CacheFile *f)
{
	g_free(f->path);
	g_free(f->sha256);
	g_free(f);
}

static gint
cache_file_older(gconstpointer a, gconstpointer b)
{
	const CacheFile *fa = *(CacheFile *const *)a;
	const CacheFile *fb = *(CacheFile *const *)b;
	return fa->mtime < fb->mtime ? -1 : fa->mtime > fb->mtime;
}

/*
 * room for @need more bytes: what the directory holds (finished and partial artifacts)
 * plus @need stays within MaxCacheSize, removing the oldest files nobody holds or downloads
 */
static gboolean
cache_make_room(HbCache *cache, const gchar *keep, guint64 need, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(cache->config->cache_dir, 0, error);
	g_autoptr(GPtrArray) files =
	    g_ptr_array_new_with_free_func((GDestroyNotify)cache_file_free);
	guint64 total = 0;
	const gchar *name;

	if (dir == NULL)
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		CacheFile *f = g_new0(CacheFile, 1);
		struct stat st;
		f->path = g_build_filename(cache->config->cache_dir, name, NULL);
		f->sha256 = g_strndup(name, strcspn(name, "."));
		if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode)) {
			cache_file_free(f);
			continue;
		}
		f->size = (guint64)st.st_size;
		f->mtime = (gint64)st.st_mtime;
		total += f->size;
		g_ptr_array_add(files, f);
	}
	g_ptr_array_sort(files, cache_file_older);
	for (guint i = 0; i < files->len && total + need > cache->config->max_cache_size; i++) {
		CacheFile *f = g_ptr_array_index(files, i);
		if (g_str_equal(f->sha256, keep) || g_hash_table_contains(cache->held, f->sha256) ||
		    g_hash_table_contains(cache->downloads, f->sha256))
			continue;
		g_debug("removing %s to make room", f->path);
		if (g_unlink(f->path) == 0)
			total -= f->size;
	}
	if (total + need > cache->config->max_cache_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "the artifact cache is full: %" G_GUINT64_FORMAT
			    " bytes more would pass [Update] MaxCacheSize=%" G_GUINT64_FORMAT,
			    need, cache->config->max_cache_size);
		return FALSE;
	}
	return TRUE;
}

/* every waiter gets the path (held once each) or the error; the download is forgotten */
static void
download_finish(Download *d, GError *error)
{
	GList *waiters = g_steal_pointer(&d->waiters);

	for (GList *l = waiters; l != NULL; l = l->next) {
		GTask *task = l->data;
		if (error != NULL) {
			g_task_return_error(task, g_error_copy(error));
		} else {
			cache_hold(d->cache, d->artifact.sha256);
			g_task_return_pointer(task, g_strdup(d->final), g_free);
		}
		g_object_unref(task);
	}
	g_list_free(waiters);
	g_hash_table_remove(d->cache->downloads, d->artifact.sha256);
}

static gboolean
download_retry_cb(gpointer user_data)
{
	Download *d = user_data;
	d->retry_id = 0;
	download_start(d);
	return G_SOURCE_REMOVE;
}

/* a transfer that broke: again from where the file ends, until DownloadAttempts */
static void
download_failed(Download *d, gboolean retry, GError *taken)
{
	g_autoptr(GError) error = taken;

	g_clear_object(&d->stream);
	g_clear_object(&d->msg);
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	if (retry && d->attempt < d->cache->config->download_attempts && !d->cache->stopping) {
		g_message("%s: download attempt %u: %s; resuming", d->artifact.filename, d->attempt,
			  error->message);
		d->retry_id = g_timeout_add_seconds(MIN(d->attempt, 30), download_retry_cb, d);
		return;
	}
	g_prefix_error(&error, "downloading %s (%u attempt%s): ", d->artifact.filename, d->attempt,
		       d->attempt == 1 ? "" : "s");
	download_finish(d, error);
}

static void
verify_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	Download *d = task_data;
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(READ_CHUNK);
	int fd = open(d->part, O_RDONLY | O_CLOEXEC);
	guint64 total = 0;
	ssize_t n;

	if (fd < 0) {
		int saved = errno;
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s",
					d->part, g_strerror(saved));
		return;
	}
	while ((n = read(fd, buf, READ_CHUNK)) > 0) {
		g_checksum_update(sum, buf, (gsize)n);
		total += (guint64)n;
	}
	close(fd);
	if (n < 0 || total != d->artifact.size) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
					"%s: %" G_GUINT64_FORMAT
					" bytes, the server announced %" G_GUINT64_FORMAT,
					d->artifact.filename, total, d->artifact.size);
		return;
	}
	if (g_strcmp0(g_checksum_get_string(sum), d->artifact.sha256) != 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH,
					"%s: sha256 %s, the server announced %s",
					d->artifact.filename, g_checksum_get_string(sum),
					d->artifact.sha256);
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static void
verify_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Download *d = user_data;
	g_autoptr(GError) error = NULL;

	if (!g_task_propagate_boolean(G_TASK(res), &error)) {
		/* a file with the wrong bytes is never resumed from */
		g_unlink(d->part);
		download_finish(d, error);
		return;
	}
	if (g_rename(d->part, d->final) != 0) {
		int saved = errno;
		g_autoptr(GError) e = g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "cannot rename %s: %s",
						  d->part, g_strerror(saved));
		download_finish(d, e);
		return;
	}
	g_debug("%s verified as %s", d->artifact.filename, d->final);
	download_finish(d, NULL);
}

static void
download_verify(Download *d)
{
	g_autoptr(GTask) task = g_task_new(NULL, NULL, verify_done_cb, d);
	g_task_set_task_data(task, d, NULL);
	g_task_run_in_thread(task, verify_thread);
}

static void download_read_cb(GObject *source, GAsyncResult *res, gpointer user_data);

static void
download_read_next(Download *d)
{
	g_input_stream_read_bytes_async(d->stream, READ_CHUNK, G_PRIORITY_LOW, d->cancellable,
					download_read_cb, d);
}

static void
download_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Download *d = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes =
	    g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
	gsize len;
	const guint8 *data;

	if (bytes == NULL) {
		download_failed(d, TRUE, g_steal_pointer(&error));
		return;
	}
	data = g_bytes_get_data(bytes, &len);
	if (len == 0) {
		close(d->fd);
		d->fd = -1;
		g_clear_object(&d->stream);
		g_clear_object(&d->msg);
		if (d->offset < d->artifact.size) {
			download_failed(d, TRUE,
					g_error_new(DFUD_ERROR, DFUD_ERROR_IO,
						    "the transfer ended at %" G_GUINT64_FORMAT
						    " of %" G_GUINT64_FORMAT " bytes",
						    d->offset, d->artifact.size));
			return;
		}
		download_verify(d);
		return;
	}
	if (d->offset + len > d->artifact.size) {
		g_unlink(d->part);
		download_failed(d, FALSE,
				g_error_new(DFUD_ERROR, DFUD_ERROR_IO,
					    "the server sent more than the %" G_GUINT64_FORMAT
					    " bytes it announced",
					    d->artifact.size));
		return;
	}
	while (len > 0) {
		ssize_t n = write(d->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;
			download_failed(d, FALSE,
					g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "writing %s: %s",
						    d->part, g_strerror(saved)));
			return;
		}
		data += n;
		len -= (gsize)n;
		d->offset += (guint64)n;
	}
	download_read_next(d);
}

/* Content-Range: bytes START-END/TOTAL must start where the file ends */
static gboolean
download_range_ok(Download *d)
{
	goffset start = 0, end = 0, total = 0;
	SoupMessageHeaders *h = soup_message_get_response_headers(d->msg);

	return soup_message_headers_get_content_range(h, &start, &end, &total) &&
	       (guint64)start == d->offset;
}

static void
download_send_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Download *d = user_data;
	g_autoptr(GError) error = NULL;
	guint status;

	d->stream = soup_session_send_finish(SOUP_SESSION(source), res, &error);
	if (d->stream == NULL) {
		download_failed(d, TRUE, g_steal_pointer(&error));
		return;
	}
	status = soup_message_get_status(d->msg);
	if (status == SOUP_STATUS_PARTIAL_CONTENT && d->offset > 0 && download_range_ok(d)) {
		/* resumed */
	} else if (status == SOUP_STATUS_OK) {
		/* the whole artifact again: what the file held is dropped */
		if (ftruncate(d->fd, 0) != 0 || lseek(d->fd, 0, SEEK_SET) != 0) {
			int saved = errno;
			download_failed(d, FALSE,
					g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "%s: %s", d->part,
						    g_strerror(saved)));
			return;
		}
		d->offset = 0;
	} else {
		gboolean server_side = status >= 500 || status == 408 || status == 429 ||
				       status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE ||
				       status == SOUP_STATUS_PARTIAL_CONTENT;
		if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE ||
		    status == SOUP_STATUS_PARTIAL_CONTENT)
			g_unlink(d->part);
		download_failed(
		    d, server_side,
		    g_error_new(DFUD_ERROR,
				status == 401 || status == 403 ? DFUD_ERROR_NOT_AUTHORIZED
							       : DFUD_ERROR_FAILED,
				"HTTP %u %s", status, soup_message_get_reason_phrase(d->msg)));
		return;
	}
	download_read_next(d);
}

static void
download_start(Download *d)
{
	struct stat st;

	d->attempt++;
	d->fd = open(d->part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (d->fd < 0 || fstat(d->fd, &st) != 0) {
		int saved = errno;
		download_failed(d, FALSE,
				g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "cannot open %s: %s",
					    d->part, g_strerror(saved)));
		return;
	}
	d->offset = (guint64)st.st_size;
	if (d->offset > d->artifact.size) {
		if (ftruncate(d->fd, 0) != 0)
			g_warning("%s: %s", d->part, g_strerror(errno));
		d->offset = 0;
	}
	if (d->offset == d->artifact.size) {
		close(d->fd);
		d->fd = -1;
		download_verify(d);
		return;
	}
	d->msg = hb_http_message_new(d->cache->http, "GET", d->artifact.href, d->controller_id);
	if (d->msg == NULL) {
		download_failed(d, FALSE,
				g_error_new(DFUD_ERROR, DFUD_ERROR_PROTOCOL, "not a URL: %s",
					    d->artifact.href));
		return;
	}
	if (d->offset > 0) {
		g_debug("%s: resuming at %" G_GUINT64_FORMAT, d->artifact.filename, d->offset);
		soup_message_headers_set_range(soup_message_get_request_headers(d->msg),
					       (goffset)d->offset, -1);
	}
	hb_http_count(d->cache->http);
	soup_session_send_async(hb_http_session(d->cache->http), d->msg, G_PRIORITY_LOW,
				d->cancellable, download_send_cb, d);
}

void
hb_cache_fetch_async(HbCache *cache, const HbDdiArtifact *artifact, const gchar *controller_id,
		     GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, NULL, callback, user_data);
	g_autofree gchar *final =
	    g_build_filename(cache->config->cache_dir, artifact->sha256, NULL);
	g_autoptr(GError) error = NULL;
	Download *d;

	if (g_file_test(final, G_FILE_TEST_IS_REGULAR)) {
		/* verified before it got this name; touched so that it is the newest */
		g_utime(final, NULL);
		cache_hold(cache, artifact->sha256);
		g_task_return_pointer(task, g_steal_pointer(&final), g_free);
		g_object_unref(task);
		return;
	}
	d = g_hash_table_lookup(cache->downloads, artifact->sha256);
	if (d != NULL) {
		if (d->artifact.size != artifact->size) {
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
						"%s: the server announces two sizes for sha256 %s",
						artifact->filename, artifact->sha256);
			g_object_unref(task);
			return;
		}
		d->waiters = g_list_append(d->waiters, task);
		return;
	}
	if (!cache_make_room(cache, artifact->sha256, artifact->size, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	d = g_new0(Download, 1);
	d->cache = cache;
	d->fd = -1;
	d->artifact.filename = g_strdup(artifact->filename);
	d->artifact.sha256 = g_strdup(artifact->sha256);
	d->artifact.href = g_strdup(artifact->href);
	d->artifact.size = artifact->size;
	d->controller_id = g_strdup(controller_id);
	d->final = g_steal_pointer(&final);
	d->part = g_strdup_printf("%s.part", d->final);
	d->cancellable = g_cancellable_new();
	d->waiters = g_list_append(NULL, task);
	g_hash_table_insert(cache->downloads, g_strdup(artifact->sha256), d);
	download_start(d);
}

gchar *
hb_cache_fetch_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}
