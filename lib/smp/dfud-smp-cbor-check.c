/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-smp-cbor-check.h"

/*
 * Bounds pre-check for untrusted CBOR, run before cbor_load().
 *
 * libcbor 0.8 builds its item tree as it goes and allocates a definite array or map for the
 * declared count before reading a single element, so a 9-byte body can ask for gigabytes; it
 * also does not limit nesting, and it accepts an indefinite map that ends after a key. This walk
 * uses libcbor's streaming decoder (one item head per call, no allocation) and refuses:
 *
 *  - truncated or malformed encodings (libcbor's own verdict),
 *  - nesting of arrays and maps deeper than DFUD_SMP_CBOR_MAX_DEPTH,
 *  - a definite array or map whose declared elements cannot fit in the bytes left: every
 *    element still owed by every open container takes at least one byte, so the sum of the
 *    owed elements must never exceed the unread bytes (this bounds what cbor_load allocates
 *    by the body length),
 *  - a break that closes nothing, or closes an indefinite map after a key,
 *  - text strings that are not valid UTF-8 (libcbor would refuse them with a bare syntax error),
 *  - anything after the first complete top-level item, and an empty body.
 *
 * Indefinite-length ARRAYS and MAPS are accepted: they are legal CBOR, zcbor emits them when
 * built without ZCBOR_CANONICAL and older (tinycbor-based) Zephyr servers answered with
 * `bf ... ff` maps, and libcbor grows them step by step, so they cannot over-allocate.
 * Indefinite-length (chunked) byte and text STRINGS are refused: no SMP server sends them and
 * the lookups would have to reassemble chunks. Tags are refused too: SMP bodies never carry
 * them and they would be a second way to nest items.
 */

typedef enum {
	DFUD_SMP_CBOR_EV_NONE,
	DFUD_SMP_CBOR_EV_SCALAR,
	DFUD_SMP_CBOR_EV_TEXT,
	DFUD_SMP_CBOR_EV_ARRAY,
	DFUD_SMP_CBOR_EV_MAP,
	DFUD_SMP_CBOR_EV_INDEF_ARRAY,
	DFUD_SMP_CBOR_EV_INDEF_MAP,
	DFUD_SMP_CBOR_EV_BREAK,
	DFUD_SMP_CBOR_EV_INDEF_STRING,
	DFUD_SMP_CBOR_EV_TAG,
} DfudSmpCborEvent;

typedef struct {
	gboolean indefinite;
	gboolean is_map;
	guint64 remaining; /* definite: elements (keys and values) still owed */
	guint64 seen;	   /* indefinite: elements read so far */
} DfudSmpCborLevel;

typedef struct {
	DfudSmpCborEvent event;
	guint64 count;
	const guint8 *text; /* DFUD_SMP_CBOR_EV_TEXT */
	gsize text_len;
	DfudSmpCborLevel stack[DFUD_SMP_CBOR_MAX_DEPTH];
	guint depth;
	guint64 owed; /* bytes still owed to open containers: >= 1 per element or break */
	gboolean done;
} DfudSmpCborWalk;

static void
walk_scalar(void *ctx)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_SCALAR;
}

static void
walk_u8(void *ctx, uint8_t v)
{
	walk_scalar(ctx);
}

static void
walk_u16(void *ctx, uint16_t v)
{
	walk_scalar(ctx);
}

static void
walk_u32(void *ctx, uint32_t v)
{
	walk_scalar(ctx);
}

static void
walk_u64(void *ctx, uint64_t v)
{
	walk_scalar(ctx);
}

static void
walk_data(void *ctx, cbor_data data, size_t len)
{
	walk_scalar(ctx);
}

static void
walk_text(void *ctx, cbor_data data, size_t len)
{
	DfudSmpCborWalk *walk = ctx;

	walk->event = DFUD_SMP_CBOR_EV_TEXT;
	walk->text = data;
	walk->text_len = len;
}

static void
walk_float(void *ctx, float v)
{
	walk_scalar(ctx);
}

static void
walk_double(void *ctx, double v)
{
	walk_scalar(ctx);
}

static void
walk_bool(void *ctx, bool v)
{
	walk_scalar(ctx);
}

static void
walk_indef_string(void *ctx)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_INDEF_STRING;
}

static void
walk_array(void *ctx, size_t count)
{
	DfudSmpCborWalk *walk = ctx;

	walk->event = DFUD_SMP_CBOR_EV_ARRAY;
	walk->count = count;
}

static void
walk_map(void *ctx, size_t count)
{
	DfudSmpCborWalk *walk = ctx;

	walk->event = DFUD_SMP_CBOR_EV_MAP;
	walk->count = count;
}

static void
walk_indef_array(void *ctx)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_INDEF_ARRAY;
}

