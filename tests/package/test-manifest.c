/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "package/dfud-manifest.h"

/* the three manifests of tests/data/README.md, byte for byte */
static const gchar manifest_single[] = "{\n"
				       "    \"format-version\": 1,\n"
				       "    \"time\": 1795236220,\n"
				       "    \"files\": [\n"
				       "        {\n"
				       "            \"type\": \"application\",\n"
				       "            \"board\": \"nrf52840dk\",\n"
				       "            \"soc\": \"nrf52840\",\n"
				       "            \"load_address\": 49664,\n"
				       "            \"image_index\": \"0\",\n"
				       "            \"slot_index_primary\": \"1\",\n"
				       "            \"slot_index_secondary\": \"2\",\n"
				       "            \"version_MCUBOOT\": \"1.2.3+4\",\n"
				       "            \"size\": 49814,\n"
				       "            \"file\": \"smp_svr.bin\",\n"
				       "            \"modtime\": 1735689600\n"
				       "        }\n"
				       "    ],\n"
				       "    \"name\": \"smp_svr\"\n"
				       "}";

static const gchar manifest_multi[] = "{\n"
				      "    \"format-version\": 1,\n"
				      "    \"time\": 1795236221,\n"
				      "    \"files\": [\n"
				      "        {\n"
				      "            \"type\": \"application\",\n"
				      "            \"board\": \"nrf5340dk\",\n"
				      "            \"soc\": \"nrf5340\",\n"
				      "            \"load_address\": 66048,\n"
				      "            \"image_index\": \"0\",\n"
				      "            \"slot_index_primary\": \"1\",\n"
				      "            \"slot_index_secondary\": \"2\",\n"
				      "            \"version_MCUBOOT\": \"2.0.0\",\n"
				      "            \"size\": 82583,\n"
				      "            \"file\": \"peripheral_lbs.bin\",\n"
				      "            \"modtime\": 1735689600\n"
				      "        },\n"
				      "        {\n"
				      "            \"type\": \"application\",\n"
				      "            \"board\": \"nrf5340dk/nrf5340/cpunet\",\n"
				      "            \"soc\": \"nrf5340\",\n"
				      "            \"image_index\": \"1\",\n"
				      "            \"slot_index_primary\": \"3\",\n"
				      "            \"slot_index_secondary\": \"4\",\n"
				      "            \"load_address\": 16812032,\n"
				      "            \"version\": \"1\",\n"
				      "            \"size\": 37528,\n"
				      "            \"file\": \"ipc_radio.bin\",\n"
				      "            \"modtime\": 1735689600\n"
				      "        }\n"
				      "    ],\n"
				      "    \"name\": \"peripheral_lbs\"\n"
				      "}";

static const gchar manifest_mcuboot[] =
    "{\n"
    "    \"format-version\": 1,\n"
    "    \"time\": 1795236221,\n"
    "    \"files\": [\n"
    "        {\n"
    "            \"version_MCUBOOT\": \"2.1.0\",\n"
    "            \"version_B0\": \"3\",\n"
    "            \"type\": \"mcuboot\",\n"
    "            \"board\": \"nrf52840dk\",\n"
    "            \"soc\": \"nrf52840\",\n"
    "            \"load_address\": 32768,\n"
    "            \"size\": 31384,\n"
    "            \"file\": \"signed_by_mcuboot_and_b0_mcuboot.bin\",\n"
    "            \"modtime\": 1735689600\n"
    "        },\n"
    "        {\n"
    "            \"version_MCUBOOT\": \"2.1.0\",\n"
    "            \"version_B0\": \"3\",\n"
    "            \"type\": \"mcuboot\",\n"
    "            \"board\": \"nrf52840dk\",\n"
    "            \"soc\": \"nrf52840\",\n"
    "            \"load_address\": 82432,\n"
    "            \"size\": 31382,\n"
    "            \"file\": \"signed_by_mcuboot_and_b0_s1_image.bin\",\n"
    "            \"modtime\": 1735689600\n"
    "        }\n"
    "    ],\n"
    "    \"name\": \"mcuboot\"\n"
    "}";

static DfudManifest *
parse_ok(const gchar *json)
{
	g_autoptr(GError) error = NULL;
	DfudManifest *manifest = dfud_manifest_new_from_data(json, strlen(json), &error);

	g_assert_no_error(error);
	g_assert_nonnull(manifest);
	return manifest;
}

/* @len -1: NUL-terminated */
static void
parse_fail(const gchar *json, gssize len, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudManifest) manifest =
	    dfud_manifest_new_from_data(json, len < 0 ? strlen(json) : (gsize)len, &error);

	g_assert_null(manifest);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PACKAGE_INVALID);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, needle));
}

