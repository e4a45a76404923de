"""The network diagram: nodes layer by layer, edges coloured and sized by weight."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, QSignalBlocker
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QVBoxLayout,
    QWidget,
)

from gui import palette
from nncore.network import forward


class NetworkItem(QGraphicsItem):
    """Every node and edge of the network as one item."""

    def __init__(self, view):
        super().__init__()
        self.view = view
        self.rect = QRectF(0, 0, 600, 400)

    def boundingRect(self):
        return self.rect

    def paint(self, painter, option, widget=None):
        painter.setRenderHint(QPainter.Antialiasing)
        positions = self.view.node_positions()
        weights = self.view.session.weights()
        for layer, W in enumerate(weights):
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    w = W[i, j]
                    painter.setPen(QPen(palette.weight_color(w), palette.weight_width(w)))
                    painter.drawLine(QLineF(positions[layer][i], positions[layer + 1][j]))
        values = self.view.activations()
        painter.setPen(QPen(palette.INK, 1))
        for layer, points in enumerate(positions):
            for i, p in enumerate(points):
                painter.setBrush(QBrush(palette.activation_color(values[layer][i])))
                painter.drawEllipse(p, 14, 14)
                painter.drawText(QRectF(p.x() - 14, p.y() - 14, 28, 28), 0x84,
                                 f"{values[layer][i]:.2f}")


class NetworkView(QWidget):
    """The central diagram with a sample selector."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.samples = QComboBox()
        self.scene = QGraphicsScene(self)
        self.graphics = QGraphicsView(self.scene)
        self.item = NetworkItem(self)
        self.scene.addItem(self.item)
        layout = QVBoxLayout(self)
        layout.addWidget(self.samples)
        layout.addWidget(self.graphics)
        self.samples.currentIndexChanged.connect(session.select_sample)
        session.sigRunReplaced.connect(self._fill_samples)
        session.sigIterationChanged.connect(self.item.update)
        session.sigSampleChanged.connect(self._on_sample)
        self._fill_samples()

    def _fill_samples(self):
        with QSignalBlocker(self.samples):
            self.samples.clear()
            run = self.session.run
            for x, y in zip(run.X, run.Y, strict=True):
                self.samples.addItem(f"x = {x.tolist()} → y = {y.tolist()}")
            self.samples.setCurrentIndex(self.session.sample)
        self.item.update()

    def _on_sample(self, index):
        with QSignalBlocker(self.samples):
            self.samples.setCurrentIndex(index)
        self.item.update()

    def node_positions(self):
        sizes = self.session.run.layer_sizes
        r = self.item.rect
        out = []
        for layer, n in enumerate(sizes):
            x = r.left() + 60 + (r.width() - 120) * layer / max(1, len(sizes) - 1)
            out.append([QPointF(x, r.top() + r.height() * (i + 1) / (n + 1)) for i in range(n)])
        return out

    def activations(self):
        run = self.session.run
        x = run.X[self.session.sample:self.session.sample + 1]
        return [a[0] for a in forward(x, self.session.weights(), run.activations)]
