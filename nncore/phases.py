"""The phases of one iteration, in the order a learner steps through them.

For a network of L weight layers (``W[0]`` .. ``W[L-1]``) one iteration is:

* ``Phase("sum", l)``, then ``Phase("activate", l)`` for l = 0 .. L-1: the weighted
  sums ``s = a_l @ W[l] (+ b_l)`` of layer l+1, then its activations ``a_{l+1} = f(s)``;
* ``Phase("error")``: the error at the output, ``y - yhat``;
* ``Phase("delta", l)`` for l = L-1 .. 0: the deltas at layer l+1 and the gradient
  ``dE/dW[l]`` on the edges into it;
* ``Phase("update")``: the optimizer's step to W_{k+1}.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = ("sum", "activate", "error", "delta", "update")


class Phase(NamedTuple):
    kind: str
    layer: int | None = None


def phases(n_layers):
    """Every phase of one iteration of a network with ``n_layers`` weight layers."""
    forward = [Phase(kind, layer) for layer in range(n_layers)
               for kind in ("sum", "activate")]
    backward = [Phase("delta", layer) for layer in reversed(range(n_layers))]
    return [*forward, Phase("error"), *backward, Phase("update")]
