/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudConfig"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "dd-config.h"
#include "dfud-error.h"
#include "transport/dfud-transport-uri.h"

/* a configuration or key file bigger than this is a mistake, not something to read */
#define DD_CONFIG_FILE_MAX (1024 * 1024)
#define DD_CONFIG_KEY_FILE_MAX (64 * 1024)
/* how much of a rejected value an error message repeats */
#define DD_CONFIG_VALUE_SHOWN 64
#define DD_CONFIG_ADAPTER_NAME_MAX 64

typedef struct {
	const gchar *group;
	const gchar *key;
	guint64 min;
	guint64 max;
	gsize offset; /* of a guint, or of a guint64 when wide */
	gboolean wide;
} DdConfigUintKey;

static const DdConfigUintKey uint_keys[] = {
    {"Daemon", "MaxConnections", 1, 64, offsetof(DdConfig, max_connections), FALSE},
    {"Daemon", "MaxConnectionsPerAdapter", 1, 32, offsetof(DdConfig, max_connections_per_adapter),
     FALSE},
    {"Daemon", "JobLinger", 0, 86400, offsetof(DdConfig, job_linger_s), FALSE},
    {"Daemon", "MaxFirmwareSize", 1024, 1024 * 1024 * 1024, offsetof(DdConfig, max_firmware_size),
     TRUE},
    {"Daemon", "MaxFirmwareReadMemory", 1024, 17179869184, offsetof(DdConfig, max_read_memory),
     TRUE},
    {"Daemon", "HistorySize", 10, 1000000, offsetof(DdConfig, history_size), FALSE},
    {"Timeouts", "MinRate", 1, 100 * 1024 * 1024, offsetof(DdConfig, min_rate), FALSE},
};

/* [Timeouts] are seconds in the file and milliseconds in DdConfig */
typedef struct {
	const gchar *key;
	gsize offset;
} DdConfigTimeoutKey;

/* [Devices] Uris: devices listed at most */
#define DD_CONFIG_DEVICE_URIS_MAX 1024u
#define DD_CONFIG_TIMEOUT_MIN_S 0.1
#define DD_CONFIG_TIMEOUT_MAX_S 3600.0

static const DdConfigTimeoutKey timeout_keys[] = {
    {"Connect", offsetof(DdConfig, connect_timeout_ms)},
    {"FirstChunk", offsetof(DdConfig, first_chunk_timeout_ms)},
    {"Chunk", offsetof(DdConfig, chunk_timeout_ms)},
    {"LastChunk", offsetof(DdConfig, last_chunk_timeout_ms)},
    {"Command", offsetof(DdConfig, command_timeout_ms)},
    {"Reset", offsetof(DdConfig, reset_timeout_ms)},
    {"ResetGrace", offsetof(DdConfig, reset_grace_ms)},
    {"FirmwareRead", offsetof(DdConfig, firmware_read_timeout_ms)},
};

static const gchar *const other_keys[][2] = {
    {"Bluetooth", "Adapters"},
    {"Bluetooth", "Passkey"},
    {"Security", "TrustedKeys"},
    {"Security", "RequireSigned"},
    {"Devices", "Uris"},
};

DdConfig *
dd_config_new(void)
{
	DdConfig *config = g_new0(DdConfig, 1);
	DfudUpdateOptions options;

	dfud_update_options_init(&options);
	config->max_connections = 8;
	config->max_connections_per_adapter = 4;
	config->job_linger_s = 300;
	config->max_firmware_size = 64 * 1024 * 1024;
	config->max_read_memory = 2 * config->max_firmware_size;
	config->history_size = 10000;
	config->adapters = NULL;
	config->passkey = -1;
	config->connect_timeout_ms = options.connect_timeout_ms;
	config->first_chunk_timeout_ms = options.first_chunk_timeout_ms;
	config->chunk_timeout_ms = options.chunk_timeout_ms;
	config->last_chunk_timeout_ms = options.last_chunk_timeout_ms;
	config->command_timeout_ms = options.command_timeout_ms;
	config->reset_timeout_ms = options.reset_timeout_ms;
	config->reset_grace_ms = options.reset_grace_ms;
	config->min_rate = options.min_rate;
	/* well within the 25 s a D-Bus client waits for an answer by default */
	config->firmware_read_timeout_ms = 10 * 1000;
	config->trusted_keys = g_ptr_array_new_with_free_func(g_object_unref);
	config->require_signed = FALSE;
	return config;
}

