"""Export for other tools: the plots as PNG/SVG and the history as CSV.

Every file is written atomically (``nncore.files.atomic_write``): an export either
replaces the old file completely or leaves it untouched.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice

from nncore.errors import SaveError
from nncore.files import atomic_write


def history_columns(run):
    """CSV header names: iteration, loss, accuracy, then ``yhat_s{sample}`` (one per
    sample, ``yhat_s{sample}_o{output}`` when there are several outputs), then
    ``w{layer}_{row}_{col}`` = W[layer][row, col] when every iteration's weights are
    stored (small networks)."""
    n_samples, n_out = run.Y.shape
    names = ["iteration", "loss", "accuracy"]
    for i in range(n_samples):
        names += [f"yhat_s{i}" if n_out == 1 else f"yhat_s{i}_o{j}" for j in range(n_out)]
    if run.stride == 1:
        for layer, (n_in, n_next) in enumerate(zip(run.layer_sizes, run.layer_sizes[1:],
                                                   strict=False)):
            names += [f"w{layer}_{r}_{c}" for r in range(n_in) for c in range(n_next)]
    return names


def write_history_csv(path, run, chunk=65536):
    """One row per recorded iteration 0..run.last; values round-trip exactly."""
    n = run.last + 1
    outputs = run.outputs.reshape(n, -1)
    _, saved = run.saved_weights()

    def write(f):
        f.write((",".join(history_columns(run)) + "\n").encode())
        # In chunks: a long run has millions of rows and must not be one giant string.
        for start in range(0, n, chunk):
            end = min(n, start + chunk)
            parts = [np.arange(start, end)[:, None], run.losses[start:end, None],
                     run.accuracies[start:end, None], outputs[start:end]]
            if run.stride == 1:
                parts.append(saved[start:end])
            block = np.hstack(parts)
            fmt = ["%d"] + ["%.17g"] * (block.shape[1] - 1)
            np.savetxt(f, block, fmt=fmt, delimiter=",")

    atomic_write(path, write)


def export_plots(path, plot_items, scale=2):
    """The plots' scene as a PNG (``scale`` x the on-screen size) or an SVG."""
    import pyqtgraph.exporters as exporters  # imported here: only exports need it

    scene = next(iter(plot_items.values())).scene()
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".svg":
        data = exporters.SVGExporter(scene).export(toBytes=True)
    elif suffix == ".png":
        exporter = exporters.ImageExporter(scene)
        exporter.parameters()["width"] = int(scene.sceneRect().width() * scale)
        image = exporter.export(toBytes=True)
        array = QByteArray()
        buffer = QBuffer(array)
        buffer.open(QIODevice.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        data = bytes(array.data())
    else:
        raise SaveError(path, f"unknown image format {suffix or '(no extension)'!r}; "
                        "use .png or .svg")
    atomic_write(path, bytes(data))
