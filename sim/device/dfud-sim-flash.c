/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-sim-flash.h"

#define MAX_IMAGES 4

struct _DfudSimFlash {
	gchar *dir;
	guint images;
	guint32 slot_size[MAX_IMAGES][2];
	gchar *path[MAX_IMAGES][2];
	guint64 generation[MAX_IMAGES][2];
};

static gboolean
io_error(GError **error, const gchar *what, const gchar *path)
{
	int saved = errno;

	g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s %s: %s", what, path, g_strerror(saved));
	return FALSE;
}

DfudSimFlash *
dfud_sim_flash_open(const gchar *dir, guint images, guint32 slot_size, guint32 net_slot_size,
		    GError **error)
{
	g_autoptr(DfudSimFlash) self = g_new0(DfudSimFlash, 1);

	g_return_val_if_fail(images >= 1 && images <= MAX_IMAGES, NULL);
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		io_error(error, "cannot create state directory", dir);
		return NULL;
	}
	self->dir = g_strdup(dir);
	self->images = images;
	for (guint i = 0; i < images; i++) {
		self->slot_size[i][0] = self->slot_size[i][1] = i == 0 ? slot_size : net_slot_size;
		for (guint s = 0; s < 2; s++) {
			g_autofree gchar *name = g_strdup_printf("image%u-slot%u.bin", i, s);
			int fd;
			self->path[i][s] = g_build_filename(dir, name, NULL);
			fd = open(self->path[i][s], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0) {
				io_error(error, "cannot open slot file", self->path[i][s]);
				return NULL;
			}
			close(fd);
		}
	}
	return g_steal_pointer(&self);
}

void
dfud_sim_flash_free(DfudSimFlash *self)
{
	if (self == NULL)
		return;
	for (guint i = 0; i < MAX_IMAGES; i++) {
		g_free(self->path[i][0]);
		g_free(self->path[i][1]);
	}
	g_free(self->dir);
	g_free(self);
}

guint
dfud_sim_flash_get_images(DfudSimFlash *self)
{
	return self->images;
}

guint32
dfud_sim_flash_slot_size(DfudSimFlash *self, guint image)
{
	g_return_val_if_fail(image < self->images, 0);
	return self->slot_size[image][0];
}

guint32
dfud_sim_flash_size(DfudSimFlash *self, guint image, guint slot)
{
	g_return_val_if_fail(image < self->images && slot < 2, 0);
	return self->slot_size[image][slot];
}

void
dfud_sim_flash_set_size(DfudSimFlash *self, guint image, guint slot, guint32 size)
{
	g_return_if_fail(image < self->images && slot < 2);
	self->slot_size[image][slot] = size;
}

guint64
dfud_sim_flash_generation(DfudSimFlash *self, guint image, guint slot)
{
	g_return_val_if_fail(image < self->images && slot < 2, 0);
	return self->generation[image][slot];
}

static gboolean
check_range(DfudSimFlash *self, guint image, guint slot, guint64 off, guint64 len, GError **error)
{
	if (image >= self->images || slot > 1 || off > self->slot_size[image][slot] ||
	    len > self->slot_size[image][slot] - off) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "flash access image %u slot %u [0x%" G_GINT64_MODIFIER
			    "x, +0x%" G_GINT64_MODIFIER "x) is outside the slot",
			    image, slot, off, len);
		return FALSE;
	}
	return TRUE;
}

static gint64
file_size(const gchar *path)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0)
		return 0;
	return st.st_size;
}

gboolean
dfud_sim_flash_read(DfudSimFlash *self, guint image, guint slot, guint32 off, guint8 *buf,
		    gsize len, GError **error)
{
	const gchar *path;
	gsize done = 0;
	int fd;

	if (!check_range(self, image, slot, off, len, error))
		return FALSE;
	path = self->path[image][slot];
	memset(buf, 0xff, len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error(error, "cannot open slot file", path);
	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return io_error(error, "cannot read slot file", path);
		}
		if (n == 0)
			break; /* past the end: erased */
		done += (gsize)n;
	}
	close(fd);
	return TRUE;
}

GBytes *
dfud_sim_flash_read_bytes(DfudSimFlash *self, guint image, guint slot, gsize len, GError **error)
{
	g_autofree guint8 *buf = NULL;

	if (!check_range(self, image, slot, 0, len, error))
		return NULL;
	buf = g_malloc(MAX(len, 1));
	if (!dfud_sim_flash_read(self, image, slot, 0, buf, len, error))
		return NULL;
	return g_bytes_new_take(g_steal_pointer(&buf), len);
}

