/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudStore"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-store.h"
#include "dfud-error.h"

#define DD_STORE_GROUP_STATE "state"
/* our own files are small; anything bigger was not written by us */
#define DD_STORE_MAX_INI_SIZE (256 * 1024)
/* job ids are persisted as the end of a reserved block: one durable write per block of jobs */
#define DD_STORE_ID_BLOCK 64

struct _DdStore {
	GObject parent_instance;
	gchar *dir;
	gchar *jobs_dir;
	guint64 next_id;  /* 0: nothing known yet besides jobs/ */
	guint64 reserved; /* ids below it are covered by state.ini's NextJobId */
	/* job id -> sha256 hex of its N.fw, for the copies written or checked in this run */
	GHashTable *firmware_ids;
};

G_DEFINE_TYPE(DdStore, dd_store, G_TYPE_OBJECT)

static gboolean
dd_store_parse_id(const gchar *str, gsize len, guint64 *id)
{
	guint64 value = 0;

	if (len == 0 || len > 20 || str[0] == '0')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		guint digit;
		if (!g_ascii_isdigit(str[i]))
			return FALSE;
		digit = (guint)(str[i] - '0');
		if (value > (G_MAXUINT64 - digit) / 10)
			return FALSE;
		value = value * 10 + digit;
	}
	*id = value;
	return TRUE;
}

/* the id a name in jobs/ belongs to ("7.ini", "7.fw.broken", "7.ini.Ab3xY9"), if any */
static gboolean
dd_store_name_id(const gchar *name, guint64 *id, const gchar **rest)
{
	const gchar *dot = strchr(name, '.');

	if (dot == NULL || !dd_store_parse_id(name, (gsize)(dot - name), id))
		return FALSE;
	if (rest != NULL)
		*rest = dot;
	return TRUE;
}

static gchar *
dd_store_job_path(DdStore *self, guint64 id, const gchar *suffix)
{
	g_autofree gchar *name = g_strdup_printf("%" G_GUINT64_FORMAT "%s", id, suffix);
	return g_build_filename(self->jobs_dir, name, NULL);
}

/* makes a rename or a new file survive a power cut too, not only our own death */
static void
dd_store_sync_dir(const gchar *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		g_debug("cannot open %s to sync it: %s", dir, g_strerror(errno));
		return;
	}
	if (fsync(fd) < 0)
		g_debug("cannot sync %s: %s", dir, g_strerror(errno));
	close(fd);
}

/*
 * a temporary file, fsync, rename; GLib (>= 2.74, as required) then syncs the directory
 * itself, so the rename survives a power cut without a second sync of ours
 */
static gboolean
dd_store_write(const gchar *path, const gchar *data, gsize len, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_file_set_contents_full(path, data, (gssize)len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot write %s: %s", path,
			    local->message);
		return FALSE;
	}
	return TRUE;
}

/* sets @path aside as @path.broken so that nobody reads it again but a human can */
static void
dd_store_set_aside(const gchar *path, const gchar *why)
{
	g_autofree gchar *broken = g_strconcat(path, ".broken", NULL);

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return;
	if (g_rename(path, broken) < 0) {
		g_warning("%s is unusable (%s) and cannot be renamed: %s", path, why,
			  g_strerror(errno));
		return;
	}
	g_warning("%s is unusable (%s): renamed to %s", path, why, broken);
}

/*
 * reads a file of ours; FALSE with @error only for real I/O failures, a missing file is
 * TRUE with *contents NULL, an oversized one is FALSE with DFUD_ERROR_INVALID_ARGUMENT
 */
