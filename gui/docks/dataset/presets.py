"""The dataset presets: which built-in sets the dock offers, the names their runs
carry (with the options that make their points), and the network they need.

A preset's name carries its options ("2-D circle: 300 points, noise 0.1", "3-class
spiral: 300 points, noise 0"), so a run opened from a file shows what made it. The
three-class presets have one-hot targets: a run on them has a softmax output with
the ``ce`` loss, and a run that leaves them goes back to a sigmoid output with
``sse``, the tutorial's (:func:`output_for`).
"""

from __future__ import annotations

import re

from nncore.datasets import (
    BUILTIN,
    THREE_BIT_RULES,
    THREE_CLASS_KINDS,
    TWO_D_KINDS,
    builtin,
    three_bit,
    three_class,
    two_d,
)
from nncore.number_text import read_number, read_whole

THREE_BIT = "three-bit"
TWO_D_PREFIX = "2-D "
THREE_CLASS_PREFIX = "3-class "
CUSTOM = "custom"
TWO_D_SEED = 0  # the same points every time a 2-D preset is picked
TWO_D_DEFAULTS = (200, 0.0)  # points and noise; also what a bare "2-D circle" name means
THREE_CLASS_DEFAULTS = (300, 0.0)  # as the command line's three-spiral and three-blobs
PLANE_NAME = re.compile(r"(2-D|3-class) (\w+)(?:: (\S+) points, noise (\S+))?")


def plane_prefix(name):
    """The prefix of a preset of points on a plane ("2-D " or "3-class "), or None."""
    for prefix in (TWO_D_PREFIX, THREE_CLASS_PREFIX):
        if name.startswith(prefix):
            return prefix
    return None


def two_d_name(kind, points, noise, prefix=TWO_D_PREFIX):
    """The dataset name of a plane preset, with the options that make its points."""
    return f"{prefix}{kind}: {points} points, noise {noise:g}"


def plane_data(prefix, kind, points, noise):
    """(X, Y) of a plane preset; ValueError for options out of range."""
    if prefix == THREE_CLASS_PREFIX:
        return three_class(points, noise, TWO_D_SEED, kind)
    return two_d(kind, points, noise, TWO_D_SEED)


def preset_data(name):
    """``(preset, options, X, Y)`` for a dataset name that a preset makes, where
    ``options`` is the three-bit rule or the plane's (points, noise); None otherwise."""
    if name in BUILTIN:
        return (name, None, *builtin(name))
    if name.startswith(THREE_BIT + ": ") and name[len(THREE_BIT) + 2:] in THREE_BIT_RULES:
        rule = name[len(THREE_BIT) + 2:]
        return (THREE_BIT, rule, *three_bit(rule))
    match = PLANE_NAME.fullmatch(name)
    if not match:
        return None
    prefix, kind = match.group(1) + " ", match.group(2)
    kinds, defaults = ((THREE_CLASS_KINDS, THREE_CLASS_DEFAULTS) if prefix == THREE_CLASS_PREFIX
                       else (TWO_D_KINDS, TWO_D_DEFAULTS))
    if kind not in kinds:
        return None
    points, noise = defaults
    if match.group(3) is not None:
        (points, bad_points), (noise, bad_noise) = (read_whole(match.group(3)),
                                                    read_number(match.group(4)))
        if bad_points or bad_noise:
            return None
    try:
        X, Y = plane_data(prefix, kind, points, noise)
    except ValueError:  # options out of range: a hand-made name
        return None
    return (prefix + kind, (points, noise), X, Y)


def presets():
    """(label, dataset name, description) for the preset combo."""
    items = [(name, name, text) for name, text in BUILTIN.items()]
    items.append(("all 8 three-bit inputs", THREE_BIT,
                  "Every input (x1, x2, x3) in binary order; pick the rule for y."))
    for kind in TWO_D_KINDS:
        items.append((f"2-D {kind}", TWO_D_PREFIX + kind,
                      "Playground-style points (x1, x2) with a constant x3 = 1; "
                      "y = 1 for the blue class."))
    needs = {"spiral": "three spiral arms: a hidden layer must bend around them",
             "blobs": "three clusters: straight boundaries suffice"}
    for kind in THREE_CLASS_KINDS:
        items.append((f"3 classes: {kind}", THREE_CLASS_PREFIX + kind,
                      f"Points (x1, x2; x3 = 1) in {needs[kind]}. One-hot y1..y3 for a "
                      "softmax output with the ce loss."))
    items.append(("custom (edited or from a file)", CUSTOM, ""))
    return items


def output_for(dataset_name, activations, loss, n_out):
    """``(activations, loss, what changed)`` for a run on the preset ``dataset_name``
    with ``n_out`` outputs, from the current run's ``activations`` and ``loss``: a
    three-class preset needs a softmax output and ce; any other data cannot use
    them, and gets a sigmoid output and sse. ``what changed`` is a sentence for the
    status bar, or ""."""
    activations = list(activations)
    changed = []
    if dataset_name.startswith(THREE_CLASS_PREFIX):
        output, wanted_loss = "softmax", "ce"
    elif activations[-1] == "softmax" or loss == "ce":
        output, wanted_loss = "sigmoid", "sse"
    else:
        return activations, loss, ""
    if activations[-1] != output:
        changed.append(f"the output layer to {output}")
    if loss != wanted_loss:
        changed.append(f"the loss to {wanted_loss}")
    activations[-1] = output
    why = ("three one-hot classes" if output == "softmax" else
           "data that is not one-hot classes")
    text = (f"Set {' and '.join(changed)} with {n_out} output{'s' if n_out > 1 else ''} "
            f"for {why}.") if changed else ""
    return activations, wanted_loss, text
