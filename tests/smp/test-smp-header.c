/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"
#include "test-smp-util.h"

/* spec §3.1 example: SMP v2 echo {"d":"hi"} at seq 0 and its response */
#define ECHO_REQUEST "08 00 00 06 00 00 00 00 a1 61 64 62 68 69"
#define ECHO_RESPONSE "09 00 00 06 00 00 00 00 a1 61 72 62 68 69"

static void
test_header_encode_echo(void)
{
	DfudSmpHeader hdr = {.op = DFUD_SMP_OP_READ, .version = DFUD_SMP_VERSION_2, .len = 6};
	guint8 out[DFUD_SMP_HEADER_SIZE];
	g_autoptr(GBytes) bytes = NULL;

	dfud_smp_header_encode(&hdr, out);
	bytes = g_bytes_new(out, sizeof(out));
	test_assert_bytes_hex(bytes, "08 00 00 06 00 00 00 00");
}

static void
test_header_decode_echo(void)
{
	g_autoptr(GBytes) req = test_hex(ECHO_REQUEST);
	g_autoptr(GBytes) rsp = test_hex(ECHO_RESPONSE);
	g_autoptr(GError) error = NULL;
	DfudSmpHeader hdr = {0};
	const guint8 *body = NULL;
	gsize body_len = 0;

	g_assert_true(dfud_smp_frame_decode(g_bytes_get_data(req, NULL), g_bytes_get_size(req),
					    &hdr, &body, &body_len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(hdr.op, ==, DFUD_SMP_OP_READ);
	g_assert_cmpuint(hdr.version, ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(hdr.len, ==, 6);
	g_assert_cmpuint(hdr.group, ==, DFUD_SMP_GROUP_OS);
	g_assert_cmpuint(hdr.id, ==, DFUD_SMP_OS_ECHO);
	g_assert_cmpuint(body_len, ==, 6);
	g_assert_cmpuint(body[0], ==, 0xa1);

	g_assert_true(dfud_smp_frame_decode(g_bytes_get_data(rsp, NULL), g_bytes_get_size(rsp),
					    &hdr, &body, &body_len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(hdr.op, ==, DFUD_SMP_OP_READ_RSP);
	g_assert_cmpuint(hdr.version, ==, DFUD_SMP_VERSION_2);
	g_assert_cmpuint(hdr.seq, ==, 0);
	g_assert_cmpuint(body[2], ==, 'r');
}

static void
test_header_big_endian(void)
{
	DfudSmpHeader hdr = {.op = DFUD_SMP_OP_WRITE_RSP,
			     .version = DFUD_SMP_VERSION_1,
			     .flags = 0x5a,
			     .len = 0xabcd,
			     .group = 0x1234,
			     .seq = 0xfe,
			     .id = 0x07};
	DfudSmpHeader back = {0};
	guint8 out[DFUD_SMP_HEADER_SIZE];
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_header_encode(&hdr, out);
	bytes = g_bytes_new(out, sizeof(out));
	test_assert_bytes_hex(bytes, "03 5a ab cd 12 34 fe 07");
	g_assert_true(dfud_smp_header_decode(out, sizeof(out), &back, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(back.op, ==, hdr.op);
	g_assert_cmpuint(back.version, ==, hdr.version);
	g_assert_cmpuint(back.flags, ==, hdr.flags);
	g_assert_cmpuint(back.len, ==, hdr.len);
	g_assert_cmpuint(back.group, ==, hdr.group);
	g_assert_cmpuint(back.seq, ==, hdr.seq);
	g_assert_cmpuint(back.id, ==, hdr.id);

	/* version 3 (reserved) and op 7 still decode: the caller decides (a server answers
	 * rc 13), only the three top bits are refused */
	out[0] = 0x1f;
	g_assert_true(dfud_smp_header_decode(out, sizeof(out), &back, &error));
	g_assert_cmpuint(back.version, ==, 3);
	g_assert_cmpuint(back.op, ==, 7);
}

static void
test_header_errors(void)
{
	static const guint8 short_buf[7] = {0x09, 0, 0, 0, 0, 0, 0};
	static const guint8 reserved[8] = {0x29, 0, 0, 0, 0, 0, 0, 0};
	g_autoptr(GBytes) truncated = test_hex("09 00 00 06 00 00 00 00 a1 61 72 62 68");
	g_autoptr(GBytes) trailing = test_hex(ECHO_RESPONSE " 00 00");
	g_autoptr(GError) error = NULL;
	DfudSmpHeader hdr;

	g_assert_false(dfud_smp_header_decode(short_buf, sizeof(short_buf), &hdr, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==, "SMP frame too short: 7 bytes, the header needs 8");
	g_clear_error(&error);

	g_assert_false(dfud_smp_header_decode(NULL, 0, &hdr, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_clear_error(&error);

	g_assert_false(dfud_smp_header_decode(reserved, sizeof(reserved), &hdr, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==, "SMP header has reserved bits set (first byte 0x29)");
	g_clear_error(&error);

	g_assert_false(dfud_smp_frame_decode(g_bytes_get_data(truncated, NULL),
					     g_bytes_get_size(truncated), &hdr, NULL, NULL,
					     &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==,
			"SMP frame truncated: header announces 6 body bytes, only 5 present");
	g_clear_error(&error);

	g_assert_false(dfud_smp_frame_decode(g_bytes_get_data(trailing, NULL),
					     g_bytes_get_size(trailing), &hdr, NULL, NULL, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==,
			"SMP frame has 2 trailing bytes after the 6 body bytes the header "
			"announces");
}

static void
test_frame_new(void)
{
	static const guint8 body[] = {0xa1, 0x61, 0x72, 0x62, 0x68, 0x69};
	DfudSmpHeader hdr = {.op = DFUD_SMP_OP_READ_RSP, .version = 1, .len = 999};
	g_autoptr(GBytes) frame = dfud_smp_frame_new(&hdr, body, sizeof(body));

	/* len comes from the body, not from hdr.len */
	test_assert_bytes_hex(frame, ECHO_RESPONSE);
}

static void
test_command_names(void)
{
	static const struct {
		guint group, id, op;
		const gchar *name;
	} cases[] = {
	    {0, 0, 0, "os echo"},
	    {0, 0, 2, "os echo"},
	    {0, 5, 2, "os reset"},
	    {0, 6, 1, "os mcumgr params"},
	    {0, 7, 0, "os info"},
	    {0, 8, 0, "os bootloader info"},
	    {1, 0, 0, "image state read"},
	    {1, 0, 1, "image state read"},
	    {1, 0, 2, "image state write"},
	    {1, 0, 3, "image state write"},
	    {1, 1, 2, "image upload"},
	    {1, 5, 3, "image erase"},
	    {1, 6, 0, "image slot info"},
	    {1, 9, 0, "image command 9"},
	    {0, 200, 0, "os command 200"},
	    {8, 3, 0, "fs command 3"},
	    {63, 0, 2, "zephyr basic command 0"},
	    {77, 1, 0, "group 77 command 1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *name =
		    dfud_smp_command_describe(cases[i].group, cases[i].id, cases[i].op);
		g_assert_cmpstr(name, ==, cases[i].name);
	}
	g_assert_null(dfud_smp_command_name(77, 1, 0));
	g_assert_cmpstr(dfud_smp_group_name(DFUD_SMP_GROUP_IMAGE), ==, "image");
	g_assert_null(dfud_smp_group_name(64));
}

static void
test_ops(void)
{
	g_assert_cmpuint(dfud_smp_op_response_for(DFUD_SMP_OP_READ), ==, DFUD_SMP_OP_READ_RSP);
	g_assert_cmpuint(dfud_smp_op_response_for(DFUD_SMP_OP_WRITE), ==, DFUD_SMP_OP_WRITE_RSP);
	g_assert_true(dfud_smp_op_is_response(1));
	g_assert_true(dfud_smp_op_is_response(3));
	g_assert_false(dfud_smp_op_is_response(0));
	g_assert_false(dfud_smp_op_is_response(5));
	g_assert_cmpstr(dfud_smp_op_name(3), ==, "write response");
	g_assert_cmpstr(dfud_smp_op_name(6), ==, "reserved op");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/header/encode-echo", test_header_encode_echo);
	g_test_add_func("/smp/header/decode-echo", test_header_decode_echo);
	g_test_add_func("/smp/header/big-endian", test_header_big_endian);
	g_test_add_func("/smp/header/errors", test_header_errors);
	g_test_add_func("/smp/header/frame-new", test_frame_new);
	g_test_add_func("/smp/header/command-names", test_command_names);
	g_test_add_func("/smp/header/ops", test_ops);
	return g_test_run();
}
