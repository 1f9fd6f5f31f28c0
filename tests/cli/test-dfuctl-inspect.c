/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built dfuctl on the fixtures and checks exit codes, --json output and the text.
 */
#define G_LOG_DOMAIN "TestDfuctl"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
	JsonNode *json;
} Run;

static void
run_clear(Run *run)
{
	g_free(run->out);
	g_free(run->err);
	if (run->json != NULL)
		json_node_unref(run->json);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static gchar *
data_path(const gchar *name)
{
	return g_build_filename(TEST_DATA_DIR, name, NULL);
}

/* runs dfuctl with a NULL-terminated argument list; parses stdout as JSON when asked */
static void
run_dfuctl(Run *run, gboolean parse_json, const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	va_list args;

	g_ptr_array_add(argv, g_strdup(DFUCTL_PATH));
	va_start(args, first);
	for (const gchar *a = first; a != NULL; a = va_arg(args, const gchar *))
		g_ptr_array_add(argv, g_strdup(a));
	va_end(args);
	g_ptr_array_add(argv, NULL);

	proc = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &run->out, &run->err, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	run->status = g_subprocess_get_exit_status(proc);
	if (parse_json) {
		run->json = json_from_string(run->out, &error);
		g_assert_no_error(error);
		g_assert_nonnull(run->json);
		g_assert_true(JSON_NODE_HOLDS_OBJECT(run->json));
	}
}

static JsonObject *
root_object(Run *run)
{
	return json_node_get_object(run->json);
}

static JsonObject *
image_object(Run *run, guint index)
{
	JsonArray *images = json_object_get_array_member(root_object(run), "images");
	g_assert_cmpuint(json_array_get_length(images), >, index);
	return json_array_get_object_element(images, index);
}

static const gchar *
error_name(Run *run)
{
	JsonObject *err = json_object_get_object_member(root_object(run), "error");
	g_assert_nonnull(err);
	return json_object_get_string_member(err, "name");
}

static void
test_help(void)
{
	g_auto(Run) run = {0};
	run_dfuctl(&run, FALSE, "--help", NULL);
	g_assert_cmpint(run.status, ==, 0);
	g_assert_nonnull(strstr(run.out, "inspect FILE"));
	g_assert_nonnull(strstr(run.out, "Exit status:"));
	g_assert_nonnull(strstr(run.out, "65  invalid firmware file"));
	g_assert_nonnull(strstr(run.out, "6   reverted"));
}

static void
test_usage(void)
{
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, FALSE, NULL);
		g_assert_cmpint(run.status, ==, 64);
		g_assert_nonnull(strstr(run.err, "a verb is required"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, FALSE, "frobnicate", NULL);
		g_assert_cmpint(run.status, ==, 64);
		g_assert_nonnull(strstr(run.err, "unknown verb 'frobnicate'"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, FALSE, "inspect", NULL);
		g_assert_cmpint(run.status, ==, 64);
		g_assert_nonnull(strstr(run.err, "a FILE is required"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, FALSE, "inspect", "--no-such-option", "x", NULL);
		g_assert_cmpint(run.status, ==, 64);
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, FALSE, "inspect", "--help", NULL);
		g_assert_cmpint(run.status, ==, 0);
		g_assert_nonnull(strstr(run.out, "--key"));
		g_assert_nonnull(strstr(run.out, "Exit status:"));
	}
}

static void
test_missing_file(void)
{
	g_auto(Run) run = {0};
	run_dfuctl(&run, TRUE, "inspect", "--json", "/nonexistent/dir/fw.bin", NULL);
	g_assert_cmpint(run.status, ==, 66);
	g_assert_cmpstr(error_name(&run), ==, "Io");
	g_assert_nonnull(strstr(run.err, "(Io)"));
}

typedef struct {
	const gchar *file;
	const gchar *version;
	const gchar *device_version;
	const gchar *hash;
	const gchar *hash_state;
	const gchar *signature;
	guint64 size;
} GoodImage;

/* values from tests/data/README.md */
static const GoodImage good_images[] = {
    {"hashonly_1k_v1.2.3+4.bin", "1.2.3+4", "1.2.3.4",
     "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc", "verified", "none",
     1576},
    {"ecdsa-p256_60k_v1.2.3+4.bin", "1.2.3+4", "1.2.3.4",
     "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146", "verified",
     "ECDSA-P256", 62102},
    {"ed25519_60k_v2.0.0.bin", "2.0.0", "2.0.0",
     "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802", "verified", "Ed25519",
     62096},
    {"rsa2048_60k_v1.2.3+4.bin", "1.2.3+4", "1.2.3.4",
     "71aea69532d2aac752104c07b76defb90bab9b7bad81875664a860129a0f42a3", "verified",
     "RSA-2048-PSS", 62288},
    {"enc-ecies-p256-aes128-ecdsa-p256_60k_v1.2.3+4.bin", "1.2.3+4", "1.2.3.4",
     "83e6a153d0ebd364d33b2e70e917543b336cfece68241615663be5ecad035f05", "encrypted",
     "ECDSA-P256", 62219},
    {"hashonly-sha512_4k_v1.0.0.bin", "1.0.0", "1.0.0",
     "584d1a0f6db409079ad1373c7a537470e2902df93750757b38624a299231b73cb68a3a4306d15bf703a416212a62"
     "599c00565cb2fd9d0a611f7802bf436f6ddf",
     "verified", "none", 4680},
    {"prottlv-mix-ed25519_4k_v0.9.1+77.bin", "0.9.1+77", "0.9.1.77",
     "f71d135c98c24806b22e0d35c8f71ed758c16c217f4715f3b924636242b72825", "verified", "Ed25519",
     4871},
};

static void
test_good_images(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(good_images); i++) {
		const GoodImage *g = &good_images[i];
		g_autofree gchar *path = data_path(g->file);
		g_auto(Run) run = {0};
		JsonObject *img;
		JsonObject *sig;

		g_test_message("%s", g->file);
		run_dfuctl(&run, TRUE, "inspect", "--json", path, NULL);
		g_assert_cmpint(run.status, ==, 0);
		g_assert_true(json_object_get_boolean_member(root_object(&run), "valid"));
		g_assert_cmpstr(json_object_get_string_member(root_object(&run), "format"), ==,
				"bin");
		g_assert_true(json_object_get_null_member(root_object(&run), "error"));
		img = image_object(&run, 0);
		g_assert_cmpstr(json_object_get_string_member(img, "role"), ==, "application");
		g_assert_cmpint(json_object_get_int_member(img, "image_index"), ==, 0);
		g_assert_cmpstr(json_object_get_string_member(img, "version"), ==, g->version);
		g_assert_cmpstr(json_object_get_string_member(img, "device_version"), ==,
				g->device_version);
		g_assert_cmpstr(json_object_get_string_member(img, "hash"), ==, g->hash);
		g_assert_cmpstr(json_object_get_string_member(img, "hash_state"), ==,
				g->hash_state);
		g_assert_cmpint(json_object_get_int_member(img, "size"), ==, (gint64)g->size);
		sig = json_object_get_object_member(img, "signature");
		g_assert_cmpstr(json_object_get_string_member(sig, "type"), ==, g->signature);
		/* no --key: not checked, so null rather than a guess */
		g_assert_true(json_object_get_null_member(sig, "verified"));
	}
}

