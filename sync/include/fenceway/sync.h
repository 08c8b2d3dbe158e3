/*
 * fenceway/sync.h - everything of libfenceway-sync in one include.
 * pkg-config module: fenceway-sync.
 */
#ifndef FENCEWAY_SYNC_H
#define FENCEWAY_SYNC_H

#include <fenceway/fence.h>
#include <fenceway/timeline.h>
#include <fenceway/sync_file.h>
#include <fenceway/loop.h>
#include <fenceway/drm_syncobj.h>
#include <fenceway/trace.h>

#endif
