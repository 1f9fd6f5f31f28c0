/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlInspect"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfuctl-output.h"
#include "dfuctl.h"
#include "package/dfud-package.h"

/* the first image error met while checking; later ones are still shown per image */
typedef struct {
	DfudPublicKey *key;
	GError *error;
} InspectContext;

static void
inspect_note_error(InspectContext *ctx, const gchar *prefix, const GError *error)
{
	if (ctx->error != NULL)
		return;
	ctx->error = g_error_new(error->domain, error->code, "%s%s", prefix, error->message);
}

static const gchar *
hash_state_to_string(DfudImageHashState state)
{
	switch (state) {
	case DFUD_IMAGE_HASH_STATE_VERIFIED:
		return "verified";
	case DFUD_IMAGE_HASH_STATE_MISMATCH:
		return "mismatch";
	case DFUD_IMAGE_HASH_STATE_ENCRYPTED:
		return "encrypted";
	}
	return "unknown";
}

static DfuctlRecord *
inspect_signature(InspectContext *ctx, DfudImage *image, const gchar *prefix)
{
	DfuctlRecord *rec = dfuctl_record_new();
	DfudImageSignatureType type = dfud_image_get_signature_type(image);
	GBytes *key_hash = dfud_image_get_key_hash(image);
	GBytes *pubkey = dfud_image_get_public_key(image);
	g_autofree gchar *key_hash_hex = dfud_hex_encode_bytes(key_hash);
	g_autoptr(GError) error = NULL;

	dfuctl_record_add_string(rec, "type", "Type", dfud_image_signature_type_to_string(type));
	if (key_hash != NULL)
		dfuctl_record_add_string(rec, "key_hash", "Key hash", key_hash_hex);
	else
		dfuctl_record_add_null(rec, "key_hash", "Key hash", "none");
	dfuctl_record_add_bool(rec, "embedded_public_key", "Embedded key", TRUE, pubkey != NULL,
			       NULL);
	if (ctx->key == NULL) {
		dfuctl_record_add_bool(rec, "verified", "Verified", FALSE, FALSE,
				       type == DFUD_IMAGE_SIGNATURE_NONE ? "unsigned"
									 : "not checked (no --key)");
		dfuctl_record_add_null(rec, "error", NULL, NULL);
		return rec;
	}
	if (dfud_image_verify_signature(image, ctx->key, &error)) {
		dfuctl_record_add_bool(rec, "verified", "Verified", TRUE, TRUE,
				       "yes, with the given key");
		dfuctl_record_add_null(rec, "error", NULL, NULL);
		return rec;
	}
	{
		g_autofree gchar *text = g_strdup_printf("NO: %s (%s)", error->message,
							 dfud_error_name(error));
		dfuctl_record_add_bool(rec, "verified", "Verified", TRUE, FALSE, text);
	}
	dfuctl_record_add_string(rec, "error", NULL, dfud_error_name(error));
	inspect_note_error(ctx, prefix, error);
	return rec;
}

static void
inspect_add_tlvs(DfuctlRecord *rec, DfudImage *image)
{
	GArray *tlvs = dfud_image_get_tlvs(image);
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);

	/* a list of small records: JSON gets objects, people get one summary line */
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);
		DfuctlRecord *item = dfuctl_record_new();
		dfuctl_record_add_uint(item, "type", NULL, tlv->type, NULL);
		dfuctl_record_add_string(item, "name", NULL, dfud_image_tlv_type_to_string(tlv->type));
		dfuctl_record_add_uint(item, "length", NULL, tlv->len, NULL);
		dfuctl_record_add_bool(item, "protected", NULL, TRUE, tlv->protected_area, NULL);
		g_ptr_array_add(items, item);
	}
	dfuctl_record_add_list(rec, "tlvs", items, FALSE);
}