static void
test_details(void)
{
	g_autofree gchar *path = data_path("seccnt-dep-ecdsa-p256_60k_v2.0.0.bin");
	g_autofree gchar *enc = data_path("enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin");
	g_autofree gchar *pad = data_path("pad-confirm-ecdsa-p256_60k_slot0x20000_v1.2.3+4.bin");
	g_auto(Run) run = {0};
	g_auto(Run) run_enc = {0};
	g_auto(Run) run_pad = {0};
	JsonObject *img;
	JsonArray *deps;
	JsonArray *tlvs;

	run_dfuctl(&run, TRUE, "inspect", "--json", path, NULL);
	g_assert_cmpint(run.status, ==, 0);
	img = image_object(&run, 0);
	g_assert_cmpint(json_object_get_int_member(img, "security_counter"), ==, 0x2000000);
	g_assert_cmpint(json_object_get_int_member(img, "protected_tlv_size"), ==, 0x1c);
	deps = json_object_get_array_member(img, "dependencies");
	g_assert_cmpuint(json_array_get_length(deps), ==, 1);
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(deps, 0), "image_index"), ==,
	    1);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(deps, 0), "min_version"),
	    ==, "1.5.0");
	tlvs = json_object_get_array_member(img, "tlvs");
	g_assert_cmpuint(json_array_get_length(tlvs), ==, 5);
	g_assert_true(
	    json_object_get_boolean_member(json_array_get_object_element(tlvs, 0), "protected"));
	g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(tlvs, 0), "type"),
			==, 0x50);
	g_assert_false(
	    json_object_get_boolean_member(json_array_get_object_element(tlvs, 2), "protected"));

	run_dfuctl(&run_enc, TRUE, "inspect", "--json", enc, NULL);
	g_assert_cmpint(run_enc.status, ==, 0);
	img = image_object(&run_enc, 0);
	g_assert_true(json_object_get_boolean_member(img, "encrypted"));
	g_assert_true(json_object_get_null_member(img, "hash_verified"));
	g_assert_cmpstr(json_object_get_string_member(img, "encryption"), ==, "ECIES-X25519");

	run_dfuctl(&run_pad, TRUE, "inspect", "--json", pad, NULL);
	g_assert_cmpint(run_pad.status, ==, 0);
	img = image_object(&run_pad, 0);
	g_assert_cmpint(json_object_get_int_member(img, "size"), ==, 131072);
	g_assert_cmpint(json_object_get_int_member(
			    json_object_get_object_member(img, "trailer"), "image_ok"),
			==, 1);
}

