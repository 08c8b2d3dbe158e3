#!/usr/bin/env python3
"""libfenceway-sync as a consumer outside this tree sees it.

Two checks, both against the build tree (a `meson install --destdir` would
test the same files at a higher cost):

 1. Consumable: every public header compiles on its own with -Wall -Werror,
    and a small program built only from `pkg-config --cflags --libs
    fenceway-sync` (the uninstalled .pc meson writes) makes a timeline, a
    fence and a sync file, waits, and runs.
 2. ABI: `nm -D --defined-only` of the shared library lists exactly the
    functions the public headers declare, each in the version node the
    version script (sync/fenceway-sync.map) puts it in -- a public function
    missing from the map, or a private symbol leaking out, fails here.

Usage: test_public_api.py BUILD_ROOT PUBLIC_INCLUDE_ROOT LIBRARY VERSION_SCRIPT
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
	CHECK(fw_trace_enable(64) == 0);
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
	int64_t producer = -1, observed = 0;
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	CHECK(observed > 0 && producer > 0 && producer <= observed);
	CHECK(sync_fence_count_with_status(fd, 1) == 1);
	close(fd);
	fw_fence_put(fence);
	fw_timeline_put(tl);
	fw_trace_disable();
	struct fw_trace_event ev[64];
	uint64_t dropped = 1;
	size_t n = fw_trace_drain(ev, 64, &dropped);
	CHECK(n >= 2 && dropped == 0);
	CHECK(ev[0].type == FW_TRACE_FENCE_CREATED && ev[0].seqno == 1);
	int signaled = 0;
	for (size_t i = 1; i < n; i++)
		signaled += ev[i].type == FW_TRACE_FENCE_SIGNALED &&
			    ev[i].fence_id == ev[0].fence_id;
	CHECK(signaled == 1);

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
        stripped = re.sub(r'\{[^{}]*\}', ' ', text)
        if stripped == text:
            break
        text = stripped
    names = set()
    for decl in text.split(';'):
        decl = decl.strip()
        if not decl or re.match(r'typedef\b', decl):
            continue
        m = re.search(r'\b([A-Za-z_]\w*)\s*\(', decl)
        if m:
            names.add(m.group(1))
    return names


def version_nodes(script):
    """{name: node} of the global symbols a version script lists."""
    with open(script) as f:
        text = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
    nodes = {}
    for m in re.finditer(r'(\w+)\s*\{(.*?)\}', text, flags=re.S):
        node, body = m.group(1), m.group(2)
        body = body.split('local:')[0].replace('global:', ' ')
        for name in re.findall(r'([A-Za-z_]\w*)\s*;', body):
            nodes[name] = node
    return nodes


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


def main():
    build_root, include_dir, library, script = sys.argv[1:5]
    cc = shlex.split(os.environ.get('CC', 'cc'))
    sanitize = os.environ.get('FW_SANITIZE', 'none')
    san = [] if sanitize in ('', 'none') else ['-fsanitize=' + sanitize]
    headers = sorted(h for h in os.listdir(os.path.join(include_dir, 'fenceway'))
                     if h.endswith('.h'))
    failures = []

    # 2. ABI first: it needs no compiler run of the program.
    public = public_functions(cc, include_dir, headers)
    syms = exported_symbols(library)
    nodes = version_nodes(script)
    if not nodes:
        failures.append('no symbols found in %s' % script)
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
            failures.append('%s has version %r, expected %s'
                            % (name, version, nodes.get(name)))
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
            tu = os.path.join(tmp, 'header_%s.c' % h[:-2])
            with open(tu, 'w') as f:
                f.write('#include <fenceway/%s>\n' % h)
            try:
                run(cc + ['-std=gnu11', '-Wall', '-Wextra', '-Werror',
                          '-Wstrict-prototypes', '-c', tu,
                          '-o', tu + '.o'] + cflags)
            except subprocess.CalledProcessError:
                failures.append('%s does not compile on its own' % h)
        prog_c = os.path.join(tmp, 'consumer.c')
        prog = os.path.join(tmp, 'consumer')
        with open(prog_c, 'w') as f:
            f.write(PROGRAM)
        try:
            # The rpath stands in for the installed library's ld.so path.
            run(cc + ['-std=gnu11', '-Wall', '-Wextra', '-Werror'] + san
                + cflags + [prog_c, '-o', prog] + libs
                + ['-Wl,-rpath,' + d for d in libdirs])
            out = run([prog], capture_output=True, timeout=60).stdout
            if out.strip() != 'ok':
                failures.append('consumer printed %r' % out)
        except subprocess.CalledProcessError as e:
            failures.append('consumer failed: %s\n%s' % (e, e.stderr or ''))

    for f in failures:
        print('FAIL:', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
