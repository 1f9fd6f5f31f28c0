/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlProgress"

#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfuctl-job-record.h"
#include "dfuctl-progress.h"

#define STAGE_WIDTH 10
#define BAR_MAX 40
#define BAR_MIN 10
/* how often plain lines may repeat within one stage */
#define LINE_INTERVAL_US G_USEC_PER_SEC

#define SGR_RESET "\033[0m"
#define SGR_RUNNING "\033[1;36m"
#define SGR_DONE "\033[1;32m"
#define SGR_FAILED "\033[1;31m"
#define SGR_BAR "\033[32m"

typedef struct {
	gchar *path;
	gchar *line;   /* terminal: what the line shows now */
	gchar *status; /* plain lines: the stage last printed */
	guint64 done;  /* plain lines: the bytes last printed */
	gint64 shown_at;
} Entry;

struct _DfuctlProgress {
	gboolean terminal;
	gboolean color;
	guint width;	    /* 0: ask the terminal each time */
	GPtrArray *entries; /* of Entry, in the order they appeared */
	guint drawn;	    /* terminal: lines of ours on screen, the cursor ends the last */
};

static void
entry_free(Entry *entry)
{
	g_free(entry->path);
	g_free(entry->line);
	g_free(entry->status);
	g_free(entry);
}

/* text from the daemon, and through it from devices and files: no escapes reach a terminal */
gchar *
dfuctl_progress_sanitize(const gchar *text)
{
	gchar *out;

	if (text == NULL)
		return g_strdup("");
	out = g_utf8_make_valid(text, -1);
	for (gchar *p = out; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
			*p = '?';
	}
	return out;
}

static gboolean
term_has_color(const gchar *term)
{
	static const gchar *const prefixes[] = {"xterm", "screen",  "tmux",	 "rxvt",   "linux",
						"vt220", "konsole", "alacritty", "kitty",  "foot",
						"st-",	 "putty",   "gnome",	 "cygwin", NULL};

	if (term == NULL || term[0] == '\0' || g_strcmp0(term, "dumb") == 0)
		return FALSE;
	if (strstr(term, "color") != NULL)
		return TRUE;
	for (guint i = 0; prefixes[i] != NULL; i++) {
		if (g_str_has_prefix(term, prefixes[i]))
			return TRUE;
	}
	return FALSE;
}

DfuctlProgress *
dfuctl_progress_new_full(gboolean terminal, gboolean color, guint width)
{
	DfuctlProgress *self = g_new0(DfuctlProgress, 1);

	self->terminal = terminal;
	self->color = terminal && color;
	self->width = width;
	self->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	return self;
}

DfuctlProgress *
dfuctl_progress_new(void)
{
	const gchar *term = g_getenv("TERM");
	const gchar *no_color = g_getenv("NO_COLOR");
	gboolean terminal = isatty(STDOUT_FILENO) && term != NULL && g_strcmp0(term, "dumb") != 0;
	/* no-color.org: set and not empty disables colour */
	gboolean color = (no_color == NULL || no_color[0] == '\0') && term_has_color(term);

	return dfuctl_progress_new_full(terminal, color, 0);
}

void
dfuctl_progress_free(DfuctlProgress *self)
{
	if (self == NULL)
		return;
	dfuctl_progress_end(self);
	g_ptr_array_unref(self->entries);
	g_free(self);
}

