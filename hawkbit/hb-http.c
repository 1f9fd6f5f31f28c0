/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbHttp"

#include "config.h"

#include "dfud-error.h"
#include "hb-http.h"

struct _HbHttp {
	const HbConfig *config;
	SoupSession *session;
	GTlsCertificate *client_cert;
	guint64 requests;
};

HbHttp *
hb_http_new(const HbConfig *config, GError **error)
{
	g_autoptr(HbHttp) http = g_new0(HbHttp, 1);
	g_autofree gchar *agent = g_strdup_printf("dfud-hawkbit/%s", PACKAGE_VERSION);

	http->config = config;
	http->session = soup_session_new_with_options(
	    "max-conns", (gint)config->max_connections, "max-conns-per-host",
	    (gint)config->max_connections, "timeout", (guint)config->request_timeout,
	    "idle-timeout", 60u, "user-agent", agent, NULL);
	if (config->ca_file != NULL) {
		g_autoptr(GTlsDatabase) db = g_tls_file_database_new(config->ca_file, error);
		if (db == NULL) {
			g_prefix_error(error, "[Server] CaFile %s: ", config->ca_file);
			return NULL;
		}
		soup_session_set_tls_database(http->session, db);
	}
	if (config->client_cert != NULL) {
		http->client_cert =
		    config->client_key != NULL
			? g_tls_certificate_new_from_files(config->client_cert, config->client_key,
							   error)
			: g_tls_certificate_new_from_file(config->client_cert, error);
		if (http->client_cert == NULL) {
			g_prefix_error(error,
				       "[Server] ClientCertificate %s: ", config->client_cert);
			return NULL;
		}
	}
	return g_steal_pointer(&http);
}

void
hb_http_free(HbHttp *http)
{
	if (http == NULL)
		return;
	if (http->session != NULL)
		soup_session_abort(http->session);
	g_clear_object(&http->session);
	g_clear_object(&http->client_cert);
	g_free(http);
}

guint64
hb_http_requests(const HbHttp *http)
{
	return http->requests;
}

SoupSession *
hb_http_session(HbHttp *http)
{
	return http->session;
}

void
hb_http_count(HbHttp *http)
{
	http->requests++;
}

SoupMessage *
hb_http_message_new(HbHttp *http, const gchar *method, const gchar *url, const gchar *controller_id)
{
	SoupMessage *msg = soup_message_new(method, url);
	const gchar *kind = NULL;
	const gchar *token;

	if (msg == NULL)
		return NULL;
	token = hb_config_token(http->config, controller_id, &kind);
	if (token != NULL) {
		g_autofree gchar *value = g_strdup_printf("%s %s", kind, token);
		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
					     value);
	}
	if (http->client_cert != NULL)
		soup_message_set_tls_client_certificate(msg, http->client_cert);
	return msg;
}

typedef struct {
	SoupMessage *msg;
	GInputStream *stream;
	GByteArray *body;
} JsonCall;

static void
json_call_free(JsonCall *call)
{
	g_clear_object(&call->msg);
	g_clear_object(&call->stream);
	if (call->body != NULL)
		g_byte_array_unref(call->body);
	g_free(call);
}

static void json_read_cb(GObject *source, GAsyncResult *res, gpointer user_data);

static void
json_read_next(GTask *task)
{
	JsonCall *call = g_task_get_task_data(task);

	g_input_stream_read_bytes_async(call->stream, 16384, G_PRIORITY_DEFAULT,
					g_task_get_cancellable(task), json_read_cb, task);
}

