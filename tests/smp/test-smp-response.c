/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"
#include "test-smp-util.h"

/* keys used below, as CBOR text */
#define K_RC "62 72 63"
#define K_ERR "63 65 72 72"
#define K_GROUP "65 67 72 6f 75 70"
#define K_RSN "63 72 73 6e"
#define K_OFF "63 6f 66 66"
#define K_MATCH "65 6d 61 74 63 68"
#define K_IMAGES "66 69 6d 61 67 65 73"
#define K_SLOT "64 73 6c 6f 74"
#define K_VERSION "67 76 65 72 73 69 6f 6e"
#define K_BUF_SIZE "68 62 75 66 5f 73 69 7a 65"
#define K_BUF_COUNT "69 62 75 66 5f 63 6f 75 6e 74"
#define K_BOOTLOADER "6a 62 6f 6f 74 6c 6f 61 64 65 72"
#define K_MODE "64 6d 6f 64 65"
#define K_NO_DOWN "6c 6e 6f 2d 64 6f 77 6e 67 72 61 64 65"
#define K_ACTIVE "66 61 63 74 69 76 65"
#define K_OUTPUT "66 6f 75 74 70 75 74"
#define V_100 "65 31 2e 30 2e 30" /* "1.0.0" */

/* test image 1.2.4.5 pending in slot 1, 1.2.3 running: every flag present */
#define STATE_FULL                                                                                 \
	"a2 66 69 6d 61 67 65 73 82 a8 64 73 6c 6f 74 00 67 76 65 72 73 69 6f 6e"                  \
	" 65 31 2e 32 2e 33 64 68 61 73 68 58 20 00 01 02 03 04 05 06 07 08 09 0a"                 \
	" 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 68 62 6f"                 \
	" 6f 74 61 62 6c 65 f5 67 70 65 6e 64 69 6e 67 f4 69 63 6f 6e 66 69 72 6d"                 \
	" 65 64 f5 66 61 63 74 69 76 65 f5 69 70 65 72 6d 61 6e 65 6e 74 f4 a8 64"                 \
	" 73 6c 6f 74 01 67 76 65 72 73 69 6f 6e 67 31 2e 32 2e 34 2e 35 64 68 61"                 \
	" 73 68 58 20 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33"                 \
	" 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f 68 62 6f 6f 74 61 62 6c 65 f5 67 70"                 \
	" 65 6e 64 69 6e 67 f5 69 63 6f 6e 66 69 72 6d 65 64 f4 66 61 63 74 69 76"                 \
	" 65 f4 69 70 65 72 6d 61 6e 65 6e 74 f4 6b 73 70 6c 69 74 53 74 61 74 75"                 \
	" 73 00"

/* CONFIG_MCUMGR_GRP_IMG_FRUGAL_LIST: false flags and splitStatus omitted */
#define STATE_FRUGAL                                                                               \
	"a1 66 69 6d 61 67 65 73 81 a5 64 73 6c 6f 74 00 67 76 65 72 73 69 6f 6e"                  \
	" 65 31 2e 30 2e 30 64 68 61 73 68 58 20 00 01 02 03 04 05 06 07 08 09 0a"                 \
	" 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 66 61 63"                 \
	" 74 69 76 65 f5 69 63 6f 6e 66 69 72 6d 65 64 f5"

/* zcbor (non-canonical) style indefinite maps, image 1, 64-byte SHA-512 hash */
#define STATE_SHA512                                                                               \
	"bf 66 69 6d 61 67 65 73 9f bf 65 69 6d 61 67 65 01 64 73 6c 6f 74 00 67"                  \
	" 76 65 72 73 69 6f 6e 65 32 2e 30 2e 30 64 68 61 73 68 58 40 00 01 02 03"                 \
	" 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b"                 \
	" 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33"                 \
	" 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f 68 62 6f 6f 74 61 62 6c 65 f5 66 61"                 \
	" 63 74 69 76 65 f5 69 63 6f 6e 66 69 72 6d 65 64 f5 ff ff ff"

/* a 31-byte hash */
#define STATE_HASH31                                                                               \
	"a1 66 69 6d 61 67 65 73 81 a3 64 73 6c 6f 74 00 67 76 65 72 73 69 6f 6e"                  \
	" 65 31 2e 30 2e 30 64 68 61 73 68 58 1f 00 00 00 00 00 00 00 00 00 00 00"                 \
	" 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"