/* releases what @config owns, not @config itself */
static void
dd_config_clear(DdConfig *config)
{
	g_clear_pointer(&config->adapters, g_strfreev);
	g_clear_pointer(&config->trusted_keys, g_ptr_array_unref);
	g_clear_pointer(&config->device_uris, g_strfreev);
}

void
dd_config_free(DdConfig *config)
{
	if (config == NULL)
		return;
	dd_config_clear(config);
	g_free(config);
}

static DdConfig *
dd_config_copy(const DdConfig *config)
{
	DdConfig *copy = g_new0(DdConfig, 1);

	*copy = *config;
	copy->adapters = g_strdupv(config->adapters);
	copy->device_uris = g_strdupv(config->device_uris);
	copy->trusted_keys = g_ptr_array_new_with_free_func(g_object_unref);
	for (guint i = 0; i < config->trusted_keys->len; i++)
		g_ptr_array_add(copy->trusted_keys, g_object_ref(config->trusted_keys->pdata[i]));
	return copy;
}

typedef struct {
	const gchar *name;     /* of the file, for messages: "dfud.conf" */
	const gchar *base_dir; /* relative key paths resolve against it; NULL: they are refused */
	GKeyFile *keyfile;
} DdConfigParse;

/* text from a file made valid, printable and short, to go into a message */
static gchar *
printable(const gchar *text)
{
	g_autofree gchar *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
	GString *str = g_string_new(NULL);
	guint n = 0;

	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (n++ == DD_CONFIG_VALUE_SHOWN) {
			g_string_append(str, "…");
			break;
		}
		if (g_unichar_iscntrl(c))
			g_string_append_c(str, '?');
		else
			g_string_append_unichar(str, c);
	}
	return g_string_free(str, FALSE);
}

static void set_value_error(GError **error, gint code, const DdConfigParse *ctx, const gchar *group,
			    const gchar *key, const gchar *format, ...) G_GNUC_PRINTF(6, 7);

/* "dfud.conf: [Group] Key=value: why" */
static void
set_value_error(GError **error, gint code, const DdConfigParse *ctx, const gchar *group,
		const gchar *key, const gchar *format, ...)
{
	g_autofree gchar *raw = g_key_file_get_value(ctx->keyfile, group, key, NULL);
	g_autofree gchar *value = printable(raw);
	g_autofree gchar *why = NULL;
	va_list args;

	va_start(args, format);
	why = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, DFUD_ERROR, code, "%s: [%s] %s=%s: %s", ctx->name, group, key, value,
		    why);
}

/*
 * reads a whole regular file of at most @max bytes; G_IO_ERROR_NOT_FOUND when it is missing,
 * other G_IO_ERRORs otherwise (a FIFO or /dev/zero would never end, so only regular files)
 */
static GBytes *
read_small_file(const gchar *path, gsize max, GError **error)
{
	g_autofree guint8 *buf = NULL;
	struct stat st;
	gsize len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int errsv = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "cannot open %s: %s",
			    path, g_strerror(errsv));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
			    "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size < 0 || (guint64)st.st_size > max) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "%s is too big (%" G_GINT64_FORMAT " bytes, at most %" G_GSIZE_FORMAT
			    ")",
			    path, (gint64)st.st_size, max);
		close(fd);
		return NULL;
	}
	/* one byte more than allowed tells a file that grew meanwhile */
	buf = g_malloc(max + 1);
	while (len <= max) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int errsv = errno;

			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
				    "cannot read %s: %s", path, g_strerror(errsv));
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	if (len > max) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "%s is too big (more than %" G_GSIZE_FORMAT " bytes)", path, max);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&buf), len);
}

static gboolean
parse_uint_key(const DdConfigParse *ctx, const DdConfigUintKey *k, DdConfig *config, GError **error)
{
	g_autofree gchar *str = NULL;
	g_autoptr(GError) error_local = NULL;
	guint64 value = 0;

	if (!g_key_file_has_key(ctx->keyfile, k->group, k->key, NULL))
		return TRUE;
	str = g_key_file_get_string(ctx->keyfile, k->group, k->key, &error_local);
	if (str == NULL) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, k->group, k->key, "%s",
				error_local->message);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(str, 10, k->min, k->max, &value, &error_local)) {
		gboolean range = g_error_matches(error_local, G_NUMBER_PARSER_ERROR,
						 G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);

		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, k->group, k->key,
				"%s: expected a whole number from %" G_GUINT64_FORMAT
				" to %" G_GUINT64_FORMAT,
				range ? "out of range" : "not a number", k->min, k->max);
		return FALSE;
	}
	if (k->wide)
		G_STRUCT_MEMBER(guint64, config, k->offset) = value;
	else
		G_STRUCT_MEMBER(guint, config, k->offset) = (guint)value;
	return TRUE;
}

