/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * dfud-hawkbit's configuration (/etc/dfud/hawkbit.conf, GKeyFile); every key, its default and
 * its range are in dfud-hawkbit(8).
 */
typedef struct {
	/* [Server] */
	gchar *url;		   /* https://hawkbit.example.com:8443, no trailing slash */
	gchar *tenant;		   /* DEFAULT */
	gchar *gateway_token;	   /* Authorization: GatewayToken ..., or NULL */
	GHashTable *target_tokens; /* controller id -> TargetToken ([TargetTokens]) */
	gchar *ca_file;		   /* trust these CAs instead of the system's */
	gchar *client_cert;	   /* PEM certificate (and key, unless client_key) */
	gchar *client_key;
	guint max_connections; /* HTTP connections to the server at once */
	guint request_timeout; /* s: one request's I/O may stall this long */
	/* [Targets] */
	gchar *controller_id; /* template: {address} {name} {object} {prefix} */
	gchar *prefix;	      /* the gateway's name, for {prefix} */
	/* [Polling] */
	guint default_sleep;	  /* s, until the server says config.polling.sleep */
	guint min_sleep;	  /* s: the server's sleep is never taken below this */
	guint retry_interval;	  /* s: the first back-off after an error */
	guint max_retry_interval; /* s: the back-off's ceiling */
	guint start_spread;	  /* s: first polls spread over this */
	/* [Update] */
	gchar *cache_dir;
	guint64 max_cache_size;	 /* bytes of artifacts kept */
	guint download_attempts; /* resumed downloads of one artifact before failing */
	gboolean allow_downgrade;
	gchar *mode;		 /* dfud's update mode */
	guint progress_interval; /* s between proceeding feedbacks while uploading */
	/* where the journal lives */
	gchar *state_dir;
} HbConfig;

HbConfig *hb_config_new_defaults(void);
HbConfig *hb_config_load(const gchar *path, GError **error);
void hb_config_free(HbConfig *config);
/* the token for @controller_id and its kind ("TargetToken", "GatewayToken"), or NULL */
const gchar *hb_config_token(const HbConfig *config, const gchar *controller_id,
			     const gchar **kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbConfig, hb_config_free)

G_END_DECLS
