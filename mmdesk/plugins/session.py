"""The one ONNX Runtime session factory: provider choice, threads, and honest reporting."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmdesk.errors import ModelError

log = logging.getLogger(__name__)

PREFERENCE = (
    "CUDAExecutionProvider",
    "DmlExecutionProvider",
    "CoreMLExecutionProvider",
    "CPUExecutionProvider",
)
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class SessionOptions:
    """How sessions are made: device (auto|cpu|cuda) and thread counts (0 = runtime's choice)."""

    device: str = "auto"
    intra_threads: int = 0
    inter_threads: int = 1
    # Idle ORT worker threads spin for a while waiting for work: fastest for batch jobs, but it
    # steals the CPU from a GUI thread on small machines, so the desktop app turns it off.
    spinning: bool = True


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def wanted_providers(device: str, available: list[str]) -> list[str]:
    """The providers to ask for, in order of preference, for a device setting."""
    if device not in DEVICES:
        raise ModelError(f"unknown device {device!r}: choose one of {', '.join(DEVICES)}")
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in available:
            log.warning(
                "CUDA was asked for but this onnxruntime has no CUDA provider "
                "(install onnxruntime-gpu); using the CPU"
            )
        return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    return [p for p in PREFERENCE if p in available] or ["CPUExecutionProvider"]


def make_session(model: Path, options: SessionOptions | None = None) -> tuple[Any, str]:
    """Open ``model``; returns (session, provider really used). Logs a fallback to the CPU."""
    import onnxruntime as ort

    options = options or SessionOptions()
    providers = wanted_providers(options.device, available_providers())
    so = ort.SessionOptions()
    so.intra_op_num_threads = max(0, options.intra_threads)
    so.inter_op_num_threads = max(0, options.inter_threads)
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    if not options.spinning:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(str(model), sess_options=so, providers=providers)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        if providers[0] != "CPUExecutionProvider":
            log.warning(
                "%s failed for %s (%s); falling back to the CPU", providers[0], model.name, exc
            )
            return make_session(
                model,
                SessionOptions(
                    "cpu", options.intra_threads, options.inter_threads, options.spinning
                ),
            )
        raise ModelError(f"cannot load model {model}: {exc}") from exc
    used = session.get_providers()[0]
    if used != providers[0]:
        log.warning("%s was asked for but %s is used for %s", providers[0], used, model.name)
    return session, used


class LazySession:
    """One model opened on first use, once, thread-safely — the loading every built-in ONNX
    runtime shares — remembering the provider it really runs on."""

    def __init__(self, model: Path, options: SessionOptions, name: str) -> None:
        self.model, self.options, self.name = model, options, name
        self._session: Any = None
        self._provider: str | None = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """The execution provider; None until the model is loaded."""
        return self._provider

    def get(self) -> Any:
        """The ONNX Runtime session (opened now if it is not yet)."""
        with self._lock:
            if self._session is None:
                self._session, self._provider = make_session(self.model, self.options)
                log.info("%s runs on %s", self.name, self._provider)
            return self._session