static gboolean
parse_timeout_key(const DdConfigParse *ctx, const DdConfigTimeoutKey *k, DdConfig *config,
		  GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gdouble value;

	if (!g_key_file_has_key(ctx->keyfile, "Timeouts", k->key, NULL))
		return TRUE;
	value = g_key_file_get_double(ctx->keyfile, "Timeouts", k->key, &error_local);
	if (error_local != NULL) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Timeouts", k->key,
				"not a number of seconds");
		return FALSE;
	}
	/* written like this, NaN fails too */
	if (!(value >= DD_CONFIG_TIMEOUT_MIN_S && value <= DD_CONFIG_TIMEOUT_MAX_S)) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Timeouts", k->key,
				"out of range: expected seconds from %g to %g",
				DD_CONFIG_TIMEOUT_MIN_S, DD_CONFIG_TIMEOUT_MAX_S);
		return FALSE;
	}
	G_STRUCT_MEMBER(guint, config, k->offset) = (guint)(value * 1000.0 + 0.5);
	return TRUE;
}

/* MaxFirmwareReadMemory follows MaxFirmwareSize unless given, and holds one firmware at least */
static gboolean
check_read_memory(const DdConfigParse *ctx, DdConfig *config, GError **error)
{
	if (!g_key_file_has_key(ctx->keyfile, "Daemon", "MaxFirmwareReadMemory", NULL)) {
		config->max_read_memory = 2 * config->max_firmware_size;
		return TRUE;
	}
	if (config->max_read_memory < config->max_firmware_size) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Daemon",
				"MaxFirmwareReadMemory",
				"less than MaxFirmwareSize (%" G_GUINT64_FORMAT
				"): no firmware of that size could be read",
				config->max_firmware_size);
		return FALSE;
	}
	return TRUE;
}

/* a list value with blanks around the items removed and empty items dropped */
static gboolean
get_list(const DdConfigParse *ctx, const gchar *group, const gchar *key, GStrv *out, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	items = g_key_file_get_string_list(ctx->keyfile, group, key, NULL, &error_local);
	if (items == NULL &&
	    !g_error_matches(error_local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE)) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, group, key, "%s",
				error_local->message);
		return FALSE;
	}
	for (guint i = 0; items != NULL && items[i] != NULL; i++) {
		g_strstrip(items[i]);
		if (items[i][0] != '\0')
			g_strv_builder_add(builder, items[i]);
	}
	*out = g_strv_builder_end(builder);
	return TRUE;
}

static gboolean
adapter_name_valid(const gchar *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > DD_CONFIG_ADAPTER_NAME_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

static gboolean
parse_bluetooth(const DdConfigParse *ctx, DdConfig *config, GError **error)
{
	if (g_key_file_has_key(ctx->keyfile, "Bluetooth", "Adapters", NULL)) {
		g_auto(GStrv) adapters = NULL;

		if (!get_list(ctx, "Bluetooth", "Adapters", &adapters, error))
			return FALSE;
		for (guint i = 0; adapters[i] != NULL; i++) {
			if (!adapter_name_valid(adapters[i])) {
				g_autofree gchar *shown = printable(adapters[i]);

				set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx,
						"Bluetooth", "Adapters",
						"“%s” is not an adapter name like hci0", shown);
				return FALSE;
			}
		}
		g_strfreev(config->adapters);
		config->adapters = g_steal_pointer(&adapters);
	}
	if (g_key_file_has_key(ctx->keyfile, "Bluetooth", "Passkey", NULL)) {
		g_autofree gchar *str = NULL;
		g_autoptr(GError) error_local = NULL;
		guint64 value = 0;

		str = g_key_file_get_string(ctx->keyfile, "Bluetooth", "Passkey", &error_local);
		if (str == NULL) {
			set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Bluetooth",
					"Passkey", "%s", error_local->message);
			return FALSE;
		}
		/* an empty value says "no passkey", as leaving the key out does */
		if (str[0] == '\0') {
			config->passkey = -1;
		} else if (g_ascii_string_to_unsigned(str, 10, 0, 999999, &value, NULL)) {
			config->passkey = (gint)value;
		} else {
			set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Bluetooth",
					"Passkey", "expected six digits at most (0 to 999999)");
			return FALSE;
		}
	}
	return TRUE;
}