static void
walk_indef_map(void *ctx)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_INDEF_MAP;
}

static void
walk_tag(void *ctx, uint64_t v)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_TAG;
}

static void
walk_break(void *ctx)
{
	((DfudSmpCborWalk *)ctx)->event = DFUD_SMP_CBOR_EV_BREAK;
}

/* libcbor's field comments are swapped in places; these follow the prototypes */
static const struct cbor_callbacks dfud_smp_cbor_walk_callbacks = {
    .uint8 = walk_u8,
    .uint16 = walk_u16,
    .uint32 = walk_u32,
    .uint64 = walk_u64,
    .negint8 = walk_u8,
    .negint16 = walk_u16,
    .negint32 = walk_u32,
    .negint64 = walk_u64,
    .byte_string = walk_data,
    .byte_string_start = walk_indef_string,
    .string = walk_text,
    .string_start = walk_indef_string,
    .array_start = walk_array,
    .indef_array_start = walk_indef_array,
    .map_start = walk_map,
    .indef_map_start = walk_indef_map,
    .tag = walk_tag,
    .float2 = walk_float,
    .float4 = walk_float,
    .float8 = walk_double,
    .undefined = walk_scalar,
    .null = walk_scalar,
    .boolean = walk_bool,
    .indef_break = walk_break,
};

/* an item has ended: close every definite container it completes */
static void
walk_item_complete(DfudSmpCborWalk *walk)
{
	while (walk->depth > 0) {
		DfudSmpCborLevel *top = &walk->stack[walk->depth - 1];

		if (top->indefinite || top->remaining > 0)
			return;
		walk->depth--;
	}
	walk->done = TRUE;
}

/* a new item starts inside the innermost open container: it takes one owed element */
static void
walk_item_start(DfudSmpCborWalk *walk)
{
	DfudSmpCborLevel *top;

	if (walk->depth == 0)
		return;
	top = &walk->stack[walk->depth - 1];
	if (top->indefinite) {
		top->seen++;
	} else {
		top->remaining--;
		walk->owed--;
	}
}

static gboolean
walk_open(DfudSmpCborWalk *walk, gsize offset, gsize left, GError **error)
{
	gboolean indefinite = walk->event == DFUD_SMP_CBOR_EV_INDEF_ARRAY ||
			      walk->event == DFUD_SMP_CBOR_EV_INDEF_MAP;
	gboolean is_map =
	    walk->event == DFUD_SMP_CBOR_EV_MAP || walk->event == DFUD_SMP_CBOR_EV_INDEF_MAP;
	guint64 elements = 1; /* an indefinite container owes at least its break byte */
	DfudSmpCborLevel *level;

	if (walk->depth >= DFUD_SMP_CBOR_MAX_DEPTH) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "CBOR nesting deeper than %u at byte %" G_GSIZE_FORMAT,
			    DFUD_SMP_CBOR_MAX_DEPTH, offset);
		return FALSE;
	}
	if (!indefinite) {
		if (walk->count == 0) {
			walk_item_complete(walk);
			return TRUE;
		}
		if (is_map && walk->count > G_MAXUINT64 / 2)
			elements = G_MAXUINT64;
		else
			elements = is_map ? walk->count * 2 : walk->count;
	}
	if (walk->owed > left || elements > left - walk->owed) {
		if (indefinite) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "CBOR body truncated: indefinite %s at byte %" G_GSIZE_FORMAT
				    " cannot be closed",
				    is_map ? "map" : "array", offset);
		} else {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "CBOR %s at byte %" G_GSIZE_FORMAT
				    " declares %" G_GUINT64_FORMAT " %s but only %" G_GSIZE_FORMAT
				    " bytes remain",
				    is_map ? "map" : "array", offset, walk->count,
				    is_map ? "pairs" : "items", left);
		}
		return FALSE;
	}
	level = &walk->stack[walk->depth++];
	level->indefinite = indefinite;
	level->is_map = is_map;
	level->remaining = indefinite ? 0 : elements;
	level->seen = 0;
	walk->owed += elements;
	return TRUE;
}

static gboolean
walk_close(DfudSmpCborWalk *walk, gsize offset, GError **error)
{
	DfudSmpCborLevel *top;

	if (walk->depth == 0 || !walk->stack[walk->depth - 1].indefinite) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "CBOR break at byte %" G_GSIZE_FORMAT
			    " does not close an indefinite-length item",
			    offset);
		return FALSE;
	}
	top = &walk->stack[walk->depth - 1];
	if (top->is_map && top->seen % 2 != 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "CBOR map closed at byte %" G_GSIZE_FORMAT " after a key without value",
			    offset);
		return FALSE;
	}
	walk->depth--;
	walk->owed--;
	walk_item_complete(walk);
	return TRUE;
}

