/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbConfig"

#include "config.h"

#include "dfud-error.h"
#include "hb-config.h"

#define KB 1024ull

HbConfig *
hb_config_new_defaults(void)
{
	HbConfig *c = g_new0(HbConfig, 1);

	c->tenant = g_strdup("DEFAULT");
	c->target_tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->max_connections = 4;
	c->request_timeout = 60;
	c->controller_id = g_strdup("{address}");
	c->prefix = g_strdup("");
	c->default_sleep = 300;
	c->min_sleep = 1;
	c->retry_interval = 30;
	c->max_retry_interval = 900;
	c->start_spread = 60;
	c->cache_dir = g_strdup("/var/cache/dfud-hawkbit");
	c->max_cache_size = 256 * KB * KB;
	c->download_attempts = 5;
	c->mode = g_strdup("test-and-confirm");
	c->progress_interval = 10;
	c->state_dir = g_strdup("/var/lib/dfud-hawkbit");
	return c;
}

void
hb_config_free(HbConfig *c)
{
	if (c == NULL)
		return;
	g_free(c->url);
	g_free(c->tenant);
	g_free(c->gateway_token);
	g_hash_table_unref(c->target_tokens);
	g_free(c->ca_file);
	g_free(c->client_cert);
	g_free(c->client_key);
	g_free(c->controller_id);
	g_free(c->prefix);
	g_free(c->cache_dir);
	g_free(c->mode);
	g_free(c->state_dir);
	g_free(c);
}

typedef struct {
	const gchar *group;
	const gchar *key;
	gsize offset;
	guint64 min;
	guint64 max;
} UintKey;

static const UintKey uint_keys[] = {
    {"Server", "MaxConnections", G_STRUCT_OFFSET(HbConfig, max_connections), 1, 64},
    {"Server", "RequestTimeout", G_STRUCT_OFFSET(HbConfig, request_timeout), 5, 3600},
    {"Polling", "DefaultSleep", G_STRUCT_OFFSET(HbConfig, default_sleep), 1, 86400},
    {"Polling", "MinSleep", G_STRUCT_OFFSET(HbConfig, min_sleep), 1, 86400},
    {"Polling", "RetryInterval", G_STRUCT_OFFSET(HbConfig, retry_interval), 1, 86400},
    {"Polling", "MaxRetryInterval", G_STRUCT_OFFSET(HbConfig, max_retry_interval), 1, 86400},
    {"Polling", "StartSpread", G_STRUCT_OFFSET(HbConfig, start_spread), 0, 86400},
    {"Update", "DownloadAttempts", G_STRUCT_OFFSET(HbConfig, download_attempts), 1, 100},
    {"Update", "ProgressInterval", G_STRUCT_OFFSET(HbConfig, progress_interval), 1, 3600},
};

typedef struct {
	const gchar *group;
	const gchar *key;
	gsize offset;
} StringKey;

static const StringKey string_keys[] = {
    {"Server", "Url", G_STRUCT_OFFSET(HbConfig, url)},
    {"Server", "Tenant", G_STRUCT_OFFSET(HbConfig, tenant)},
    {"Server", "GatewayToken", G_STRUCT_OFFSET(HbConfig, gateway_token)},
    {"Server", "CaFile", G_STRUCT_OFFSET(HbConfig, ca_file)},
    {"Server", "ClientCertificate", G_STRUCT_OFFSET(HbConfig, client_cert)},
    {"Server", "ClientKey", G_STRUCT_OFFSET(HbConfig, client_key)},
    {"Targets", "ControllerId", G_STRUCT_OFFSET(HbConfig, controller_id)},
    {"Targets", "Prefix", G_STRUCT_OFFSET(HbConfig, prefix)},
    {"Update", "CacheDirectory", G_STRUCT_OFFSET(HbConfig, cache_dir)},
    {"Update", "Mode", G_STRUCT_OFFSET(HbConfig, mode)},
};

static const gchar *const known_groups[] = {"Server",  "TargetTokens", "Targets",
					    "Polling", "Update",       NULL};
static const gchar *const modes[] = {"test-and-confirm", "confirm-only", "test-only", "upload-only",
				     NULL};

static gboolean
key_is_known(const gchar *group, const gchar *key)
{
	if (g_strcmp0(group, "TargetTokens") == 0)
		return TRUE;
	if (g_strcmp0(group, "Update") == 0 &&
	    (g_strcmp0(key, "MaxCacheSize") == 0 || g_strcmp0(key, "AllowDowngrade") == 0))
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(uint_keys); i++)
		if (g_str_equal(uint_keys[i].group, group) && g_str_equal(uint_keys[i].key, key))
			return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(string_keys); i++)
		if (g_str_equal(string_keys[i].group, group) &&
		    g_str_equal(string_keys[i].key, key))
			return TRUE;
	return FALSE;
}