static DfudPublicKey *
load_trusted_key(const DdConfigParse *ctx, const gchar *item, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *shown = printable(item);
	g_autoptr(GBytes) pem = NULL;
	g_autoptr(GError) error_local = NULL;
	DfudPublicKey *key;

	if (g_path_is_absolute(item)) {
		path = g_strdup(item);
	} else if (ctx->base_dir != NULL) {
		path = g_build_filename(ctx->base_dir, item, NULL);
	} else {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Security", "TrustedKeys",
				"%s: not an absolute path", shown);
		return NULL;
	}
	pem = read_small_file(path, DD_CONFIG_KEY_FILE_MAX, &error_local);
	if (pem == NULL) {
		g_autofree gchar *why = printable(error_local->message);

		set_value_error(error, DFUD_ERROR_KEY_INVALID, ctx, "Security", "TrustedKeys", "%s",
				why);
		return NULL;
	}
	key = dfud_public_key_new_from_pem(pem, &error_local);
	if (key == NULL) {
		g_autofree gchar *shown_path = printable(path);

		set_value_error(error, DFUD_ERROR_KEY_INVALID, ctx, "Security", "TrustedKeys",
				"%s: %s", shown_path, error_local->message);
		return NULL;
	}
	return key;
}

static gboolean
parse_security(const DdConfigParse *ctx, DdConfig *config, GError **error)
{
	if (g_key_file_has_key(ctx->keyfile, "Security", "TrustedKeys", NULL)) {
		g_auto(GStrv) paths = NULL;
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);

		if (!get_list(ctx, "Security", "TrustedKeys", &paths, error))
			return FALSE;
		for (guint i = 0; paths[i] != NULL; i++) {
			DfudPublicKey *key = load_trusted_key(ctx, paths[i], error);

			if (key == NULL)
				return FALSE;
			g_ptr_array_add(keys, key);
		}
		g_ptr_array_unref(config->trusted_keys);
		config->trusted_keys = g_steal_pointer(&keys);
	}
	if (g_key_file_has_key(ctx->keyfile, "Security", "RequireSigned", NULL)) {
		g_autoptr(GError) error_local = NULL;
		gboolean value;

		value =
		    g_key_file_get_boolean(ctx->keyfile, "Security", "RequireSigned", &error_local);
		if (error_local != NULL) {
			set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Security",
					"RequireSigned", "expected true or false");
			return FALSE;
		}
		config->require_signed = value;
	}
	return TRUE;
}

static gboolean
key_known(const gchar *group, const gchar *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(uint_keys); i++) {
		if (g_str_equal(group, uint_keys[i].group) && g_str_equal(key, uint_keys[i].key))
			return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(timeout_keys); i++) {
		if (g_str_equal(group, "Timeouts") && g_str_equal(key, timeout_keys[i].key))
			return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(other_keys); i++) {
		if (g_str_equal(group, other_keys[i][0]) && g_str_equal(key, other_keys[i][1]))
			return TRUE;
	}
	return FALSE;
}

/* [Devices] Uris: device URIs as AddDevice takes them (a bare BLE address too), canonical */
static gboolean
parse_devices(const DdConfigParse *ctx, DdConfig *config, GError **error)
{
	g_auto(GStrv) uris = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	if (!g_key_file_has_key(ctx->keyfile, "Devices", "Uris", NULL))
		return TRUE;
	if (!get_list(ctx, "Devices", "Uris", &uris, error))
		return FALSE;
	if (g_strv_length(uris) > DD_CONFIG_DEVICE_URIS_MAX) {
		set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Devices", "Uris",
				"%u devices, at most %u", g_strv_length(uris),
				DD_CONFIG_DEVICE_URIS_MAX);
		return FALSE;
	}
	for (guint i = 0; uris[i] != NULL; i++) {
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *text = dfud_transport_bt_address_parse(uris[i], NULL)
					     ? g_strconcat("ble:", uris[i], NULL)
					     : g_strdup(uris[i]);
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(text, &error_local);

		if (uri == NULL) {
			set_value_error(error, DFUD_ERROR_INVALID_ARGUMENT, ctx, "Devices", "Uris",
					"%s", error_local->message);
			return FALSE;
		}
		g_autofree gchar *canonical = dfud_transport_uri_to_string(uri);

		g_strv_builder_add(builder, canonical);
	}
	g_strfreev(config->device_uris);
	config->device_uris = g_strv_builder_end(builder);
	return TRUE;
}

