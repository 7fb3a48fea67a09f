"""The helper process that runs dlib for the built-in face analyser (:mod:`.dlib_faces`).

dlib holds the GIL while it builds its detector, loads its models and embeds a face, so the
analyser runs it here, out of the way of the threads of the process that asked (a desktop
app's window among them). Started as ``python -m mmdesk.plugins.runtimes.dlib_worker``; the
protocol is :mod:`mmdesk.plugins.runtimes.helper_process`'s: the init message is
``{"settings", "threads"}``, each picture is answered with its list of ``Face``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmdesk.plugins.protocols import Face


def load(init: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """dlib's models and the analyser's settings."""
    from mmdesk.plugins.runtimes.dlib_faces import build_models

    settings: dict[str, Any] = init["settings"]
    return build_models(settings, int(init["threads"])), settings


def answer(loaded: tuple[Any, dict[str, Any]], picture: np.ndarray) -> list[Face]:
    from mmdesk.plugins.runtimes.dlib_faces import find_faces

    models, settings = loaded
    return find_faces(models, settings, picture)


def main() -> None:
    from mmdesk.plugins.runtimes.helper_process import run

    run(load, answer)


if __name__ == "__main__":
    main()
