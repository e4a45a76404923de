"""Help inside the window: What's This texts, the keyboard shortcuts, the quick tour.

- ``whats_this.py``: one table of What's This texts for every control, and the
  function that gives each control its text.
- ``shortcuts.py``: Help > Keyboard shortcuts, built from the window's actions.
- ``quick_tour.py``: Help > Quick tour, an overlay that walks the window's areas.
"""