static void
json_done(GTask *task)
{
	JsonCall *call = g_task_get_task_data(task);
	guint status = soup_message_get_status(call->msg);
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error = NULL;

	if (!SOUP_STATUS_IS_SUCCESSFUL(status)) {
		/* an empty body has no data at all (GByteArray's is NULL) */
		g_autofree gchar *text =
		    call->body->len > 0
			? g_strndup((const gchar *)call->body->data, MIN(call->body->len, 200))
			: g_strdup("");
		for (gchar *p = text; *p != '\0'; p++)
			if (!g_ascii_isprint(*p))
				*p = ' ';
		g_task_return_new_error(task, DFUD_ERROR,
					status == 401 || status == 403	 ? DFUD_ERROR_NOT_AUTHORIZED
					: status == 404 || status == 410 ? DFUD_ERROR_NOT_FOUND
									 : DFUD_ERROR_FAILED,
					"%s %s: HTTP %u %s%s%s", soup_message_get_method(call->msg),
					g_uri_get_path(soup_message_get_uri(call->msg)), status,
					soup_message_get_reason_phrase(call->msg),
					text[0] != '\0' ? ": " : "", text);
		g_object_unref(task);
		return;
	}
	if (call->body->len == 0) {
		g_task_return_pointer(task, NULL, NULL);
		g_object_unref(task);
		return;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, (const gchar *)call->body->data, call->body->len,
					&error)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
					"%s: the server's answer is not JSON: %s",
					g_uri_get_path(soup_message_get_uri(call->msg)),
					error->message);
		g_object_unref(task);
		return;
	}
	g_task_return_pointer(task, json_parser_steal_root(parser),
			      (GDestroyNotify)json_node_unref);
	g_object_unref(task);
}

static void
json_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	JsonCall *call = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes =
	    g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);

	if (bytes == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	if (g_bytes_get_size(bytes) == 0) {
		json_done(task);
		return;
	}
	if (call->body->len + g_bytes_get_size(bytes) > HB_HTTP_MAX_JSON) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
					"%s: the server's answer is longer than %u bytes",
					g_uri_get_path(soup_message_get_uri(call->msg)),
					HB_HTTP_MAX_JSON);
		g_object_unref(task);
		return;
	}
	g_byte_array_append(call->body, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	json_read_next(task);
}

static void
json_send_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	JsonCall *call = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;

	call->stream = soup_session_send_finish(SOUP_SESSION(source), res, &error);
	if (call->stream == NULL) {
		g_task_return_new_error(
		    task, DFUD_ERROR,
		    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? DFUD_ERROR_TIMEOUT
									     : DFUD_ERROR_IO,
		    "%s %s: %s", soup_message_get_method(call->msg),
		    g_uri_get_path(soup_message_get_uri(call->msg)), error->message);
		g_object_unref(task);
		return;
	}
	json_read_next(task);
}

void
hb_http_json_async(HbHttp *http, const gchar *method, const gchar *url, const gchar *controller_id,
		   JsonNode *body, GCancellable *cancellable, GAsyncReadyCallback callback,
		   gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	JsonCall *call = g_new0(JsonCall, 1);

	g_task_set_source_tag(task, hb_http_json_async);
	g_task_set_task_data(task, call, (GDestroyNotify)json_call_free);
	call->body = g_byte_array_new();
	call->msg = hb_http_message_new(http, method, url, controller_id);
	if (call->msg == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"not a URL: %s", url);
		g_object_unref(task);
		return;
	}
	soup_message_headers_replace(soup_message_get_request_headers(call->msg), "Accept",
				     "application/hal+json, application/json");
	if (body != NULL) {
		gsize len = 0;
		gchar *text = json_to_string(body, FALSE);
		len = strlen(text);
		g_autoptr(GBytes) bytes = g_bytes_new_take(text, len);
		soup_message_set_request_body_from_bytes(call->msg, "application/json", bytes);
	}
	http->requests++;
	soup_session_send_async(http->session, call->msg, G_PRIORITY_DEFAULT, cancellable,
				json_send_cb, task);
}

JsonNode *
hb_http_json_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

gboolean
hb_http_finish(GAsyncResult *result, GError **error)
{
	JsonNode *answer = g_task_propagate_pointer(G_TASK(result), error);

	if (answer != NULL)
		json_node_unref(answer);
	return !g_task_had_error(G_TASK(result));
}