/* unknown names are likely typos: say so, but a newer file must not stop an older daemon */
static void
warn_unknown(const DdConfigParse *ctx)
{
	static const gchar *const groups[] = {"Daemon", "Bluetooth", "Timeouts", "Security",
					      "Devices"};
	g_auto(GStrv) names = g_key_file_get_groups(ctx->keyfile, NULL);

	for (guint i = 0; names[i] != NULL; i++) {
		g_auto(GStrv) keys = NULL;
		gboolean group_known = FALSE;

		for (guint j = 0; j < G_N_ELEMENTS(groups); j++)
			group_known |= g_str_equal(names[i], groups[j]);
		if (!group_known) {
			g_autofree gchar *shown = printable(names[i]);

			g_warning("%s: unknown group [%s] ignored", ctx->name, shown);
			continue;
		}
		keys = g_key_file_get_keys(ctx->keyfile, names[i], NULL, NULL);
		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			g_autofree gchar *shown = NULL;

			if (key_known(names[i], keys[j]))
				continue;
			shown = printable(keys[j]);
			g_warning("%s: [%s] unknown key %s ignored", ctx->name, names[i], shown);
		}
	}
}

/* parses into a copy, so that @config is untouched unless the whole file is good */
static gboolean
dd_config_parse(DdConfig *config, const gchar *data, gsize len, const gchar *name,
		const gchar *base_dir, GError **error)
{
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autoptr(DdConfig) parsed = NULL;
	DdConfigParse ctx = {.name = name, .base_dir = base_dir, .keyfile = keyfile};

	if (len > DD_CONFIG_FILE_MAX) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: too big (%" G_GSIZE_FORMAT " bytes, at most %d)", name, len,
			    DD_CONFIG_FILE_MAX);
		return FALSE;
	}
	if (len > 0 && memchr(data, '\0', len) != NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: not a text file (it has a NUL byte)", name);
		return FALSE;
	}
	if (!g_key_file_load_from_data(keyfile, len > 0 ? data : "", len, G_KEY_FILE_NONE,
				       &error_local)) {
		g_autofree gchar *why = printable(error_local->message);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "%s: %s", name, why);
		return FALSE;
	}
	parsed = dd_config_copy(config);
	for (guint i = 0; i < G_N_ELEMENTS(uint_keys); i++) {
		if (!parse_uint_key(&ctx, &uint_keys[i], parsed, error))
			return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(timeout_keys); i++) {
		if (!parse_timeout_key(&ctx, &timeout_keys[i], parsed, error))
			return FALSE;
	}
	if (!check_read_memory(&ctx, parsed, error))
		return FALSE;
	if (!parse_bluetooth(&ctx, parsed, error))
		return FALSE;
	if (!parse_security(&ctx, parsed, error))
		return FALSE;
	if (!parse_devices(&ctx, parsed, error))
		return FALSE;
	warn_unknown(&ctx);

	dd_config_clear(config);
	*config = *parsed;
	/* @config owns the strings and keys now; free only the shell */
	g_free(g_steal_pointer(&parsed));
	return TRUE;
}

gboolean
dd_config_load_data(DdConfig *config, const gchar *data, gsize len, GError **error)
{
	g_return_val_if_fail(config != NULL, FALSE);
	g_return_val_if_fail(data != NULL || len == 0, FALSE);

	return dd_config_parse(config, data, len, "dfud.conf", NULL, error);
}

gboolean
dd_config_load(DdConfig *config, const gchar *path, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *dir = NULL;
	gsize len = 0;
	const gchar *data;

	g_return_val_if_fail(config != NULL, FALSE);

	if (path == NULL)
		path = DD_CONFIG_DEFAULT_PATH;
	bytes = read_small_file(path, DD_CONFIG_FILE_MAX, &error_local);
	if (bytes == NULL) {
		if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
			g_debug("%s does not exist: using the defaults", path);
			return TRUE;
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "%s", error_local->message);
		return FALSE;
	}
	name = g_path_get_basename(path);
	dir = g_path_get_dirname(path);
	data = g_bytes_get_data(bytes, &len);
	return dd_config_parse(config, data, len, name, dir, error);
}