/* MCUboot serial recovery: no hash */
#define STATE_NO_HASH                                                                              \
	"a1 66 69 6d 61 67 65 73 81 a4 65 69 6d 61 67 65 00 64 73 6c 6f 74 00 67"                  \
	" 76 65 72 73 69 6f 6e 65 30 2e 30 2e 30 68 62 6f 6f 74 61 62 6c 65 f5"

/* two images; image 1 slot 0 cannot be opened (rc -5) */
#define SLOT_INFO                                                                                  \
	"a1 66 69 6d 61 67 65 73 82 a3 65 69 6d 61 67 65 00 65 73 6c 6f 74 73 82"                  \
	" a2 64 73 6c 6f 74 00 64 73 69 7a 65 1a 00 07 80 00 a3 64 73 6c 6f 74 01"                 \
	" 64 73 69 7a 65 1a 00 07 80 00 6f 75 70 6c 6f 61 64 5f 69 6d 61 67 65 5f"                 \
	" 69 64 01 6e 6d 61 78 5f 69 6d 61 67 65 5f 73 69 7a 65 1a 00 07 60 00 a2"                 \
	" 65 69 6d 61 67 65 01 65 73 6c 6f 74 73 81 a2 64 73 6c 6f 74 00 62 72 63"                 \
	" 24"

/* {"buf_size": 2475, "buf_count": 4, "inst_role": 0} */
#define PARAMS                                                                                     \
	"a3 68 62 75 66 5f 73 69 7a 65 19 09 ab 69 62 75 66 5f 63 6f 75 6e 74 04"                  \
	" 69 69 6e 73 74 5f 72 6f 6c 65 00"

static DfudSmpResponse *
parse(guint op, guint version, guint group, guint id, const gchar *body_hex, GError **error)
{
	g_autoptr(GBytes) body = test_hex(body_hex);
	DfudSmpHeader hdr = {.op = op, .version = version, .group = group, .id = id, .seq = 7};
	g_autoptr(GBytes) frame =
	    dfud_smp_frame_new(&hdr, g_bytes_get_data(body, NULL), g_bytes_get_size(body));

	return dfud_smp_response_parse_bytes(frame, error);
}

static DfudSmpResponse *
parse_ok(guint op, guint group, guint id, const gchar *body_hex)
{
	g_autoptr(GError) error = NULL;
	DfudSmpResponse *resp = parse(op, DFUD_SMP_VERSION_2, group, id, body_hex, &error);

	g_assert_no_error(error);
	g_assert_nonnull(resp);
	return resp;
}

static void
assert_error(GError **error, DfudErrorCode code, const gchar *message)
{
	g_assert_error(*error, DFUD_ERROR, (gint)code);
	g_assert_cmpstr((*error)->message, ==, message);
	g_clear_error(error);
}

static void
test_response_echo(void)
{
	g_autoptr(GBytes) frame = test_hex("09 00 00 06 00 00 00 00 a1 61 72 62 68 69");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = dfud_smp_response_parse_bytes(frame, &error);
	g_autofree gchar *text = NULL;

	g_assert_no_error(error);
	g_assert_false(resp->status.failed);
	g_assert_cmpuint(resp->header.seq, ==, 0);
	text = dfud_smp_response_parse_echo(resp, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, "hi");
}

