/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"

static guint destroyed;

static void
count_destroy(gpointer data)
{
	destroyed++;
	g_free(data);
}

static DfudSmpHeader
response_for(guint8 seq, guint16 group, guint8 id, guint8 req_op)
{
	return (DfudSmpHeader){.op = dfud_smp_op_response_for(req_op),
			       .version = DFUD_SMP_VERSION_2,
			       .group = group,
			       .id = id,
			       .seq = seq};
}

static void
test_pending_out_of_order(void)
{
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(g_free);
	g_autoptr(GError) error = NULL;
	guint8 seqs[3];
	static const guint offsets[3] = {0, 2400, 4800};

	/* a pipelined uploader with three chunks in flight */
	for (guint i = 0; i < 3; i++) {
		g_assert_true(dfud_smp_pending_register(
		    pending, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_UPLOAD, DFUD_SMP_OP_WRITE,
		    g_memdup2(&offsets[i], sizeof(guint)), &seqs[i], &error));
		g_assert_no_error(error);
		g_assert_cmpuint(seqs[i], ==, i);
	}
	g_assert_cmpuint(dfud_smp_pending_count(pending), ==, 3);

	/* responses arrive 2, 0, 1 */
	for (guint k = 0; k < 3; k++) {
		static const guint order[3] = {2, 0, 1};
		guint i = order[k];
		DfudSmpHeader rsp = response_for(seqs[i], DFUD_SMP_GROUP_IMAGE,
						 DFUD_SMP_IMAGE_UPLOAD, DFUD_SMP_OP_WRITE);
		const DfudSmpPendingEntry *entry = dfud_smp_pending_match(pending, &rsp, &error);
		g_autofree guint *off = NULL;

		g_assert_no_error(error);
		g_assert_nonnull(entry);
		g_assert_cmpuint(entry->seq, ==, seqs[i]);
		g_assert_cmpuint(*(guint *)entry->user_data, ==, offsets[i]);
		off = dfud_smp_pending_steal(pending, seqs[i]);
		g_assert_cmpuint(*off, ==, offsets[i]);
	}
	g_assert_cmpuint(dfud_smp_pending_count(pending), ==, 0);
}

static void
test_pending_duplicate(void)
{
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(NULL);
	g_autoptr(GError) error = NULL;
	DfudSmpHeader rsp;
	guint8 seq = 0;

	g_assert_true(dfud_smp_pending_register(pending, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_ECHO,
						DFUD_SMP_OP_READ, NULL, &seq, &error));
	rsp = response_for(seq, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_ECHO, DFUD_SMP_OP_READ);
	g_assert_nonnull(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_true(dfud_smp_pending_remove(pending, seq));
	g_assert_false(dfud_smp_pending_remove(pending, seq));

	/* the same response again: stale duplicate */
	g_assert_null(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==,
			"response seq 0 (os echo) matches no request in flight "
			"(stale or duplicate response)");
}

static void
test_pending_mismatch(void)
{
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(NULL);
	g_autoptr(GError) error = NULL;
	DfudSmpHeader rsp;
	guint8 seq = 0;

	dfud_smp_pending_set_next_seq(pending, 42);
	g_assert_true(dfud_smp_pending_register(pending, DFUD_SMP_GROUP_IMAGE,
						DFUD_SMP_IMAGE_UPLOAD, DFUD_SMP_OP_WRITE, NULL,
						&seq, &error));
	g_assert_cmpuint(seq, ==, 42);

	rsp = response_for(42, DFUD_SMP_GROUP_OS, DFUD_SMP_OS_ECHO, DFUD_SMP_OP_WRITE);
	g_assert_null(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==,
			"response seq 42 is for os echo (group 0, id 0) but the request was "
			"image upload (group 1, id 1)");
	g_clear_error(&error);

	rsp = response_for(42, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_STATE, DFUD_SMP_OP_WRITE);
	g_assert_null(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_clear_error(&error);

	/* read response to a write */
	rsp = response_for(42, DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_UPLOAD, DFUD_SMP_OP_READ);
	g_assert_null(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==,
			"response seq 42 to image upload has op 1 (read response), "
			"expected 3 (write response)");
	g_clear_error(&error);

	/* the request itself echoed back (op 2) is not a response either */
	rsp.op = DFUD_SMP_OP_WRITE;
	g_assert_null(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_clear_error(&error);

	/* the entry survives failed matches */
	g_assert_nonnull(dfud_smp_pending_lookup(pending, 42));
	rsp.op = DFUD_SMP_OP_WRITE_RSP;
	g_assert_nonnull(dfud_smp_pending_match(pending, &rsp, &error));
	g_assert_no_error(error);
}

static void
test_pending_wrap(void)
{
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(NULL);
	g_autoptr(GError) error = NULL;
	guint8 seq = 0;

	/* seq 0 and 1 still in flight from earlier */
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, NULL, &seq, &error));
	g_assert_cmpuint(seq, ==, 0);
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, NULL, &seq, &error));
	g_assert_cmpuint(seq, ==, 1);

	dfud_smp_pending_set_next_seq(pending, 254);
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, NULL, &seq, &error));
	g_assert_cmpuint(seq, ==, 254);
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, NULL, &seq, &error));
	g_assert_cmpuint(seq, ==, 255);
	/* wraps to 0, skips 0 and 1 in flight */
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, NULL, &seq, &error));
	g_assert_cmpuint(seq, ==, 2);
	g_assert_no_error(error);

	/* a wrapped response matches the newer request */
	{
		DfudSmpHeader rsp = response_for(255, 0, 0, DFUD_SMP_OP_READ);
		const DfudSmpPendingEntry *e = dfud_smp_pending_match(pending, &rsp, &error);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->seq, ==, 255);
	}
}