typedef struct {
	const gchar *file;
	const gchar *error;
	const gchar *message_part;
	gboolean image_shown;
} BrokenImage;

static const BrokenImage broken_images[] = {
    {"broken_empty.bin", "ImageEmpty", "empty", FALSE},
    {"broken_bad-magic.bin", "ImageBadMagic", "0x96f3b83c", FALSE},
    {"broken_truncated-body.bin", "ImageSizeBeyondFile", "0x7530", FALSE},
    {"broken_imgsize-too-large.bin", "ImageSizeBeyondFile", "0x828", FALSE},
    {"broken_tlv-info-magic.bin", "ImageBadTlv", "0x6906", FALSE},
    {"broken_body-corrupt.bin", "ImageHashMismatch", "hash", TRUE},
};

static void
test_broken_images(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(broken_images); i++) {
		const BrokenImage *b = &broken_images[i];
		g_autofree gchar *path = data_path(b->file);
		g_auto(Run) run = {0};
		g_auto(Run) text = {0};
		JsonArray *images;

		g_test_message("%s", b->file);
		run_dfuctl(&run, TRUE, "inspect", "--json", path, NULL);
		g_assert_cmpint(run.status, ==, 65);
		g_assert_false(json_object_get_boolean_member(root_object(&run), "valid"));
		g_assert_cmpstr(error_name(&run), ==, b->error);
		g_assert_nonnull(strstr(
		    json_object_get_string_member(
			json_object_get_object_member(root_object(&run), "error"), "message"),
		    b->message_part));
		images = json_object_get_array_member(root_object(&run), "images");
		g_assert_cmpuint(json_array_get_length(images), ==, b->image_shown ? 1 : 0);
		if (b->image_shown)
			g_assert_cmpstr(json_object_get_string_member(image_object(&run, 0),
								      "hash_state"),
					==, "mismatch");

		/* people get the name on stderr too */
		run_dfuctl(&text, FALSE, "inspect", path, NULL);
		g_assert_cmpint(text.status, ==, 65);
		g_assert_nonnull(strstr(text.err, b->error));
	}
}

