/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dd-store.h"

#define STORE_DOMAIN "DfudStore"

typedef struct {
	gchar *tmp;  /* removed afterwards */
	gchar *dir;  /* the state directory, created by the store */
	gchar *jobs; /* dir/jobs */
	DdStore *store;
} Fixture;

void fixture_set_up(Fixture *f, gconstpointer data);
void fixture_tear_down(Fixture *f, gconstpointer data);
/* a new store on the same directory, as after a restart of the daemon */
void fixture_restart(Fixture *f);
void write_file(const gchar *dir, const gchar *name, const gchar *data, gssize len);
gboolean file_exists(const gchar *dir, const gchar *name);
guint file_mode(const gchar *dir, const gchar *name);
void remove_file(const gchar *dir, const gchar *name);
/* the store's next job id, asserted to be one */
guint64 next_id(Fixture *f);
/* state.ini's NextJobId */
guint64 state_next_job_id(Fixture *f);
/* expects the warning of N.@ext set aside as unusable */
void expect_set_aside(guint64 id, const gchar *ext);

#define ADD_STORE_TEST(path, fn)                                                                   \
	g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