static gchar *
tlv_summary(DfudImage *image)
{
	GArray *tlvs = dfud_image_get_tlvs(image);
	GString *str = g_string_new(NULL);
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);
		if (str->len > 0)
			g_string_append_c(str, ' ');
		g_string_append_printf(str, "%s%s(%u)", tlv->protected_area ? "prot:" : "",
				       dfud_image_tlv_type_to_string(tlv->type), tlv->len);
	}
	return g_string_free(str, FALSE);
}

static void
inspect_add_dependencies(DfuctlRecord *rec, DfudImage *image)
{
	GArray *deps = dfud_image_get_dependencies(image);
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	GString *text = g_string_new(NULL);

	for (guint i = 0; deps != NULL && i < deps->len; i++) {
		const DfudImageDependency *dep = &g_array_index(deps, DfudImageDependency, i);
		g_autofree gchar *ver = dfud_image_version_to_string(&dep->min_version);
		DfuctlRecord *item = dfuctl_record_new();
		dfuctl_record_add_uint(item, "image_index", NULL, dep->image_index, NULL);
		dfuctl_record_add_string(item, "min_version", NULL, ver);
		g_ptr_array_add(items, item);
		g_string_append_printf(text, "%simage %u >= %s", text->len > 0 ? ", " : "",
				       dep->image_index, ver);
	}
	dfuctl_record_add_string_full(rec, NULL, "Dependencies", NULL,
				      text->len > 0 ? text->str : "none");
	g_string_free(text, TRUE);
	dfuctl_record_add_list(rec, "dependencies", items, FALSE);
}

/* direct-XIP builds: the flash address the image is linked for (spec §7.1) */
static void
inspect_add_rom_fixed(DfuctlRecord *rec, DfudImage *image)
{
	guint32 address = 0;
	g_autofree gchar *text = NULL;

	if (!dfud_image_get_rom_fixed_address(image, &address)) {
		dfuctl_record_add_null(rec, "rom_fixed_address", NULL, NULL);
		return;
	}
	text = g_strdup_printf("0x%x (ROM_FIXED: runs only from the slot at that address)",
			       address);
	dfuctl_record_add_uint(rec, "rom_fixed_address", "ROM-fixed address", address, text);
}

/*
 * What the device reports once the image is installed: for a compressed image MCUboot writes
 * the decompressed one to the primary slot, whose hash is DECOMP_SHA (spec §7.2, §7.3).
 */
static void
inspect_add_installed(DfuctlRecord *rec, DfudImage *image)
{
	gboolean compressed = dfud_image_is_compressed(image);
	g_autofree gchar *hex = dfud_hex_encode_bytes(dfud_image_get_installed_hash(image));
	g_autofree gchar *text = NULL;
	guint32 size = 0;

	dfuctl_record_add_bool(rec, "compressed", compressed ? "Compressed" : NULL, TRUE,
			       compressed, NULL);
	if (!compressed) {
		dfuctl_record_add_string(rec, "installed_hash", NULL, hex);
		dfuctl_record_add_null(rec, "decompressed_size", NULL, NULL);
		return;
	}
	dfud_image_get_decompressed_size(image, &size);
	text = g_strdup_printf("%s (DECOMP_SHA: what the device reports once the bootloader has "
			       "decompressed the image into its primary slot; the image hash "
			       "above is the uploaded image's, in the secondary slot)",
			       hex);
	dfuctl_record_add_string_full(rec, "installed_hash", "Hash after install", hex, text);
	dfuctl_record_add_uint(rec, "decompressed_size", "Decompressed size", size, NULL);
}

