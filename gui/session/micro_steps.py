"""Micro-steps: which phase of the shown iteration the learner is looking at."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nncore.phases import phases


class MicroSteps(QObject):
    """``phase``: a :class:`~nncore.phases.Phase` of the cursor's iteration, or None
    when whole iterations are shown. Any move of the cursor, or a new run, leaves
    the micro-steps (the phase goes back to None).

    Signal: sigPhaseChanged(object), with the new phase or None.
    """

    sigPhaseChanged = Signal(object)

    def __init__(self, cursor, parent=None):
        super().__init__(parent)
        self.cursor = cursor
        self.phase = None
        cursor.sigIterationChanged.connect(self.leave)
        cursor.sigRunReplaced.connect(self.leave)

    def all_phases(self):
        return phases(len(self.cursor.run.layer_sizes) - 1)

    def show_phase(self, phase):
        """Show ``phase`` of the shown iteration (None: the whole iteration)."""
        if phase != self.phase:
            self.phase = phase
            self.sigPhaseChanged.emit(phase)

    def leave(self, *_):
        self.show_phase(None)

    def forward(self):
        """The next phase; past the update, the next iteration's first phase."""
        order = self.all_phases()
        if self.phase is None:
            self.show_phase(order[0])
        elif self.phase == order[-1]:
            if self.cursor.step():  # the step leaves; come back in at the first phase
                self.show_phase(order[0])
        else:
            self.show_phase(order[order.index(self.phase) + 1])

    def back(self):
        """The previous phase; before the first, the previous iteration's update."""
        order = self.all_phases()
        if self.phase is None or self.phase == order[0]:
            if self.cursor.iteration > 0:
                self.cursor.step_back()
                self.show_phase(order[-1])
        else:
            self.show_phase(order[order.index(self.phase) - 1])