static void
test_pending_full(void)
{
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(count_destroy);
	g_autoptr(GError) error = NULL;
	guint8 seq = 0;

	destroyed = 0;
	for (guint i = 0; i < 256; i++) {
		g_assert_true(
		    dfud_smp_pending_register(pending, 1, 1, 2, g_new0(gint, 1), &seq, &error));
		g_assert_cmpuint(seq, ==, i);
	}
	g_assert_cmpuint(dfud_smp_pending_count(pending), ==, 256);
	g_assert_false(dfud_smp_pending_register(pending, 1, 1, 2, NULL, &seq, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_BUSY);
	g_clear_error(&error);

	g_assert_true(dfud_smp_pending_remove(pending, 100));
	g_assert_cmpuint(destroyed, ==, 1);
	g_assert_true(dfud_smp_pending_register(pending, 1, 1, 2, g_new0(gint, 1), &seq, &error));
	g_assert_cmpuint(seq, ==, 100);

	dfud_smp_pending_clear(pending);
	g_assert_cmpuint(destroyed, ==, 257);
	g_assert_cmpuint(dfud_smp_pending_count(pending), ==, 0);
}

static void
count_entry(const DfudSmpPendingEntry *entry, gpointer data)
{
	(*(guint *)data) += entry->seq;
}

static void
test_pending_misc(void)
{
	DfudSmpPending *pending = dfud_smp_pending_new(count_destroy);
	g_autoptr(GError) error = NULL;
	guint8 seq = 0;
	guint sum = 0;

	destroyed = 0;
	g_assert_false(
	    dfud_smp_pending_register(pending, 0, 0, DFUD_SMP_OP_READ_RSP, NULL, &seq, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	dfud_smp_pending_set_next_seq(pending, 10);
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, g_new0(gint, 1), &seq, NULL));
	g_assert_true(dfud_smp_pending_register(pending, 0, 0, 0, g_new0(gint, 1), &seq, NULL));
	dfud_smp_pending_foreach(pending, count_entry, &sum);
	g_assert_cmpuint(sum, ==, 21);
	g_assert_null(dfud_smp_pending_lookup(pending, 12));
	g_assert_null(dfud_smp_pending_steal(pending, 12));

	/* free destroys what is left */
	dfud_smp_pending_free(pending);
	g_assert_cmpuint(destroyed, ==, 2);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/pending/out-of-order", test_pending_out_of_order);
	g_test_add_func("/smp/pending/duplicate", test_pending_duplicate);
	g_test_add_func("/smp/pending/mismatch", test_pending_mismatch);
	g_test_add_func("/smp/pending/wrap", test_pending_wrap);
	g_test_add_func("/smp/pending/full", test_pending_full);
	g_test_add_func("/smp/pending/misc", test_pending_misc);
	return g_test_run();
}