static gboolean
dd_store_read_small(const gchar *path, gchar **contents, gsize *len, GError **error)
{
	g_autoptr(GError) local = NULL;
	GStatBuf st;

	*contents = NULL;
	*len = 0;
	if (g_stat(path, &st) < 0) {
		if (errno == ENOENT)
			return TRUE;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s", path,
			    g_strerror(errno));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DD_STORE_MAX_INI_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "not a regular file of at most %u bytes", DD_STORE_MAX_INI_SIZE);
		return FALSE;
	}
	if (!g_file_get_contents(path, contents, len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s", path,
			    local->message);
		return FALSE;
	}
	if (*len > DD_STORE_MAX_INI_SIZE) {
		g_clear_pointer(contents, g_free);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "file grew beyond %u bytes", DD_STORE_MAX_INI_SIZE);
		return FALSE;
	}
	return TRUE;
}

/* loads @path as a key file: NULL and no error when missing or set aside as broken */
static GKeyFile *
dd_store_load_keyfile(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	if (!dd_store_read_small(path, &data, &len, &local)) {
		if (!g_error_matches(local, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		dd_store_set_aside(path, local->message);
		return NULL;
	}
	if (data == NULL)
		return NULL;
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
		dd_store_set_aside(path, local->message);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

/* what a crash may leave: GLib's temporary "NAME.XXXXXX" next to NAME, for NAME one of @names */
static gboolean
dd_store_is_temporary(const gchar *name, const gchar *const *names)
{
	for (guint i = 0; names[i] != NULL; i++) {
		gsize len = strlen(names[i]);
		const gchar *tail;

		if (strncmp(name, names[i], len) != 0 || name[len] != '.')
			continue;
		tail = name + len + 1;
		if (strlen(tail) == 6 && g_strcmp0(tail, "broken") != 0)
			return TRUE;
	}
	return FALSE;
}

static void
dd_store_remove_temporary(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);

	g_debug("removing %s, left by an interrupted write", path);
	if (g_unlink(path) < 0)
		g_debug("cannot remove %s: %s", path, g_strerror(errno));
}

static gboolean
dd_store_ensure_dir(const gchar *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot create %s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	/* it holds firmware: nobody else reads it, whatever the umask or an older dfud did */
	if (g_chmod(dir, 0700) < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot make %s private: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static gboolean
dd_store_load_state(DdStore *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->dir, "state.ini", NULL);
	g_autofree gchar *value = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autoptr(GError) local = NULL;
	guint64 next = 0;

	kf = dd_store_load_keyfile(path, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (kf == NULL)
		return TRUE;
	value = g_key_file_get_value(kf, DD_STORE_GROUP_STATE, "NextJobId", NULL);
	if (value == NULL || !dd_store_parse_id(value, strlen(value), &next)) {
		g_autofree gchar *why =
		    g_strdup_printf("NextJobId '%s' is not a job id", value != NULL ? value : "");
		dd_store_set_aside(path, why);
		return TRUE;
	}
	self->next_id = next;
	return TRUE;
}

static void
dd_store_finalize(GObject *object)
{
	DdStore *self = DD_STORE(object);

	g_free(self->dir);
	g_free(self->jobs_dir);
	g_hash_table_unref(self->firmware_ids);
	G_OBJECT_CLASS(dd_store_parent_class)->finalize(object);
}

static void
dd_store_class_init(DdStoreClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dd_store_finalize;
}

static void
dd_store_init(DdStore *self)
{
	self->firmware_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

static void
dd_store_note_firmware(DdStore *self, guint64 id, const gchar *sha256)
{
	g_hash_table_insert(self->firmware_ids, g_memdup2(&id, sizeof(id)), g_strdup(sha256));
}

/* a journaled job whose N.fw has @sha256, or 0 */
static guint64
dd_store_find_firmware(DdStore *self, const gchar *sha256)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, self->firmware_ids);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_strcmp0(value, sha256) == 0)
			return *(const guint64 *)key;
	}
	return 0;
}

/* N.fw as a hard link to another job's copy of the same content; FALSE: write it instead */
static gboolean
dd_store_link_firmware(DdStore *self, guint64 id, const gchar *sha256)
{
	guint64 other = dd_store_find_firmware(self, sha256);
	g_autofree gchar *source = NULL;
	g_autofree gchar *path = NULL;

	if (other == 0 || other == id)
		return FALSE;
	source = dd_store_job_path(self, other, ".fw");
	path = dd_store_job_path(self, id, ".fw");
	(void)g_unlink(path); /* a leftover of an interrupted write */
	if (link(source, path) < 0) {
		g_debug("cannot link %s to %s, writing it: %s", path, source, g_strerror(errno));
		g_hash_table_remove(self->firmware_ids, &other);
		return FALSE;
	}
	dd_store_sync_dir(self->jobs_dir);
	return TRUE;
}

/* the job files are cleaned in dd_store_load_jobs(), which looks at each of them anyway */
static void
dd_store_clean_dir(DdStore *self)
{
	const gchar *const names[] = {"state.ini", "devices.ini", NULL};
	g_autoptr(GDir) dir = g_dir_open(self->dir, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (dd_store_is_temporary(name, names))
			dd_store_remove_temporary(self->dir, name);
	}
}

DdStore *
dd_store_new(const gchar *state_dir, GError **error)
{
	g_autoptr(DdStore) self = NULL;

	g_return_val_if_fail(state_dir != NULL, NULL);

	self = g_object_new(DD_TYPE_STORE, NULL);
	self->dir = g_strdup(state_dir);
	self->jobs_dir = g_build_filename(state_dir, "jobs", NULL);
	if (!dd_store_ensure_dir(self->dir, error) || !dd_store_ensure_dir(self->jobs_dir, error))
		return NULL;
	dd_store_clean_dir(self);
	if (!dd_store_load_state(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

const gchar *
dd_store_get_dir(DdStore *self)
{
	g_return_val_if_fail(DD_IS_STORE(self), NULL);
	return self->dir;
}

/* the highest id any file in jobs/ carries, broken and temporary ones included */
static gboolean
dd_store_scan_max_id(DdStore *self, guint64 *max_id, GError **error)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) local = NULL;
	const gchar *name;

	*max_id = 0;
	dir = g_dir_open(self->jobs_dir, 0, &local);
	if (dir == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot list %s: %s", self->jobs_dir,
			    local->message);
		return FALSE;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		guint64 id = 0;
		if (dd_store_name_id(name, &id, NULL) && id > *max_id)
			*max_id = id;
	}
	return TRUE;
}

/*
 * Ids are handed out from memory; state.ini records the end of the block reserved so far
 * (written once per DD_STORE_ID_BLOCK jobs), so that after a restart, a lost journal or
 * removed job files no id is ever handed out twice. At each new block, jobs/ is looked at
 * too: an id found there is never handed out again either.
 */
gboolean
dd_store_next_job_id(DdStore *self, guint64 *id, GError **error)
{
	g_return_val_if_fail(DD_IS_STORE(self), FALSE);
	g_return_val_if_fail(id != NULL, FALSE);

	if (self->next_id == 0 || self->next_id >= self->reserved) {
		g_autofree gchar *path = g_build_filename(self->dir, "state.ini", NULL);
		g_autofree gchar *data = NULL;
		g_autoptr(GKeyFile) kf = g_key_file_new();
		guint64 max_id = 0;
		guint64 next;
		guint64 end;
		gsize len = 0;

		if (!dd_store_scan_max_id(self, &max_id, error))
			return FALSE;
		/* the end of the block persisted must be an id too */
		if (max_id >= G_MAXUINT64 - 1 || self->next_id == G_MAXUINT64) {
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_FAILED,
					    "job ids exhausted");
			return FALSE;
		}
		next = MAX(MAX(self->next_id, max_id + 1), 1);
		end =
		    G_MAXUINT64 - next > DD_STORE_ID_BLOCK ? next + DD_STORE_ID_BLOCK : G_MAXUINT64;
		g_key_file_set_uint64(kf, DD_STORE_GROUP_STATE, "NextJobId", end);
		data = g_key_file_to_data(kf, &len, NULL);
		if (!dd_store_write(path, data, len, error))
			return FALSE;
		self->next_id = next;
		self->reserved = end;
	}
	*id = self->next_id++;
	return TRUE;
}

