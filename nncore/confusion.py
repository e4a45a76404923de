"""The confusion matrix: how many samples of each true class the network puts in
each predicted class."""

from __future__ import annotations

import numpy as np


def confusion_matrix(yhat, Y):
    """Counts ``C[t, p]``: the samples whose true class is ``t`` and whose predicted
    class is ``p``, as an ``(n_classes, n_classes)`` integer array.

    With several outputs (a softmax), the true class is the arg-max of a row of ``Y``
    and the predicted one the arg-max of the same row of ``yhat``, as the run's
    accuracy counts them. With one output it is two classes, 0 and 1: an output or
    target above 0.5 is class 1. A NaN output (a diverged run) is class 0 with one
    output, and with several the class of the first NaN (numpy's arg-max).
    """
    yhat = np.asarray(yhat, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.shape[1] == 1:
        n_classes = 2
        true, predicted = (Y[:, 0] > 0.5).astype(int), (yhat[:, 0] > 0.5).astype(int)
    else:
        n_classes = Y.shape[1]
        true, predicted = np.argmax(Y, axis=1), np.argmax(yhat, axis=1)
    counts = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)
