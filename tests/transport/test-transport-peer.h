/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* how the scripted UDP peer answers an echo request */
typedef enum {
	TEST_PEER_LEGACY_V1,  /* every answer carries a v1 header (a server that predates v2) */
	TEST_PEER_STRICT_V1,  /* v2 requests: rc 13 (too new); v1 requests: answered in v1 */
	TEST_PEER_STRICT_V2,  /* v1 requests: rc 12 (too old); v2 requests: answered in v2 */
	TEST_PEER_SILENT,     /* never answers */
	TEST_PEER_BAD_FRAMES, /* garbage datagrams first, then the right answer in v2 */
	TEST_PEER_BAD_BODY,   /* the right header, a body that is not CBOR */
	TEST_PEER_LOSSY,      /* the first copy of each request (by seq) is lost, copies answered */
} TestPeerMode;

/* a tiny SMP echo server on a loopback UDP port, driven by the default main context */
typedef struct {
	GSocket *socket;
	GSource *source;
	guint16 port;
	TestPeerMode mode;
	GArray *versions; /* of guint8: the header version of every request received */
	GArray *seqs;	  /* of guint8: the seq of every request received */
	gint lost_seq;	  /* TEST_PEER_LOSSY: the seq whose first copy was dropped, -1 */
} TestPeer;

TestPeer *test_peer_new(const gchar *host, TestPeerMode mode);
void test_peer_free(TestPeer *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestPeer, test_peer_free)

G_END_DECLS
