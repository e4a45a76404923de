"""Labels whose text changes on every frame without laying the window out again."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def steady_label(widest_text, parent=None):
    """A QLabel fixed at the size ``widest_text`` needs.

    ``setText`` asks the parent layout to run again unless the label's minimum and
    maximum sizes are equal (``QWidget::updateGeometry``). For the status bar and
    the iteration counter that re-lays out the whole main window on every seek
    and every frame of Play; at a fixed size a new text costs a repaint of the
    label only.
    """
    label = QLabel(widest_text, parent)
    label.setFixedSize(label.sizeHint())
    label.clear()
    return label
