"""The key above each plot: which colour is which line.

A key sits above its plot, not on it, so it never hides the ends of the curves,
where the learner looks. It wraps to the plots' width, and its line grows to as
many lines as it needs (the plot gives up that height). A label too long for the
width is elided ("…"); if the entries still need more than MAX_KEY_LINES lines,
each is elided to half the width (then a third...), so they share lines. The key's
tooltip then gives every label in full. So a key is never wider than its plot and
never runs into its curves or the plot beside it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from gui.common import palette

MAX_KEY_LINES = 3
MAX_COLUMNS = 4  # the narrowest share of a line an elided label gets
MARGINS = 90.0  # px of the plots' width that the left axis and the margins take
MIN_ROOM = 60.0  # px: the key's width on the narrowest plots


class PlotKeys:
    """Keys above the plots ``plot_items`` (name -> PlotPanel): (colour, label) or
    (colour, label, dashed) entries and a note, as rich text in the plot's title,
    fitted to the plots' width (``width()``, in px), again by ``render_all`` on
    resize. ``labels[name]``: the labels of plot ``name``'s key, in full."""

    def __init__(self, plot_items, width, points):
        self.plot_items, self.width, self.points = plot_items, width, points
        self.labels = {}  # plot name -> labels in its key, in full
        self._source = {}  # plot name -> (entries, note)
        self._shown = {}  # plot name -> the rich text in its title (None: no key)

    def set(self, name, entries, note=""):
        self.labels[name] = [e[1] for e in entries]
        self._source[name] = (list(entries), note)
        self._render(name)

    def render_all(self):
        for name in self._source:
            self._render(name)

    def _render(self, name):
        entries, note = self._source[name]
        room = max(MIN_ROOM, self.width() - MARGINS)
        html, elided = layout_key(entries, note, room, self.points)
        html = html or None
        if name in self._shown and self._shown[name] == html:
            return  # laying out the same rich text again would change nothing
        self._shown[name] = html
        plot = self.plot_items[name]
        plot.setTitle(html, size=f"{self.points:g}pt", color=palette.INK.name())
        plot.titleLabel.setAttr("justify", "left")
        plot.titleLabel.setToolTip("\n".join(self.labels[name]) if elided else "")


def escape(text):
    """``html.escape(text)``, without importing ``html``: its entity table costs the
    window's start more than these five replacements do."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def key_html(entries, note, room, points):
    """Rich text for a plot's key (see ``layout_key``)."""
    return layout_key(entries, note, room, points)[0]


def layout_key(entries, note, room, points):
    """(rich text, elided) for a plot's key: a line sample and a label per entry
    ((colour, label) or (colour, label, dashed)), then ``note`` in italics, wrapped
    to lines of at most ``room`` px at ``points`` pt, labels elided as the module
    says; ``elided`` tells whether any label was."""
    font = QFont()
    font.setPointSizeF(points)
    metrics = QFontMetricsF(font)
    gap = metrics.horizontalAdvance("    ")
    lines, elided = [], False
    for columns in range(1, MAX_COLUMNS + 1):
        share = (room - (columns - 1) * gap) / columns
        parts, elided = _parts(entries, note, share, metrics)
        lines = _wrap(parts, room, gap)
        if len(lines) <= MAX_KEY_LINES:
            break
    return "<br>".join("&nbsp;&nbsp;&nbsp; ".join(line) for line in lines if line), elided


def _parts(entries, note, share, metrics):
    """[(html, width in px)] of each entry and the note, each at most ``share`` px
    wide; and whether any text had to be elided to fit."""
    parts, elided = [], False
    for entry in entries:
        color, label, dashed = (tuple(entry) + (False,))[:3]
        glyph = "╍╍" if dashed else "━━"
        shown = _elide(label, share - metrics.horizontalAdvance(f"{glyph} "), metrics)
        elided = elided or shown != label
        parts.append((f"<span style='color:{color.name()}'>{glyph}</span>&nbsp;"
                      f"{escape(shown)}", metrics.horizontalAdvance(f"{glyph} {shown}")))
    if note:
        shown = _elide(note, share, metrics)
        elided = elided or shown != note
        parts.append((f"<i>{escape(shown)}</i>", metrics.horizontalAdvance(shown)))
    return parts, elided


def _elide(text, width, metrics):
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0.0))


def _wrap(parts, room, gap):
    """The parts' html in lines of at most ``room`` px."""
    lines, line, used = [], [], 0.0
    for part, width in parts:
        if line and used + gap + width > room:
            lines.append(line)
            line, used = [], 0.0
        line.append(part)
        used += width + (gap if used else 0.0)
    lines.append(line)
    return lines
