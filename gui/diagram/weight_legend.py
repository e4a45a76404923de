"""The key under the network diagram: what edge width, edge colour and node fill mean."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from gui.common import palette


class WeightLegend(QWidget):
    """The key under the diagram: width scale, colour by sign, node fill. Its three
    groups share one line when they fit and wrap onto more lines when they don't."""

    SAMPLES = (1.0, 4.0, palette.WIDTH_FULL_SCALE)
    ROW_HEIGHT = 24

    def __init__(self, parent=None):
        super().__init__(parent)
        self.compare = False
        self.bias = False  # the "+1" edges are biases, on the weights' scale
        self.symbol = None  # what the edge widths show instead of |w| (a micro-step's)
        self.signed_nodes = False  # nodes filled by sign (a micro-step's error and deltas)
        self.rows = 1
        self.setFixedHeight(self.ROW_HEIGHT + 6)

    def set_compare(self, on):
        if on != self.compare:
            self.compare = on
            self.update()

    def set_bias(self, on):
        if on != self.bias:
            self.bias = on
            self.update()

    def set_symbol(self, symbol, signed_nodes=False):
        """Name what the edge widths show (None: the weights, or their change), and
        whether the nodes are filled by sign rather than by activation."""
        if (symbol, signed_nodes) != (self.symbol, self.signed_nodes):
            self.symbol, self.signed_nodes = symbol, signed_nodes
            self.update()

    def groups(self):
        """Each group is a list of ("line", pen), ("dot", colour) or ("text", str)."""
        symbol = self.symbol or (
            "|Δw|" if self.compare else ("|w| or |b|" if self.bias else "|w|"))
        widths = [("text", f"edge width ∝ {symbol}:")]
        for w in self.SAMPLES:
            widths += [("line", QPen(palette.INK, palette.weight_width(w))),
                       ("text", f"{w:g}+" if w == palette.WIDTH_FULL_SCALE else f"{w:g}")]
        colours = [("text", "colour:")]
        for w, label in ((-palette.COLOR_FULL_SCALE, "< 0"), (0.0, "≈ 0"),
                         (palette.COLOR_FULL_SCALE, "> 0")):
            colours += [("line", QPen(palette.weight_color(w), 5)), ("text", label)]
        nodes = [("text", "node fill = activation:"),
                 ("dot", palette.activation_color(0.0)), ("text", "0"),
                 ("dot", palette.activation_color(1.0)), ("text", "1")]
        if self.signed_nodes:
            nodes = [("text", "node fill = sign:"),
                     ("dot", palette.weight_color(-palette.COLOR_FULL_SCALE)), ("text", "< 0"),
                     ("dot", palette.weight_color(palette.COLOR_FULL_SCALE)), ("text", "> 0")]
        return [widths, colours, nodes]

    def _width(self, metrics, part):
        kind, value = part
        if kind == "text":
            return metrics.horizontalAdvance(value) + 8
        return 26 if kind == "line" else 16

    def _rows(self, metrics):
        rows, row, used = [], [], 0.0
        for group in self.groups():
            width = sum(self._width(metrics, part) for part in group) + 18
            if row and used + width > self.width() - 8:
                rows.append(row)
                row, used = [], 0.0
            row.append(group)
            used += width
        rows.append(row)
        return rows

    def resizeEvent(self, event):
        rows = len(self._rows(self.fontMetrics()))
        if rows != self.rows:
            self.rows = rows
            self.setFixedHeight(rows * self.ROW_HEIGHT + 6)
        super().resizeEvent(event)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), palette.BACKGROUND)
        metrics = painter.fontMetrics()
        for r, row in enumerate(self._rows(metrics)):
            x, y = 8.0, 3 + self.ROW_HEIGHT * (r + 0.5)
            for group in row:
                for part in group:
                    self._paint_part(painter, part, x, y)
                    x += self._width(metrics, part)
                x += 18
        painter.end()

    def _paint_part(self, painter, part, x, y):
        kind, value = part
        if kind == "text":
            painter.setPen(palette.INK)
            painter.drawText(QRectF(x, y - 10, 400, 20), Qt.AlignVCenter, value)
        elif kind == "line":
            pen = QPen(value)
            pen.setCapStyle(Qt.FlatCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, y), QPointF(x + 20, y))
        else:
            painter.setPen(QPen(palette.INK, 1))
            painter.setBrush(value)
            painter.drawEllipse(QPointF(x + 6, y), 6, 6)
