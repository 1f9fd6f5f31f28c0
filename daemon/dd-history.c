/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudHistory"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-history.h"
#include "dfud-error.h"

/* a line longer than this was not written by us: skipped unread */
#define DD_HISTORY_MAX_LINE (64 * 1024)
#define DD_HISTORY_READ_SIZE (DD_HISTORY_MAX_LINE + 1)

struct _DdHistory {
	GObject parent_instance;
	gchar *path;
	guint max_entries;
	gint64 n_lines; /* lines in the file, -1: not counted yet */
	gboolean warned;
};

G_DEFINE_TYPE(DdHistory, dd_history, G_TYPE_OBJECT)

typedef struct {
	const gchar *key;
	const gchar *type;
} DdHistoryKey;

static const DdHistoryKey dd_history_keys[] = {
    {"job", "t"},	  {"device", "s"},	  {"name", "s"},	{"result", "s"},
    {"error-name", "s"},  {"error-message", "s"}, {"old-version", "s"}, {"old-hash", "s"},
    {"new-version", "s"}, {"new-hash", "s"},	  {"started", "x"},	{"duration", "d"},
    {"bytes", "t"},	  {"rate", "d"},	  {"mode", "s"},
};

static const gchar *
dd_history_key_type(const gchar *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(dd_history_keys); i++) {
		if (g_strcmp0(dd_history_keys[i].key, key) == 0)
			return dd_history_keys[i].type;
	}
	return NULL;
}

static void
dd_history_finalize(GObject *object)
{
	DdHistory *self = DD_HISTORY(object);

	g_free(self->path);
	G_OBJECT_CLASS(dd_history_parent_class)->finalize(object);
}

static void
dd_history_class_init(DdHistoryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dd_history_finalize;
}

static void
dd_history_init(DdHistory *self)
{
	self->n_lines = -1;
}

/* a compaction killed before its rename leaves "history.jsonl.XXXXXX": as big as the history */
static void
dd_history_remove_temporary(const gchar *path)
{
	g_autofree gchar *dirname = g_path_get_dirname(path);
	g_autofree gchar *basename = g_path_get_basename(path);
	g_autoptr(GDir) dir = g_dir_open(dirname, 0, NULL);
	gsize len = strlen(basename);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *tmp = NULL;
		if (strncmp(name, basename, len) != 0 || name[len] != '.' ||
		    strlen(name + len + 1) != 6 || g_strcmp0(name + len + 1, "broken") == 0)
			continue;
		tmp = g_build_filename(dirname, name, NULL);
		g_debug("removing %s, left by an interrupted rewrite", tmp);
		if (g_unlink(tmp) < 0)
			g_debug("cannot remove %s: %s", tmp, g_strerror(errno));
	}
}

DdHistory *
dd_history_new(const gchar *path, guint max_entries)
{
	DdHistory *self;

	g_return_val_if_fail(path != NULL, NULL);

	self = g_object_new(DD_TYPE_HISTORY, NULL);
	self->path = g_strdup(path);
	self->max_entries = MAX(max_entries, 1);
	dd_history_remove_temporary(path);
	return self;
}

/* what is wrong with a line, for the one warning a file gets */
static void
dd_history_warn(DdHistory *self, const gchar *why)
{
	if (self->warned)
		return;
	self->warned = TRUE;
	g_warning("%s: skipping unreadable entries (first: %s)", self->path, why);
}

/*
 * our lines are one flat object; a newer dfud's might nest a little, but never this deep:
 * refuse it before json-glib's recursive parser sees it, and NUL bytes, which JSON text
 * cannot hold
 */
#define DD_HISTORY_MAX_DEPTH 16

static gboolean
dd_history_line_is_shallow(const gchar *line, gsize len)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = line[i];
		if (c == '\0')
			return FALSE;
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '{' || c == '[') {
			if (++depth > DD_HISTORY_MAX_DEPTH)
				return FALSE;
		} else if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
		}
	}
	return TRUE;
}

