/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <string.h>

#include "smp/dfud-smp.h"
#include "test-transport-peer.h"

#define TEST_PEER_BUF 2048u

static void
peer_send(TestPeer *peer, GSocketAddress *to, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;

	g_socket_send_to(peer->socket, to, (const gchar *)data, len, NULL, &error);
	g_assert_no_error(error);
}

static GBytes *
peer_reply(const DfudSmpHeader *req, guint version, const gchar *text, gint64 rc)
{
	guint8 body[TEST_PEER_BUF];
	DfudSmpCborWriter w;
	DfudSmpHeader rsp = *req;

	dfud_smp_cbor_writer_init(&w, body, sizeof(body));
	dfud_smp_cbor_writer_map(&w, 1);
	if (text != NULL)
		dfud_smp_cbor_writer_key_text(&w, "r", text);
	else
		dfud_smp_cbor_writer_key_int(&w, "rc", rc);
	g_assert_true(dfud_smp_cbor_writer_ok(&w));
	rsp.op = dfud_smp_op_response_for(req->op);
	rsp.version = (guint8)version;
	return dfud_smp_frame_new(&rsp, body, w.pos);
}

static void
peer_bad_frames(TestPeer *peer, GSocketAddress *from, GBytes *good)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(good, &len);
	g_autofree guint8 *longer = g_malloc0(len + 1);
	g_autofree guint8 *stale = g_memdup2(data, len);
	g_autofree guint8 *not_rsp = g_memdup2(data, len);

	/* shorter than a header */
	peer_send(peer, from, data, 5);
	/* the header announces more than the datagram holds */
	peer_send(peer, from, data, len - 1);
	/* one byte more than announced */
	memcpy(longer, data, len);
	peer_send(peer, from, longer, len + 1);
	/* a well-formed answer to a request nobody sent (another seq) */
	stale[6] = (guint8)(stale[6] + 77);
	peer_send(peer, from, stale, len);
	/* a request, not a response */
	not_rsp[0] = (guint8)(not_rsp[0] & ~0x07u);
	peer_send(peer, from, not_rsp, len);
	/* and finally the answer */
	peer_send(peer, from, data, len);
}

static gboolean
peer_read_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	TestPeer *peer = user_data;
	guint8 buf[TEST_PEER_BUF];
	g_autoptr(GSocketAddress) from = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autofree gchar *text = NULL;
	cbor_item_t *body;
	DfudSmpHeader hdr;
	gssize n;

	n = g_socket_receive_from(socket, &from, (gchar *)buf, sizeof(buf), NULL, &error);
	if (n < 0)
		return G_SOURCE_CONTINUE;
	body = dfud_smp_message_parse(buf, (gsize)n, &hdr, &error);
	g_assert_no_error(error);
	g_array_append_val(peer->seqs, hdr.seq);
	if (peer->mode == TEST_PEER_LOSSY && peer->lost_seq != hdr.seq) {
		/* the first copy is lost on the way */
		peer->lost_seq = hdr.seq;
		dfud_smp_cbor_item_unref(body);
		g_array_append_val(peer->versions, hdr.version);
		return G_SOURCE_CONTINUE;
	}
	if (peer->mode == TEST_PEER_SILENT) {
		/* any request, never answered */
		dfud_smp_cbor_item_unref(body);
		g_array_append_val(peer->versions, hdr.version);
		return G_SOURCE_CONTINUE;
	}
	g_assert_cmpuint(hdr.group, ==, DFUD_SMP_GROUP_OS);
	g_assert_cmpuint(hdr.id, ==, DFUD_SMP_OS_ECHO);
	dfud_smp_cbor_map_get_text(body, "d", DFUD_SMP_CBOR_REQUIRED, 1024, &text, &error);
	g_assert_no_error(error);
	dfud_smp_cbor_item_unref(body);
	g_array_append_val(peer->versions, hdr.version);

	switch (peer->mode) {
	case TEST_PEER_LEGACY_V1:
		reply = peer_reply(&hdr, DFUD_SMP_VERSION_1, text, 0);
		break;
	case TEST_PEER_LOSSY:
		reply = peer_reply(&hdr, hdr.version, text, 0);
		break;
	case TEST_PEER_STRICT_V1:
		if (hdr.version != DFUD_SMP_VERSION_1)
			reply = peer_reply(&hdr, MIN(hdr.version, DFUD_SMP_VERSION_2), NULL,
					   DFUD_SMP_RC_UNSUPPORTED_TOO_NEW);
		else
			reply = peer_reply(&hdr, DFUD_SMP_VERSION_1, text, 0);
		break;
	case TEST_PEER_STRICT_V2:
		if (hdr.version == DFUD_SMP_VERSION_1)
			reply = peer_reply(&hdr, DFUD_SMP_VERSION_1, NULL,
					   DFUD_SMP_RC_UNSUPPORTED_TOO_OLD);
		else
			reply = peer_reply(&hdr, DFUD_SMP_VERSION_2, text, 0);
		break;
	case TEST_PEER_SILENT:
		g_assert_not_reached();
	case TEST_PEER_BAD_FRAMES:
		reply = peer_reply(&hdr, DFUD_SMP_VERSION_2, text, 0);
		peer_bad_frames(peer, from, reply);
		return G_SOURCE_CONTINUE;
	case TEST_PEER_BAD_BODY: {
		static const guint8 junk[] = {0xff};
		DfudSmpHeader rsp = hdr;

		rsp.op = dfud_smp_op_response_for(hdr.op);
		reply = dfud_smp_frame_new(&rsp, junk, sizeof(junk));
		break;
	}
	}
	peer_send(peer, from, g_bytes_get_data(reply, NULL), g_bytes_get_size(reply));
	return G_SOURCE_CONTINUE;
}

TestPeer *
test_peer_new(const gchar *host, TestPeerMode mode)
{
	TestPeer *peer = g_new0(TestPeer, 1);
	g_autoptr(GSocketAddress) bind_addr = g_inet_socket_address_new_from_string(host, 0);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(bind_addr);
	peer->mode = mode;
	peer->versions = g_array_new(FALSE, FALSE, sizeof(guint8));
	peer->seqs = g_array_new(FALSE, FALSE, sizeof(guint8));
	peer->lost_seq = -1;
	peer->socket = g_socket_new(g_socket_address_get_family(bind_addr), G_SOCKET_TYPE_DATAGRAM,
				    G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error(error);
	g_socket_bind(peer->socket, bind_addr, FALSE, &error);
	g_assert_no_error(error);
	g_socket_set_blocking(peer->socket, FALSE);
	local = g_socket_get_local_address(peer->socket, &error);
	g_assert_no_error(error);
	peer->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	peer->source = g_socket_create_source(peer->socket, G_IO_IN, NULL);
	g_source_set_callback(peer->source, G_SOURCE_FUNC(peer_read_cb), peer, NULL);
	g_source_attach(peer->source, NULL);
	return peer;
}

void
test_peer_free(TestPeer *peer)
{
	if (peer == NULL)
		return;
	g_source_destroy(peer->source);
	g_source_unref(peer->source);
	g_socket_close(peer->socket, NULL);
	g_object_unref(peer->socket);
	g_array_unref(peer->versions);
	g_array_unref(peer->seqs);
	g_free(peer);
}
