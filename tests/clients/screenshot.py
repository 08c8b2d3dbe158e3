"""Run several demos side by side with --linger, then check a screenshot:
each window shows its own colour where the compositor's log says the
window is, each shm demo's label is drawn, and no pixel anywhere shows
the demos' poison colour (the look of a frame whose acquire fence had not
signalled yet).
"""
import os
import signal

import demo_summary

POISON = 0xff00ff


def label_height(height):
    """The demos' label strip (clients/common/label.c)."""
    top = height // 5
    return top if top >= 24 else 0


def contrast(rgb):
    """The label's ink on @rgb (clients/common/square.c)."""
    r, g, b = (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff
    return 0x000000 if (r * 299 + g * 587 + b * 114) // 1000 > 128 else 0xffffff


def covered(x, y, later):
    return any(o["x"] <= x < o["x"] + o["width"] and
               o["y"] <= y < o["y"] + o["height"] for o in later)


def check_label(test, img, win, color, later):
    """The visible part of @win's label strip has text: the window's
    colour and the ink colour both (grey edges of the glyphs aside)."""
    seen = set()
    for y in range(win["y"], win["y"] + label_height(win["height"])):
        for x in range(win["x"], win["x"] + win["width"]):
            if not covered(x, y, later):
                seen.add(img.pixel_u32(x, y))
    test.assertIn(color, seen, "label background of %r" % win)
    test.assertIn(contrast(color), seen, "label text of %r" % win)


def visible_point(win, later):
    """A point of @win below the demos' label and top band (where the
    moving square lives) that no later-mapped (so higher-stacked) window
    covers."""
    top = label_height(win["height"])
    rest = win["height"] - top
    band = top + rest // 8 + (rest // 32) * 2
    for fy in (0.95, 0.8, 0.6):
        for fx in (0.02, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98):
            x = win["x"] + int(win["width"] * fx)
            y = win["y"] + max(band + 2, int(win["height"] * fy))
            if not covered(x, y, later):
                return x, y
    raise AssertionError("window %r is completely covered" % win)


def run_side_by_side(test, fw, demos, frames=30):
    """@demos: list of (name, color, argv without --name/--color/--frames).
    Returns {name: summary}."""
    procs = {}
    for name, color, argv in demos:
        procs[name] = fw.spawn_client(argv + ["--name", name, "--color", "%06x" % color,
                                              "--frames", str(frames), "--linger"])
    # The summary comes when every frame is accounted for; the windows
    # stay up (--linger) for the capture.
    for name, p in procs.items():
        fw.wait_for(lambda p=p: "errors:" in fw.client_output(p) or p.poll() is not None,
                    "the summary of " + name, timeout=120)
        test.assertIsNone(p.poll(), "%s exited early:\n%s" % (name, fw.client_output(p)))
    wins = fw.wait_for_toplevels(len(demos))
    img = fw.capture()

    by_title = {w["title"]: w for w in wins}
    order = [w["title"] for w in wins]
    for name, color, argv in demos:
        win = by_title[name]
        later = [by_title[t] for t in order[order.index(name) + 1:]]
        x, y = visible_point(win, later)
        test.assertEqual(img.pixel_u32(x, y), color,
                         "%s at %d,%d (window %r)" % (name, x, y, win))
        check_label(test, img, win, color, later)
    poisoned = sum(1 for i in range(0, len(img.data), 3)
                   if img.data[i] == 0xff and img.data[i + 1] == 0 and img.data[i + 2] == 0xff)
    test.assertEqual(poisoned, 0, "poison pixels on screen")

    summaries = {}
    for name, p in procs.items():
        p.send_signal(signal.SIGTERM)
        rc = p.wait(30)
        out = fw.client_output(p)
        test.assertEqual(rc, 0, out)
        test.assertIn("exit: errors=0", out)
        s = demo_summary.parse(out)
        demo_summary.check_accounting(test, s, frames, out)
        summaries[name] = s
    return summaries
