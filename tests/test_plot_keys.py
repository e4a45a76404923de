"""The plot keys' rich text: labels are escaped, as ``html.escape`` would."""

import html

from PySide6.QtGui import QColor

from gui.plots.plot_keys import escape, key_html


def test_escape_is_html_escape():
    for text in ("x = [0 1 1]", "a<b>&\"c'd", "‖W1‖ & <i>", "&amp;", ""):
        assert escape(text) == html.escape(text)


def test_a_key_shows_labels_as_text_not_markup(qtbot):
    text = key_html([(QColor("#0072B2"), "x < 1 & y")], "note <b>", 1000, 8)
    assert "x &lt; 1 &amp; y" in text and "<i>note &lt;b&gt;</i>" in text