/* a one-file manifest with @fields spliced into the file object */
static gchar *
one_file(const gchar *fields)
{
	return g_strdup_printf("{\"format-version\": 1, \"files\": [{\"file\": \"a.bin\", "
			       "\"type\": \"application\"%s%s}]}",
			       fields[0] != '\0' ? ", " : "", fields);
}

static DfudManifestFile *
file_at(DfudManifest *manifest, guint idx)
{
	g_assert_cmpuint(idx, <, manifest->files->len);
	return g_ptr_array_index(manifest->files, idx);
}

static void
test_manifest_single(void)
{
	g_autoptr(DfudManifest) m = parse_ok(manifest_single);
	DfudManifestFile *f;

	g_assert_cmpint(m->format_version, ==, 1);
	g_assert_cmpstr(m->name, ==, "smp_svr");
	g_assert_cmpuint(m->files->len, ==, 1);
	f = file_at(m, 0);
	g_assert_cmpstr(f->file, ==, "smp_svr.bin");
	g_assert_cmpuint(f->size, ==, 49814);
	g_assert_cmpint(f->type, ==, DFUD_MANIFEST_FILE_TYPE_APPLICATION);
	g_assert_cmpstr(f->board, ==, "nrf52840dk");
	g_assert_cmpstr(f->soc, ==, "nrf52840");
	g_assert_true(f->has_load_address);
	g_assert_cmpuint(f->load_address, ==, 0xc200);
	g_assert_true(f->has_image_index);
	g_assert_cmpuint(f->image_index, ==, 0);
	g_assert_cmpstr(f->version_mcuboot, ==, "1.2.3+4");
	g_assert_null(f->version);
	g_assert_null(f->version_mcuboot_xip);
	g_assert_null(f->version_b0);
	g_assert_false(f->has_slot);
}

static void
test_manifest_multi(void)
{
	g_autoptr(DfudManifest) m = parse_ok(manifest_multi);
	DfudManifestFile *f;

	g_assert_cmpstr(m->name, ==, "peripheral_lbs");
	g_assert_cmpuint(m->files->len, ==, 2);
	f = file_at(m, 0);
	g_assert_cmpstr(f->file, ==, "peripheral_lbs.bin");
	g_assert_cmpuint(f->size, ==, 82583);
	g_assert_cmpuint(f->load_address, ==, 0x10200);
	g_assert_cmpuint(f->image_index, ==, 0);
	g_assert_cmpstr(f->version_mcuboot, ==, "2.0.0");
	g_assert_cmpstr(f->board, ==, "nrf5340dk");
	f = file_at(m, 1);
	g_assert_cmpstr(f->file, ==, "ipc_radio.bin");
	g_assert_cmpuint(f->size, ==, 37528);
	g_assert_cmpuint(f->load_address, ==, 0x1008800);
	g_assert_true(f->has_image_index);
	g_assert_cmpuint(f->image_index, ==, 1);
	g_assert_cmpstr(f->board, ==, "nrf5340dk/nrf5340/cpunet");
	g_assert_cmpstr(f->soc, ==, "nrf5340");
	g_assert_cmpstr(f->version, ==, "1");
	g_assert_null(f->version_mcuboot);
}

static void
test_manifest_mcuboot(void)
{
	g_autoptr(DfudManifest) m = parse_ok(manifest_mcuboot);
	DfudManifestFile *f;

	g_assert_cmpstr(m->name, ==, "mcuboot");
	g_assert_cmpuint(m->files->len, ==, 2);
	f = file_at(m, 0);
	g_assert_cmpint(f->type, ==, DFUD_MANIFEST_FILE_TYPE_MCUBOOT);
	g_assert_cmpstr(f->file, ==, "signed_by_mcuboot_and_b0_mcuboot.bin");
	g_assert_cmpuint(f->load_address, ==, 0x8000);
	g_assert_false(f->has_image_index);
	g_assert_cmpuint(f->image_index, ==, 0);
	g_assert_cmpstr(f->version_mcuboot, ==, "2.1.0");
	g_assert_cmpstr(f->version_b0, ==, "3");
	f = file_at(m, 1);
	g_assert_cmpstr(f->file, ==, "signed_by_mcuboot_and_b0_s1_image.bin");
	g_assert_cmpuint(f->size, ==, 31382);
	g_assert_cmpuint(f->load_address, ==, 0x14200);
}