/* one JSON value as the GVariant its key demands, or NULL */
static GVariant *
dd_history_value_from_json(JsonNode *node, const gchar *type)
{
	GType vtype;

	if (!JSON_NODE_HOLDS_VALUE(node))
		return NULL;
	vtype = json_node_get_value_type(node);
	switch (type[0]) {
	case 's': {
		const gchar *str;
		if (vtype != G_TYPE_STRING)
			return NULL;
		str = json_node_get_string(node);
		if (str == NULL || !g_utf8_validate(str, -1, NULL))
			return NULL;
		return g_variant_new_string(str);
	}
	case 't':
		if (vtype != G_TYPE_INT64 || json_node_get_int(node) < 0)
			return NULL;
		return g_variant_new_uint64((guint64)json_node_get_int(node));
	case 'x':
		if (vtype != G_TYPE_INT64)
			return NULL;
		return g_variant_new_int64(json_node_get_int(node));
	case 'd':
		/* a double without a fraction may come back as an integer */
		if (vtype == G_TYPE_INT64)
			return g_variant_new_double((gdouble)json_node_get_int(node));
		if (vtype != G_TYPE_DOUBLE)
			return NULL;
		return g_variant_new_double(json_node_get_double(node));
	default:
		return NULL;
	}
}

/* a line as a{sv}, or NULL with @why set; keys we do not know (a newer dfud's) are left out */
static GVariant *
dd_history_parse_line(const gchar *line, gsize len, const gchar **why)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GList) members = NULL;
	g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
	JsonObject *obj;
	JsonNode *root;
	gboolean has_device = FALSE;

	if (!g_utf8_validate(line, (gssize)len, NULL)) {
		*why = "not UTF-8";
		return NULL;
	}
	if (!dd_history_line_is_shallow(line, len)) {
		*why = "nested too deep";
		return NULL;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, (gssize)len, NULL)) {
		*why = "not JSON (cut short?)";
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		*why = "not an object";
		return NULL;
	}
	obj = json_node_get_object(root);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *key = l->data;
		const gchar *type = dd_history_key_type(key);
		GVariant *value;

		if (type == NULL)
			continue;
		value = dd_history_value_from_json(json_object_get_member(obj, key), type);
		if (value == NULL) {
			*why = "a value of the wrong type";
			return NULL;
		}
		if (g_strcmp0(key, "device") == 0)
			has_device = TRUE;
		g_variant_builder_add(&builder, "{sv}", key, value);
	}
	if (!has_device) {
		*why = "no device";
		return NULL;
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/*
 * calls @func for every line (without its newline) of at most DD_HISTORY_MAX_LINE bytes;
 * a last line without a newline is passed too, so that a line cut short by a crash is seen
 * (and refused by the parser); counts every line in *@n_lines
 */
typedef void (*DdHistoryLineFunc)(const gchar *line, gsize len, gpointer user_data);

static gboolean
dd_history_foreach_line(DdHistory *self, DdHistoryLineFunc func, gpointer user_data,
			gint64 *n_lines, GError **error)
{
	g_autofree gchar *buf = g_malloc(2 * DD_HISTORY_READ_SIZE);
	gsize fill = 0;
	gboolean skipping = FALSE;
	int fd;

	*n_lines = 0;
	fd = g_open(self->path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return TRUE;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot open %s: %s", self->path,
			    g_strerror(errno));
		return FALSE;
	}
	for (;;) {
		gssize n = read(fd, buf + fill, 2 * DD_HISTORY_READ_SIZE - fill);
		gsize start = 0;
		const gchar *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s",
				    self->path, g_strerror(errno));
			close(fd);
			return FALSE;
		}
		if (n == 0)
			break;
		fill += (gsize)n;
		while ((nl = memchr(buf + start, '\n', fill - start)) != NULL) {
			gsize len = (gsize)(nl - (buf + start));
			if (skipping)
				skipping = FALSE;
			else if (len > DD_HISTORY_MAX_LINE)
				dd_history_warn(self, "a line longer than 64 KiB");
			else
				func(buf + start, len, user_data);
			(*n_lines)++;
			start += len + 1;
		}
		memmove(buf, buf + start, fill - start);
		fill -= start;
		if (fill > DD_HISTORY_MAX_LINE) {
			/* drop what we have of an overlong line, and the rest up to its newline */
			if (!skipping)
				dd_history_warn(self, "a line longer than 64 KiB");
			skipping = TRUE;
			fill = 0;
		}
	}
	close(fd);
	if (fill > 0 && !skipping) {
		func(buf, fill, user_data);
		(*n_lines)++;
	}
	return TRUE;
}

