#!/usr/bin/python3
"""A tiny GTK window that offers files as a drag source (text/uri-list), standing in for a file
manager in the real drag-and-drop test. Run with Debian's python3 (which has `gi`).

Usage: drag_source.py X Y PATH...   — the window sits at (X, Y), 160x160 pixels.
Prints "ready" once the window is mapped, "sent" each time a drop target asks for the data (which
may be before the drop), and "ended" when the drag is over (the target finished, or it failed).
"""
import sys
from pathlib import Path

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [Path(p).resolve().as_uri() for p in sys.argv[3:]]

window = Gtk.Window(title="coffer-drag-source")
window.set_default_size(160, 160)
window.move(x, y)
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
button.drag_source_add_uri_targets()


def on_drag_data_get(_widget, _context, data, _info, _time):
    data.set_uris(uris)
    print("sent", flush=True)


button.connect("drag-data-get", on_drag_data_get)
# After the drop target has taken the data and said it is finished (or the drag failed).
button.connect("drag-end", lambda *_: print("ended", flush=True))
window.add(button)
window.connect("destroy", Gtk.main_quit)
window.show_all()


def on_mapped(_widget, _event):
    print("ready", flush=True)
    return False


window.connect("map-event", on_mapped)
Gtk.main()
