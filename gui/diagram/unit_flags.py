"""Flags on the units that block the gradient at the shown iteration: a saturated
sigmoid or tanh unit, a dead ReLU (definitions: :mod:`nncore.gradient_flow`).

Each flag is a small badge at the top right of its node, above the diagram, with a
tooltip that says why the unit blocks learning. The flags follow the shown
iteration and the diagram's layout; they are their own scene items, so the
diagram's drawing is unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from gui.common import palette
from gui.common.names import unit_name
from gui.common.redraw import RedrawTimer
from nncore.gradient_flow import SATURATED_SHARE, SATURATION, unit_states

SATURATED_COLOR = QColor("#D55E00")  # vermilion
DEAD_COLOR = QColor("#505050")
SLOPE_AT = {"sigmoid": 0.0177, "tanh": 0.0707}  # the slope at the threshold, for words


def flag_text(kind, activation, share, name):
    """The tooltip of a flag: what the unit does, and why it blocks learning."""
    if kind == "dead":
        return (f"{name} is a dead ReLU: its sum s is ≤ 0 on every training row, so its "
                "output and its slope are 0 everywhere. No gradient passes back through "
                "it: the weights into it never change, and it cannot come back by itself.")
    limit, slope = SATURATION[activation], SLOPE_AT[activation]
    return (f"{name} is saturated: |s| ≥ {limit:g} on {share:.0%} of the training rows "
            f"(at least {SATURATED_SHARE:.0%}), where its slope {activation}′(s) ≤ "
            f"{slope:g}. Every gradient through it is multiplied by that slope, so the "
            "weights into it, and the layers before it, barely learn.")


class UnitFlag(QGraphicsItem):
    """One badge: "S" (saturated) or "0" (dead) in a small disc."""

    def __init__(self, kind, centre, radius, tooltip):
        super().__init__()
        self.kind, self.r = kind, radius
        self.setPos(centre)
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setZValue(10)
        # A badge never changes: drawn once, then copied (the diagram repaints
        # under it on every frame of Play).
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    def boundingRect(self):
        return QRectF(-self.r - 1, -self.r - 1, 2 * self.r + 2, 2 * self.r + 2)

    def paint(self, painter, option, widget=None):
        painter.setRenderHint(QPainter.Antialiasing)
        color = SATURATED_COLOR if self.kind == "saturated" else DEAD_COLOR
        painter.setPen(QPen(palette.BACKGROUND, 1.2))
        painter.setBrush(QBrush(color))
        painter.drawEllipse(QPointF(0, 0), self.r, self.r)
        font = QFont()
        font.setPixelSize(max(7, int(self.r * 1.3)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(palette.BACKGROUND)
        painter.drawText(self.boundingRect(), Qt.AlignCenter,
                         "S" if self.kind == "saturated" else "0")


class UnitFlags(QObject):
    """The flags of ``view`` (a NetworkView): ``flags`` lists ``(layer, unit, kind)``
    as drawn, layer 1 being the first after the inputs."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.items = []
        self.flags = []
        self.redraw = RedrawTimer(view, view.session, self.refresh, max_fps=10)
        cursor = view.session.cursor
        for signal in (cursor.sigRunReplaced, cursor.sigHistoryChanged,
                       cursor.sigIterationChanged):
            signal.connect(self.redraw.schedule)
        view.graphics.viewport().installEventFilter(self)  # a resize moves the nodes

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Resize:
            self.redraw.schedule()
        return False

    def refresh(self):
        """Flag the units of the shown iteration. The scene is touched only when a
        flag comes, goes or moves (a tooltip's share is updated in place): while
        Play runs, changed items would repaint the whole diagram an extra time."""
        session = self.view.session
        run, item = session.run, self.view.item
        wanted = []  # (layer, unit, kind, centre, tooltip)
        if len(item.positions) == len(run.layer_sizes):
            states = unit_states(run, session.iteration)
            for layer, (saturated, dead, share) in enumerate(
                    zip(states.saturated, states.dead, states.share, strict=True), 1):
                for unit in range(len(saturated)):
                    kind = "saturated" if saturated[unit] else "dead" if dead[unit] else None
                    if kind is None:
                        continue
                    x, y = item.positions[layer][unit]
                    name = unit_name(run.layer_sizes, layer, unit, qualified=True)
                    wanted.append((layer, unit, kind,
                                   QPointF(x + item.radius * 0.8, y - item.radius * 0.8),
                                   flag_text(kind, run.activations[layer - 1], share[unit],
                                             name)))
        r = max(6.0, item.radius * 0.6)
        places = [(layer, unit, kind, centre) for layer, unit, kind, centre, _ in wanted]
        drawn = [(*flag, badge.pos()) for flag, badge in zip(self.flags, self.items,
                                                               strict=True)]
        if places == drawn and all(badge.r == r for badge in self.items):
            for badge, (*_, text) in zip(self.items, wanted, strict=True):
                badge.setToolTip(text)
            return
        for flag in self.items:
            self.view.scene.removeItem(flag)
        self.items = [UnitFlag(kind, centre, r, text) for _, _, kind, centre, text in wanted]
        self.flags = [(layer, unit, kind) for layer, unit, kind, _, _ in wanted]
        for flag in self.items:
            self.view.scene.addItem(flag)