static gchar *
dd_store_sha256_hex(const guint8 *data, gsize len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

gboolean
dd_store_save_firmware(DdStore *self, DdJobRecord *record, GBytes *firmware, const gchar *sha256,
		       GError **error)
{
	g_autofree gchar *computed = NULL;
	g_autofree gchar *path = NULL;
	gsize len = 0;
	const guint8 *data;

	g_return_val_if_fail(DD_IS_STORE(self), FALSE);
	g_return_val_if_fail(record != NULL, FALSE);
	g_return_val_if_fail(firmware != NULL, FALSE);
	g_return_val_if_fail(sha256 == NULL || dd_job_record_is_sha256_hex(sha256), FALSE);

	if (record->id == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the job has no id yet");
		return FALSE;
	}
	data = g_bytes_get_data(firmware, &len);
	if (sha256 == NULL)
		sha256 = computed = dd_store_sha256_hex(data, len);
	if (!dd_store_link_firmware(self, record->id, sha256)) {
		path = dd_store_job_path(self, record->id, ".fw");
		if (!dd_store_write(path, (const gchar *)data, len, error))
			return FALSE;
	}
	dd_store_note_firmware(self, record->id, sha256);
	g_free(record->firmware_sha256);
	record->firmware_sha256 = g_strdup(sha256);
	return TRUE;
}

/*
 * maps N.fw and checks it against @sha256; a copy that differs is set aside. Mapped, not read
 * into the heap: the pages are the page cache's, which the kernel gives back under pressure,
 * and they go with the last reference (a freed heap copy may stay resident). Files in jobs/ are
 * never changed in place (written by rename, removed by unlink), so a mapping stays valid.
 */
static GBytes *
dd_store_read_firmware(DdStore *self, guint64 id, const gchar *sha256, GError **error)
{
	g_autofree gchar *path = dd_store_job_path(self, id, ".fw");
	g_autofree gchar *actual = NULL;
	g_autoptr(GMappedFile) mapped = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) local = NULL;

	if (!dd_job_record_is_sha256_hex(sha256)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "job %" G_GUINT64_FORMAT " has no valid firmware hash", id);
		return NULL;
	}
	mapped = g_mapped_file_new(path, FALSE, &local);
	if (mapped != NULL)
		bytes = g_mapped_file_get_bytes(mapped);
	if (bytes == NULL) {
		gint code = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
				? DFUD_ERROR_NOT_FOUND
				: DFUD_ERROR_IO;
		g_set_error(error, DFUD_ERROR, code,
			    "cannot read the firmware of job %" G_GUINT64_FORMAT ": %s", id,
			    local->message);
		return NULL;
	}
	actual = dd_store_sha256_hex(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	if (g_strcmp0(actual, sha256) != 0) {
		g_clear_pointer(&bytes, g_bytes_unref);
		g_clear_pointer(&mapped, g_mapped_file_unref);
		dd_store_set_aside(path, "its sha256 differs from the journal's");
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO,
			    "the firmware copy of job %" G_GUINT64_FORMAT " is corrupt", id);
		return NULL;
	}
	return g_steal_pointer(&bytes);
}