static gboolean
pwrite_all(int fd, const guint8 *data, gsize len, gint64 off)
{
	gsize done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, data + done, len - done, (off_t)off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		done += (gsize)n;
	}
	return TRUE;
}

static gboolean
fill_erased(int fd, gint64 from, gint64 to)
{
	guint8 ff[4096];

	memset(ff, 0xff, sizeof(ff));
	while (from < to) {
		gsize n = (gsize)MIN((gint64)sizeof(ff), to - from);
		if (!pwrite_all(fd, ff, n, from))
			return FALSE;
		from += (gint64)n;
	}
	return TRUE;
}

gboolean
dfud_sim_flash_write(DfudSimFlash *self, guint image, guint slot, guint32 off, const guint8 *data,
		     gsize len, GError **error)
{
	const gchar *path;
	gint64 size;
	int fd;

	if (!check_range(self, image, slot, off, len, error))
		return FALSE;
	if (len == 0)
		return TRUE;
	path = self->path[image][slot];
	size = file_size(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_error(error, "cannot open slot file", path);
	/* a gap past the end of the file is erased flash, not zeros */
	if ((off > size && !fill_erased(fd, size, off)) || !pwrite_all(fd, data, len, off)) {
		io_error(error, "cannot write slot file", path);
		close(fd);
		return FALSE;
	}
	close(fd);
	self->generation[image][slot]++;
	return TRUE;
}

gboolean
dfud_sim_flash_erase(DfudSimFlash *self, guint image, guint slot, guint32 off, guint32 len,
		     GError **error)
{
	const gchar *path;
	gint64 size;
	int fd;
	gboolean ok;

	if (!check_range(self, image, slot, off, len, error))
		return FALSE;
	path = self->path[image][slot];
	size = file_size(path);
	self->generation[image][slot]++;
	if (off >= size || len == 0)
		return TRUE;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return io_error(error, "cannot open slot file", path);
	if ((gint64)off + len >= size)
		ok = ftruncate(fd, off) == 0;
	else
		ok = fill_erased(fd, off, (gint64)off + len);
	if (!ok)
		io_error(error, "cannot erase slot file", path);
	close(fd);
	return ok;
}

gboolean
dfud_sim_flash_is_blank(DfudSimFlash *self, guint image, guint slot)
{
	g_autoptr(GBytes) bytes = NULL;
	const guint8 *p;
	gsize n;
	gint64 size;

	g_return_val_if_fail(image < self->images && slot < 2, FALSE);
	size = file_size(self->path[image][slot]);
	if (size == 0)
		return TRUE;
	bytes = dfud_sim_flash_read_bytes(
	    self, image, slot, (gsize)MIN(size, (gint64)self->slot_size[image][slot]), NULL);
	if (bytes == NULL)
		return FALSE;
	p = g_bytes_get_data(bytes, &n);
	for (gsize i = 0; i < n; i++) {
		if (p[i] != 0xff)
			return FALSE;
	}
	return TRUE;
}

gboolean
dfud_sim_flash_swap(DfudSimFlash *self, guint image, GError **error)
{
	g_autofree gchar *tmp = NULL;

	g_return_val_if_fail(image < self->images, FALSE);
	tmp = g_strconcat(self->path[image][0], ".swap", NULL);
	if (g_rename(self->path[image][0], tmp) != 0)
		return io_error(error, "cannot rename", self->path[image][0]);
	if (g_rename(self->path[image][1], self->path[image][0]) != 0)
		return io_error(error, "cannot rename", self->path[image][1]);
	if (g_rename(tmp, self->path[image][1]) != 0)
		return io_error(error, "cannot rename", tmp);
	self->generation[image][0]++;
	self->generation[image][1]++;
	return TRUE;
}

gboolean
dfud_sim_flash_copy_secondary(DfudSimFlash *self, guint image, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	g_return_val_if_fail(image < self->images, FALSE);
	if (!g_file_get_contents(self->path[image][1], &contents, &len, error))
		return FALSE;
	if (!g_file_set_contents(self->path[image][0], contents, (gssize)len, error))
		return FALSE;
	self->generation[image][0]++;
	return TRUE;
}
