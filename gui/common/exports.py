"""Export for other tools: the plots as PNG/SVG and the history as CSV.

Every file is written with ``nncore.files.atomic_write``: through a symbolic link to
the file it names, never over a folder, FIFO, device or socket, and atomically, so an
export either replaces the old file completely or leaves it untouched.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice

from nncore.errors import SaveError
from nncore.files import atomic_file, atomic_write
from nncore.replay import finish


def history_columns(run):
    """CSV header names: iteration, loss, accuracy (on the training rows); then
    test_loss and test_accuracy (a run with held-out rows), penalty (with L1/L2) and
    epoch (with mini-batches); then ``yhat_s{sample}`` (one per sample, every row
    of the data, ``yhat_s{sample}_o{output}`` when there are several outputs); then,
    when every iteration's parameters are stored (small networks),
    ``w{layer}_{row}_{col}`` = W[layer][row, col] and ``b{layer}_{unit}`` =
    b[layer][unit] (a network with biases)."""
    n_samples, n_out = run.Y.shape
    names = ["iteration", "loss", "accuracy"] + [name for name, _ in _scores(run)]
    for i in range(n_samples):
        names += [f"yhat_s{i}" if n_out == 1 else f"yhat_s{i}_o{j}" for j in range(n_out)]
    if run.stride == 1:
        pairs = list(zip(run.layer_sizes, run.layer_sizes[1:], strict=False))
        for layer, (n_in, n_next) in enumerate(pairs):
            names += [f"w{layer}_{r}_{c}" for r in range(n_in) for c in range(n_next)]
        if run.options.bias:
            for layer, (_, n_next) in enumerate(pairs):
                names += [f"b{layer}_{u}" for u in range(n_next)]
    return names


def _scores(run):
    """[(column name, values of iterations start:end)] of the scores only some runs
    record."""
    columns = []
    if run.test_losses is not None:
        columns += [("test_loss", lambda a, b: run.test_losses[a:b]),
                    ("test_accuracy", lambda a, b: run.test_accuracies[a:b])]
    if run.penalties is not None:
        columns.append(("penalty", lambda a, b: run.penalties[a:b]))
    schedule = run.plan.schedule
    if not schedule.full:
        columns.append(("epoch", lambda a, b: schedule.epoch(np.arange(a, b))))
    return columns


# Cells formatted between two yields of a history export: a short slice of work.
EXPORT_SLICE_CELLS = 2**12


def write_history_csv(path, run):
    """One row per recorded iteration 0..run.newest; values round-trip exactly."""
    finish(history_csv_steps(path, run))


def history_csv_steps(path, run, cells=EXPORT_SLICE_CELLS):
    """:func:`write_history_csv` as a generator yielding ``(rows written, rows)``
    after each block of about ``cells`` values; closing it early removes the
    half-written temporary file and leaves the old file as it was."""
    n = run.newest + 1
    outputs = run.outputs.reshape(n, -1)
    # Every stored row's weights and biases (stride 1: every iteration's).
    saved = run.history.checkpoints[:run.newest // run.stride + 1, :run.n_theta]
    scores = [values for _, values in _scores(run)]
    columns = history_columns(run)
    rows = max(1, cells // len(columns))  # blocks by size, however wide a row is
    with atomic_file(path) as f:
        f.write((",".join(columns) + "\n").encode())
        for start in range(0, n, rows):
            end = min(n, start + rows)
            parts = [np.arange(start, end)[:, None], run.losses[start:end, None],
                     run.accuracies[start:end, None]]
            parts += [values(start, end)[:, None] for values in scores]
            parts.append(outputs[start:end])
            if run.stride == 1:
                parts.append(saved[start:end])
            block = np.hstack(parts)
            # Whole numbers (iteration, epoch) as such; the rest round-trip exactly.
            fmt = ["%d" if name in ("iteration", "epoch") else "%.17g" for name in columns]
            np.savetxt(f, block, fmt=fmt, delimiter=",")
            yield end, n


def export_plots(path, plot_items, scale=2):
    """All the plots as one PNG (``scale`` x the on-screen size) or one SVG."""
    import pyqtgraph.exporters as exporters  # imported here: only exports need it

    plots = list(plot_items.values())
    parents = {plot.parentItem() for plot in plots}
    # The layout holding every plot, so one picture shows them all; else the first.
    item = parents.pop() if len(parents) == 1 and None not in parents else plots[0]
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".svg":
        data = _item_svg(item)
    elif suffix == ".png":
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = int(item.sceneBoundingRect().width() * scale)
        data = png_bytes(exporter.export(toBytes=True), path)
    else:
        raise SaveError(path, f"unknown image format {suffix or '(no extension)'!r}; "
                        "use .png or .svg")
    atomic_write(path, bytes(data))


def png_bytes(image, path):
    """A ``QImage`` or ``QPixmap`` encoded as PNG in memory, to be saved to ``path``."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.WriteOnly)
    ok = image.save(buffer, "PNG")
    buffer.close()
    if not ok:
        raise SaveError(path, "could not encode the PNG image")
    return bytes(array.data())


def _item_svg(item):
    """``item`` as SVG text, drawn by Qt's own SVG generator.

    (pyqtgraph's SVGExporter re-parses the path data Qt writes, and fails on the
    format Qt 6.11 writes: "not enough values to unpack".)
    """
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    scene = item.scene()
    if hasattr(scene, "prepareForPaint"):
        scene.prepareForPaint()  # pyqtgraph items finish deferred updates here
    source = item.sceneBoundingRect()
    target = QRectF(0, 0, source.width(), source.height())
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(target.size().toSize())
    generator.setViewBox(target)
    generator.setTitle("Backprop Lab plots")
    # Match the screen's DPI: pyqtgraph axes are cached QPictures, which Qt rescales
    # when played on a device of another DPI (the SVG default is 72), misplacing them.
    views = scene.views()
    if views:
        generator.setResolution(views[0].logicalDpiX())
    # As pyqtgraph's exporters do: items drop what only the screen should show (the
    # plots' "A" button) while they are drawn for a file.
    exporting = [i for i in scene.items() if hasattr(i, "setExportMode")]
    for each in exporting:
        each.setExportMode(True, {"antialias": True})
    painter = QPainter(generator)
    try:
        scene.render(painter, target, source)
    finally:
        painter.end()
        for each in exporting:
            each.setExportMode(False)
    buffer.close()
    return bytes(array.data())