static void
test_zips(void)
{
	g_autofree gchar *multi = data_path("dfu_application_multi_nrf5340.zip");
	g_autofree gchar *mcuboot = data_path("dfu_mcuboot.zip");
	g_auto(Run) run = {0};
	g_auto(Run) run_mcuboot = {0};
	JsonObject *img;

	run_dfuctl(&run, TRUE, "inspect", "--json", multi, NULL);
	g_assert_cmpint(run.status, ==, 0);
	g_assert_cmpstr(json_object_get_string_member(root_object(&run), "format"), ==, "zip");
	g_assert_cmpstr(json_object_get_string_member(root_object(&run), "name"), ==,
			"peripheral_lbs");
	g_assert_cmpint(json_object_get_int_member(root_object(&run), "format_version"), ==, 1);
	img = image_object(&run, 0);
	g_assert_cmpstr(json_object_get_string_member(img, "file"), ==, "peripheral_lbs.bin");
	g_assert_cmpstr(json_object_get_string_member(img, "role"), ==, "application");
	g_assert_cmpstr(json_object_get_string_member(img, "board"), ==, "nrf5340dk");
	g_assert_cmpint(json_object_get_int_member(img, "manifest_load_address"), ==, 66048);
	g_assert_cmpstr(json_object_get_string_member(img, "hash"), ==,
			"a56012011ff53c5076199bf9edf1acd2087a74688f6d54251afa2bba497141f3");
	img = image_object(&run, 1);
	g_assert_cmpstr(json_object_get_string_member(img, "file"), ==, "ipc_radio.bin");
	g_assert_cmpstr(json_object_get_string_member(img, "role"), ==, "network-core");
	g_assert_cmpint(json_object_get_int_member(img, "image_index"), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(img, "hash"), ==,
			"48839241244a178dd40e15e9a06ceb11c3cb66abb37d4e6ea697a40b38ecdd07");

	run_dfuctl(&run_mcuboot, TRUE, "inspect", "--json", mcuboot, NULL);
	g_assert_cmpint(run_mcuboot.status, ==, 0);
	g_assert_cmpstr(json_object_get_string_member(image_object(&run_mcuboot, 0), "role"), ==,
			"mcuboot-s0");
	g_assert_cmpstr(json_object_get_string_member(image_object(&run_mcuboot, 1), "role"), ==,
			"mcuboot-s1");
	g_assert_cmpint(
	    json_object_get_int_member(image_object(&run_mcuboot, 1), "manifest_load_address"),
	    ==, 82432);
}

