/*
 * timeline_impl.h - private: what a timeline backend implements.
 */
#ifndef FENCEWAY_TIMELINE_IMPL_H
#define FENCEWAY_TIMELINE_IMPL_H

#include <stdatomic.h>

#include <fenceway/timeline.h>

struct fw_timeline_ops {
	enum fw_backend backend;
	int (*export_fd)(struct fw_timeline *tl);
	int (*signal)(struct fw_timeline *tl, uint64_t point);
	int (*set_error)(struct fw_timeline *tl, int error);
	int (*query)(struct fw_timeline *tl, uint64_t *value);
	int (*get_error)(struct fw_timeline *tl);
	struct fw_fence *(*point_fence)(struct fw_timeline *tl, uint64_t point);
	int (*wait)(struct fw_timeline *tl, uint64_t point, int64_t timeout_ns);
	/*
	 * Free the backend's struct when the last reference goes.  The
	 * generic code frees tl->name itself, after destroy returns.
	 */
	void (*destroy)(struct fw_timeline *tl);
};

struct fw_timeline {
	const struct fw_timeline_ops *ops;
	atomic_int refcount;
	uint64_t context; /* fence context shared by this timeline's points */
	char *name;
};

/*
 * Initialise with one reference and a fresh fence context; @name is copied
 * (NULL gives "").  0 or -ENOMEM.  A backend that wants to share one context
 * between objects may overwrite tl->context right after.
 */
int fw_timeline_init(struct fw_timeline *tl, const struct fw_timeline_ops *ops,
		     const char *name);

#endif
