"""The fixed pieces of text that nncore.codegen puts together into a script."""

from __future__ import annotations

import numpy as np

FUNCTIONS = {
    "sigmoid": ('    """The sigmoid; with deriv=True its slope, given the sigmoid\'s '
                'output x."""',
                "    if deriv:", "        return x * (1 - x)",
                "    return 1 / (1 + np.exp(-x))"),
    "tanh": ('    """tanh; with deriv=True its slope, given tanh\'s output x."""',
             "    if deriv:", "        return 1 - x * x", "    return np.tanh(x)"),
    "relu": ('    """max(x, 0); with deriv=True its slope (1 where the output is positive)."""',
             "    if deriv:", "        return (x > 0).astype(float)",
             "    return np.maximum(x, 0.0)"),
    "linear": ('    """The identity; with deriv=True its slope, 1."""',
               "    if deriv:", "        return np.ones_like(x)", "    return x"),
}
SOFTMAX = ("def softmax(x):",
           '    """exp(x - max x) / sum exp(x - max x) over each row. It has no slope of its',
           "    own here: with cross-entropy the output's delta is y - softmax(x).\"\"\"",
           "    e = np.exp(x - x.max(axis=1, keepdims=True))",
           "    return e / e.sum(axis=1, keepdims=True)")
JSON_TEXT = ("def json_text(value):",
             '    """Nested lists of floats as JSON; repr() reads back as the same float."""',
             "    if value is None:", '        return "null"',
             "    if isinstance(value, list):",
             '        return "[" + ", ".join(json_text(v) for v in value) + "]"',
             "    return repr(value)")
STATE = {"momentum": ("v",), "nesterov": ("v",), "rmsprop": ("s",), "adam": ("m", "v")}


def number(value):
    """A float as Python text that reads back as the same float (whole numbers bare)."""
    value = float(value)
    if value.is_integer() and abs(value) < 2**53 and not (value == 0 and np.signbit(value)):
        return str(int(value))
    return repr(value)


def hyperparameters(optimizer):
    return {"sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",),
            "rmsprop": ("alpha", "eps"), "adam": ("beta1", "beta2", "eps")}[optimizer]


def state_text(optimizer, state):
    if optimizer == "adam":
        return "the averages of g" if state == "m" else "the averages of g * g"
    if optimizer == "rmsprop":
        return "the average of g * g"
    return "the velocity"


def optimizer_lines(name):
    """The update of one parameter ``p`` with gradient ``g``, as nncore.optimizers
    computes it (the same operations in the same order)."""
    if name == "sgd":
        return ("p -= lr * g",)
    if name == "momentum":
        return ("v_p[:] = mu * v_p + g", "p -= lr * v_p")
    if name == "nesterov":
        return ("v_p[:] = mu * v_p + g", "p -= lr * (g + mu * v_p)")
    if name == "rmsprop":
        return ("s_p[:] = alpha * s_p + (1 - alpha) * g * g",
                "p -= lr * g / (np.sqrt(s_p) + eps)")
    return ("m_p[:] = beta1 * m_p + (1 - beta1) * g",
            "v_p[:] = beta2 * v_p + (1 - beta2) * g * g",
            "m_hat = m_p / (1 - beta1 ** t)",
            "v_hat = v_p / (1 - beta2 ** t)",
            "p -= lr * m_hat / (np.sqrt(v_hat) + eps)")


def change_line(change):
    value = number(change.value)
    if change.kind == "learning_rate":
        return f"lr = {value}  # the learning rate from here on"
    if change.kind == "bias":
        return f"b{change.layer}[{change.col}] = {value}"
    return f"syn{change.layer}[{change.row}, {change.col}] = {value}"


def nested(values):
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return "[" + ", ".join(number(v) for v in values) + "]"
    return "[" + ", ".join(nested(row) for row in values) + "]"


def wrapped(text, width=88):
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def optimizer_text(o):
    """The optimizer of options ``o`` and its numbers, in words."""
    return {"sgd": "plain gradient descent",
            "momentum": f"momentum {number(o.momentum)}",
            "nesterov": f"Nesterov momentum {number(o.momentum)}",
            "rmsprop": f"RMSProp (alpha {number(o.alpha)}, eps {number(o.eps)})",
            "adam": f"Adam (beta1 {number(o.beta1)}, beta2 {number(o.beta2)}, "
                    f"eps {number(o.eps)})"}[o.optimizer]