static void
test_manifest_format_version(void)
{
	g_autoptr(DfudManifest) m =
	    parse_ok("{\"format-version\": 0, \"time\": 1, \"files\": [{\"file\": \"x.bin\", "
		     "\"size\": 1, \"type\": \"application\"}]}");

	g_assert_cmpint(m->format_version, ==, 0);
	g_assert_null(m->name);

	parse_fail("{\"format-version\": 2, \"files\": []}", -1, "format-version 2");
	parse_fail("{\"format-version\": -1, \"files\": []}", -1, "format-version -1");
	parse_fail("{\"format-version\": \"1\", \"files\": []}", -1, "must be a number");
	parse_fail("{\"format-version\": 1.5, \"files\": []}", -1, "must be a number");
	parse_fail("{\"files\": []}", -1, "no format-version");
}

/* every numeric field takes a JSON integer, a decimal string and a 0x string */
static void
test_manifest_numeric_forms(void)
{
	struct {
		const gchar *fields;
		guint64 size, load_address;
		guint image_index, slot;
	} cases[] = {
	    {"\"size\": 10, \"load_address\": 4096, \"image_index\": 2, \"slot\": 1", 10, 4096, 2,
	     1},
	    {"\"size\": \"10\", \"load_address\": \"4096\", \"image_index\": \"2\", \"slot\": "
	     "\"1\"",
	     10, 4096, 2, 1},
	    {"\"size\": \"0xa\", \"load_address\": \"0x1000\", \"image_index\": \"0x2\", "
	     "\"slot\": \"0X1\"",
	     10, 4096, 2, 1},
	    {"\"size\": \"0XA\", \"load_address\": \"0xFFFFFFFFFFFFFFFF\", \"image_index\": 255, "
	     "\"slot\": 0",
	     10, G_MAXUINT64, 255, 0},
	    {"\"size\": 0, \"load_address\": \"18446744073709551615\", \"image_index\": \"007\", "
	     "\"slot\": \"4294967295\"",
	     0, G_MAXUINT64, 7, G_MAXUINT32},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *json = one_file(cases[i].fields);
		g_autoptr(DfudManifest) m = parse_ok(json);
		DfudManifestFile *f = file_at(m, 0);

		g_assert_cmpuint(f->size, ==, cases[i].size);
		g_assert_true(f->has_load_address);
		g_assert_cmpuint(f->load_address, ==, cases[i].load_address);
		g_assert_true(f->has_image_index);
		g_assert_cmpuint(f->image_index, ==, cases[i].image_index);
		g_assert_true(f->has_slot);
		g_assert_cmpuint(f->slot, ==, cases[i].slot);
	}
}

static void
test_manifest_numeric_bad(void)
{
	struct {
		const gchar *fields;
		const gchar *needle;
	} cases[] = {
	    {"\"size\": \"abc\"", "size \"abc\" is not a number"},
	    {"\"size\": \"\"", "size \"\" is not a number"},
	    {"\"size\": \"0x\"", "size \"0x\" is not a number"},
	    {"\"size\": \"12a\"", "is not a number"},
	    {"\"size\": \" 12\"", "is not a number"},
	    {"\"size\": \"-1\"", "is not a number"},
	    {"\"size\": \"+1\"", "is not a number"},
	    {"\"size\": -1", "size -1 is out of range"},
	    {"\"size\": 1.5", "size must be an integer"},
	    {"\"size\": true", "size must be an integer"},
	    {"\"size\": null", "size must be an integer"},
	    {"\"size\": [1]", "size must be an integer"},
	    {"\"size\": \"18446744073709551616\"", "is not a number"},
	    {"\"size\": \"0x10000000000000000\"", "is not a number"},
	    {"\"size\": 1, \"image_index\": 256", "image_index 256 is out of range"},
	    {"\"size\": 1, \"image_index\": \"0x100\"", "image_index \"0x100\""},
	    {"\"size\": 1, \"slot\": \"4294967296\"", "slot \"4294967296\""},
	    {"\"size\": 1, \"load_address\": \"0xg\"", "load_address \"0xg\""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *json = one_file(cases[i].fields);
		parse_fail(json, -1, cases[i].needle);
	}
}

/* what json-glib reads beyond JSON: a bare hex literal is accepted, octal and overflow are not */
static void
test_manifest_number_literals(void)
{
	struct {
		const gchar *fields;
		const gchar *needle;
	} bad[] = {
	    {"\"size\": 010", "invalid number 010"},
	    {"\"size\": 00", "invalid number 00"},
	    {"\"size\": 99999999999999999999", "invalid number 99999999999999999999"},
	    {"\"size\": 9223372036854775808", "invalid number 9223372036854775808"},
	    {"\"size\": -0x10", "invalid number -0x10"},
	    {"\"size\": 0x10000000000000000", "invalid number 0x10000000000000000"},
	    {"\"size\": 0xg", "invalid number 0xg"},
	    {"\"size\": 1.", "invalid number 1."},
	    {"\"size\": 1e", "invalid number 1e"},
	    {"\"size\": 12abc", "invalid number 12abc"},
	    {"\"size\": -", "invalid number -"},
	    {"\"size\": 1e3", "size must be an integer"},
	    {"\"size\": 0xFFFFFFFFFFFFFFFF", "size -1 is out of range"},
	};
	g_autofree gchar *json =
	    one_file("\"size\": 0x628, \"load_address\": 9223372036854775807, "
		     "\"image_index\": 0X1, \"slot\": -0.5e-3, \"time\": 1.25E+2");
	g_autofree gchar *json2 = NULL;
	g_autoptr(DfudManifest) m = NULL;
	DfudManifestFile *f;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *bad_json = one_file(bad[i].fields);
		parse_fail(bad_json, -1, bad[i].needle);
	}
	/* slot -0.5e-3 is a valid JSON number but not an integer */
	parse_fail(json, -1, "slot must be an integer");
	json2 = one_file("\"size\": 0x628, \"load_address\": 9223372036854775807, "
			 "\"image_index\": 0X1, \"time\": 1.25E+2, \"x\": [-0, 0.0, -1e-5]");
	m = parse_ok(json2);
	f = file_at(m, 0);
	g_assert_cmpuint(f->size, ==, 0x628);
	g_assert_cmpuint(f->load_address, ==, G_MAXINT64);
	g_assert_cmpuint(f->image_index, ==, 1);
}