/* UTF-8 as RFC 8949 requires (libcbor refuses anything else with a bare syntax error); NUL is
 * valid UTF-8 here, the typed getters refuse it where a C string is made */
static gboolean
text_is_utf8(const guint8 *text, gsize len)
{
	while (len > 0) {
		const guint8 *nul = memchr(text, 0, len);
		gsize segment = nul != NULL ? (gsize)(nul - text) : len;

		if (segment > 0 && !g_utf8_validate_len((const gchar *)text, segment, NULL))
			return FALSE;
		if (nul == NULL)
			break;
		text += segment + 1;
		len -= segment + 1;
	}
	return TRUE;
}

static gboolean
walk_event(DfudSmpCborWalk *walk, gsize offset, gsize left, GError **error)
{
	switch (walk->event) {
	case DFUD_SMP_CBOR_EV_BREAK:
		return walk_close(walk, offset, error);
	case DFUD_SMP_CBOR_EV_TEXT:
		if (walk->text_len > 0 && !text_is_utf8(walk->text, walk->text_len)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "CBOR text string at byte %" G_GSIZE_FORMAT
				    " is not valid UTF-8",
				    offset);
			return FALSE;
		}
		walk_item_start(walk);
		walk_item_complete(walk);
		return TRUE;
	case DFUD_SMP_CBOR_EV_SCALAR:
		walk_item_start(walk);
		walk_item_complete(walk);
		return TRUE;
	case DFUD_SMP_CBOR_EV_ARRAY:
	case DFUD_SMP_CBOR_EV_MAP:
	case DFUD_SMP_CBOR_EV_INDEF_ARRAY:
	case DFUD_SMP_CBOR_EV_INDEF_MAP:
		walk_item_start(walk);
		return walk_open(walk, offset, left, error);
	case DFUD_SMP_CBOR_EV_INDEF_STRING:
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "indefinite-length CBOR string at byte %" G_GSIZE_FORMAT
			    " is not accepted",
			    offset);
		return FALSE;
	case DFUD_SMP_CBOR_EV_TAG:
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "CBOR tag at byte %" G_GSIZE_FORMAT " is not accepted", offset);
		return FALSE;
	case DFUD_SMP_CBOR_EV_NONE:
	default:
		break;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
		    "malformed CBOR at byte %" G_GSIZE_FORMAT, offset);
	return FALSE;
}

/* Validates one complete CBOR item spanning exactly data[0..len) (see the comment above). */
gboolean
dfud_smp_cbor_check(const guint8 *data, gsize len, GError **error)
{
	DfudSmpCborWalk walk = {0};
	gsize offset = 0;

	g_return_val_if_fail(data != NULL || len == 0, FALSE);

	if (len == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "empty CBOR body");
		return FALSE;
	}
	while (offset < len) {
		struct cbor_decoder_result res;

		if (walk.done) {
			g_set_error(
			    error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%" G_GSIZE_FORMAT
			    " trailing bytes after the CBOR item, from byte %" G_GSIZE_FORMAT,
			    len - offset, offset);
			return FALSE;
		}
		walk.event = DFUD_SMP_CBOR_EV_NONE;
		res = cbor_stream_decode(data + offset, len - offset, &dfud_smp_cbor_walk_callbacks,
					 &walk);
		if (res.status == CBOR_DECODER_NEDATA) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "CBOR body truncated at byte %" G_GSIZE_FORMAT, offset);
			return FALSE;
		}
		if (res.status != CBOR_DECODER_FINISHED || res.read == 0 ||
		    res.read > len - offset) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "malformed CBOR at byte %" G_GSIZE_FORMAT, offset);
			return FALSE;
		}
		offset += res.read;
		if (!walk_event(&walk, offset - res.read, len - offset, error))
			return FALSE;
	}
	if (!walk.done) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "CBOR body truncated: %u containers still open at the end", walk.depth);
		return FALSE;
	}
	return TRUE;
}

/* Pre-checks then decodes one item; the caller owns the result (cbor_decref / g_autoptr). */
cbor_item_t *
dfud_smp_cbor_load(const guint8 *data, gsize len, GError **error)
{
	struct cbor_load_result res = {0};
	cbor_item_t *item;

	if (!dfud_smp_cbor_check(data, len, error))
		return NULL;
	item = cbor_load(data, len, &res);
	if (item == NULL || res.error.code != CBOR_ERR_NONE || res.read != len) {
		if (item != NULL)
			cbor_decref(&item);
		if (res.error.code == CBOR_ERR_MEMERROR) {
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_FAILED,
					    "out of memory decoding CBOR");
		} else {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "CBOR decoding failed at byte %" G_GSIZE_FORMAT " (libcbor "
				    "error %d)",
				    res.error.position, (gint)res.error.code);
		}
		return NULL;
	}
	return item;
}