GBytes *
dd_store_load_firmware(DdStore *self, const DdJobRecord *record, GError **error)
{
	g_return_val_if_fail(DD_IS_STORE(self), NULL);
	g_return_val_if_fail(record != NULL, NULL);
	return dd_store_read_firmware(self, record->id, record->firmware_sha256, error);
}

gboolean
dd_store_save_job(DdStore *self, const DdJobRecord *record, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_return_val_if_fail(DD_IS_STORE(self), FALSE);
	g_return_val_if_fail(record != NULL, FALSE);

	data = dd_job_record_to_data(record, &len, error);
	if (data == NULL)
		return FALSE;
	path = dd_store_job_path(self, record->id, ".ini");
	return dd_store_write(path, data, len, error);
}

/* NULL when unusable, after setting N.ini and N.fw aside */
static DdJobRecord *
dd_store_load_job(DdStore *self, guint64 id)
{
	g_autofree gchar *ini = dd_store_job_path(self, id, ".ini");
	g_autofree gchar *fw = dd_store_job_path(self, id, ".fw");
	g_autofree gchar *data = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(DdJobRecord) record = NULL;
	g_autoptr(GBytes) firmware = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	if (!dd_store_read_small(ini, &data, &len, &error)) {
		if (!g_error_matches(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT)) {
			/* not the file's fault: leave it for the next start */
			g_warning("skipping job %" G_GUINT64_FORMAT ": %s", id, error->message);
			return NULL;
		}
	} else if (data == NULL) {
		return NULL; /* removed meanwhile */
	} else if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &error)) {
		g_prefix_error(&error, "not a key file: ");
	} else {
		record = dd_job_record_parse(kf, id, &error);
	}
	if (record != NULL) {
		/* only mapped to be hashed: the queued jobs' firmware is not held meanwhile */
		firmware = dd_store_read_firmware(self, id, record->firmware_sha256, &error);
		if (firmware != NULL) {
			dd_store_note_firmware(self, id, record->firmware_sha256);
			return g_steal_pointer(&record);
		}
		if (g_file_test(fw, G_FILE_TEST_EXISTS)) {
			/* there but unreadable: not the file's fault, try again next start */
			g_warning("skipping job %" G_GUINT64_FORMAT ": %s", id, error->message);
			return NULL;
		}
		/* missing, or corrupt and set aside already: the entry cannot run without it */
		dd_store_set_aside(ini, error->message);
		return NULL;
	}
	dd_store_set_aside(ini, error->message);
	dd_store_set_aside(fw, "its job is unusable");
	return NULL;
}

