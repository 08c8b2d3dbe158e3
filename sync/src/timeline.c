/*
 * timeline.c - the generic timeline object: refcount, name, and dispatch to
 * the backend's ops (soft_timeline.c, drm_syncobj.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "soft_timeline.h"
#include "timeline_impl.h"

int fw_timeline_init(struct fw_timeline *tl, const struct fw_timeline_ops *ops,
		     const char *name)
{
	tl->name = strdup(name ? name : "");
	if (!tl->name)
		return -ENOMEM;
	tl->ops = ops;
	atomic_init(&tl->refcount, 1);
	tl->context = fw_fence_context_alloc(1);
	return 0;
}

int fw_timeline_create(const char *name, struct fw_timeline **out)
{
	if (!out)
		return -EINVAL;
	return fw_soft_timeline_create(name, out);
}

int fw_timeline_import(int fd, struct fw_timeline **out)
{
	if (!out)
		return -EINVAL;
	return fw_soft_timeline_import(fd, out);
}

struct fw_timeline *fw_timeline_get(struct fw_timeline *tl)
{
	if (tl)
		atomic_fetch_add_explicit(&tl->refcount, 1,
					  memory_order_relaxed);
	return tl;
}

void fw_timeline_put(struct fw_timeline *tl)
{
	char *name;

	if (!tl || atomic_fetch_sub_explicit(&tl->refcount, 1,
					     memory_order_acq_rel) != 1)
		return;
	name = tl->name;
	tl->ops->destroy(tl);
	free(name);
}

enum fw_backend fw_timeline_backend(const struct fw_timeline *tl)
{
	return tl ? tl->ops->backend : 0;
}

const char *fw_timeline_name(const struct fw_timeline *tl)
{
	return tl && tl->name ? tl->name : "";
}

int fw_timeline_export_fd(struct fw_timeline *tl)
{
	if (!tl)
		return -EINVAL;
	if (!tl->ops->export_fd)
		return -EOPNOTSUPP;
	return tl->ops->export_fd(tl);
}

int fw_timeline_signal(struct fw_timeline *tl, uint64_t point)
{
	if (!tl)
		return -EINVAL;
	return tl->ops->signal(tl, point);
}

int fw_timeline_set_error(struct fw_timeline *tl, int error)
{
	if (!tl || error >= 0)
		return -EINVAL;
	if (!tl->ops->set_error)
		return -EOPNOTSUPP;
	return tl->ops->set_error(tl, error);
}

int fw_timeline_query(struct fw_timeline *tl, uint64_t *value)
{
	if (!tl || !value)
		return -EINVAL;
	return tl->ops->query(tl, value);
}

int fw_timeline_get_error(struct fw_timeline *tl)
{
	if (!tl)
		return -EINVAL;
	return tl->ops->get_error ? tl->ops->get_error(tl) : 0;
}

struct fw_fence *fw_timeline_point_fence(struct fw_timeline *tl, uint64_t point)
{
	if (!tl) {
		errno = EINVAL;
		return NULL;
	}
	return tl->ops->point_fence(tl, point);
}

int fw_timeline_wait(struct fw_timeline *tl, uint64_t point, int64_t timeout_ns)
{
	struct fw_fence *fence;
	int ret;

	if (!tl)
		return -EINVAL;
	if (tl->ops->wait)
		return tl->ops->wait(tl, point, timeout_ns);

	/* Generic path: wait on a point fence. */
	fence = tl->ops->point_fence(tl, point);
	if (!fence)
		return -errno;
	ret = fw_fence_wait(fence, timeout_ns);
	if (ret == 0) {
		ret = fw_fence_get_status(fence);
		ret = ret < 0 ? ret : 0;
	}
	fw_fence_put(fence);
	return ret;
}