static void
test_signatures(void)
{
	g_autofree gchar *ecdsa = data_path("ecdsa-p256_60k_v1.2.3+4.bin");
	g_autofree gchar *hashonly = data_path("hashonly_1k_v1.2.3+4.bin");
	g_autofree gchar *key_ec = data_path("key-ecdsa-p256.pem");
	g_autofree gchar *key_ed = data_path("key-ed25519.pem");
	g_autofree gchar *zip = data_path("dfu_application_multi_nrf5340.zip");

	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", key_ec, ecdsa, NULL);
		g_assert_cmpint(run.status, ==, 0);
		g_assert_true(json_object_get_boolean_member(
		    json_object_get_object_member(image_object(&run, 0), "signature"),
		    "verified"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", key_ec, zip, NULL);
		g_assert_cmpint(run.status, ==, 0);
		for (guint i = 0; i < 2; i++)
			g_assert_true(json_object_get_boolean_member(
			    json_object_get_object_member(image_object(&run, i), "signature"),
			    "verified"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", key_ed, ecdsa, NULL);
		g_assert_cmpint(run.status, ==, 65);
		g_assert_cmpstr(error_name(&run), ==, "KeyMismatch");
		g_assert_false(json_object_get_boolean_member(
		    json_object_get_object_member(image_object(&run, 0), "signature"),
		    "verified"));
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", key_ec, hashonly, NULL);
		g_assert_cmpint(run.status, ==, 65);
		g_assert_cmpstr(error_name(&run), ==, "Unsigned");
	}
	{
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", "/nonexistent.pem", ecdsa,
			   NULL);
		g_assert_cmpint(run.status, ==, 64);
		g_assert_cmpstr(error_name(&run), ==, "KeyInvalid");
	}
	{
		/* an image file is not a key */
		g_auto(Run) run = {0};
		run_dfuctl(&run, TRUE, "inspect", "--json", "--key", ecdsa, ecdsa, NULL);
		g_assert_cmpint(run.status, ==, 64);
		g_assert_cmpstr(error_name(&run), ==, "KeyInvalid");
	}
}

/* both hashes of a compressed image; the slot address of a direct-XIP build */
static void
test_compressed_and_rom_fixed(void)
{
	g_autofree gchar *compressed =
	    data_path("compressed-lzma2armthumb-ecdsa-p256_60k_v1.5.0.bin");
	g_autofree gchar *xip = data_path("directxip-slot1-romfixed-ecdsa-p256_40k_v1.4.0.bin");
	g_autofree gchar *plain = data_path("hashonly_1k_v1.2.3+4.bin");
	g_auto(Run) run = {0};
	g_auto(Run) text = {0};
	g_auto(Run) run_xip = {0};
	g_auto(Run) run_plain = {0};
	JsonObject *img;

	run_dfuctl(&run, TRUE, "inspect", "--json", compressed, NULL);
	g_assert_cmpint(run.status, ==, 0);
	img = image_object(&run, 0);
	g_assert_true(json_object_get_boolean_member(img, "compressed"));
	g_assert_cmpstr(json_object_get_string_member(img, "hash"), ==,
			"6ca93a85a9797b39226b6095f60b240d74a2b551cd6a579d5b5af79548c310a4");
	g_assert_cmpstr(json_object_get_string_member(img, "installed_hash"), ==,
			"1c6a72d2859aa31962350e832d6d302bb4eec6bf1c94df7602387912f1fbc251");
	g_assert_cmpint(json_object_get_int_member(img, "decompressed_size"), ==, 60000);
	g_assert_true(json_object_get_null_member(img, "rom_fixed_address"));
	run_dfuctl(&text, FALSE, "inspect", compressed, NULL);
	g_assert_cmpint(text.status, ==, 0);
	g_assert_nonnull(strstr(text.out, "Hash after install:  1c6a72d2859aa319"));

	run_dfuctl(&run_xip, TRUE, "inspect", "--json", xip, NULL);
	g_assert_cmpint(run_xip.status, ==, 0);
	img = image_object(&run_xip, 0);
	g_assert_cmpint(json_object_get_int_member(img, "rom_fixed_address"), ==, 0x82000);
	g_assert_false(json_object_get_boolean_member(img, "compressed"));

	/* without compression the device reports the image hash after the install */
	run_dfuctl(&run_plain, TRUE, "inspect", "--json", plain, NULL);
	img = image_object(&run_plain, 0);
	g_assert_cmpstr(json_object_get_string_member(img, "installed_hash"), ==,
			json_object_get_string_member(img, "hash"));
	g_assert_true(json_object_get_null_member(img, "decompressed_size"));
}

static void
test_text_output(void)
{
	g_autofree gchar *path = data_path("ecdsa-p256_60k_v1.2.3+4.bin");
	g_auto(Run) run = {0};

	run_dfuctl(&run, FALSE, "inspect", path, NULL);
	g_assert_cmpint(run.status, ==, 0);
	g_assert_nonnull(strstr(run.out, "Image 0: application"));
	g_assert_nonnull(strstr(run.out, "1.2.3+4 (the device reports 1.2.3.4)"));
	g_assert_nonnull(
	    strstr(run.out, "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146 "
			    "(verified)"));
	g_assert_nonnull(strstr(run.out, "not checked (no --key)"));
	g_assert_null(strstr(run.out, "{"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dfuctl/help", test_help);
	g_test_add_func("/dfuctl/usage", test_usage);
	g_test_add_func("/dfuctl/inspect/missing-file", test_missing_file);
	g_test_add_func("/dfuctl/inspect/good-images", test_good_images);
	g_test_add_func("/dfuctl/inspect/details", test_details);
	g_test_add_func("/dfuctl/inspect/broken-images", test_broken_images);
	g_test_add_func("/dfuctl/inspect/zips", test_zips);
	g_test_add_func("/dfuctl/inspect/signatures", test_signatures);
	g_test_add_func("/dfuctl/inspect/text", test_text_output);
	g_test_add_func("/dfuctl/inspect/compressed-and-rom-fixed", test_compressed_and_rom_fixed);
	return g_test_run();
}
