/*
 * fd_watch.h - private: the library's own fd-watching thread.
 *
 * The library signals its fences on its own, whatever the
 * application's threads are doing.  One epoll thread per process watches
 * every fd whose readiness means "a fence signalled" (imported soft sync
 * files, kernel sync_files, syncobj eventfds) or "a receiver went away"
 * (soft sync file producer ends).  Started lazily; a forked child starts its
 * own and never inherits the parent's watches.
 */
#ifndef FENCEWAY_FD_WATCH_H
#define FENCEWAY_FD_WATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct fw_fd_watch;

/*
 * Called once on the watch thread when @fd has any of the requested @events
 * (EPOLLIN, EPOLLHUP, ...); the watch is then disarmed (one-shot) but stays
 * allocated until fw_fd_watch_remove().  Keep it short; don't remove the
 * watch from inside the callback (remove it later, or pass
 * FW_FD_WATCH_AUTO_FREE so it frees itself after the callback).
 */
typedef void (*fw_fd_watch_func_t)(int fd, uint32_t events, void *data);

enum { FW_FD_WATCH_AUTO_FREE = 1 << 0 };

/*
 * Watch @fd (borrowed: it must stay open until the watch is removed or has
 * fired with AUTO_FREE).  NULL with errno on failure.
 */
struct fw_fd_watch *fw_fd_watch_add(int fd, uint32_t events, unsigned flags,
				    fw_fd_watch_func_t func, void *data);
/*
 * The same, but the watch is also stored in *@publish before it can fire,
 * so a callback running at once, or another thread, never sees it unset.
 */
struct fw_fd_watch *
fw_fd_watch_add_published(int fd, uint32_t events, unsigned flags,
			  fw_fd_watch_func_t func, void *data,
			  _Atomic(struct fw_fd_watch *) *publish);
/*
 * Start the watch thread and its epoll fd now (normally lazy), so fd-leak
 * tests can count them in their baseline.  0 or a negative errno.
 */
int fw_fd_watch_start(void);

/*
 * Notes on the contract:
 *  - One watch per (fd, events) is the usual case; two watches on the same
 *    fd number work too (the second watches a private dup, closed with it).
 *  - Removing an AUTO_FREE watch is allowed until its callback has started;
 *    from then on it frees itself and must not be touched.
 *  - In a fork()ed child every inherited watch is dead: it never fires,
 *    and fw_fd_watch_remove() just frees it.
 *
 * Remove a watch that has not auto-freed.  After this returns the callback
 * is not running and will not run.
 */
void fw_fd_watch_remove(struct fw_fd_watch *watch);
/*
 * Remove @watch only if its callback has not started: true if it is gone
 * (freed, AUTO_FREE or not; the callback will never run), false if the
 * callback is running or has run (then it is the callback's: an AUTO_FREE
 * watch frees itself, another one still needs fw_fd_watch_remove()).
 * Never waits, so it may be called from a fence callback that the watch's
 * own callback waits for.
 */
bool fw_fd_watch_try_remove(struct fw_fd_watch *watch);

#endif