static DfuctlRecord *
inspect_image(InspectContext *ctx, DfudImage *image, DfudPackageEntry *entry)
{
	DfuctlRecord *rec = dfuctl_record_new();
	const DfudImageVersion *version = dfud_image_get_version(image);
	g_autofree gchar *ver = dfud_image_version_to_string(version);
	g_autofree gchar *dev_ver = dfud_image_version_to_device_string(version);
	g_autofree gchar *ver_text = g_strdup_printf("%s (the device reports %s)", ver, dev_ver);
	g_autofree gchar *hash_hex = dfud_hex_encode_bytes(dfud_image_get_hash(image));
	g_autofree gchar *sha_hex = dfud_hex_encode_bytes(dfud_image_get_file_sha256(image));
	g_autofree gchar *flags = dfud_image_flags_to_string(dfud_image_get_flags(image));
	g_auto(GStrv) flag_list = g_strsplit(flags, " ", -1);
	g_autofree gchar *size_text = NULL;
	g_autofree gchar *hash_text = NULL;
	g_autofree gchar *title = NULL;
	g_autofree gchar *load_text = NULL;
	g_autofree gchar *tlvs_text = tlv_summary(image);
	g_autofree gchar *prefix = NULL;
	DfudImageHashState hash_state = dfud_image_get_hash_state(image);
	DfudImageRole role = entry != NULL ? dfud_package_entry_get_role(entry)
					   : DFUD_IMAGE_ROLE_APPLICATION;
	guint index = entry != NULL ? dfud_package_entry_get_image_index(entry) : 0;
	const gchar *file_name = entry != NULL ? dfud_package_entry_get_file_name(entry) : NULL;
	guint64 manifest_load = 0;
	guint32 counter = 0;
	guint8 image_ok = 0;
	guint xip_slot = 0;
	g_autoptr(GError) error = NULL;

	prefix = file_name != NULL ? g_strdup_printf("%s: ", file_name) : g_strdup("");
	title = g_strdup_printf("Image %u: %s%s%s%s", index, dfud_image_role_to_string(role),
				file_name != NULL ? " (" : "", file_name != NULL ? file_name : "",
				file_name != NULL ? ")" : "");
	dfuctl_record_set_title(rec, title);

	dfuctl_record_add_string(rec, "file", NULL, file_name);
	dfuctl_record_add_string(rec, "role", NULL, dfud_image_role_to_string(role));
	dfuctl_record_add_uint(rec, "image_index", NULL, index, NULL);
	if (entry != NULL && dfud_package_entry_get_xip_slot(entry, &xip_slot)) {
		g_autofree gchar *text = g_strdup_printf(
		    "%u (direct-XIP: the build for slot %u of image %u, uploaded when that slot "
		    "is the inactive one)",
		    xip_slot, xip_slot, index);
		dfuctl_record_add_uint(rec, "xip_slot", "Direct-XIP slot", xip_slot, text);
	} else {
		dfuctl_record_add_null(rec, "xip_slot", NULL, NULL);
	}
	dfuctl_record_add_string_full(rec, "version", "Version", ver, ver_text);
	dfuctl_record_add_string(rec, "device_version", NULL, dev_ver);
	if (entry != NULL && dfud_package_entry_get_manifest_version(entry) != NULL)
		dfuctl_record_add_string(rec, "manifest_version", "Manifest version",
					 dfud_package_entry_get_manifest_version(entry));
	else
		dfuctl_record_add_null(rec, "manifest_version", NULL, NULL);
	dfuctl_record_add_string(rec, "board", entry != NULL ? "Board" : NULL,
				 entry != NULL ? dfud_package_entry_get_board(entry) : NULL);
	dfuctl_record_add_string(rec, "soc", entry != NULL ? "SoC" : NULL,
				 entry != NULL ? dfud_package_entry_get_soc(entry) : NULL);

	size_text = g_strdup_printf("%" G_GSIZE_FORMAT " bytes (header %u, body %u, protected "
				    "TLVs %u, TLV end %" G_GSIZE_FORMAT ")",
				    dfud_image_get_size(image), dfud_image_get_hdr_size(image),
				    dfud_image_get_img_size(image),
				    dfud_image_get_protect_tlv_size(image),
				    dfud_image_get_tlv_end(image));
	dfuctl_record_add_uint(rec, "size", "Size", dfud_image_get_size(image), size_text);
	dfuctl_record_add_uint(rec, "header_size", NULL, dfud_image_get_hdr_size(image), NULL);
	dfuctl_record_add_uint(rec, "body_size", NULL, dfud_image_get_img_size(image), NULL);
	dfuctl_record_add_uint(rec, "protected_tlv_size", NULL,
			       dfud_image_get_protect_tlv_size(image), NULL);
	dfuctl_record_add_uint(rec, "tlv_end", NULL, dfud_image_get_tlv_end(image), NULL);

	load_text = g_strdup_printf("0x%x", dfud_image_get_load_addr(image));
	dfuctl_record_add_uint(rec, "load_address", "Header load address",
			       dfud_image_get_load_addr(image), load_text);
	if (entry != NULL && dfud_package_entry_get_load_address(entry, &manifest_load)) {
		g_autofree gchar *text = g_strdup_printf("0x%" G_GINT64_MODIFIER "x",
							 manifest_load);
		dfuctl_record_add_uint(rec, "manifest_load_address", "Manifest load address",
				       manifest_load, text);
	} else {
		dfuctl_record_add_null(rec, "manifest_load_address", NULL, NULL);
	}
	inspect_add_rom_fixed(rec, image);
	dfuctl_record_add_strv(rec, "flags", "Flags",
			       (const gchar *const *)(flags[0] != '\0' ? flag_list : NULL), "none");

	hash_text = g_strdup_printf("%s %s (%s)",
				    dfud_image_hash_type_to_string(dfud_image_get_hash_type(image)),
				    hash_hex,
				    hash_state == DFUD_IMAGE_HASH_STATE_VERIFIED ? "verified"
				    : hash_state == DFUD_IMAGE_HASH_STATE_ENCRYPTED
					? "not recomputable: covers the plaintext of an encrypted "
					  "image"
					: "MISMATCH: the file is corrupt");
	dfuctl_record_add_string_full(rec, "hash", "Image hash", hash_hex, hash_text);
	dfuctl_record_add_string(rec, "hash_type",
				 NULL, dfud_image_hash_type_to_string(dfud_image_get_hash_type(image)));
	dfuctl_record_add_string(rec, "hash_state", NULL, hash_state_to_string(hash_state));
	dfuctl_record_add_bool(rec, "hash_verified", NULL,
			       hash_state != DFUD_IMAGE_HASH_STATE_ENCRYPTED,
			       hash_state == DFUD_IMAGE_HASH_STATE_VERIFIED, NULL);
	inspect_add_installed(rec, image);
	if (!dfud_image_verify(image, &error))
		inspect_note_error(ctx, prefix, error);
	dfuctl_record_add_string(rec, "upload_sha256", "Upload SHA-256", sha_hex);

	dfuctl_record_add_record(rec, "signature", "Signature",
				 inspect_signature(ctx, image, prefix));
	dfuctl_record_add_bool(rec, "encrypted", "Encrypted", TRUE,
			       dfud_image_is_encrypted(image),
			       dfud_image_is_encrypted(image)
				   ? dfud_image_encryption_to_string(
					 dfud_image_get_encryption(image))
				   : "no");
	dfuctl_record_add_string(rec, "encryption", NULL,
				 dfud_image_encryption_to_string(dfud_image_get_encryption(image)));
	if (dfud_image_get_security_counter(image, &counter))
		dfuctl_record_add_uint(rec, "security_counter", "Security counter", counter, NULL);
	else
		dfuctl_record_add_null(rec, "security_counter", "Security counter", "none");
	inspect_add_dependencies(rec, image);
	if (dfud_image_get_trailer(image, &image_ok)) {
		g_autofree gchar *text = g_strdup_printf(
		    "padded to the slot, boot magic present, image_ok 0x%02x (%s)", image_ok,
		    image_ok == 0x01 ? "confirmed" : "test");
		DfuctlRecord *trailer = dfuctl_record_new();
		dfuctl_record_add_uint(trailer, "image_ok", NULL, image_ok, NULL);
		dfuctl_record_add_string_full(rec, NULL, "Trailer", NULL, text);
		dfuctl_record_add_record(rec, "trailer", NULL, trailer);
	} else {
		dfuctl_record_add_null(rec, "trailer", "Trailer", "none");
	}
	dfuctl_record_add_string_full(rec, NULL, "TLVs", NULL, tlvs_text);
	inspect_add_tlvs(rec, image);
	return rec;
}