static gint
dd_store_compare_ids(gconstpointer a, gconstpointer b)
{
	guint64 ia = *(const guint64 *)a;
	guint64 ib = *(const guint64 *)b;
	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

GPtrArray *
dd_store_load_jobs(DdStore *self)
{
	g_autoptr(GPtrArray) records =
	    g_ptr_array_new_with_free_func((GDestroyNotify)dd_job_record_free);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GHashTable) inis =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GPtrArray) fws = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *name;

	g_return_val_if_fail(DD_IS_STORE(self), NULL);

	dir = g_dir_open(self->jobs_dir, 0, &error);
	if (dir == NULL) {
		g_warning("cannot list the job journal: %s", error->message);
		return g_steal_pointer(&records);
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		const gchar *rest = NULL;
		guint64 id = 0;

		if (!dd_store_name_id(name, &id, &rest))
			continue;
		if (g_strcmp0(rest, ".ini") == 0) {
			g_array_append_val(ids, id);
			g_hash_table_add(inis, g_memdup2(&id, sizeof(id)));
		} else if (g_strcmp0(rest, ".fw") == 0) {
			g_ptr_array_add(fws, g_strdup(name));
		} else {
			g_autofree gchar *base = g_strndup(name, (gsize)(rest - name));
			g_autofree gchar *ini = g_strconcat(base, ".ini", NULL);
			g_autofree gchar *fw = g_strconcat(base, ".fw", NULL);
			const gchar *const names[] = {ini, fw, NULL};
			if (dd_store_is_temporary(name, names))
				dd_store_remove_temporary(self->jobs_dir, name);
		}
	}
	/* a firmware copy without its journal entry: killed between the two writes */
	for (guint i = 0; i < fws->len; i++) {
		const gchar *fw = g_ptr_array_index(fws, i);
		guint64 id = 0;

		if (!dd_store_name_id(fw, &id, NULL) || g_hash_table_contains(inis, &id))
			continue;
		dd_store_remove_job(self, id);
		g_message("removed the firmware of job %" G_GUINT64_FORMAT
			  ", which was never journaled",
			  id);
	}
	g_array_sort(ids, dd_store_compare_ids);
	for (guint i = 0; i < ids->len; i++) {
		DdJobRecord *record = dd_store_load_job(self, g_array_index(ids, guint64, i));
		if (record != NULL)
			g_ptr_array_add(records, record);
	}
	return g_steal_pointer(&records);
}

