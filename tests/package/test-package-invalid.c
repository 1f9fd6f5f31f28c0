/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Packages dfud must refuse (malformed manifests and zips, corrupt images, size caps) and
 * reading them from file descriptors.
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dfud-error.h"
#include "package/dfud-package-private.h"
#include "package/dfud-package.h"
#include "test-package-util.h"

static void
test_package_manifest_errors(void)
{
	const gchar *app[] = {"app.bin", NULL};
	const gchar *two[] = {"a.bin", "b.bin", NULL};
	struct {
		const gchar *manifest;
		const gchar *const *names;
		gint code;
		const gchar *needle;
	} cases[] = {
	    {NULL, app, DFUD_ERROR_PACKAGE_INVALID, "no manifest.json"},
	    {"{\"format-version\": 1, ", app, DFUD_ERROR_PACKAGE_INVALID, "not valid JSON"},
	    {"{\"format-version\": 7, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "format-version 7"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"bin\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "unsupported manifest file type"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"other.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     NULL, DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"other.bin\" is listed in manifest.json but "
	     "missing"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1577, "
	     "\"type\": \"application\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"app.bin\": manifest.json size 1577 differs "
	     "from its 1576 bytes"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT\": \"1.2.3+5\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH,
	     "version_MCUBOOT 1.2.3+5 differs from the image "
	     "header version 1.2.3+4"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT+XIP\": \"1.2.3\"}]}",
	     app, DFUD_ERROR_PACKAGE_MISMATCH, "version_MCUBOOT+XIP 1.2.3 differs"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"app.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"version_MCUBOOT\": \"banana\"}]}",
	     app, DFUD_ERROR_PACKAGE_INVALID, "version_MCUBOOT \"banana\" is not a version"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"image_index\": \"0\"}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH, "\"a.bin\" and \"b.bin\" the same image_index 0"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\", \"slot\": 1}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH,
	     "\"a.bin\": the direct-XIP build for slot 0 is not ROM_FIXED"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_MISMATCH, "\"b.bin\" is an unlisted file"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 1}]}",
	     (const gchar *[]){"a.bin", NULL}, DFUD_ERROR_PACKAGE_INVALID,
	     "single mcuboot file: an upgradable-MCUboot package needs two, the builds "
	     "for NSIB slots S0 and S1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 1}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 2}, {\"file\": "
	     "\"c.bin\", \"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 3}]}",
	     (const gchar *[]){"a.bin", "b.bin", "c.bin", NULL}, DFUD_ERROR_PACKAGE_INVALID,
	     "lists 3 mcuboot files"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": \"0x1000\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "the same load_address 0x1000"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "\"b.bin\" has neither slot nor load_address"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"slot\": \"0\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "need slot 0 and slot 1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"slot\": 0}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"mcuboot\", \"load_address\": 1}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "need slot 0 and slot 1"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", \"size\": 1576, "
	     "\"type\": \"mcuboot\", \"load_address\": 4096}, {\"file\": \"b.bin\", "
	     "\"size\": 1576, \"type\": \"application\"}]}",
	     two, DFUD_ERROR_PACKAGE_INVALID, "mixes mcuboot and application"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"manifest.json\", \"size\": 1, "
	     "\"type\": \"application\"}]}",
	     NULL, DFUD_ERROR_PACKAGE_INVALID, "lists itself"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) zip = make_package(cases[i].manifest, cases[i].names);
		assert_fails(zip, DFUD_ERROR, cases[i].code, cases[i].needle);
	}
}

/* an image that fails inside a zip keeps its own error code, prefixed with its name */
static void
test_package_corrupt_image(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	g_autoptr(GBytes) flipped = NULL;
	g_autoptr(GBytes) zip = NULL;
	g_autoptr(GBytes) zip2 = NULL;
	g_autoptr(GBytes) bad_magic = NULL;
	guint8 *copy = g_memdup2(g_bytes_get_data(img, NULL), IMG_1K_SIZE);
	ZipItem items[] = {{"app.bin", NULL, FALSE}, {"manifest.json", man, FALSE}};

	copy[0x300] ^= 0x01;
	flipped = g_bytes_new(copy, IMG_1K_SIZE);
	items[0].data = flipped;
	zip = make_zip(items, 2, FALSE);
	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH, "app.bin: image hash");

	copy[0x300] ^= 0x01;
	copy[0] = 0x3c;
	bad_magic = g_bytes_new_take(g_steal_pointer(&copy), IMG_1K_SIZE);
	items[0].data = bad_magic;
	zip2 = make_zip(items, 2, TRUE);
	assert_fails(zip2, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC, "app.bin: bad image magic");
}