static guint
progress_width(DfuctlProgress *self)
{
	struct winsize ws = {0};

	if (self->width > 0)
		return self->width;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static Entry *
progress_entry(DfuctlProgress *self, const gchar *path)
{
	Entry *entry;

	for (guint i = 0; i < self->entries->len; i++) {
		entry = g_ptr_array_index(self->entries, i);
		if (g_strcmp0(entry->path, path) == 0)
			return entry;
	}
	entry = g_new0(Entry, 1);
	entry->path = g_strdup(path);
	g_ptr_array_add(self->entries, entry);
	return entry;
}

gboolean
dfuctl_job_status_is_final(const gchar *status)
{
	return g_strcmp0(status, "done") == 0 || g_strcmp0(status, "failed") == 0 ||
	       g_strcmp0(status, "cancelled") == 0;
}

static gchar *
format_eta(gdouble seconds)
{
	guint64 s = (guint64)(seconds + 0.5);

	if (s >= 100 * 3600)
		return g_strdup("--:--");
	if (s >= 3600)
		return g_strdup_printf("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600,
				       (guint)(s / 60 % 60), (guint)(s % 60));
	return g_strdup_printf("%u:%02u", (guint)(s / 60), (guint)(s % 60));
}

/* the parts of a bar line, sanitized */
typedef struct {
	gchar *label; /* NULL: none */
	gchar *stage;
	guint percent;
	gdouble fraction; /* of the bar */
	gchar *rate;	  /* NULL: not uploading */
	gchar *eta;	  /* NULL: not uploading */
	const gchar *sgr; /* the stage's colour */
} LineParts;

static void
line_parts_clear(LineParts *parts)
{
	g_free(parts->label);
	g_free(parts->stage);
	g_free(parts->rate);
	g_free(parts->eta);
}

static void
line_parts_init(LineParts *parts, DfudDbusJob *job, const gchar *label)
{
	const gchar *status = dfud_dbus_job_get_status(job);
	guint64 done = dfud_dbus_job_get_bytes_done(job);
	guint64 total = dfud_dbus_job_get_bytes_total(job);
	gdouble rate = dfud_dbus_job_get_rate(job);
	g_autofree gchar *stage = dfuctl_progress_sanitize(status != NULL ? status : "?");

	memset(parts, 0, sizeof(*parts));
	parts->label = label != NULL ? dfuctl_progress_sanitize(label) : NULL;
	/* a status is one short word; anything longer is cut to keep the line's layout */
	if (g_utf8_strlen(stage, -1) > 16)
		parts->stage = g_utf8_substring(stage, 0, 16);
	else
		parts->stage = g_steal_pointer(&stage);
	parts->percent = MIN(dfud_dbus_job_get_progress(job), 100u);
	if (total > 0)
		parts->fraction = (gdouble)MIN(done, total) / (gdouble)total;
	else
		parts->fraction = parts->percent / 100.0;
	if (g_strcmp0(status, "uploading") == 0) {
		parts->rate = dfuctl_format_rate(rate);
		if (rate > 0 && total > done)
			parts->eta = format_eta((gdouble)(total - done) / rate);
		else
			parts->eta = g_strdup("--:--");
	}
	if (g_strcmp0(status, "done") == 0)
		parts->sgr = SGR_DONE;
	else if (dfuctl_job_status_is_final(status))
		parts->sgr = SGR_FAILED;
	else
		parts->sgr = SGR_RUNNING;
}

/*
 * "[LABEL ]STAGE     [=====>     ]  42%  12.3 KiB/s  ETA 0:14", fitted into @width - 1
 * columns (a full last column would wrap on some terminals and break the redraw): the ETA,
 * then the rate, then the bar give way on narrow terminals.
 */
static gchar *
line_build(const LineParts *parts, guint width, gboolean color)
{
	GString *out = g_string_new(NULL);
	glong avail = (glong)MAX(width, 2u) - 1;
	glong stage_len = MAX(g_utf8_strlen(parts->stage, -1), STAGE_WIDTH);
	glong fixed;
	glong bar = 0;
	gboolean show_rate = parts->rate != NULL;
	gboolean show_eta = parts->eta != NULL;

	for (;;) {
		fixed = stage_len + 5; /* " 100%" */
		if (parts->label != NULL)
			fixed += g_utf8_strlen(parts->label, -1) + 1;
		if (show_rate)
			fixed += 2 + g_utf8_strlen(parts->rate, -1);
		if (show_eta)
			fixed += 6 + g_utf8_strlen(parts->eta, -1);
		bar = MIN(avail - fixed - 3, BAR_MAX); /* " [" and "]" */
		if (bar >= BAR_MIN || (!show_rate && !show_eta))
			break;
		if (show_eta)
			show_eta = FALSE;
		else
			show_rate = FALSE;
	}

	if (parts->label != NULL)
		g_string_append_printf(out, "%s ", parts->label);
	if (color)
		g_string_append(out, parts->sgr);
	g_string_append(out, parts->stage);
	if (color)
		g_string_append(out, SGR_RESET);
	for (glong i = g_utf8_strlen(parts->stage, -1); i < STAGE_WIDTH; i++)
		g_string_append_c(out, ' ');
	if (bar >= 3) {
		glong filled = (glong)(parts->fraction * (gdouble)bar + 1e-9);

		filled = CLAMP(filled, 0, bar);
		g_string_append(out, " [");
		if (color)
			g_string_append(out, SGR_BAR);
		for (glong i = 0; i < filled; i++)
			g_string_append_c(out, i + 1 == filled && filled < bar ? '>' : '=');
		if (color)
			g_string_append(out, SGR_RESET);
		for (glong i = filled; i < bar; i++)
			g_string_append_c(out, ' ');
		g_string_append_c(out, ']');
	}
	g_string_append_printf(out, " %3u%%", parts->percent);
	if (show_rate)
		g_string_append_printf(out, "  %s", parts->rate);
	if (show_eta)
		g_string_append_printf(out, "  ETA %s", parts->eta);

	return g_string_free(out, FALSE);
}

static gchar *
line_render(const LineParts *parts, guint width, gboolean color)
{
	glong avail = (glong)MAX(width, 2u) - 1;
	gchar *plain = line_build(parts, width, FALSE);

	/* a terminal narrower than the stage and percent: cut, without colour */
	if (g_utf8_strlen(plain, -1) > avail) {
		gchar *cut = g_utf8_substring(plain, 0, avail);
		g_free(plain);
		return cut;
	}
	if (!color)
		return plain;
	g_free(plain);
	return line_build(parts, width, TRUE);
}

static void
progress_redraw(DfuctlProgress *self)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (self->drawn > 1)
		g_string_append_printf(out, "\033[%uA", self->drawn - 1);
	for (guint i = 0; i < self->entries->len; i++) {
		Entry *entry = g_ptr_array_index(self->entries, i);
		g_string_append_printf(out, "\r\033[K%s", entry->line != NULL ? entry->line : "");
		if (i + 1 < self->entries->len)
			g_string_append_c(out, '\n');
	}
	self->drawn = self->entries->len;
	fputs(out->str, stdout);
	fflush(stdout);
}