static void
test_manifest_optional(void)
{
	g_autofree gchar *json =
	    one_file("\"size\": 5, \"version\": 3, \"version_B0\": 7, \"unknown\": {\"x\": [1]}, "
		     "\"modtime\": \"whatever\", \"version_MCUBOOT+XIP\": \"1.0.0\"");
	g_autoptr(DfudManifest) m = parse_ok(json);
	DfudManifestFile *f = file_at(m, 0);

	g_assert_false(f->has_image_index);
	g_assert_cmpuint(f->image_index, ==, 0);
	g_assert_false(f->has_load_address);
	g_assert_false(f->has_slot);
	g_assert_null(f->board);
	g_assert_null(f->soc);
	g_assert_null(f->version_mcuboot);
	g_assert_cmpstr(f->version_mcuboot_xip, ==, "1.0.0");
	g_assert_cmpstr(f->version, ==, "3");
	g_assert_cmpstr(f->version_b0, ==, "7");
}

static void
test_manifest_structure_bad(void)
{
	g_autoptr(GString) many = g_string_new("{\"format-version\": 1, \"files\": [");
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autofree gchar *big = NULL;
	struct {
		const gchar *json;
		const gchar *needle;
	} cases[] = {
	    {"[]", "not a JSON object"},
	    {"\"x\"", "not a JSON object"},
	    {"{", "not valid JSON"},
	    {" \n{\"format-version\": 1} {}", "data after its JSON object"},
	    {"{\"format-version\": 1}]", "data after its JSON object"},
	    {"\"format-version\"{\"format-version\": []}", "not a JSON object"},
	    {"{\"format-version\": 1, \"files\": [}", "not valid JSON"},
	    {"{\"format-version\": 1,}", "not valid JSON"},
	    {"{\"format-version\": 1}", "no files array"},
	    {"{\"format-version\": 1, \"files\": {}}", "no files array"},
	    {"{\"format-version\": 1, \"files\": []}", "lists no files"},
	    {"{\"format-version\": 1, \"files\": [1]}", "files[0] is not an object"},
	    {"{\"format-version\": 1, \"name\": 3, \"files\": [{}]}", "name must be a string"},
	    {"{\"format-version\": 1, \"files\": [{\"size\": 1}]}", "files[0] has no file"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": 1}]}", "file must be a string"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"type\": \"application\"}]}",
	     "\"a\" has no size"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1}]}",
	     "\"a\" has no type"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": 0}]}",
	     "type must be a string"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": "
	     "\"bin\"}]}",
	     "unsupported manifest file type \"bin\""},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": "
	     "\"suit-envelope\"}]}",
	     "unsupported manifest file type"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": "
	     "\"application\", \"board\": 5}]}",
	     "board must be a string"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": "
	     "\"application\", \"version_MCUBOOT\": 1}]}",
	     "version_MCUBOOT must be a string"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\", \"size\": 1, \"type\": "
	     "\"application\"}, {\"file\": \"a\", \"size\": 2, \"type\": \"application\"}]}",
	     "lists file \"a\" twice"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"../x.bin\"}]}",
	     "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a/b.bin\"}]}",
	     "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"/b.bin\"}]}",
	     "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\\\\b.bin\"}]}",
	     "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"..\"}]}", "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"\"}]}", "not a plain file name"},
	    {"{\"format-version\": 1, \"files\": [{\"file\": \"a\\nb\"}]}",
	     "not a plain file name"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		parse_fail(cases[i].json, -1, cases[i].needle);

	parse_fail("", 0, "empty");
	/* an embedded NUL is not JSON text */
	parse_fail("{\"format-version\": 1}\0xx", 24, "data after its JSON object");
	parse_fail("{\"format-version\": 1, \"name\": \"\0\"}", 34, "not valid JSON");
	parse_fail("{\"format-version\": 1, \"name\": \"\xff\"}", -1, "not valid JSON");

	for (guint i = 0; i <= DFUD_MANIFEST_MAX_FILES; i++)
		g_string_append_printf(many,
				       "%s{\"file\": \"f%u\", \"size\": 1, \"type\": "
				       "\"application\"}",
				       i > 0 ? "," : "", i);
	g_string_append(many, "]}");
	parse_fail(many->str, (gssize)many->len, "lists 65 files, at most 64");

	g_string_append(deep, "{\"files\": ");
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(deep, '[');
	parse_fail(deep->str, (gssize)deep->len, "nests deeper than 32");
	/* brackets inside strings do not count */
	{
		g_autofree gchar *json =
		    one_file("\"size\": 1, \"board\": \"[[[[[[[[[[[[[[[[[[[["
			     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[\"");
		g_autoptr(DfudManifest) m = parse_ok(json);
		g_assert_cmpuint(strlen(file_at(m, 0)->board), ==, 63);
	}

	big = g_malloc(DFUD_MANIFEST_MAX_SIZE + 1);
	memset(big, ' ', DFUD_MANIFEST_MAX_SIZE + 1);
	parse_fail(big, DFUD_MANIFEST_MAX_SIZE + 1, "at most 1048576");
}

static void
test_manifest_file_name(void)
{
	g_autofree gchar *long_name = g_strnfill(256, 'a');

	g_assert_true(dfud_manifest_file_name_is_valid("app.bin"));
	g_assert_true(dfud_manifest_file_name_is_valid("a..b.bin"));
	g_assert_true(dfud_manifest_file_name_is_valid(".hidden"));
	g_assert_false(dfud_manifest_file_name_is_valid(NULL));
	g_assert_false(dfud_manifest_file_name_is_valid(""));
	g_assert_false(dfud_manifest_file_name_is_valid("."));
	g_assert_false(dfud_manifest_file_name_is_valid(".."));
	g_assert_false(dfud_manifest_file_name_is_valid("../x.bin"));
	g_assert_false(dfud_manifest_file_name_is_valid("/x.bin"));
	g_assert_false(dfud_manifest_file_name_is_valid("C:\\x.bin"));
	g_assert_false(dfud_manifest_file_name_is_valid("x\x1b.bin"));
	g_assert_false(dfud_manifest_file_name_is_valid("x\xff.bin"));
	g_assert_false(dfud_manifest_file_name_is_valid(long_name));
	long_name[255] = '\0';
	g_assert_true(dfud_manifest_file_name_is_valid(long_name));
	g_assert_cmpstr(dfud_manifest_file_type_to_string(DFUD_MANIFEST_FILE_TYPE_MCUBOOT), ==,
			"mcuboot");
	g_assert_cmpstr(dfud_manifest_file_type_to_string(DFUD_MANIFEST_FILE_TYPE_APPLICATION), ==,
			"application");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/package/manifest/single", test_manifest_single);
	g_test_add_func("/package/manifest/multi", test_manifest_multi);
	g_test_add_func("/package/manifest/mcuboot", test_manifest_mcuboot);
	g_test_add_func("/package/manifest/format-version", test_manifest_format_version);
	g_test_add_func("/package/manifest/numeric-forms", test_manifest_numeric_forms);
	g_test_add_func("/package/manifest/numeric-bad", test_manifest_numeric_bad);
	g_test_add_func("/package/manifest/number-literals", test_manifest_number_literals);
	g_test_add_func("/package/manifest/optional", test_manifest_optional);
	g_test_add_func("/package/manifest/structure-bad", test_manifest_structure_bad);
	g_test_add_func("/package/manifest/file-name", test_manifest_file_name);
	return g_test_run();
}