void
dd_config_apply_timeouts(const DdConfig *config, DfudUpdateOptions *options)
{
	g_return_if_fail(config != NULL);
	g_return_if_fail(options != NULL);

	options->connect_timeout_ms = config->connect_timeout_ms;
	options->first_chunk_timeout_ms = config->first_chunk_timeout_ms;
	options->chunk_timeout_ms = config->chunk_timeout_ms;
	options->last_chunk_timeout_ms = config->last_chunk_timeout_ms;
	options->command_timeout_ms = config->command_timeout_ms;
	options->reset_timeout_ms = config->reset_timeout_ms;
	options->reset_grace_ms = config->reset_grace_ms;
	options->min_rate = config->min_rate;
}

gboolean
dd_config_adapter_allowed(const DdConfig *config, const gchar *adapter)
{
	const gchar *name;

	g_return_val_if_fail(config != NULL, FALSE);

	if (config->adapters == NULL || config->adapters[0] == NULL)
		return TRUE;
	if (adapter == NULL)
		return FALSE;
	/* a BlueZ adapter path ends in the name: /org/bluez/hci0 */
	name = strrchr(adapter, '/');
	name = name != NULL ? name + 1 : adapter;
	return g_strv_contains((const gchar *const *)config->adapters, name);
}

static gchar *
image_label(DfudImage *image, guint idx)
{
	g_autofree gchar *version = dfud_image_version_to_string(dfud_image_get_version(image));

	return g_strdup_printf("image %u (version %s)", idx, version);
}

/* one image against the trusted keys: the first that verifies wins */
static gboolean
check_image_keys(const DdConfig *config, DfudImage *image, GError **error)
{
	g_autoptr(GError) mismatch = NULL;
	g_autoptr(GError) invalid = NULL;

	for (guint i = 0; i < config->trusted_keys->len; i++) {
		g_autoptr(GError) error_local = NULL;

		if (dfud_image_verify_signature(image, config->trusted_keys->pdata[i],
						&error_local))
			return TRUE;
		if (g_error_matches(error_local, DFUD_ERROR, DFUD_ERROR_UNSIGNED)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		/* a key that made the signature but fails it says more than a key that did not */
		if (g_error_matches(error_local, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH)) {
			if (mismatch == NULL)
				mismatch = g_steal_pointer(&error_local);
		} else if (invalid == NULL) {
			invalid = g_steal_pointer(&error_local);
		}
	}
	if (invalid != NULL) {
		g_propagate_error(error, g_steal_pointer(&invalid));
		return FALSE;
	}
	if (config->trusted_keys->len > 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH,
			    "signed by none of the %u trusted keys (%s)", config->trusted_keys->len,
			    mismatch->message);
		return FALSE;
	}
	g_propagate_error(error, g_steal_pointer(&mismatch));
	return FALSE;
}

gboolean
dd_config_check_package(const DdConfig *config, GPtrArray *package_images, GError **error)
{
	g_return_val_if_fail(config != NULL, FALSE);
	g_return_val_if_fail(package_images != NULL, FALSE);

	for (guint i = 0; i < package_images->len; i++) {
		DfudImage *image = package_images->pdata[i];
		gboolean is_signed;

		g_return_val_if_fail(DFUD_IS_IMAGE(image), FALSE);
		is_signed = dfud_image_get_signature(image) != NULL;
		if (!is_signed && (config->require_signed || config->trusted_keys->len > 0)) {
			g_autofree gchar *label = image_label(image, i);

			g_set_error(error, DFUD_ERROR, DFUD_ERROR_UNSIGNED,
				    "%s has no signature, but dfud.conf %s", label,
				    config->require_signed ? "requires one (RequireSigned)"
							   : "has TrustedKeys");
			return FALSE;
		}
		if (config->trusted_keys->len == 0)
			continue;
		/* a signature over the hash TLV vouches for the body only if the hash matches */
		if (!dfud_image_verify(image, error) || !check_image_keys(config, image, error)) {
			g_autofree gchar *label = image_label(image, i);

			g_prefix_error(error, "%s: ", label);
			return FALSE;
		}
	}
	return TRUE;
}