/* json numbers for t are gint64 in json-glib: refuse what would not come back */
static JsonNode *
dd_history_value_to_json(GVariant *value, const gchar *key, GError **error)
{
	const gchar *type = dd_history_key_type(key);
	JsonNode *node;

	if (type == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a history key", key);
		return NULL;
	}
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE(type))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "history key '%s' is of type %s, not %s", key, type,
			    g_variant_get_type_string(value));
		return NULL;
	}
	node = json_node_alloc();
	switch (type[0]) {
	case 's':
		json_node_init_string(node, g_variant_get_string(value, NULL));
		break;
	case 't':
		if (g_variant_get_uint64(value) > G_MAXINT64) {
			json_node_unref(node);
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "history key '%s' is out of range", key);
			return NULL;
		}
		json_node_init_int(node, (gint64)g_variant_get_uint64(value));
		break;
	case 'x':
		json_node_init_int(node, g_variant_get_int64(value));
		break;
	case 'd':
		if (!isfinite(g_variant_get_double(value))) {
			json_node_unref(node);
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "history key '%s' is not a finite number", key);
			return NULL;
		}
		json_node_init_double(node, g_variant_get_double(value));
		break;
	default:
		g_assert_not_reached();
	}
	return node;
}

static gchar *
dd_history_entry_to_line(GVariant *entry, GError **error)
{
	g_autoptr(JsonObject) obj = json_object_new();
	g_autoptr(JsonNode) root = json_node_alloc();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;
	gboolean has_device = FALSE;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	if (!g_variant_is_of_type(entry, G_VARIANT_TYPE_VARDICT)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "a history entry is a{sv}, not %s", g_variant_get_type_string(entry));
		return NULL;
	}
	g_variant_iter_init(&iter, entry);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) owned = value;
		JsonNode *node;

		if (json_object_has_member(obj, key)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "history key '%s' is given twice", key);
			return NULL;
		}
		node = dd_history_value_to_json(owned, key, error);
		if (node == NULL)
			return NULL;
		json_object_set_member(obj, key, node);
		if (g_strcmp0(key, "device") == 0)
			has_device = TRUE;
	}
	if (!has_device) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "a history entry needs a device");
		return NULL;
	}
	json_node_init_object(root, obj);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	if (strlen(text) > DD_HISTORY_MAX_LINE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "a history entry is longer than %u bytes", DD_HISTORY_MAX_LINE);
		return NULL;
	}
	return g_steal_pointer(&text);
}

static gboolean
dd_history_write_all(int fd, const gchar *data, gsize len)
{
	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static void
dd_history_sync_dir(const gchar *path)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fsync(fd) < 0)
		g_debug("cannot sync %s: %s", dir, g_strerror(errno));
	close(fd);
}

typedef struct {
	DdHistory *self;
	gint64 n_valid;
	gint64 skip;  /* the oldest valid lines to leave out */
	GString *out; /* NULL: only count */
} DdHistoryCompact;

static void
dd_history_compact_line(const gchar *line, gsize len, gpointer user_data)
{
	DdHistoryCompact *c = user_data;
	g_autoptr(GVariant) entry = NULL;
	const gchar *why = NULL;

	entry = dd_history_parse_line(line, len, &why);
	if (entry == NULL) {
		dd_history_warn(c->self, why);
		return;
	}
	if (c->out != NULL && c->n_valid >= c->skip) {
		g_string_append_len(c->out, line, (gssize)len);
		g_string_append_c(c->out, '\n');
	}
	c->n_valid++;
}

/* keeps the newest max_entries readable lines, replacing the file in one rename */
static gboolean
dd_history_compact(DdHistory *self, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	DdHistoryCompact c = {self, 0, 0, NULL};
	gint64 n_lines = 0;

	if (!dd_history_foreach_line(self, dd_history_compact_line, &c, &n_lines, error))
		return FALSE;
	c.skip = MAX(c.n_valid - (gint64)self->max_entries, 0);
	c.n_valid = 0;
	c.out = out;
	if (!dd_history_foreach_line(self, dd_history_compact_line, &c, &n_lines, error))
		return FALSE;
	if (!g_file_set_contents_full(self->path, out->str, (gssize)out->len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot rewrite %s: %s", self->path,
			    local->message);
		return FALSE;
	}
	dd_history_sync_dir(self->path);
	self->n_lines = c.n_valid - c.skip;
	g_debug("%s compacted to %" G_GINT64_FORMAT " entries", self->path, self->n_lines);
	return TRUE;
}

static void
dd_history_ignore_line(const gchar *line, gsize len, gpointer user_data)
{
}

