/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs a fuzz target over every file of its seed corpus (and any crash reproducers kept
 * there), so the corpus is replayed by the normal and sanitizer test runs without libFuzzer.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint
replay_path(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	guint n = 0;

	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
		const gchar *name;

		if (dir == NULL) {
			g_printerr("%s\n", error->message);
			return 0;
		}
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			n += replay_path(child);
		}
		return n;
	}
	if (!g_file_get_contents(path, &contents, &len, &error)) {
		g_printerr("%s\n", error->message);
		return 0;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)contents, len);
	return 1;
}

int
main(int argc, char **argv)
{
	guint n = 0;

	for (int i = 1; i < argc; i++)
		n += replay_path(argv[i]);
	if (n == 0) {
		g_printerr("no corpus file replayed\n");
		return 1;
	}
	g_print("replayed %u inputs\n", n);
	return 0;
}
