"""One way to write a match score, wherever the GUI shows one.

The score is the fused score search ranks by (on the visual cosine's scale, see
:func:`mmdesk.core.search.fusion.fuse`), written with three decimals as ``mmdesk search``
prints it, so a tile's badge, its facts line, its tooltip, the preview and the command line
all say the same number. Browsing has no score (NaN): it shows nothing.
"""

from __future__ import annotations

import math


def score_text(score: float | None) -> str:
    """``0.457``, or "" when there is no score (browsing, NaN)."""
    if score is None or not math.isfinite(score):
        return ""
    return f"{score:.3f}"


def score_phrase(score: float | None) -> str:
    """``match score 0.457`` for a tooltip line, or "" when there is no score."""
    text = score_text(score)
    return f"match score {text}" if text else ""
