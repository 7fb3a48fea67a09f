"""Work-arounds for Qt-binding bugs, each detected at run time rather than assumed by version.

PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without a new reference, so on Python
< 3.12 (where ``True`` is not immortal) every emit from Python drops ``True``'s reference count
by one until the interpreter aborts with "bool_dealloc". All emits in mmdesk.gui go through
:func:`emit`, which gives the reference back when the running binding has the bug.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_steals_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(lost, 0)):  # repair what the probe itself took
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= 8


EMIT_STEALS_TRUE = _emit_steals_true()


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, safe from the binding's refcount bug."""
    result = signal.emit(*args)
    if EMIT_STEALS_TRUE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