void
dd_store_remove_job(DdStore *self, guint64 id)
{
	/* the journal entry first: a firmware copy alone is cleaned up at the next start */
	const gchar *suffixes[] = {".ini", ".fw"};

	g_return_if_fail(DD_IS_STORE(self));

	g_hash_table_remove(self->firmware_ids, &id);
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *path = dd_store_job_path(self, id, suffixes[i]);
		if (g_unlink(path) < 0 && errno != ENOENT)
			g_warning("cannot remove %s: %s", path, g_strerror(errno));
	}
	dd_store_sync_dir(self->jobs_dir);
}

gboolean
dd_store_save_devices(DdStore *self, GPtrArray *uris, GPtrArray *names, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *path = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_return_val_if_fail(DD_IS_STORE(self), FALSE);
	g_return_val_if_fail(uris != NULL, FALSE);

	if (names != NULL && names->len != uris->len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%u device URIs but %u names", uris->len, names->len);
		return FALSE;
	}
	for (guint i = 0; i < uris->len; i++) {
		const gchar *uri = g_ptr_array_index(uris, i);
		const gchar *name = names != NULL ? g_ptr_array_index(names, i) : NULL;
		g_autofree gchar *group = g_strdup_printf("device %u", i);

		if (uri == NULL || uri[0] == '\0' || strlen(uri) > DD_STORE_MAX_URI_LEN ||
		    !g_utf8_validate(uri, -1, NULL)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device %u has no valid URI", i);
			return FALSE;
		}
		if (name != NULL && !g_utf8_validate(name, -1, NULL)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the name of %s is not UTF-8", uri);
			return FALSE;
		}
		g_key_file_set_string(kf, group, "Uri", uri);
		g_key_file_set_string(kf, group, "Name", name != NULL ? name : "");
	}
	data = g_key_file_to_data(kf, &len, NULL);
	path = g_build_filename(self->dir, "devices.ini", NULL);
	return dd_store_write(path, data, len, error);
}

gboolean
dd_store_load_devices(DdStore *self, GPtrArray **uris, GPtrArray **names, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autoptr(GPtrArray) out_uris = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) out_names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) groups = NULL;

	g_return_val_if_fail(DD_IS_STORE(self), FALSE);
	g_return_val_if_fail(uris != NULL && names != NULL, FALSE);

	path = g_build_filename(self->dir, "devices.ini", NULL);
	kf = dd_store_load_keyfile(path, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (kf != NULL)
		groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups != NULL && groups[i] != NULL; i++) {
		g_autofree gchar *uri = g_key_file_get_string(kf, groups[i], "Uri", NULL);
		g_autofree gchar *name = g_key_file_get_string(kf, groups[i], "Name", NULL);

		/* one bad entry must not cost the others */
		if (uri == NULL || uri[0] == '\0' || strlen(uri) > DD_STORE_MAX_URI_LEN) {
			g_warning("%s: [%s] has no valid Uri, skipped", path, groups[i]);
			continue;
		}
		if (g_hash_table_contains(seen, uri)) {
			g_warning("%s: %s is listed twice", path, uri);
			continue;
		}
		g_ptr_array_add(out_uris, g_steal_pointer(&uri));
		g_hash_table_add(seen, g_ptr_array_index(out_uris, out_uris->len - 1));
		g_ptr_array_add(out_names, name != NULL ? g_steal_pointer(&name) : g_strdup(""));
	}
	*uris = g_steal_pointer(&out_uris);
	*names = g_steal_pointer(&out_names);
	return TRUE;
}
