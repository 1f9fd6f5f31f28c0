/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud-hawkbit's reading of the DDI resources (as hawkBit's documentation shows them, and
 * broken), the bodies it sends, and its configuration file.
 */
#define G_LOG_DOMAIN "TestDdi"

#include <glib/gstdio.h>

#include "dfud-error.h"
#include "hb-config.h"
#include "hb-ddi.h"
#include "hb-package.h"

static JsonNode *
parse(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
	return json_node_copy(json_parser_get_root(parser));
}

static void
test_sleep(void)
{
	guint s = 0;
	g_assert_true(hb_ddi_parse_sleep("00:05:00", &s));
	g_assert_cmpuint(s, ==, 300);
	g_assert_true(hb_ddi_parse_sleep("12:00:00", &s));
	g_assert_cmpuint(s, ==, 43200);
	g_assert_false(hb_ddi_parse_sleep("00:60:00", &s));
	g_assert_false(hb_ddi_parse_sleep("5", &s));
	g_assert_false(hb_ddi_parse_sleep("00:05:00x", &s));
	g_assert_false(hb_ddi_parse_sleep(NULL, &s));
}

static void
test_href_id(void)
{
	g_autofree gchar *a = hb_ddi_href_id(
	    "https://h/T/controller/v1/c/deploymentBase/3?c=-2129030598", "deploymentBase");
	g_autofree gchar *b =
	    hb_ddi_href_id("https://h/T/controller/v1/c/cancelAction/11", "cancelAction");
	g_autofree gchar *c =
	    hb_ddi_href_id("https://h/T/controller/v1/c/deploymentBase/..%2f", "deploymentBase");
	g_autofree gchar *d =
	    hb_ddi_href_id("https://h/T/controller/v1/c/configData", "deploymentBase");
	g_assert_cmpstr(a, ==, "3");
	g_assert_cmpstr(b, ==, "11");
	g_assert_null(c);
	g_assert_null(d);
}

