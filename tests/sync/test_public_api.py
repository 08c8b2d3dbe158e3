#!/usr/bin/env python3
"""libfenceway-sync as a consumer outside this tree sees it.

Two checks, both against the build tree (a `meson install --destdir` would
test the same files at a higher cost):

 1. Consumable: every public header compiles on its own with -Wall -Werror,
    and a small program built only from `pkg-config --cflags --libs
    fenceway-sync` (the uninstalled .pc meson writes) makes a timeline, a
    fence and a sync file, waits, and runs.
 2. ABI: `nm -D --defined-only` of the shared library lists exactly the
    functions the public headers declare, each with the version node that
    sync/fenceway-sync.map gives it -- a public function missing from the
    map, or a private symbol leaking out, fails here.  The released node
    FENCEWAY_SYNC_0 is frozen (RELEASED below): new functions go into a
    later node.

Usage: test_public_api.py BUILD_ROOT PUBLIC_INCLUDE_ROOT LIBRARY MAP
(PUBLIC_INCLUDE_ROOT holds fenceway/*.h, as <includedir> once installed.)
Environment: CC (the compiler command), FW_SANITIZE (meson's b_sanitize, so
the program links the same runtime as the library).
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

# What FENCEWAY_SYNC_0 shipped with; programs linked against it bind to
# these names at this version, so the node never gains or loses one.
RELEASED = {
    'FENCEWAY_SYNC_0': frozenset('''
        fw_fence_context_alloc fw_fence_create fw_fence_get fw_fence_put
        fw_fence_signal fw_fence_get_status fw_fence_is_signaled
        fw_fence_timestamp fw_fence_context fw_fence_seqno
        fw_fence_driver_name fw_fence_timeline_name fw_fence_add_callback
        fw_fence_remove_callback fw_fence_wait fw_fence_merge
        fw_fence_num_points fw_fence_point
        fw_timeline_create fw_timeline_import fw_timeline_get fw_timeline_put
        fw_timeline_backend fw_timeline_name fw_timeline_export_fd
        fw_timeline_signal fw_timeline_set_error fw_timeline_query
        fw_timeline_get_error fw_timeline_point_fence fw_timeline_wait
        fw_sync_force_fallback fw_sync_using_fallback
        fw_sync_file_create fw_sync_file_get_fence fw_sync_file_kind
        fw_loop_create fw_loop_destroy fw_loop_get_fd fw_loop_dispatch
        fw_loop_wait_fence fw_loop_wait_point fw_wait_cancel
        fw_drm_syncobj_timeline_supported fw_drm_syncobj_eventfd_supported
        fw_timeline_create_drm_syncobj fw_timeline_import_drm_syncobj
        fw_timeline_export_sync_file fw_timeline_import_sync_file
        sw_sync_timeline_create sw_sync_timeline_is_valid
        sw_sync_timeline_inc sw_sync_timeline_destroy sw_sync_fence_create
        sw_sync_fence_is_valid sw_sync_fence_destroy sync_wait sync_merge
        sync_fence_size sync_fence_count_with_status sync_file_info
        sync_file_info_free
    '''.split()),
}

PROGRAM = r'''
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <fenceway/sync.h>
#include <fenceway/libsync.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "line %d: %s failed\n", __LINE__, #cond); \
	return 1; } } while (0)

int main(void)
{
	/* fenceway's own API: timeline -> point fence -> sync file -> wait. */
	struct fw_timeline *tl = NULL;
	CHECK(fw_timeline_create("consumer", &tl) == 0);
	struct fw_fence *fence = fw_timeline_point_fence(tl, 1);
	CHECK(fence != NULL);
	int fd = fw_sync_file_create(fence);
	CHECK(fd >= 0);
	CHECK(fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	CHECK(sync_wait(fd, 0) == 0);
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(sync_wait(fd, 5000) > 0);
	CHECK(fw_fence_wait(fence, -1) == 0);
	CHECK(fw_fence_get_status(fence) == FW_FENCE_SIGNALED);
	CHECK(sync_fence_count_with_status(fd, 1) == 1);
	close(fd);
	fw_fence_put(fence);
	fw_timeline_put(tl);

	/* The kernel selftests' helpers (<fenceway/libsync.h>). */
	int swtl = sw_sync_timeline_create();
	CHECK(swtl >= 0);
	int swfd = sw_sync_fence_create(swtl, "consumer", 2);
	CHECK(swfd >= 0);
	CHECK(sync_wait(swfd, 0) == 0);
	CHECK(sw_sync_timeline_inc(swtl, 2) == 0);
	CHECK(sync_wait(swfd, 5000) > 0);
	struct sync_file_info *info = sync_file_info(swfd);
	CHECK(info != NULL && info->status == 1);
	sync_file_info_free(info);
	sw_sync_fence_destroy(swfd);
	sw_sync_timeline_destroy(swtl);
	puts("ok");
	return 0;
}
'''


# Code written for Android: <fenceway/android/sync.h>'s sync_wait and the
# legacy info API.
ANDROID_PROGRAM = r'''
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <fenceway/android/sync.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "line %d: %s failed\n", __LINE__, #cond); \
	return 1; } } while (0)

int main(void)
{
	int tl = sw_sync_timeline_create();
	CHECK(tl >= 0);
	int fd = sw_sync_fence_create(tl, "android", 1);
	CHECK(fd >= 0);
	CHECK(sync_wait(fd, 0) == -1 && errno == ETIME);
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_wait(fd, 5000) == 0);
	struct sync_fence_info_data *info = sync_fence_info(fd);
	CHECK(info != NULL && info->status == 1);
	struct sync_pt_info *pt = sync_pt_info(info, NULL);
	CHECK(pt != NULL && pt->status == 1 && pt->timestamp_ns > 0);
	CHECK(sync_pt_info(info, pt) == NULL);
	sync_fence_info_free(info);
	close(fd);
	sw_sync_timeline_destroy(tl);
	puts("ok");
	return 0;
}
'''


def run(cmd, **kw):
    print('+', shlex.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


def public_functions(cc, include_dir, headers):
    """Functions the public headers declare, by name.

    Read from the preprocessed headers (so only what a consumer's compiler
    sees counts), keeping the lines whose line marker names a public header,
    dropping brace bodies (struct/enum) and typedefs; what is left of each
    declaration `... name(args);` is a function.
    """
    src = ''.join('#include <fenceway/%s>\n' % h for h in headers)
    out = run(cc + ['-E', '-I', include_dir, '-x', 'c', '-'], input=src,
              capture_output=True).stdout
    inc = os.path.realpath(include_dir)
    text, keep = [], False
    for line in out.splitlines():
        m = re.match(r'#\s*\d+\s+"([^"]+)"', line)
        if m:
            keep = os.path.realpath(m.group(1)).startswith(inc + os.sep)
        elif keep:
            text.append(line)
    text = ' '.join(text)
    while True:
        # A body after a parameter list ends a definition, as ';' would.
        stripped = re.sub(r'\)\s*\{[^{}]*\}', ');', text)
        stripped = re.sub(r'\{[^{}]*\}', ' ', stripped)
        if stripped == text:
            break
        text = stripped
    names = set()
    for decl in text.split(';'):
        decl = decl.strip()
        # static inline functions are compiled into the caller: no symbol.
        if not decl or re.match(r'(typedef|static)\b', decl):
            continue
        m = re.search(r'\b([A-Za-z_]\w*)\s*\(', decl)
        if m:
            names.add(m.group(1))
    return names


def exported_symbols(library):
    """{name: (nm type, version)} of what the library defines dynamically."""
    out = run(['nm', '-D', '--defined-only', library],
              capture_output=True).stdout
    syms = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        name, _, version = name.partition('@')
        syms[name] = (kind, version.lstrip('@'))
    return syms


def version_nodes(map_path):
    """{symbol: version node} as the version script assigns them."""
    text = re.sub(r'/\*.*?\*/', ' ', open(map_path).read(), flags=re.S)
    nodes = {}
    for node, body in re.findall(r'(\w+)\s*\{(.*?)\}', text, flags=re.S):
        body = body.split('local:')[0].replace('global:', ' ')
        for name in re.findall(r'([A-Za-z_]\w*)\s*;', body):
            nodes[name] = node
    return nodes


def main():
    build_root, include_dir, library, map_path = sys.argv[1:5]
    cc = shlex.split(os.environ.get('CC', 'cc'))
    sanitize = os.environ.get('FW_SANITIZE', 'none')
    san = [] if sanitize in ('', 'none') else ['-fsanitize=' + sanitize]
    top = os.path.join(include_dir, 'fenceway')
    headers = sorted(os.path.relpath(os.path.join(d, h), top)
                     for d, _, files in os.walk(top)
                     for h in files if h.endswith('.h'))
    failures = []

    # 2. ABI first: it needs no compiler run of the program.
    public = public_functions(cc, include_dir, headers)
    syms = exported_symbols(library)
    nodes = version_nodes(map_path)
    if not public:
        failures.append('no public functions found in %s' % include_dir)
    for name in sorted(public - set(syms)):
        failures.append('public function not exported: %s '
                        '(add it to sync/fenceway-sync.map)' % name)
    for name, (kind, version) in sorted(syms.items()):
        if kind == 'A' and name in nodes.values():
            continue  # a version node's own definition
        if name not in public:
            failures.append('exported but not in a public header: %s (%s)'
                            % (name, kind))
        elif kind not in ('T', 'W'):
            failures.append('public name exported as a non-function: %s (%s)'
                            % (name, kind))
        elif version != nodes.get(name):
            failures.append('%s has version %r, the map says %s'
                            % (name, version, nodes.get(name)))
    for node, names in RELEASED.items():
        now = {n for n, v in nodes.items() if v == node}
        for name in sorted(names ^ now):
            failures.append('released node %s changed: %s %s (new functions '
                            'go into a new node)' % (node, name,
                            'added' if name in now else 'removed'))
    print('%d public functions, %d exported symbols'
          % (len(public), len(syms)))

    # 1. Consumable: headers alone, then a program through pkg-config.
    env = dict(os.environ)
    env['PKG_CONFIG_PATH'] = os.pathsep.join(
        [os.path.join(build_root, 'meson-uninstalled')]
        + [p for p in env.get('PKG_CONFIG_PATH', '').split(os.pathsep) if p])
    def pkg_config(what):
        return run(['pkg-config', what, 'fenceway-sync'], env=env,
                   capture_output=True).stdout.split()
    cflags, libs = pkg_config('--cflags'), pkg_config('--libs')
    libdirs = [f[2:] for f in libs if f.startswith('-L')]
    with tempfile.TemporaryDirectory(prefix='fw-public-api-') as tmp:
        for h in headers:
            tu = os.path.join(tmp, 'header_%s.c'
                              % h[:-2].replace(os.sep, '_'))
            with open(tu, 'w') as f:
                f.write('#include <fenceway/%s>\n' % h)
            try:
                run(cc + ['-std=gnu11', '-Wall', '-Wextra', '-Werror',
                          '-Wstrict-prototypes', '-c', tu,
                          '-o', tu + '.o'] + cflags)
            except subprocess.CalledProcessError:
                failures.append('%s does not compile on its own' % h)
        for name, source in (('consumer', PROGRAM),
                             ('android-consumer', ANDROID_PROGRAM)):
            prog_c = os.path.join(tmp, name + '.c')
            prog = os.path.join(tmp, name)
            with open(prog_c, 'w') as f:
                f.write(source)
            try:
                # The rpath stands in for the installed library's ld.so path.
                run(cc + ['-std=gnu11', '-Wall', '-Wextra', '-Werror'] + san
                    + cflags + [prog_c, '-o', prog] + libs
                    + ['-Wl,-rpath,' + d for d in libdirs])
                out = run([prog], capture_output=True, timeout=60).stdout
                if out.strip() != 'ok':
                    failures.append('%s printed %r' % (name, out))
            except subprocess.CalledProcessError as e:
                failures.append('%s failed: %s\n%s'
                                % (name, e, e.stderr or ''))

    for f in failures:
        print('FAIL:', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