static void
inspect_add_error(DfuctlRecord *rec, const GError *error)
{
	if (error == NULL) {
		dfuctl_record_add_null(rec, "error", NULL, NULL);
		return;
	}
	{
		DfuctlRecord *err = dfuctl_record_new();
		dfuctl_record_add_string(err, "name", NULL, dfud_error_name(error));
		dfuctl_record_add_string(err, "message", NULL, error->message);
		dfuctl_record_add_record(rec, "error", NULL, err);
	}
}

/* a bare image that fails a package check (hash mismatch) is still shown, with its fault */
static DfudImage *
inspect_fallback_image(GBytes *data, const GError *package_error)
{
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const guint8 *buf = g_bytes_get_data(data, &len);

	if (package_error->domain != DFUD_ERROR ||
	    package_error->code != DFUD_ERROR_IMAGE_HASH_MISMATCH)
		return NULL;
	if (len < 4 || buf[0] != 0x3d || buf[1] != 0xb8 || buf[2] != 0xf3 || buf[3] != 0x96)
		return NULL;
	image = dfud_image_new_from_bytes(data, &error);
	return g_steal_pointer(&image);
}

int
dfuctl_inspect_run(const DfuctlOptions *options, int argc, char **argv)
{
	g_autofree gchar *key_path = NULL;
	gboolean json = options->json;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) package_error = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(DfudImage) fallback = NULL;
	g_autoptr(DfuctlRecord) rec = dfuctl_record_new();
	g_autofree gchar *description = NULL;
	GPtrArray *images = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	InspectContext ctx = {0};
	DfuctlOptions opts = *options;
	const gchar *path;
	int fd;
	int rc;
	const GOptionEntry entries[] = {
	    {"key", 'k', 0, G_OPTION_ARG_FILENAME, &key_path,
	     "Verify signatures with this public (or private) key PEM", "PEM"},
	    {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON for scripts", NULL},
	    {NULL},
	};

	context = g_option_context_new("FILE");
	g_option_context_set_summary(
	    context, "Show every image of an MCUboot image or nRF Connect SDK DFU zip: role, image "
		     "index, version, sizes, flags, the image hash a device will report and whether "
		     "it verifies, the signature type and, with --key, whether it verifies. "
		     "Offline: no daemon is needed.");
	description = g_strdup(dfuctl_exit_status_text());
	g_option_context_set_description(context, description);
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_ptr_array_unref(images);
		return dfuctl_usage("inspect", "%s", error->message);
	}
	opts.json = json;
	if (argc != 2) {
		g_ptr_array_unref(images);
		return dfuctl_usage("inspect", argc < 2 ? "a FILE is required"
							: "exactly one FILE is expected");
	}
	path = argv[1];

	if (key_path != NULL) {
		g_autofree gchar *pem = NULL;
		gsize pem_len = 0;
		g_autoptr(GBytes) pem_bytes = NULL;

		if (!g_file_get_contents(key_path, &pem, &pem_len, &error)) {
			g_autoptr(GError) key_error = g_error_new(
			    DFUD_ERROR, DFUD_ERROR_KEY_INVALID, "%s", error->message);
			g_ptr_array_unref(images);
			return dfuctl_fail(&opts, "inspect", key_error);
		}
		pem_bytes = g_bytes_new_take(g_steal_pointer(&pem), pem_len);
		ctx.key = dfud_public_key_new_from_pem(pem_bytes, &error);
		if (ctx.key == NULL) {
			g_prefix_error(&error, "%s: ", key_path);
			g_ptr_array_unref(images);
			return dfuctl_fail(&opts, "inspect", error);
		}
	}

	fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		int errsv = errno;
		/* Io, not NotFound: exit 66 (no input), while 3 means a missing device or job */
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_IO, "%s: %s", path, g_strerror(errsv));
		g_clear_object(&ctx.key);
		g_ptr_array_unref(images);
		return dfuctl_fail(&opts, "inspect", error);
	}
	data = dfud_package_read_fd(fd, DFUD_PACKAGE_MAX_SIZE, &error);
	close(fd);
	if (data == NULL) {
		g_prefix_error(&error, "%s: ", path);
		g_clear_object(&ctx.key);
		g_ptr_array_unref(images);
		return dfuctl_fail(&opts, "inspect", error);
	}

	dfuctl_record_add_string(rec, "file", "File", path);
	dfuctl_record_add_uint(rec, "file_size", NULL, g_bytes_get_size(data), NULL);
	package = dfud_package_new_from_bytes(data, &package_error);
	if (package != NULL) {
		GPtrArray *entries_ = dfud_package_get_entries(package);
		DfudPackageFormat format = dfud_package_get_format(package);
		g_autofree gchar *format_text = NULL;

		if (format == DFUD_PACKAGE_FORMAT_ZIP)
			format_text = g_strdup_printf(
			    "nRF Connect SDK DFU zip, manifest format-version %d, %u image%s",
			    dfud_package_get_format_version(package), entries_->len,
			    entries_->len == 1 ? "" : "s");
		else
			format_text = g_strdup("MCUboot image");
		dfuctl_record_add_string_full(rec, "format", "Format",
					      dfud_package_format_to_string(format), format_text);
		dfuctl_record_add_string(rec, "name", dfud_package_get_name(package) != NULL
							  ? "Name"
							  : NULL,
					 dfud_package_get_name(package));
		if (format == DFUD_PACKAGE_FORMAT_ZIP)
			dfuctl_record_add_int(rec, "format_version", NULL,
					      dfud_package_get_format_version(package));
		else
			dfuctl_record_add_null(rec, "format_version", NULL, NULL);
		for (guint i = 0; i < entries_->len; i++) {
			DfudPackageEntry *entry = g_ptr_array_index(entries_, i);
			g_ptr_array_add(images,
					inspect_image(&ctx, dfud_package_entry_get_image(entry),
						      entry));
		}
	} else {
		fallback = inspect_fallback_image(data, package_error);
		dfuctl_record_add_string_full(rec, "format", "Format",
					      fallback != NULL ? "bin" : NULL,
					      fallback != NULL ? "MCUboot image" : "refused");
		dfuctl_record_add_null(rec, "name", NULL, NULL);
		dfuctl_record_add_null(rec, "format_version", NULL, NULL);
		if (fallback != NULL)
			g_ptr_array_add(images, inspect_image(&ctx, fallback, NULL));
		/* the package's own error is the one to report */
		g_clear_error(&ctx.error);
		ctx.error = g_error_copy(package_error);
		g_prefix_error(&ctx.error, "%s: ", path);
	}
	dfuctl_record_add_list(rec, "images", images, TRUE);
	dfuctl_record_add_bool(rec, "valid", NULL, TRUE, ctx.error == NULL, NULL);
	inspect_add_error(rec, ctx.error);
	dfuctl_record_print(rec, opts.json);

	if (ctx.error != NULL) {
		if (!opts.json)
			g_print("\n");
		g_printerr("dfuctl inspect: %s (%s)\n", ctx.error->message,
			   dfud_error_name(ctx.error));
		rc = dfud_error_to_exit(ctx.error);
	} else {
		rc = DFUD_EXIT_OK;
	}
	g_clear_error(&ctx.error);
	g_clear_object(&ctx.key);
	return rc;
}