static void
test_base(void)
{
	g_autoptr(JsonNode) root = parse(
	    "{\"config\":{\"polling\":{\"sleep\":\"00:00:30\"}},\"_links\":{"
	    "\"deploymentBase\":{\"href\":\"https://h/T/controller/v1/c/deploymentBase/3?c=1\"},"
	    "\"configData\":{\"href\":\"https://h/T/controller/v1/c/configData\"},"
	    "\"cancelAction\":{\"href\":\"file:///etc/passwd\"}}}");
	g_autoptr(JsonNode) bad = parse("{\"config\":{\"polling\":{\"sleep\":\"soon\"}}}");
	g_autoptr(JsonNode) array = parse("[1]");
	g_autoptr(GError) error = NULL;
	g_autoptr(HbDdiBase) base = hb_ddi_base_parse(root, &error);
	g_autoptr(HbDdiBase) none = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(base->sleep, ==, 30);
	g_assert_nonnull(base->deployment_href);
	g_assert_nonnull(base->config_data_href);
	/* only http(s) links are followed */
	g_assert_null(base->cancel_href);
	none = hb_ddi_base_parse(bad, &error);
	g_assert_null(none);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(hb_ddi_base_parse(array, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
}

#define SHA "b0a3f0e2b3a1d4e0c4f8e9f4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4"
#define ARTIFACT(name, hashes, size, link)                                                         \
	"{\"filename\":\"" name "\",\"hashes\":{" hashes "},\"size\":" size ",\"_links\":{\"" link \
	"\":{\"href\":\"https://h/a/" name "\"}}}"
#define DEPLOYMENT(id, extra, artifacts)                                                           \
	"{\"id\":" id ",\"deployment\":{\"download\":\"forced\",\"update\":\"attempt\"" extra      \
	",\"chunks\":[{\"part\":\"bApp\",\"version\":\"1.0\",\"name\":\"app\",\"artifacts\":"      \
	"[" artifacts "]}]}}"

static void
test_deployment(void)
{
	g_autoptr(JsonNode) root = parse(
	    DEPLOYMENT("\"8\"", ",\"maintenanceWindow\":\"unavailable\"",
		       ARTIFACT("a.bin", "\"sha1\":\"x\",\"sha256\":\"" SHA "\"", "1234",
				"download") "," ARTIFACT("b/../c.zip", "\"sha256\":\"" SHA "\"",
							 "1", "download-http")));
	g_autoptr(GError) error = NULL;
	g_autoptr(HbDdiDeployment) d = hb_ddi_deployment_parse(root, &error);
	HbDdiArtifact *a, *b;

	g_assert_no_error(error);
	g_assert_cmpstr(d->id, ==, "8");
	g_assert_cmpstr(d->update, ==, "attempt");
	g_assert_cmpstr(d->maintenance_window, ==, "unavailable");
	g_assert_cmpstr(d->version, ==, "app 1.0");
	g_assert_cmpuint(d->artifacts->len, ==, 2);
	a = g_ptr_array_index(d->artifacts, 0);
	b = g_ptr_array_index(d->artifacts, 1);
	g_assert_cmpuint(a->size, ==, 1234);
	g_assert_cmpstr(a->sha256, ==, SHA);
	g_assert_cmpstr(a->href, ==, "https://h/a/a.bin");
	/* a file name is only shown, and never a path */
	g_assert_cmpstr(b->filename, ==, "b_.._c.zip");
}

#define CHUNK_ART(name)                                                                            \
	"{\"filename\":\"" name "\",\"hashes\":{\"sha256\":\"" SHA "\"},\"size\":10,"              \
	"\"_links\":{\"download\":{\"href\":\"https://h/" name "\"}}}"
#define TWO_MODULES(metadata)                                                                      \
	"{\"id\":\"9\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\","             \
	"\"chunks\":[{\"part\":\"bApp\",\"name\":\"net\",\"version\":\"2\"" metadata ","           \
	"\"artifacts\":[" CHUNK_ART("x.bin") "]},{\"part\":\"bApp\",\"name\":\"app\","             \
					     "\"version\":\"2\",\"artifacts\":[" CHUNK_ART(        \
						 "app.bin") "," CHUNK_ART("notes.txt") "]}]}}"

/* a module's metadata dfud.image; several .bin artifacts kept in image order, others dropped */
static void
test_deployment_modules(void)
{
	g_autoptr(JsonNode) root = parse(
	    TWO_MODULES(",\"metadata\":[{\"key\":\"x\",\"value\":\"y\"},{\"key\":\"dfud.image\","
			"\"value\":\"1\"}]"));
	g_autoptr(JsonNode) bad = parse(TWO_MODULES(",\"metadata\":{\"dfud.image\":\"1\"}"));
	g_autoptr(JsonNode) twice = parse(TWO_MODULES(
	    ",\"metadata\":[{\"key\":\"dfud.image\",\"value\":\"1\"},{\"key\":\"dfud.image\","
	    "\"value\":\"0\"}]"));
	g_autoptr(JsonNode) none = parse(TWO_MODULES(""));
	g_autoptr(GError) error = NULL;
	g_autoptr(HbDdiDeployment) d = hb_ddi_deployment_parse(root, &error);
	g_autoptr(HbDdiDeployment) d_none = NULL;
	HbDdiArtifact *a;

	g_assert_no_error(error);
	a = g_ptr_array_index(d->artifacts, 0);
	g_assert_cmpstr(a->image, ==, "1");
	g_assert_true(hb_package_pick(d, 1000, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(d->artifacts->len, ==, 2);
	a = g_ptr_array_index(d->artifacts, 0);
	g_assert_cmpstr(a->filename, ==, "app.bin");
	g_assert_cmpstr(a->image, ==, "0");
	a = g_ptr_array_index(d->artifacts, 1);
	g_assert_cmpstr(a->filename, ==, "x.bin");
	g_assert_cmpstr(a->image, ==, "1");
	/* more than the cache takes */
	g_clear_pointer(&d, hb_ddi_deployment_free);
	d = hb_ddi_deployment_parse(root, &error);
	g_assert_false(hb_package_pick(d, 19, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* neither artifact says its image */
	d_none = hb_ddi_deployment_parse(none, &error);
	g_assert_no_error(error);
	g_assert_false(hb_package_pick(d_none, 1000, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "the image of x.bin, app.bin is unknown"));
	g_clear_error(&error);
	/* metadata that is not hawkBit's list of key/value, or the key twice */
	g_assert_null(hb_ddi_deployment_parse(bad, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(hb_ddi_deployment_parse(twice, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
}

static void
test_deployment_refused(void)
{
	const gchar *bad[] = {
	    /* no sha256: it could not be checked */
	    DEPLOYMENT("\"8\"", "", ARTIFACT("a.bin", "\"sha1\":\"x\"", "12", "download")),
	    DEPLOYMENT("\"8\"", "", ARTIFACT("a.bin", "\"sha256\":\"12\"", "12", "download")),
	    DEPLOYMENT("\"8\"", "", ARTIFACT("a.bin", "\"sha256\":\"" SHA "\"", "0", "download")),
	    DEPLOYMENT("\"8\"", "", ARTIFACT("a.bin", "\"sha256\":\"" SHA "\"", "-5", "download")),
	    DEPLOYMENT("\"8\"", "",
		       ARTIFACT("a.bin", "\"sha256\":\"" SHA "\"", "\"12\"", "download")),
	    DEPLOYMENT("\"8\"", "", ARTIFACT("a.bin", "\"sha256\":\"" SHA "\"", "12", "md5sum")),
	    DEPLOYMENT("\"8\"", ",\"maintenanceWindow\":\"later\"", ""),
	    DEPLOYMENT("\"../8\"", "", ""),
	    DEPLOYMENT("null", "", ""),
	    "{\"id\":\"8\",\"deployment\":{\"download\":\"now\",\"update\":\"forced\",\"chunks\":[]}}",
	    "{\"id\":\"8\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\"}}",
	    "{\"id\":\"8\"}",
	    "\"x\"",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonNode) root = parse(bad[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(HbDdiDeployment) d = hb_ddi_deployment_parse(root, &error);
		g_test_message("%s", bad[i]);
		g_assert_null(d);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	}
}

static void
test_deployment_bounded(void)
{
	g_autoptr(GString) many = g_string_new(NULL);
	g_autoptr(GString) text = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HbDdiDeployment) d = NULL;

	for (guint i = 0; i <= HB_DDI_MAX_ARTIFACTS; i++)
		g_string_append_printf(
		    many, "%s" ARTIFACT("a.bin", "\"sha256\":\"" SHA "\"", "1", "download"),
		    i > 0 ? "," : "");
	text = g_string_new(NULL);
	g_string_printf(text, DEPLOYMENT("7", "", "%s"), many->str);
	root = parse(text->str);
	d = hb_ddi_deployment_parse(root, &error);
	g_assert_null(d);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "more than 16 artifacts"));
}

static void
test_cancel(void)
{
	g_autoptr(JsonNode) ok = parse("{\"id\":\"11\",\"cancelAction\":{\"stopId\":\"8\"}}");
	g_autoptr(JsonNode) bad = parse("{\"id\":\"11\",\"cancelAction\":{}}");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stop = hb_ddi_cancel_parse(ok, &error);
	g_autofree gchar *none = NULL;

	g_assert_cmpstr(stop, ==, "8");
	none = hb_ddi_cancel_parse(bad, &error);
	g_assert_null(none);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
}

static void
test_feedback(void)
{
	const gchar *details[] = {"org.dfud.Dfu1.Error.Reverted: the device booted 1.0.0 again",
				  NULL};
	g_autoptr(JsonNode) fb = hb_ddi_feedback("8", "closed", "failure", 0, 0, details);
	g_autoptr(JsonNode) progress = hb_ddi_feedback("8", "proceeding", "none", 40, 100, NULL);
	g_autoptr(GHashTable) attrs =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(JsonNode) config = NULL;
	g_autofree gchar *text = json_to_string(fb, FALSE);
	g_autofree gchar *ptext = json_to_string(progress, FALSE);
	g_autofree gchar *ctext = NULL;

	g_assert_nonnull(strstr(text, "\"status\":{\"execution\":\"closed\",\"result\":"
				      "{\"finished\":\"failure\"},\"details\":[\"org.dfud.Dfu1."
				      "Error.Reverted: the device booted 1.0.0 again\"]}"));
	g_assert_nonnull(strstr(text, "\"id\":\"8\""));
	g_assert_nonnull(strstr(ptext, "\"progress\":{\"cnt\":40,\"of\":100}"));
	g_hash_table_insert(attrs, g_strdup("image0.version"), g_strdup("2.0.0"));
	g_hash_table_insert(attrs, g_strdup("dfud.transport"), g_strdup("ble"));
	config = hb_ddi_config_data(attrs);
	ctext = json_to_string(config, FALSE);
	g_assert_cmpstr(ctext, ==,
			"{\"mode\":\"merge\",\"data\":{\"dfud.transport\":\"ble\","
			"\"image0.version\":\"2.0.0\"}}");
}

static HbConfig *
load(const gchar *text, GError **error)
{
	g_autofree gchar *path = NULL;
	int fd = g_file_open_tmp("hawkbit-XXXXXX.conf", &path, NULL);
	HbConfig *config;

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	config = hb_config_load(path, error);
	g_unlink(path);
	return config;
}

static void
test_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HbConfig) c = load("[Server]\nUrl=https://h:8443/\nGatewayToken=gw\n"
				     "[TargetTokens]\ndev-1=t1\n[Targets]\nControllerId=gw-{name}\n"
				     "[Polling]\nRetryInterval=60\nMaxRetryInterval=10\n",
				     &error);
	const gchar *kind = NULL;
	const gchar *bad[] = {
	    "[Server]\nUrl=ftp://h\n",
	    "[Server]\nUrl=https://h\nTenant=a/b\n",
	    "[Server]\nUrl=https://h\nGatewayTokn=x\n",
	    "[Server]\nUrl=https://h\n[Severs]\n",
	    "[Server]\nUrl=https://h\nMaxConnections=0\n",
	    "[Server]\nUrl=https://h\n[Targets]\nControllerId=fixed\n",
	    "[Server]\nUrl=https://h\n[Update]\nMode=fast\n",
	    "[Server]\nUrl=https://h\n[Update]\nAllowDowngrade=maybe\n",
	    "[Server]\nUrl=https://h\n[Update]\nMaxCacheSize=12\n",
	    "[Polling]\nDefaultSleep=10\n",
	};

	g_assert_no_error(error);
	g_assert_cmpstr(c->url, ==, "https://h:8443");
	g_assert_cmpstr(c->tenant, ==, "DEFAULT");
	g_assert_cmpuint(c->max_retry_interval, ==, 60);
	g_assert_cmpstr(hb_config_token(c, "dev-1", &kind), ==, "t1");
	g_assert_cmpstr(kind, ==, "TargetToken");
	g_assert_cmpstr(hb_config_token(c, "dev-2", &kind), ==, "gw");
	g_assert_cmpstr(kind, ==, "GatewayToken");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(HbConfig) b = load(bad[i], &e);
		g_test_message("%s", bad[i]);
		g_assert_null(b);
		g_assert_error(e, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hawkbit/ddi/sleep", test_sleep);
	g_test_add_func("/hawkbit/ddi/href-id", test_href_id);
	g_test_add_func("/hawkbit/ddi/base", test_base);
	g_test_add_func("/hawkbit/ddi/deployment", test_deployment);
	g_test_add_func("/hawkbit/ddi/deployment-refused", test_deployment_refused);
	g_test_add_func("/hawkbit/ddi/deployment-modules", test_deployment_modules);
	g_test_add_func("/hawkbit/ddi/deployment-bounded", test_deployment_bounded);
	g_test_add_func("/hawkbit/ddi/cancel", test_cancel);
	g_test_add_func("/hawkbit/ddi/feedback", test_feedback);
	g_test_add_func("/hawkbit/config", test_config);
	return g_test_run();
}