static void
test_response_params(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) ok = parse_ok(1, 0, 6, PARAMS);
	g_autoptr(DfudSmpResponse) missing = parse_ok(1, 0, 6, "a1 " K_BUF_SIZE " 19 09 ab");
	g_autoptr(DfudSmpResponse) wrong =
	    parse_ok(1, 0, 6, "a2 " K_BUF_SIZE " 61 78 " K_BUF_COUNT " 04");
	g_autoptr(DfudSmpResponse) big =
	    parse_ok(1, 0, 6, "a2 " K_BUF_SIZE " 1b 00 00 00 01 00 00 00 00 " K_BUF_COUNT " 04");
	DfudSmpParams params = {0};

	g_assert_true(dfud_smp_response_parse_params(ok, &params, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(params.buf_size, ==, 2475);
	g_assert_cmpuint(params.buf_count, ==, 4);

	g_assert_false(dfud_smp_response_parse_params(missing, &params, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL,
		     "os mcumgr params response: missing key \"buf_count\"");
	g_assert_false(dfud_smp_response_parse_params(wrong, &params, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL,
		     "os mcumgr params response: key \"buf_size\": expected unsigned integer, "
		     "got text string");
	g_assert_false(dfud_smp_response_parse_params(big, &params, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL,
		     "os mcumgr params response: key \"buf_size\": value 4294967296 is larger "
		     "than 4294967295");
}

static void
test_response_v1_rc(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    parse(1, DFUD_SMP_VERSION_1, 0, 6, "a1 " K_RC " 08", &error);
	DfudSmpParams params = {0};

	g_assert_no_error(error);
	g_assert_true(resp->status.failed);
	g_assert_false(resp->status.group_error);
	g_assert_cmpint(resp->status.rc, ==, 8);
	g_assert_null(resp->status.rsn);
	g_assert_false(dfud_smp_response_parse_params(resp, &params, &error));
	assert_error(&error, DFUD_ERROR_NOT_SUPPORTED, "os mcumgr params: MGMT_ERR_ENOTSUP (rc 8)");
	g_assert_false(dfud_smp_response_check(resp, &error));
	assert_error(&error, DFUD_ERROR_NOT_SUPPORTED, "os mcumgr params: MGMT_ERR_ENOTSUP (rc 8)");
}

static void
test_response_v2_err(void)
{
	g_autoptr(GError) error = NULL;
	/* {"err": {"group": 1, "rc": 31}, "rsn": "data overrun"} */
	g_autoptr(DfudSmpResponse) overrun =
	    parse_ok(3, 1, 1,
		     "a2 " K_ERR " a2 " K_GROUP " 01 " K_RC " 18 1f " K_RSN
		     " 6c 64 61 74 61 20 6f 76 65 72 72 75 6e");
	/* keys added before the failure: {"off": 512, "err": {"rc": 9, "group": 1}} */
	g_autoptr(DfudSmpResponse) late =
	    parse_ok(3, 1, 1, "a2 " K_OFF " 19 02 00 " K_ERR " a2 " K_RC " 09 " K_GROUP " 01");
	DfudSmpUploadResult result = {0};

	g_assert_true(overrun->status.failed);
	g_assert_true(overrun->status.group_error);
	g_assert_cmpuint(overrun->status.group, ==, 1);
	g_assert_cmpint(overrun->status.rc, ==, DFUD_SMP_IMG_RC_INVALID_IMAGE_DATA_OVERRUN);
	g_assert_cmpstr(overrun->status.rsn, ==, "data overrun");
	g_assert_false(dfud_smp_response_parse_image_upload(overrun, &result, &error));
	assert_error(&error, DFUD_ERROR_DEVICE,
		     "image upload: IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN (group 1, rc 31): "
		     "data overrun");

	g_assert_false(dfud_smp_response_parse_image_upload(late, &result, &error));
	assert_error(&error, DFUD_ERROR_DEVICE,
		     "image upload: IMG_MGMT_ERR_NO_FREE_SLOT (group 1, rc 9)");
	g_assert_cmpint(late->status.rc, ==, DFUD_SMP_IMG_RC_NO_FREE_SLOT);
}

static void
test_response_rc_zero(void)
{
	g_autoptr(GError) error = NULL;
	/* legacy rc behaviour {"rc": 0, "off": 1024} */
	g_autoptr(DfudSmpResponse) legacy = parse_ok(3, 1, 1, "a2 " K_RC " 00 " K_OFF " 19 04 00");
	/* completing chunk {"off": 1000, "match": true} */
	g_autoptr(DfudSmpResponse) done = parse_ok(3, 1, 1, "a2 " K_OFF " 19 03 e8 " K_MATCH " f5");
	/* err with rc 0 is no error either */
	g_autoptr(DfudSmpResponse) err0 =
	    parse_ok(3, 1, 1, "a2 " K_OFF " 00 " K_ERR " a2 " K_GROUP " 01 " K_RC " 00");
	/* from a Zephyr log: indefinite map {"rc": 0, "off": 0}, SMP v1, seq 0xd9 */
	g_autoptr(GBytes) zephyr =
	    test_hex("03 00 00 0b 00 01 d9 01 bf 62 72 63 00 63 6f 66 66 00 ff");
	g_autoptr(DfudSmpResponse) indef = dfud_smp_response_parse_bytes(zephyr, &error);
	g_autoptr(DfudSmpResponse) empty = parse_ok(3, 1, 1, "a0");
	DfudSmpUploadResult result = {0};

	g_assert_no_error(error);
	g_assert_false(legacy->status.failed);
	g_assert_true(dfud_smp_response_parse_image_upload(legacy, &result, &error));
	g_assert_cmpuint(result.off, ==, 1024);
	g_assert_false(result.has_match);
	g_assert_true(dfud_smp_response_parse_image_upload(done, &result, &error));
	g_assert_cmpuint(result.off, ==, 1000);
	g_assert_true(result.has_match);
	g_assert_true(result.match);
	g_assert_true(dfud_smp_response_parse_image_upload(err0, &result, &error));
	g_assert_cmpuint(result.off, ==, 0);
	g_assert_true(dfud_smp_response_parse_image_upload(indef, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(indef->header.seq, ==, 0xd9);
	g_assert_cmpuint(result.off, ==, 0);

	g_assert_false(dfud_smp_response_parse_image_upload(empty, &result, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL, "image upload response: missing key \"off\"");
}

static void
test_response_erase(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) empty = parse_ok(3, 1, 5, "a0");
	g_autoptr(DfudSmpResponse) rc0 = parse_ok(3, 1, 5, "a1 " K_RC " 00");
	g_autoptr(DfudSmpResponse) busy =
	    parse_ok(3, 1, 5, "a1 " K_ERR " a2 " K_GROUP " 01 " K_RC " 09");
	g_autoptr(DfudSmpResponse) v1 = parse_ok(3, 1, 5, "a1 " K_RC " 06");

	g_assert_true(dfud_smp_response_parse_image_erase(empty, &error));
	g_assert_true(dfud_smp_response_parse_image_erase(rc0, &error));
	g_assert_no_error(error);
	g_assert_false(dfud_smp_response_parse_image_erase(busy, &error));
	assert_error(&error, DFUD_ERROR_DEVICE,
		     "image erase: IMG_MGMT_ERR_NO_FREE_SLOT (group 1, rc 9)");
	g_assert_false(dfud_smp_response_parse_image_erase(v1, &error));
	assert_error(&error, DFUD_ERROR_DEVICE, "image erase: MGMT_ERR_EBADSTATE (rc 6)");
}

static void
test_response_state_full(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = parse_ok(1, 1, 0, STATE_FULL);
	g_autoptr(DfudSmpImageState) state = dfud_smp_response_parse_image_state(resp, &error);
	const DfudSmpImageSlot *s0, *s1;
	guint8 h[32];

	g_assert_no_error(error);
	g_assert_cmpuint(state->slots->len, ==, 2);
	g_assert_true(state->has_split_status);
	g_assert_cmpint(state->split_status, ==, 0);
	s0 = g_ptr_array_index(state->slots, 0);
	s1 = g_ptr_array_index(state->slots, 1);
	g_assert_cmpuint(s0->image, ==, 0);
	g_assert_cmpuint(s0->slot, ==, 0);
	g_assert_cmpstr(s0->version, ==, "1.2.3");
	g_assert_cmpuint(s0->hash_len, ==, 32);
	g_assert_cmpuint(s0->hash[31], ==, 0x1f);
	g_assert_true(s0->bootable && !s0->pending && s0->confirmed && s0->active &&
		      !s0->permanent);
	g_assert_cmpuint(s1->slot, ==, 1);
	g_assert_cmpstr(s1->version, ==, "1.2.4.5");
	g_assert_cmpuint(s1->hash[0], ==, 0x20);
	g_assert_true(s1->bootable && s1->pending && !s1->confirmed && !s1->active &&
		      !s1->permanent);

	g_assert_true(dfud_smp_image_state_find(state, 0, 1) == s1);
	g_assert_null(dfud_smp_image_state_find(state, 1, 0));
	g_assert_true(dfud_smp_image_state_find_active(state, 0) == s0);
	g_assert_null(dfud_smp_image_state_find_active(state, 1));
	for (guint i = 0; i < 32; i++)
		h[i] = (guint8)(32 + i);
	g_assert_true(dfud_smp_image_state_find_hash(state, h, 32) == s1);
	g_assert_null(dfud_smp_image_state_find_hash(state, h, 31));
}

static void
test_response_state_frugal(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) frugal = parse_ok(1, 1, 0, STATE_FRUGAL);
	g_autoptr(DfudSmpResponse) sha512 = parse_ok(3, 1, 0, STATE_SHA512);
	g_autoptr(DfudSmpResponse) nohash = parse_ok(1, 1, 0, STATE_NO_HASH);
	g_autoptr(DfudSmpImageState) a = dfud_smp_response_parse_image_state(frugal, &error);
	g_autoptr(DfudSmpImageState) b = dfud_smp_response_parse_image_state(sha512, &error);
	g_autoptr(DfudSmpImageState) c = dfud_smp_response_parse_image_state(nohash, &error);
	const DfudSmpImageSlot *s;

	g_assert_no_error(error);
	g_assert_false(a->has_split_status);
	s = g_ptr_array_index(a->slots, 0);
	g_assert_true(s->active && s->confirmed);
	g_assert_false(s->bootable || s->pending || s->permanent);

	s = g_ptr_array_index(b->slots, 0);
	g_assert_cmpuint(s->image, ==, 1);
	g_assert_cmpstr(s->version, ==, "2.0.0");
	g_assert_cmpuint(s->hash_len, ==, 64);
	g_assert_cmpuint(s->hash[63], ==, 63);
	g_assert_true(s->bootable && s->active && s->confirmed);

	s = g_ptr_array_index(c->slots, 0);
	g_assert_cmpuint(s->hash_len, ==, 0);
	g_assert_cmpstr(s->version, ==, "0.0.0");
}

static void
assert_state_fails(const gchar *body_hex, const gchar *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = parse_ok(1, 1, 0, body_hex);
	g_autoptr(DfudSmpImageState) state = dfud_smp_response_parse_image_state(resp, &error);

	g_assert_null(state);
	assert_error(&error, DFUD_ERROR_PROTOCOL, message);
}

static void
test_response_state_bad(void)
{
	assert_state_fails(STATE_HASH31, "image state read response: images[0]: key \"hash\": 31 "
					 "bytes, expected 32 or 64");
	assert_state_fails("a1 " K_IMAGES " 81 a1 " K_VERSION " " V_100,
			   "image state read response: images[0]: missing key \"slot\"");
	assert_state_fails("a1 " K_IMAGES " 81 a2 " K_SLOT " 19 01 00 " K_VERSION " " V_100,
			   "image state read response: images[0]: key \"slot\": value 256 is "
			   "larger than 255");
	assert_state_fails("a1 " K_IMAGES " 81 a2 " K_SLOT " 00 " K_VERSION " 01",
			   "image state read response: images[0]: key \"version\": expected text "
			   "string, got unsigned integer");
	assert_state_fails("a1 " K_IMAGES " 81 a3 " K_SLOT " 00 " K_VERSION " " V_100 " " K_ACTIVE
			   " 01",
			   "image state read response: images[0]: key \"active\": expected bool, "
			   "got unsigned integer");
	assert_state_fails("a1 " K_IMAGES " 82 a2 " K_SLOT " 00 " K_VERSION " " V_100 " 01",
			   "image state read response: images[1]: entry: expected map, got "
			   "unsigned integer");
	assert_state_fails("a1 " K_IMAGES " a0", "image state read response: key \"images\": "
						 "expected array, got map");
	assert_state_fails("a0", "image state read response: missing key \"images\"");
	assert_state_fails("a1 " K_IMAGES " 81 a3 " K_SLOT " 00 " K_VERSION " " V_100 " " K_SLOT
			   " 01",
			   "image state read response: images[0]: key \"slot\" appears twice");
}

static void
test_response_bootloader(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) name =
	    parse_ok(1, 0, 8, "a1 " K_BOOTLOADER " 67 4d 43 55 62 6f 6f 74");
	g_autoptr(DfudSmpResponse) mode = parse_ok(1, 0, 8, "a2 " K_MODE " 03 " K_NO_DOWN " f5");
	g_autoptr(DfudSmpResponse) unknown = parse_ok(1, 0, 8, "a1 " K_MODE " 20");
	g_autoptr(DfudSmpResponse) active = parse_ok(1, 0, 8, "a1 " K_ACTIVE " 01");
	g_autoptr(DfudSmpBootloaderInfo) a = dfud_smp_response_parse_bootloader_info(name, &error);
	g_autoptr(DfudSmpBootloaderInfo) b = dfud_smp_response_parse_bootloader_info(mode, &error);
	g_autoptr(DfudSmpBootloaderInfo) c =
	    dfud_smp_response_parse_bootloader_info(unknown, &error);
	g_autoptr(DfudSmpBootloaderInfo) d =
	    dfud_smp_response_parse_bootloader_info(active, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(a->bootloader, ==, "MCUboot");
	g_assert_false(a->has_mode || a->has_active || a->no_downgrade);
	g_assert_null(b->bootloader);
	g_assert_true(b->has_mode);
	g_assert_cmpint(b->mode, ==, 3);
	g_assert_true(b->no_downgrade);
	g_assert_true(c->has_mode);
	g_assert_cmpint(c->mode, ==, -1);
	g_assert_false(c->no_downgrade);
	g_assert_true(d->has_active);
	g_assert_cmpuint(d->active, ==, 1);
	/* the names of the D-Bus API's BootloaderMode */
	g_assert_cmpstr(dfud_smp_bootloader_mode_to_string(b->mode), ==, "swap-move");
	g_assert_cmpstr(dfud_smp_bootloader_mode_to_string(c->mode), ==, "");
	g_assert_cmpstr(dfud_smp_bootloader_mode_to_string(0), ==, "single-application");
	g_assert_cmpstr(dfud_smp_bootloader_mode_to_string(9), ==, "swap-offset");
	g_assert_cmpstr(dfud_smp_bootloader_mode_to_string(10), ==, "");
}

static void
assert_bootloader_fails(guint version, const gchar *body_hex, DfudErrorCode code,
			const gchar *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = parse(1, version, 0, 8, body_hex, &error);
	g_autoptr(DfudSmpBootloaderInfo) info = NULL;

	g_assert_no_error(error);
	info = dfud_smp_response_parse_bootloader_info(resp, &error);
	g_assert_null(info);
	assert_error(&error, code, message);
}

static void
test_response_bootloader_unsupported(void)
{
	g_autoptr(DfudSmpResponse) resp = parse_ok(1, 0, 8, "a1 " K_RC " 05");

	g_assert_true(dfud_smp_response_is_query_unsupported(resp));
	assert_bootloader_fails(0, "a1 " K_RC " 05", DFUD_ERROR_NOT_SUPPORTED,
				"os bootloader info: MGMT_ERR_ENOENT (rc 5)");
	assert_bootloader_fails(0, "a1 " K_RC " 03", DFUD_ERROR_NOT_SUPPORTED,
				"os bootloader info: MGMT_ERR_EINVAL (rc 3)");
	assert_bootloader_fails(1, "a1 " K_RC " 08", DFUD_ERROR_NOT_SUPPORTED,
				"os bootloader info: MGMT_ERR_ENOTSUP (rc 8)");
	assert_bootloader_fails(1, "a1 " K_ERR " a2 " K_GROUP " 00 " K_RC " 03",
				DFUD_ERROR_NOT_SUPPORTED,
				"os bootloader info: OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER (group 0, "
				"rc 3)");
	/* real failures keep their codes */
	assert_bootloader_fails(1, "a1 " K_ERR " a2 " K_GROUP " 00 " K_RC " 06", DFUD_ERROR_DEVICE,
				"os bootloader info: OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID "
				"(group 0, rc 6)");
	assert_bootloader_fails(1, "a1 " K_RC " 0a", DFUD_ERROR_BUSY,
				"os bootloader info: MGMT_ERR_EBUSY (rc 10)");
	assert_bootloader_fails(1, "a1 " K_ACTIVE " 02", DFUD_ERROR_PROTOCOL,
				"os bootloader info response: key \"active\": value 2 is larger "
				"than 1");
	assert_bootloader_fails(1, "a0", DFUD_ERROR_PROTOCOL,
				"os bootloader info response: none of the keys \"bootloader\", "
				"\"mode\", \"active\"");
	assert_bootloader_fails(1, "a1 " K_NO_DOWN " 01", DFUD_ERROR_PROTOCOL,
				"os bootloader info response: key \"no-downgrade\": expected bool, "
				"got unsigned integer");
}

static void
test_response_os_info(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = parse_ok(1, 0, 7, "a1 " K_OUTPUT " 66 5a 65 70 68 79 72");
	g_autoptr(DfudSmpResponse) bad = parse_ok(1, 0, 7, "a1 " K_OUTPUT " 41 00");
	g_autoptr(DfudSmpResponse) format =
	    parse_ok(1, 0, 7, "a1 " K_ERR " a2 " K_GROUP " 00 " K_RC " 02");
	g_autofree gchar *out = dfud_smp_response_parse_os_info(resp, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(out, ==, "Zephyr");
	g_assert_null(dfud_smp_response_parse_os_info(bad, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL,
		     "os info response: key \"output\": expected text string, got byte string");
	g_assert_null(dfud_smp_response_parse_os_info(format, &error));
	assert_error(&error, DFUD_ERROR_DEVICE,
		     "os info: OS_MGMT_ERR_INVALID_FORMAT (group 0, rc 2)");
}

static void
test_response_slot_info(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = parse_ok(1, 1, 6, SLOT_INFO);
	g_autoptr(DfudSmpSlotInfo) info = dfud_smp_response_parse_slot_info(resp, &error);
	g_autoptr(DfudSmpResponse) bad = parse_ok(
	    1, 1, 6,
	    "a1 " K_IMAGES " 81 a2 65 69 6d 61 67 65 00 65 73 6c 6f 74 73 81 a1 " K_SLOT " 00");
	const DfudSmpSlotInfoImage *img;
	const DfudSmpSlotInfoSlot *slot;

	g_assert_no_error(error);
	g_assert_cmpuint(info->images->len, ==, 2);
	img = g_ptr_array_index(info->images, 0);
	g_assert_cmpuint(img->image, ==, 0);
	g_assert_true(img->has_max_image_size);
	g_assert_cmpuint(img->max_image_size, ==, 483328);
	g_assert_cmpuint(img->slots->len, ==, 2);
	slot = &g_array_index(img->slots, DfudSmpSlotInfoSlot, 0);
	g_assert_cmpuint(slot->slot, ==, 0);
	g_assert_true(slot->has_size);
	g_assert_cmpuint(slot->size, ==, 491520);
	g_assert_false(slot->has_upload_image_id);
	slot = &g_array_index(img->slots, DfudSmpSlotInfoSlot, 1);
	g_assert_true(slot->has_upload_image_id);
	g_assert_cmpuint(slot->upload_image_id, ==, 1);
	img = g_ptr_array_index(info->images, 1);
	g_assert_false(img->has_max_image_size);
	slot = &g_array_index(img->slots, DfudSmpSlotInfoSlot, 0);
	g_assert_false(slot->has_size);
	g_assert_true(slot->has_rc);
	g_assert_cmpint(slot->rc, ==, -5);

	g_assert_null(dfud_smp_response_parse_slot_info(bad, &error));
	assert_error(&error, DFUD_ERROR_PROTOCOL,
		     "image slot info response: images[0]: slots[0]: missing key \"size\" (and "
		     "no \"rc\")");
}

static void
assert_parse_fails(const gchar *frame_hex, const gchar *message)
{
	g_autoptr(GBytes) frame = test_hex(frame_hex);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = dfud_smp_response_parse_bytes(frame, &error);

	g_assert_null(resp);
	assert_error(&error, DFUD_ERROR_PROTOCOL, message);
}

static void
test_response_parse_errors(void)
{
	assert_parse_fails("08 00 00 01 00 00 00 00 a0",
			   "os echo: SMP frame is not a response: op 0 (read)");
	assert_parse_fails("11 00 00 01 00 00 00 00 a0",
			   "os echo response: reserved SMP version field 2");
	assert_parse_fails("0b 00 00 00 00 01 00 05", "image erase response: empty body");
	assert_parse_fails("0b 00 00 02 00 01 00 05 a0", "image erase response: SMP frame "
							 "truncated: header announces 2 body "
							 "bytes, only 1 present");
	assert_parse_fails("0b 00 00 01 00 01 00 05 a0 a0",
			   "image erase response: SMP frame has 1 trailing bytes after the 1 body "
			   "bytes the header announces");
	assert_parse_fails("0b 00 00 01 00 01 00 05 80",
			   "image erase response: body: expected map, got array");
	assert_parse_fails("0b 00 00 09 00 01 00 05 9b ff ff ff ff ff ff ff ff",
			   "image erase response: CBOR array at byte 0 declares "
			   "18446744073709551615 items but only 0 bytes remain");
	assert_parse_fails("0b 00 00 09 00 01 00 05 a2 " K_RC " 00 " K_RC " 01",
			   "image erase response: key \"rc\" appears twice");
	assert_parse_fails("0b 00 00 06 00 01 00 05 a1 " K_RC " 61 78",
			   "image erase response: key \"rc\": expected integer, got text string");
	assert_parse_fails("0b 00 00 06 00 01 00 05 a1 " K_ERR " 01",
			   "image erase response: key \"err\": expected map, got unsigned integer");
	assert_parse_fails("0b 00 00 0d 00 01 00 05 a1 " K_ERR " a1 " K_GROUP " 01",
			   "image erase response: key \"err\": missing key \"rc\"");
	assert_parse_fails("0b 00 00 11 00 01 00 05 a1 " K_ERR " a2 " K_GROUP " 01 " K_RC " 20",
			   "image erase response: key \"err\": key \"rc\": expected unsigned "
			   "integer, got negative integer");
	assert_parse_fails("0b 00 00 07 00 01 00 05 a1 " K_RSN " 61 ff",
			   "image erase response: CBOR text string at byte 5 is not valid UTF-8");
	assert_parse_fails("0b 00 00 03 00 01 00 05 a1 01 02",
			   "image erase response: map key 0 is not a text string but a unsigned "
			   "integer");
}

static void
test_response_rsn(void)
{
	/* rsn is for logs: a wrong type is ignored, long text cut at 128 bytes */
	g_autoptr(DfudSmpResponse) num = parse_ok(3, 1, 1, "a2 " K_RC " 01 " K_RSN " 05");
	g_autoptr(DfudSmpResponse) ok_rsn = parse_ok(3, 1, 1, "a2 " K_RC " 00 " K_RSN " 61 61");
	g_autoptr(DfudSmpResponse) longer = NULL;
	g_autoptr(GError) error = NULL;
	GString *hex = g_string_new("a2 " K_RC " 01 " K_RSN " 78 c8");
	g_autofree gchar *body = NULL;

	for (guint i = 0; i < 200; i++)
		g_string_append(hex, " 7a");
	body = g_string_free(hex, FALSE);
	longer = parse_ok(3, 1, 1, body);
	g_assert_cmpuint(strlen(longer->status.rsn), ==, 128);

	g_assert_true(num->status.failed);
	g_assert_null(num->status.rsn);
	g_assert_false(dfud_smp_response_check(num, &error));
	assert_error(&error, DFUD_ERROR_DEVICE, "image upload: MGMT_ERR_EUNKNOWN (rc 1)");
	/* no rsn kept on success */
	g_assert_false(ok_rsn->status.failed);
	g_assert_null(ok_rsn->status.rsn);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/response/echo", test_response_echo);
	g_test_add_func("/smp/response/params", test_response_params);
	g_test_add_func("/smp/response/v1-rc", test_response_v1_rc);
	g_test_add_func("/smp/response/v2-err", test_response_v2_err);
	g_test_add_func("/smp/response/rc-zero", test_response_rc_zero);
	g_test_add_func("/smp/response/erase", test_response_erase);
	g_test_add_func("/smp/response/state-full", test_response_state_full);
	g_test_add_func("/smp/response/state-frugal", test_response_state_frugal);
	g_test_add_func("/smp/response/state-bad", test_response_state_bad);
	g_test_add_func("/smp/response/bootloader", test_response_bootloader);
	g_test_add_func("/smp/response/bootloader-unsupported",
			test_response_bootloader_unsupported);
	g_test_add_func("/smp/response/os-info", test_response_os_info);
	g_test_add_func("/smp/response/slot-info", test_response_slot_info);
	g_test_add_func("/smp/response/parse-errors", test_response_parse_errors);
	g_test_add_func("/smp/response/rsn", test_response_rsn);
	return g_test_run();
}