gboolean
dd_history_append(DdHistory *self, GVariant *entry, GError **error)
{
	g_autoptr(GVariant) owned = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GString) line = g_string_new(NULL);
	struct stat st;
	gboolean created;
	int fd;

	g_return_val_if_fail(DD_IS_HISTORY(self), FALSE);
	g_return_val_if_fail(entry != NULL, FALSE);

	owned = g_variant_ref_sink(entry);
	text = dd_history_entry_to_line(owned, error);
	if (text == NULL)
		return FALSE;
	if (self->n_lines < 0) {
		if (!dd_history_foreach_line(self, dd_history_ignore_line, NULL, &self->n_lines,
					     error)) {
			self->n_lines = -1;
			return FALSE;
		}
	}

	created = !g_file_test(self->path, G_FILE_TEST_EXISTS);
	/* readable too, to look at the last byte */
	fd = g_open(self->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot open %s: %s", self->path,
			    g_strerror(errno));
		return FALSE;
	}
	/* a crash may have cut the last line short: end it, or ours would be glued to it */
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		gchar last = '\n';
		if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			g_string_append_c(line, '\n');
	}
	g_string_append(line, text);
	g_string_append_c(line, '\n');
	if (!dd_history_write_all(fd, line->str, line->len) || fdatasync(fd) < 0) {
		int saved = errno;
		close(fd);
		self->n_lines = -1;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot append to %s: %s", self->path,
			    g_strerror(saved));
		return FALSE;
	}
	if (close(fd) < 0) {
		self->n_lines = -1;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot append to %s: %s", self->path,
			    g_strerror(errno));
		return FALSE;
	}
	if (created)
		dd_history_sync_dir(self->path);
	self->n_lines++;

	if (self->n_lines > 2 * (gint64)self->max_entries) {
		g_autoptr(GError) local = NULL;
		/* the entry is safe already; a failed rewrite only leaves the file longer */
		if (!dd_history_compact(self, &local)) {
			g_warning("%s", local->message);
			self->n_lines = -1;
		}
	}
	return TRUE;
}

typedef struct {
	DdHistory *self;
	const gchar *device;
	const gchar *needle; /* the device as JSON text, to skip most lines unparsed */
	guint limit;
	GQueue entries; /* oldest first, at most @limit */
} DdHistoryQuery;

static void
dd_history_query_line(const gchar *line, gsize len, gpointer user_data)
{
	DdHistoryQuery *q = user_data;
	g_autoptr(GVariant) entry = NULL;
	const gchar *why = NULL;
	const gchar *device = NULL;

	if (q->needle != NULL && g_strstr_len(line, (gssize)len, q->needle) == NULL)
		return;
	entry = dd_history_parse_line(line, len, &why);
	if (entry == NULL) {
		dd_history_warn(q->self, why);
		return;
	}
	if (q->device != NULL && (!g_variant_lookup(entry, "device", "&s", &device) ||
				  g_strcmp0(device, q->device) != 0))
		return;
	g_queue_push_tail(&q->entries, g_steal_pointer(&entry));
	if (q->limit > 0 && q->entries.length > q->limit)
		g_variant_unref(g_queue_pop_head(&q->entries));
}

/*
 * the device as json-glib writes it, when that is the string itself in quotes; a line without
 * it cannot be the device's (the parse would refuse it or find another device)
 */
static gchar *
dd_history_device_needle(const gchar *device)
{
	for (const gchar *p = device; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr(":/._-@+=,", *p) == NULL)
			return NULL;
	}
	return g_strdup_printf("\"%s\"", device);
}

GVariant *
dd_history_query(DdHistory *self, const gchar *device, guint limit, GError **error)
{
	g_autofree gchar *needle = NULL;
	GVariantBuilder builder;
	DdHistoryQuery q = {self, device, NULL, limit, G_QUEUE_INIT};
	gint64 n_lines = 0;
	GVariant *entry;

	g_return_val_if_fail(DD_IS_HISTORY(self), NULL);

	if (device != NULL)
		q.needle = needle = dd_history_device_needle(device);
	if (!dd_history_foreach_line(self, dd_history_query_line, &q, &n_lines, error)) {
		g_queue_clear_full(&q.entries, (GDestroyNotify)g_variant_unref);
		return NULL;
	}
	self->n_lines = n_lines;
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	while ((entry = g_queue_pop_tail(&q.entries)) != NULL) {
		g_variant_builder_add_value(&builder, entry);
		g_variant_unref(entry);
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

GVariant *
dd_history_last(DdHistory *self, const gchar *device)
{
	g_autoptr(GVariant) entries = NULL;
	g_autoptr(GError) error = NULL;

	g_return_val_if_fail(DD_IS_HISTORY(self), NULL);

	entries = dd_history_query(self, device, 1, &error);
	if (entries == NULL) {
		g_warning("%s", error->message);
		return NULL;
	}
	if (g_variant_n_children(entries) == 0)
		return NULL;
	return g_variant_get_child_value(entries, 0);
}
