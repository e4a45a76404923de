"""Decision regions over the input plane, for data with two varying inputs.

The big map colours every point (x1, x2) of the plane by the network's output ŷ
there (orange towards 0, blue towards 1, white at the 0.5 threshold; with a softmax
over several classes, the picked class's colour, paler where the network is less
sure: gui/docks/dataset/map_colours.py), with the samples on top in their class's
colour, the held-out ones hollow and the shown mini-batch ringed (map_points.py).
The small maps show what each unit of one hidden layer computes over the same
plane, which is how a hidden layer "bends" the boundary a single neuron could only draw straight.

A node clicked in the diagram (its neuron map) takes the big map's place: that
unit's activation over the plane, on the scale of its own tile (the activation's
range when bounded, else symmetric about 0), with the samples on top, and its tile is
framed; "Back to the output" returns to ŷ. The output node of a single output is ŷ
itself.

Other input columns must be constant (the tutorial's column of ones); they keep
their value over the whole plane. The maps are one vectorised forward pass over a
GRID x GRID grid (half that a side for a wide network), redrawn at most MAX_FPS
times a second (less when a draw is slow) and not at all while the widget is
hidden: a map that falls behind skips to the newest iteration.

Any finite data is drawn: the plane's axes come from ``PlaneAxis``, which copes with
inputs up to ±1.8e308 and with denormal spans, and the colours are computed here as
fractions of the scale, so neither pyqtgraph nor the colour scale sees an overflow.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.common import palette
from gui.common.names import unit_name
from gui.common.plane import PlaneAxis
from gui.common.redraw import RedrawTimer, on_screen
from gui.common.still_plot import still_plot
from gui.docks.dataset.map_colours import (
    class_colours,
    colormap,
    output_fractions,
    plane_columns,
    scale_fractions,
    unit_levels,
    varying_columns,
)
from gui.docks.dataset.map_points import RING_GROWTH, PointStyle, legend_text, predicted_right
from nncore.network import forward

GRID = 64  # points per side of the plane
BIG_NETWORK = 1000  # weights; above this the grid has half as many points per side
MAX_FPS = 15
DRAW_SHARE = 5  # wait at least this many times the last draw's duration between draws
TILES_PER_ROW = 8  # 16 when a layer has more than 16 units
COLUMN_GAP = 1 / 8  # gap between tiles, as a fraction of a tile
ROW_GAP = 1 / 3  # room under each row of tiles for its labels
# Minimum heights, pixels: small enough that the dataset dock, with its table above
# the map, fits a 1280 x 800 screen (the splitter gives the map more when there is room).
PLOT_MIN_HEIGHT = 150  # the output map
UNITS_MIN_HEIGHT = 50  # the hidden units' tiles
MARGIN = 0.15  # of the data's span, on each side of the plane
FRAME = 2  # grid points: the frame drawn inside the tile of the unit in the big map


class DecisionMap(QWidget):
    """Output and hidden-unit heat maps of ``session.run`` at ``session.iteration``.

    After a draw, ``output_values[i, j]`` is ŷ (first output) at the input point
    ``grid_inputs[i * grid + j]`` (``grid`` points a side), whose plane coordinates are
    ``(xs[i], ys[j])``; ``hidden_values[u]`` is the same for unit u of the chosen
    hidden layer; ``class_outputs[i, j]`` all the outputs there, for a softmax over
    several classes (else None). ``batch_drawn``: the rows ringed as the batch.
    ``drawn_iteration`` says which iteration they belong to. ``big_unit``: the
    ``(layer, unit)`` whose map the big plot shows instead of ŷ (None: ŷ), with its
    values in ``big_values`` (as ``output_values``).
    """

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.columns = None
        self.grid = GRID
        self.axes = None  # PlaneAxis across, up
        self.xs = self.ys = self.grid_inputs = None
        self.output_values = None
        self.hidden_values = None
        self.drawn_iteration = None
        self.draw_count = 0
        self.lut = colormap().getLookupTable(nPts=256)
        self.class_outputs = None  # (grid, grid, classes) for a softmax output
        self.big_unit = None  # (layer, unit) shown in the big plot instead of ŷ
        self.big_values = None
        self.batch_drawn = np.zeros(0, dtype=int)  # the rows ringed as the batch
        self.style = None  # the samples' brushes and pens (map_points.PointStyle)
        # The tile labels fit once the units view has its new size, from the event loop:
        # a timer of this widget's own, which dies with it (a pending
        # QTimer.singleShot(0, self, method) would keep the map alive).
        self._fit_soon = QTimer(self)
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self._fit_tile_labels)
        self._make_widgets()
        # Paced while paused too: scrubbing a wide network's map must not stall the mouse.
        self.redraw = RedrawTimer(self, session, self._draw, max_fps=MAX_FPS,
                                  cost_share=DRAW_SHARE, always_paced=True)
        session.cursor.sigRunReplaced.connect(self.sync)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)  # a weight edit here
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.selection.sigUnitSelected.connect(self.show_unit)
        self.sync()

    def _make_widgets(self):
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.back_to_output = QPushButton("Back to the output ŷ")
        self.back_to_output.setToolTip("Show the network's output over the plane again, "
                                       "instead of the unit clicked in the diagram")
        self.back_to_output.clicked.connect(lambda: self.show_unit(None))
        self.back_to_output.hide()
        layout.addWidget(self.back_to_output)
        # The pyqtgraph views (most of the cost) are made by the first draw, which waits
        # until the map is on screen; until then stand-ins of their minimum heights hold
        # their places, so the dock asks the window for the same room before and after.
        self.plot = self.units = None
        self._plot_slot = QWidget()
        self._plot_slot.setMinimumHeight(PLOT_MIN_HEIGHT)
        layout.addWidget(self._plot_slot, 3)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)

        row = QHBoxLayout()
        self.units_title = QLabel()
        self.units_title.setWordWrap(True)
        row.addWidget(self.units_title, 1)
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which hidden layer's units to show")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        row.addWidget(self.layer_combo)
        layout.addLayout(row)
        self._units_slot = QWidget()
        self._units_slot.setMinimumHeight(UNITS_MIN_HEIGHT)
        layout.addWidget(self._units_slot, 1)
        self.tile_labels, self.tile_origins, self._tile_names = [], [], []  # per unit
        self.mosaic_shape = (0, 0)

    def _make_views(self):
        """The output map and the hidden units' tiles, in the stand-ins' places."""
        self.plot, item = still_plot(PLOT_MIN_HEIGHT)
        item.setAspectLocked(True)
        item.setTitle("Output ŷ", color=palette.INK.name(), size="10pt")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(self.lut)
        item.addItem(self.image)
        self.boundary = pg.IsocurveItem(level=0.5, pen=pg.mkPen(palette.INK, width=1.5))
        self.boundary.setParentItem(self.image)
        self.batch_rings = pg.ScatterPlotItem(size=8, pxMode=True, brush=None)
        item.addItem(self.batch_rings)
        self.points = pg.ScatterPlotItem(size=8, pxMode=True)
        item.addItem(self.points)
        self.units = pg.GraphicsLayoutWidget()
        self.units.setBackground(palette.BACKGROUND)
        self.units.setMinimumHeight(UNITS_MIN_HEIGHT)
        self.units_box = self.units.addViewBox(lockAspect=True, enableMouse=False, enableMenu=False)
        self.units_box.setMenuEnabled(False)
        # All tiles are one RGB image: one item to paint instead of one per unit.
        self.units_image = pg.ImageItem(axisOrder="col-major")
        self.units_box.addItem(self.units_image)
        for slot, view in ((self._plot_slot, self.plot), (self._units_slot, self.units)):
            self.layout().replaceWidget(slot, view)
            view.setVisible(not slot.isHidden())
            slot.hide()
            slot.deleteLater()
        self._plot_slot = self._units_slot = None
        if self.columns is not None:
            self._show_plane()
        self._show_tiles()

    # ---- model -> view --------------------------------------------------------------

    def sync(self):
        """Adapt to a new run: which columns span the plane, its extent, the points."""
        run = self.session.run
        self.style = PointStyle(run)
        # The legend's words depend on the run alone: made here, not at every draw.
        self._output_legend = legend_text(run)
        self._samples_legend = legend_text(run, output_map=False)  # beside a unit's map
        self.legend.setText(self._output_legend)
        self.columns = plane_columns(run.X)
        self.big_unit = self.big_values = None
        self.back_to_output.hide()
        shown = self.columns is not None
        for w in (self.plot or self._plot_slot, self.legend, self.units_title,
                  self.layer_combo, self.units or self._units_slot):
            w.setVisible(shown)
        if not shown:
            varying = len(varying_columns(run.X))
            self.hint.setText(f"The decision map over the input plane needs exactly two "
                              f"inputs that vary (x1, x2, plus constant columns); this data "
                              f"has {varying}.")
            self.hint.show()
            # Only the hint is left: give the room back to whatever sits next to us.
            self.setMaximumHeight(self.hint.sizeHint().height() * 2)
            self.output_values = self.hidden_values = None
            return
        self.hint.hide()
        self.setMaximumHeight(16_777_215)  # QWIDGETSIZE_MAX
        a, b = self.columns
        # A wide network costs more per grid point: fewer points keep play smooth.
        self.grid = g = GRID if run.n_params <= BIG_NETWORK else GRID // 2
        self.axes = (PlaneAxis.around(run.X[:, a], MARGIN, g),
                     PlaneAxis.around(run.X[:, b], MARGIN, g))
        self.xs, self.ys = (axis.centres for axis in self.axes)
        grid = np.repeat(run.X[:1], g * g, axis=0)  # the constant columns
        grid[:, a] = np.repeat(self.xs, g)
        grid[:, b] = np.tile(self.ys, g)
        self.grid_inputs = grid
        (x0, width), (y0, height) = (axis.view_extent for axis in self.axes)
        self._rect = QRectF(x0, y0, width, height)  # ImageItem.setRect needs an image
        if self.plot is not None:
            self._show_plane()
        n_hidden = len(run.layer_sizes) - 2
        with QSignalBlocker(self.layer_combo):
            self.layer_combo.clear()
            self.layer_combo.addItems([f"in layer {i + 1}" for i in range(n_hidden)])
        self.layer_combo.setVisible(n_hidden > 1)
        self.units_title.setVisible(n_hidden > 0)
        (self.units or self._units_slot).setVisible(n_hidden > 0)
        self._make_tiles()
        self.redraw.schedule()
        self.draw()

    def _layer_chosen(self, _index):
        self._make_tiles()
        self.redraw.schedule()
        self.draw()

    def show_unit(self, node):
        """A neuron map clicked in the diagram, ``(layer, unit)``, goes into the big
        plot, and a hidden unit's layer into the tiles; None, an input, or the only
        output shows ŷ again."""
        sizes = self.session.run.layer_sizes
        last = len(sizes) - 1
        if node is None or not (1 <= node[0] <= last and 0 <= node[1] < sizes[node[0]]) \
                or (node[0] == last and sizes[-1] == 1):
            node = None
        self.big_unit = None if node is None else (int(node[0]), int(node[1]))
        self.back_to_output.setVisible(self.big_unit is not None and self.columns is not None)
        if node is not None and 1 <= node[0] <= self.layer_combo.count():
            with QSignalBlocker(self.layer_combo):
                self.layer_combo.setCurrentIndex(node[0] - 1)
            self._make_tiles()
        self.redraw.schedule()
        self.draw()

    @property
    def hidden_layer(self):
        """Index into forward()'s layers of the hidden layer shown in the small maps."""
        return self.layer_combo.currentIndex() + 1

    def _show_plane(self):
        """The output map's axes: the two varying inputs, over the grid's extent."""
        item = self.plot.getPlotItem()
        for side, column, axis in zip(("bottom", "left"), self.columns, self.axes, strict=True):
            item.setLabel(side, axis.title(f"x{column + 1}"))
            item.getAxis(side).setTicks(axis.ticks())  # None: pyqtgraph's own
        item.setRange(self._rect, padding=0)

    def _make_tiles(self):
        """Lay out one tile per unit of the chosen hidden layer, labelled h1, h2, ..."""
        self.tile_origins, self._tile_names = [], []
        run = self.session.run
        if len(run.layer_sizes) >= 3:
            n = run.layer_sizes[self.hidden_layer]
            per_row = TILES_PER_ROW if n <= 2 * TILES_PER_ROW else 2 * TILES_PER_ROW
            rows, cols = -(-n // per_row), min(n, per_row)
            g = self.grid
            gap_x, gap_y = round(g * COLUMN_GAP), round(g * ROW_GAP)
            step_x, step_y = g + gap_x, g + gap_y
            self.mosaic_shape = (cols * step_x - gap_x, rows * step_y)
            for u in range(n):
                # Image x grows to the right and y upwards: the first row sits on top.
                x, y = (u % per_row) * step_x, (rows - 1 - u // per_row) * step_y + gap_y
                self.tile_origins.append((x, y))
                if per_row == TILES_PER_ROW:  # else too small to name: the title says
                    self._tile_names.append((f"h{u + 1}", x + g / 2, y))
            order = "" if per_row == TILES_PER_ROW and n <= TILES_PER_ROW else (
                f", h1 to h{n} row by row")
            self.units_title.setText(f"What each of the {n} hidden units computes{order}"
                                     if n > 1 else "What the hidden unit computes")
        if self.units is not None:
            self._show_tiles()

    def _show_tiles(self):
        """The tiles' labels and extent, in the units view."""
        for label in self.tile_labels:
            self.units_box.removeItem(label)
        self.tile_labels = []
        if not self.tile_origins:
            self.units_image.clear()
            return
        for text, x, y in self._tile_names:
            label = pg.TextItem(text, color=palette.FAINT_INK, anchor=(0.5, 0))
            label.setPos(x, y)
            self.units_box.addItem(label)
            self.tile_labels.append(label)
        n = len(self.tile_origins)
        self.units.setToolTip(f"h1 to h{n}, row by row" if n > 1 else "")
        self.units_box.setRange(xRange=(0, self.mosaic_shape[0]),
                                yRange=(0, self.mosaic_shape[1]), padding=0.02)
        self._fit_tile_labels()

    def _fit_tile_labels(self, *_):
        """Name the tiles only while there is room under them for a name: in a short
        dock the names would be cut off (the view's tooltip still gives the order)."""
        if not self.tile_labels:
            return
        gap = self.grid * ROW_GAP
        # Pixels from a tile's bottom edge to the next row, or to the widget's edge.
        top = self.units_box.mapViewToDevice(QPointF(0, gap))
        under = self.units_box.mapViewToDevice(QPointF(0, 0))
        if top is None or under is None:  # not laid out yet
            return
        room = self.units.viewport().height() - top.y()
        if self.mosaic_shape[1] > self.grid + gap:  # more than one row
            room = min(room, under.y() - top.y())
        # A label's box has the text document's margin all round; the text must fit.
        needed = self.tile_labels[0].boundingRect().height() - QTextDocument().documentMargin()
        for label in self.tile_labels:
            label.setVisible(room >= needed)

    def tile_pixel(self, unit, i, j):
        """Where grid point (i, j) of ``unit``'s tile is in ``units_image.image``."""
        x, y = self.tile_origins[unit]
        return x + i, y + j

    # ---- drawing --------------------------------------------------------------------

    def schedule(self, *_):
        """Ask for a redraw; at most MAX_FPS a second, dropping frames in between."""
        self.redraw.schedule()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.columns is not None and self.plot is not None:  # the first range may
            self.plot.getPlotItem().setRange(self._rect, padding=0)  # be set at size 0
        if self.tile_labels:
            self._fit_soon.start()

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()

    def draw(self):
        """Recompute the maps for the current iteration now, unless hidden (then when
        shown again; a dock tabbed behind another counts as hidden: Qt keeps it
        visible, off the window)."""
        if self.columns is not None and on_screen(self):
            self.redraw.run_now()

    def _draw(self):
        if self.columns is None:
            return
        if self.plot is None:
            self._make_views()
        session, run = self.session, self.session.run
        k = session.iteration
        shown_k = run.at(k)
        keep = {-1, self.hidden_layer} if self.tile_origins else {-1}
        if self.big_unit is not None:
            keep.add(self.big_unit[0])
        with np.errstate(all="ignore"):  # only the layers drawn: a wide net has many
            layers = forward(self.grid_inputs, shown_k.weights, run.activations,
                             keep=tuple(keep), biases=shown_k.biases)
        g = self.grid
        self.output_values = layers[-1][:, 0].reshape(g, g)
        if self.big_unit is not None:
            self._draw_unit(run, layers)
        else:
            self.big_values = None
            self.legend.setText(self._output_legend)
            if self.style.multi:
                self._draw_classes(layers[-1].reshape(g, g, -1))
            else:
                self._draw_two_classes(run, self.output_values)
        self._draw_points(run, shown_k)
        if self.tile_origins:
            layer = self.hidden_layer
            values = layers[layer].T.reshape(-1, g, g)
            self.hidden_values = values
            self.units_image.setImage(self._mosaic(values, run.activations[layer - 1]),
                                      levels=(0, 255))
        else:
            self.hidden_values = None
        self.drawn_iteration = k
        self.draw_count += 1
        # Short: a title's width is a minimum of the plot's, and this dock can be narrow.
        what = "Output ŷ" if self.big_unit is None else unit_name(
            run.layer_sizes, *self.big_unit, qualified=True)
        self.plot.getPlotItem().setTitle(f"{what} at iteration {k}",
                                         color=palette.INK.name(), size="10pt")

    def _draw_unit(self, run, layers):
        """The big plot shows ``big_unit``'s activation, coloured as its tile."""
        layer, unit = self.big_unit
        g = self.grid
        values = layers[layer][:, unit].reshape(1, g, g)
        self.big_values = values[0]
        self.class_outputs = None
        low, high = (float(v[0, 0, 0]) for v in unit_levels(run.activations[layer - 1], values))
        self.image.setLookupTable(None)
        self.image.setImage(self.colors_of(values[0], low, high), levels=(0, 255),
                            rect=self._rect)
        self.boundary.setData(None)
        name = unit_name(run.layer_sizes, layer, unit, qualified=True)
        self.legend.setText(
            f"The map: what {name} outputs at each point, from {low:.3g} (orange) through "
            f"white to {high:.3g} (blue). " + self._samples_legend)

    def _draw_two_classes(self, run, out):
        self.class_outputs = None
        # Placed on the colour scale here, so the image is 0..1 whatever ŷ's size; the
        # 0.5 threshold is at 0.5 on that scale too, so the boundary is traced on it.
        shown = output_fractions(run.activations[-1], out)
        self.image.setLookupTable(self.lut)
        self.image.setImage(shown, levels=(0.0, 1.0), rect=self._rect)
        if shown.min() < 0.5 < shown.max():
            self.boundary.setData(shown)
        else:
            self.boundary.setData(None)

    def _draw_classes(self, outputs):
        """Each point of the plane in the colour of the class picked there (no 0.5
        line: with several classes the boundaries are where the colours meet)."""
        self.class_outputs = outputs
        self.image.setLookupTable(None)
        self.image.setImage(class_colours(outputs), levels=(0, 255), rect=self._rect)
        self.boundary.setData(None)

    def colors_of(self, values, low, high):
        """RGB (uint8) the map gives ``values`` on the colour scale ``low``..``high``."""
        t = np.nan_to_num(scale_fractions(values, low, high), nan=0.5, posinf=1.0, neginf=0.0)
        return self.lut[np.clip(np.rint(t * 255), 0, 255).astype(np.intp)]

    def _mosaic(self, values, activation):
        colors = self.colors_of(values, *unit_levels(activation, values))
        mosaic = np.empty(self.mosaic_shape + (3,), dtype=np.uint8)
        mosaic[:] = palette.BACKGROUND.getRgb()[:3]
        g = self.grid
        for (x, y), c in zip(self.tile_origins, colors, strict=False):
            mosaic[x:x + g, y:y + g] = c
        if self.big_unit is not None and self.big_unit[0] == self.hidden_layer:
            # The tile of the unit in the big map, framed: its outer FRAME pixels.
            x, y = self.tile_origins[self.big_unit[1]]
            tile = mosaic[x:x + g, y:y + g]
            ink = palette.INK.getRgb()[:3]
            tile[:FRAME], tile[-FRAME:], tile[:, :FRAME], tile[:, -FRAME:] = ink, ink, ink, ink
        return mosaic

    def _draw_points(self, run, shown):
        """The samples (see map_points), and a ring round each of the shown
        iteration's mini-batch (``batch_drawn``: its rows; empty for a full batch)."""
        a, b = self.columns
        brushes, pens, symbols = self.style.points(predicted_right(run, run.outputs[shown.k]))
        # A few points (the 4 of xor) can be big; hundreds must not hide the map.
        size = 11 if len(run.X) <= 20 else 7
        across, up = self.axes
        x, y = across.to_view(run.X[:, a]), up.to_view(run.X[:, b])
        self.points.setData(x=x, y=y, brush=brushes, size=size, pen=pens, symbol=symbols)
        batch = shown.batch_rows
        if len(batch) == len(run.train_rows):
            batch = batch[:0]
        self.batch_drawn = np.sort(batch)
        self.batch_rings.setData(x=x[batch], y=y[batch], size=size + RING_GROWTH,
                                 pen=self.style.ring_pen, brush=None)