/* unknown groups and keys are errors: a misspelt token or URL must not go unnoticed */
static gboolean
config_check_keys(GKeyFile *kf, const gchar *path, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) keys = NULL;
		if (!g_strv_contains(known_groups, groups[g])) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "%s: unknown group [%s]", path, groups[g]);
			return FALSE;
		}
		keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
			if (!key_is_known(groups[g], keys[k])) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    "%s: unknown key %s in [%s]", path, keys[k], groups[g]);
				return FALSE;
			}
		}
	}
	return TRUE;
}

static gboolean
config_read_uint(GKeyFile *kf, const gchar *path, const gchar *group, const gchar *key, guint64 min,
		 guint64 max, guint64 *out, GError **error)
{
	g_autofree gchar *text = g_key_file_get_string(kf, group, key, NULL);
	guint64 value = 0;

	if (text == NULL)
		return TRUE;
	g_strstrip(text);
	if (!g_ascii_string_to_unsigned(text, 10, min, max, &value, NULL)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: [%s] %s=%s: want a whole number from %" G_GUINT64_FORMAT
			    " to %" G_GUINT64_FORMAT,
			    path, group, key, text, min, max);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

static gboolean
config_check(HbConfig *c, const gchar *path, GError **error)
{
	if (c->url == NULL ||
	    !(g_str_has_prefix(c->url, "https://") || g_str_has_prefix(c->url, "http://"))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: [Server] Url must be the server's http:// or https:// URL", path);
		return FALSE;
	}
	while (g_str_has_suffix(c->url, "/"))
		c->url[strlen(c->url) - 1] = '\0';
	if (c->tenant[0] == '\0' || strchr(c->tenant, '/') != NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: [Server] Tenant must be a non-empty name without '/'", path);
		return FALSE;
	}
	if (!g_strv_contains(modes, c->mode)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: [Update] Mode=%s: want test-and-confirm, confirm-only, "
			    "test-only or upload-only",
			    path, c->mode);
		return FALSE;
	}
	if (strstr(c->controller_id, "{address}") == NULL &&
	    strstr(c->controller_id, "{name}") == NULL &&
	    strstr(c->controller_id, "{object}") == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "%s: [Targets] ControllerId=%s names no device: it needs {address}, "
			    "{name} or {object}",
			    path, c->controller_id);
		return FALSE;
	}
	if (c->max_retry_interval < c->retry_interval)
		c->max_retry_interval = c->retry_interval;
	return TRUE;
}

HbConfig *
hb_config_load(const gchar *path, GError **error)
{
	g_autoptr(HbConfig) c = hb_config_new_defaults();
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_auto(GStrv) tokens = NULL;
	g_autoptr(GError) local = NULL;
	guint64 cache = c->max_cache_size;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s", path,
			    local->message);
		return NULL;
	}
	if (!config_check_keys(kf, path, error))
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(string_keys); i++) {
		const StringKey *k = &string_keys[i];
		gchar *value = g_key_file_get_string(kf, k->group, k->key, NULL);
		gchar **field = G_STRUCT_MEMBER_P(c, k->offset);
		if (value == NULL)
			continue;
		g_strstrip(value);
		g_free(*field);
		*field = value;
	}
	for (guint i = 0; i < G_N_ELEMENTS(uint_keys); i++) {
		const UintKey *k = &uint_keys[i];
		guint *field = G_STRUCT_MEMBER_P(c, k->offset);
		guint64 value = *field;
		if (!config_read_uint(kf, path, k->group, k->key, k->min, k->max, &value, error))
			return NULL;
		*field = (guint)value;
	}
	if (!config_read_uint(kf, path, "Update", "MaxCacheSize", 64 * KB, G_MAXINT64, &cache,
			      error))
		return NULL;
	c->max_cache_size = cache;
	if (g_key_file_has_key(kf, "Update", "AllowDowngrade", NULL)) {
		c->allow_downgrade = g_key_file_get_boolean(kf, "Update", "AllowDowngrade", &local);
		if (local != NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "%s: [Update] AllowDowngrade: want true or false", path);
			return NULL;
		}
	}
	tokens = g_key_file_get_keys(kf, "TargetTokens", NULL, NULL);
	for (guint i = 0; tokens != NULL && tokens[i] != NULL; i++)
		g_hash_table_replace(
		    c->target_tokens, g_strdup(tokens[i]),
		    g_strstrip(g_key_file_get_string(kf, "TargetTokens", tokens[i], NULL)));
	if (!config_check(c, path, error))
		return NULL;
	return g_steal_pointer(&c);
}

const gchar *
hb_config_token(const HbConfig *config, const gchar *controller_id, const gchar **kind)
{
	const gchar *token = g_hash_table_lookup(config->target_tokens, controller_id);

	if (token != NULL && token[0] != '\0') {
		*kind = "TargetToken";
		return token;
	}
	if (config->gateway_token != NULL && config->gateway_token[0] != '\0') {
		*kind = "GatewayToken";
		return config->gateway_token;
	}
	*kind = NULL;
	return NULL;
}