static void
progress_print_line(Entry *entry, DfudDbusJob *job, const gchar *label)
{
	const gchar *status = dfud_dbus_job_get_status(job);
	guint64 done = dfud_dbus_job_get_bytes_done(job);
	guint64 total = dfud_dbus_job_get_bytes_total(job);
	g_autofree gchar *stage = dfuctl_progress_sanitize(status);
	g_autofree gchar *rate = dfuctl_format_rate(dfud_dbus_job_get_rate(job));
	g_autofree gchar *prefix = label != NULL ? dfuctl_progress_sanitize(label) : NULL;
	gint64 now = g_get_monotonic_time();

	/* at every stage change, and within a stage at most once a second */
	if (g_strcmp0(entry->status, status) == 0 &&
	    (done == entry->done || now - entry->shown_at < LINE_INTERVAL_US))
		return;
	g_free(entry->status);
	entry->status = g_strdup(status);
	entry->done = done;
	entry->shown_at = now;
	fprintf(stdout, "%s%s%s %u%% %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " %s\n",
		prefix != NULL ? prefix : "", prefix != NULL ? ": " : "", stage,
		MIN(dfud_dbus_job_get_progress(job), 100u), done, total, rate);
	fflush(stdout);
}

void
dfuctl_progress_update(DfuctlProgress *self, DfudDbusJob *job, const gchar *label)
{
	const gchar *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(job));
	Entry *entry;

	/* no properties (dfud away from the bus): nothing to show */
	if (dfud_dbus_job_get_status(job) == NULL)
		return;
	entry = progress_entry(self, path);
	if (!self->terminal) {
		progress_print_line(entry, job, label);
		return;
	}
	{
		LineParts parts;

		line_parts_init(&parts, job, label);
		g_free(entry->line);
		entry->line = line_render(&parts, progress_width(self), self->color);
		line_parts_clear(&parts);
	}
	progress_redraw(self);
}

void
dfuctl_progress_end(DfuctlProgress *self)
{
	if (self->terminal && self->drawn > 0) {
		fputs("\n", stdout);
		fflush(stdout);
	}
	self->drawn = 0;
	g_ptr_array_set_size(self->entries, 0);
}
