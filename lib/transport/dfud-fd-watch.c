/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dfud-error.h"
#include "dfud-fd-watch.h"

/* events taken from the kernel per dispatch; more wait for the next iteration */
#define FD_SET_EVENTS_MAX 64

/* one per main context that has watches: its epoll descriptor is all the context polls */
typedef struct {
	GSource source;
	GMainContext *context;
	gint epfd;
	guint n_watches;
	guint dispatching;  /* depth: a callback may iterate the context itself */
	GPtrArray *removed; /* watches freed during a dispatch: freed after it */
} FdSet;

struct _DfudFdWatch {
	FdSet *set;
	gint fd;
	DfudFdWatchFunc func; /* NULL once removed */
	gpointer user_data;
};

static GMutex fd_sets_lock;
static GHashTable *fd_sets; /* GMainContext -> FdSet */

static GIOCondition
condition_from_epoll(guint32 events)
{
	GIOCondition condition = 0;

	if (events & EPOLLIN)
		condition |= G_IO_IN;
	if (events & EPOLLOUT)
		condition |= G_IO_OUT;
	if (events & EPOLLPRI)
		condition |= G_IO_PRI;
	if (events & EPOLLERR)
		condition |= G_IO_ERR;
	if (events & EPOLLHUP)
		condition |= G_IO_HUP;
	return condition;
}

static guint32
condition_to_epoll(GIOCondition condition)
{
	guint32 events = 0;

	if (condition & G_IO_IN)
		events |= EPOLLIN;
	if (condition & G_IO_OUT)
		events |= EPOLLOUT;
	if (condition & G_IO_PRI)
		events |= EPOLLPRI;
	return events; /* errors and hang-ups are always reported */
}

/* the set goes when its last watch does (not during its own dispatch: after it) */
static void
fd_set_release(FdSet *set)
{
	if (set->n_watches > 0 || set->dispatching)
		return;
	g_mutex_lock(&fd_sets_lock);
	g_hash_table_remove(fd_sets, set->context);
	g_mutex_unlock(&fd_sets_lock);
	g_source_destroy(&set->source);
	g_source_unref(&set->source);
}

static gboolean
fd_set_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	FdSet *set = (FdSet *)source;
	struct epoll_event events[FD_SET_EVENTS_MAX];
	int n;

	do {
		n = epoll_wait(set->epfd, events, FD_SET_EVENTS_MAX, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		g_warning("epoll_wait: %s", g_strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	set->dispatching++;
	for (int i = 0; i < n; i++) {
		DfudFdWatch *watch = events[i].data.ptr;
		if (watch->func != NULL)
			watch->func(watch->fd, condition_from_epoll(events[i].events),
				    watch->user_data);
	}
	if (--set->dispatching > 0)
		return G_SOURCE_CONTINUE;
	g_ptr_array_set_size(set->removed, 0);
	/* the set may have lost its last watch meanwhile; the context holds a reference until
	 * the source is destroyed, so releasing here is safe */
	fd_set_release(set);
	return G_SOURCE_CONTINUE;
}

static void
fd_set_finalize(GSource *source)
{
	FdSet *set = (FdSet *)source;

	g_ptr_array_unref(set->removed);
	if (set->epfd >= 0)
		close(set->epfd);
}

static GSourceFuncs fd_set_funcs = {
    .dispatch = fd_set_dispatch,
    .finalize = fd_set_finalize,
};

/* the context's set, made on first use; called with fd_sets_lock held */
static FdSet *
fd_set_get(GMainContext *context, GError **error)
{
	FdSet *set;
	gint epfd;

	if (fd_sets == NULL)
		fd_sets = g_hash_table_new(NULL, NULL);
	set = g_hash_table_lookup(fd_sets, context);
	if (set != NULL)
		return set;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot make an epoll set: %s",
			    g_strerror(errno));
		return NULL;
	}
	set = (FdSet *)g_source_new(&fd_set_funcs, sizeof(FdSet));
	g_source_set_static_name(&set->source, "dfud descriptors");
	/*
	 * GLib takes a dispatched source's descriptors out of the poll set and back in around
	 * its callback unless it may recurse, and each of those changes writes to the context's
	 * wake-up eventfd: two writes and one wasted wake-up per dispatch. Recursion is safe
	 * here (level-triggered, removals deferred to the outermost dispatch).
	 */
	g_source_set_can_recurse(&set->source, TRUE);
	set->context = context;
	set->epfd = epfd;
	set->removed = g_ptr_array_new_with_free_func(g_free);
	g_source_add_unix_fd(&set->source, epfd, G_IO_IN);
	g_source_attach(&set->source, context);
	g_hash_table_insert(fd_sets, context, set);
	return set;
}

DfudFdWatch *
dfud_fd_watch_new(GMainContext *context, gint fd, GIOCondition condition, DfudFdWatchFunc func,
		  gpointer user_data, GError **error)
{
	struct epoll_event event = {.events = condition_to_epoll(condition)};
	DfudFdWatch *watch;
	FdSet *set;

	g_return_val_if_fail(fd >= 0, NULL);
	g_return_val_if_fail(func != NULL, NULL);

	if (context == NULL)
		context = g_main_context_default();
	g_mutex_lock(&fd_sets_lock);
	set = fd_set_get(context, error);
	g_mutex_unlock(&fd_sets_lock);
	if (set == NULL)
		return NULL;

	watch = g_new0(DfudFdWatch, 1);
	watch->set = set;
	watch->fd = fd;
	watch->func = func;
	watch->user_data = user_data;
	event.data.ptr = watch;
	if (epoll_ctl(set->epfd, EPOLL_CTL_ADD, fd, &event) < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot watch descriptor %d: %s", fd,
			    g_strerror(errno));
		g_free(watch);
		fd_set_release(set);
		return NULL;
	}
	set->n_watches++;
	return watch;
}

void
dfud_fd_watch_free(DfudFdWatch *watch)
{
	FdSet *set;

	if (watch == NULL)
		return;
	set = watch->set;
	/* before the owner closes the descriptor: epoll forgets it only when the file goes */
	if (epoll_ctl(set->epfd, EPOLL_CTL_DEL, watch->fd, NULL) < 0)
		g_debug("cannot stop watching descriptor %d: %s", watch->fd, g_strerror(errno));
	watch->func = NULL;
	set->n_watches--;
	if (set->dispatching)
		g_ptr_array_add(set->removed, watch); /* its event may still be in this batch */
	else
		g_free(watch);
	fd_set_release(set);
}
