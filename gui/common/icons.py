"""The app's icons, drawn as SVG in ``resources/icons`` (a package, so they install)."""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QIcon


def icon_path(name):
    return str(files("resources") / "icons" / f"{name}.svg")


def icon(name):
    """The icon ``resources/icons/<name>.svg``; Qt scales SVG to any size crisply."""
    return QIcon(icon_path(name))