static void
test_package_zip_errors(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	struct {
		ZipItem items[3];
		guint n;
		const gchar *needle;
	} cases[] = {
	    {{{"../x.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     2,
	     "\"../x.bin\" is not a plain file name"},
	    {{{"/app.bin", img, FALSE}, {"manifest.json", man, FALSE}}, 2, "not a plain file name"},
	    {{{"dir/app.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     2,
	     "not a plain file name"},
	    {{{"app.bin", img, FALSE}, {"app.bin", img, FALSE}, {"manifest.json", man, FALSE}},
	     3,
	     "zip holds entry \"app.bin\" twice"},
	    {{{"app.bin", img, TRUE}, {"manifest.json", man, FALSE}},
	     2,
	     "\"app.bin\" is not a regular file"},
	    {{{"app.bin", empty, FALSE}, {"manifest.json", empty, FALSE}},
	     2,
	     "manifest.json is empty"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) zip = make_zip(cases[i].items, cases[i].n, FALSE);
		assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, cases[i].needle);
	}
}

static void
test_package_zip_too_many(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	ZipItem items[DFUD_PACKAGE_MAX_ENTRIES + 1];
	g_autoptr(GBytes) zip = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_ptr_array_add(names, g_strdup_printf("f%u.bin", i));
		items[i] = (ZipItem){g_ptr_array_index(names, i), img, FALSE};
	}
	zip = make_zip(items, G_N_ELEMENTS(items), TRUE);
	assert_fails(zip, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "more than 64 entries");
}

/* a stored entry whose bytes changed after zipping: libarchive's CRC check refuses it */
static void
test_package_zip_crc(void)
{
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	ZipItem items[] = {{"app.bin", img, FALSE}, {"manifest.json", man, FALSE}};
	g_autoptr(GBytes) zip = make_zip(items, 2, FALSE);
	g_autoptr(GBytes) broken = NULL;
	gsize len = g_bytes_get_size(zip);
	guint8 *copy = g_memdup2(g_bytes_get_data(zip, NULL), len);
	const guint8 *at = memmem(copy, len, g_bytes_get_data(img, NULL), 64);

	g_assert_nonnull(at);
	g_assert_cmpuint((gsize)(at - copy) + IMG_1K_SIZE, <=, len);
	copy[(gsize)(at - copy) + 0x300] ^= 0x01;
	broken = g_bytes_new_take(copy, len);
	assert_fails(broken, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "CRC");
}

static void
test_package_zip_truncated(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_single_nrf52840.zip");
	g_autoptr(GBytes) cut = g_bytes_new_from_bytes(zip, 0, g_bytes_get_size(zip) - 30);
	g_autoptr(GBytes) head = g_bytes_new_from_bytes(zip, 0, 200);

	assert_fails(cut, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "");
	assert_fails(head, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID, "");
}

/* uncompressed sizes are capped before anything is allocated: a deflated run of zeros */
static void
test_package_zip_size_cap(void)
{
	g_autofree guint8 *zeros = g_malloc0(512 * 1024);
	g_autoptr(GBytes) big = g_bytes_new_static(zeros, 512 * 1024);
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	g_autofree gchar *manifest = manifest_one("");
	g_autoptr(GBytes) man = str_bytes(manifest);
	ZipItem items[] = {
	    {"app.bin", img, FALSE}, {"manifest.json", man, FALSE}, {"zeros.bin", big, FALSE}};
	g_autoptr(GBytes) zip = make_zip(items, 3, TRUE);
	g_autoptr(GBytes) ok = make_zip(items, 2, TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	gsize small_total = IMG_1K_SIZE + strlen(manifest);

	g_assert_cmpuint(g_bytes_get_size(zip), <, 16 * 1024);
	package = dfud_package_new_from_bytes_with_limit(zip, 256 * 1024, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID);
	g_assert_nonnull(strstr(error->message, "zeros.bin"));
	g_clear_error(&error);

	/* exactly at the limit is fine, one byte less is not */
	package = dfud_package_new_from_bytes_with_limit(ok, small_total, &error);
	g_assert_no_error(error);
	g_assert_nonnull(package);
	g_clear_object(&package);
	entries = dfud_package_zip_read(ok, small_total - 1, &error);
	g_assert_null(entries);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID);
	g_clear_error(&error);

	/* the input itself */
	package = dfud_package_new_from_bytes_with_limit(ok, g_bytes_get_size(ok) - 1, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static int
memfd_with(GBytes *data)
{
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(data, &len);
	int fd = memfd_create("dfud-test", MFD_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, d, len), ==, (gssize)len);
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	return fd;
}

/* writes the 1k image in two halves, 50 ms apart, then closes */
static gpointer
slow_writer(gpointer user_data)
{
	int fd = GPOINTER_TO_INT(user_data);
	g_autoptr(GBytes) img = load_fixture(IMG_1K);
	const guint8 *d = g_bytes_get_data(img, NULL);

	g_usleep(50000);
	g_assert_cmpint(write(fd, d, 1000), ==, 1000);
	g_usleep(50000);
	g_assert_cmpint(write(fd, d + 1000, IMG_1K_SIZE - 1000), ==, IMG_1K_SIZE - 1000);
	close(fd);
	return NULL;
}

static void
test_package_fd(void)
{
	g_autoptr(GBytes) zip = load_fixture("dfu_application_multi_nrf5340.zip");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GBytes) data = NULL;
	gsize len = g_bytes_get_size(zip);
	int fd = memfd_with(zip);
	int pipefd[2];

	package = dfud_package_new_from_fd(fd, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(dfud_package_get_entries(package)->len, ==, 2);
	g_clear_object(&package);

	/* from the current position */
	g_assert_cmpint(lseek(fd, 100, SEEK_SET), ==, 100);
	data = dfud_package_read_fd(fd, DFUD_PACKAGE_MAX_SIZE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(data), ==, len - 100);
	g_clear_pointer(&data, g_bytes_unref);

	/* the cap: exactly the limit passes, one byte more fails */
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	data = dfud_package_read_fd(fd, len, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(data, zip));
	g_clear_pointer(&data, g_bytes_unref);
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	data = dfud_package_read_fd(fd, len - 1, &error);
	g_assert_null(data);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "larger than"));
	g_clear_error(&error);
	close(fd);

	/* a non-blocking pipe holding a bare image, writer closed */
	{
		g_autoptr(GBytes) img = load_fixture(IMG_1K);
		g_assert_cmpint(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), ==, 0);
		g_assert_cmpint(write(pipefd[1], g_bytes_get_data(img, NULL), IMG_1K_SIZE), ==,
				IMG_1K_SIZE);
		close(pipefd[1]);
		package = dfud_package_new_from_fd(pipefd[0], &error);
		g_assert_no_error(error);
		g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_BIN);
		close(pipefd[0]);
		g_clear_object(&package);
	}

	/* a non-blocking pipe whose writer is slow: read waits instead of failing on EAGAIN */
	{
		g_autoptr(GThread) writer = NULL;
		g_assert_cmpint(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), ==, 0);
		writer = g_thread_new("writer", slow_writer, GINT_TO_POINTER(pipefd[1]));
		package = dfud_package_new_from_fd(pipefd[0], &error);
		g_assert_no_error(error);
		g_assert_cmpint(dfud_package_get_format(package), ==, DFUD_PACKAGE_FORMAT_BIN);
		g_assert_cmpuint(
		    dfud_image_get_size(dfud_package_entry_get_image(entry_at(package, 0))), ==,
		    IMG_1K_SIZE);
		g_thread_join(g_steal_pointer(&writer));
		close(pipefd[0]);
		g_clear_object(&package);
	}

	/* an empty pipe */
	g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
	close(pipefd[1]);
	package = dfud_package_new_from_fd(pipefd[0], &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY);
	g_clear_error(&error);
	close(pipefd[0]);

	/* a read error: a directory */
	fd = open(TEST_DATA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	package = dfud_package_new_from_fd(fd, &error);
	g_assert_null(package);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	close(fd);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/package/zip/manifest-errors", test_package_manifest_errors);
	g_test_add_func("/package/zip/corrupt-image", test_package_corrupt_image);
	g_test_add_func("/package/zip/zip-errors", test_package_zip_errors);
	g_test_add_func("/package/zip/too-many", test_package_zip_too_many);
	g_test_add_func("/package/zip/crc", test_package_zip_crc);
	g_test_add_func("/package/zip/truncated", test_package_zip_truncated);
	g_test_add_func("/package/zip/size-cap", test_package_zip_size_cap);
	g_test_add_func("/package/fd", test_package_fd);
	return g_test_run();
}
