"""The one ONNX Runtime session factory: provider choice, threads, and honest reporting.

It also keeps each model's optimised graph in ``<cache dir>/ort/<key>/`` (ONNX Runtime's
``optimized_model_filepath``): ``model.onnx``, the graph alone, and ``weights.bin``, its
initializers as external data. It is written on the first load and opened on later ones with
graph optimisation off, so a one-shot process such as ``mmdesk search`` skips that work; and
as the weights are a separate file, ONNX Runtime maps them instead of parsing them out of the
protobuf (the default text model loads in 45-100 ms instead of 170-280 ms, open_clip ViT-B-32's
text tower in ~200 ms instead of ~600 ms; bench/cli_latency.py). The copy is derived, never
trusted over the model: its key is the model file's path, size and mtime, the runtime's version
and the providers; it is written into a temporary folder renamed when complete, and one that
fails to load is deleted and the model opened as usual.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
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
# A long-lived process (the app, indexing) loads each model once, so only big models are worth
# a copy's disk there (open_clip ViT-B-32's text tower, 254 MB: ~600 -> ~200 ms). A one-shot
# process (``mmdesk search``) loads them every time, and every real model gains from the mapped
# weights (the default text model, 90 MB: 170-280 -> 45-100 ms; EfficientNet-Lite0, 20 MB:
# 90-160 -> 10-40 ms); below the smaller size (test models) loading is fast anyway.
OPTIMISED_MIN_BYTES = 128 << 20
ONE_SHOT_OPTIMISED_MIN_BYTES = 8 << 20
OPTIMISED_GRAPH = "model.onnx"  # the files of an optimised copy, in its own folder
OPTIMISED_WEIGHTS = "weights.bin"
EXTERNAL_MIN_BYTES = 1024  # initializers at least this big go to the weights file


@dataclass
class SessionOptions:
    """How sessions are made: device (auto|cpu|cuda) and thread counts (0 = runtime's choice)."""

    device: str = "auto"
    intra_threads: int = 0
    inter_threads: int = 1
    # Idle ORT worker threads spin for a while waiting for work: fastest for batch jobs, but it
    # steals the CPU from a GUI thread on small machines, so the desktop app turns it off.
    spinning: bool = True
    # Where derived model files live (optimised graphs, query vectors); None: nowhere.
    cache_dir: Path | None = None
    optimise_min_bytes: int = OPTIMISED_MIN_BYTES  # smaller models are not worth caching
    # Re-lay the weights out for the CPU's matrix kernels when a model loads: the fastest for
    # many runs, but a one-shot process runs its model once or twice, and the re-layout costs
    # more than it saves (default text model: 50-80 -> 10-20 ms to load; open_clip ViT-B-32's
    # text tower: ~200 -> 40-70 ms). Vectors agree to 2e-7 (cosine >= 0.9999998) either way.
    prepack: bool = True
    # Index runs decode and preprocess in background processes (mmdesk.core.indexing
    # .processes): the desktop app, whose window must not wait for a CPU behind them.
    decode_processes: bool = False

    def for_one_shot(self) -> SessionOptions:
        """These options for a process that runs its models once and ends (``mmdesk search``):
        no weight re-layout, no spinning threads (the process's own work after the query needs
        the CPU more), and an optimised copy of every real model."""
        smaller = min(self.optimise_min_bytes, ONE_SHOT_OPTIMISED_MIN_BYTES)
        return dataclasses.replace(self, prepack=False, spinning=False, optimise_min_bytes=smaller)


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
    options = options or SessionOptions()
    providers = wanted_providers(options.device, available_providers())
    try:
        session = _open(model, options, providers)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        if providers[0] != "CPUExecutionProvider":
            log.warning(
                "%s failed for %s (%s); falling back to the CPU", providers[0], model.name, exc
            )
            return make_session(model, dataclasses.replace(options, device="cpu"))
        raise ModelError(f"cannot load model {model}: {exc}") from exc
    used = session.get_providers()[0]
    if used != providers[0]:
        log.warning("%s was asked for but %s is used for %s", providers[0], used, model.name)
    return session, used


def _open(model: Path, options: SessionOptions, providers: list[str]) -> Any:
    """The session, from the cached optimised graph when there is a valid one."""
    import onnxruntime as ort

    cached = optimised_path(model, options, providers)
    if cached is not None and cached.is_file() and cached.stat().st_size > 0:
        try:
            return ort.InferenceSession(
                str(cached),
                sess_options=_session_options(options, optimise=False),
                providers=providers,
            )
        except Exception as exc:  # a damaged cache file: forget it, open the model itself
            log.info("optimised copy of %s unusable (%s); rebuilding it", model.name, exc)
            shutil.rmtree(cached.parent, ignore_errors=True)
    if cached is not None:
        try:
            return _open_and_save(model, options, providers, cached)
        except Exception as exc:  # e.g. a graph too large to save: open it without the cache
            log.info("cannot save the optimised graph of %s (%s)", model.name, exc)
    so = _session_options(options, optimise=True)
    return ort.InferenceSession(str(model), sess_options=so, providers=providers)


def _open_and_save(model: Path, options: SessionOptions, providers: list[str], cached: Path) -> Any:
    """Open ``model`` optimised, writing the optimised graph and its weights into a temporary
    folder that becomes ``cached``'s folder when both are complete (a rename: another process
    that got there first keeps its copy)."""
    import onnxruntime as ort

    folder = cached.parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    so = _session_options(options, optimise=True)
    so.optimized_model_filepath = str(tmp / OPTIMISED_GRAPH)
    so.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", OPTIMISED_WEIGHTS
    )
    so.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes",
        str(EXTERNAL_MIN_BYTES),
    )
    try:
        session = ort.InferenceSession(str(model), sess_options=so, providers=providers)
        graph = tmp / OPTIMISED_GRAPH
        if graph.is_file() and graph.stat().st_size > 0:
            if not cached.is_file():  # what is left of a copy whose graph is gone
                shutil.rmtree(folder, ignore_errors=True)
            try:
                os.rename(tmp, folder)
            except OSError:  # another process saved its copy meanwhile: that one stays
                pass
            folder.with_suffix(".onnx").unlink(missing_ok=True)  # the old one-file copy
        return session
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _session_options(options: SessionOptions, *, optimise: bool) -> Any:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(0, options.intra_threads)
    so.inter_op_num_threads = max(0, options.inter_threads)
    level = ort.GraphOptimizationLevel
    so.graph_optimization_level = level.ORT_ENABLE_ALL if optimise else level.ORT_DISABLE_ALL
    so.log_severity_level = 3
    if not options.prepack:
        so.add_session_config_entry("session.disable_prepacking", "1")
    if not options.spinning:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return so


def optimised_path(model: Path, options: SessionOptions, providers: list[str]) -> Path | None:
    """Where the optimised graph of ``model`` is kept (its weights beside it), or None when it
    is not cached: no cache folder, a provider other than the CPU (its graphs depend on the
    device), no model file, or a model under ``options.optimise_min_bytes``.
    """
    if options.cache_dir is None or providers != ["CPUExecutionProvider"]:
        return None
    import onnxruntime as ort

    try:
        resolved = model.resolve(strict=True)
        info = resolved.stat()
    except OSError:
        return None
    if info.st_size < options.optimise_min_bytes:
        return None
    key = f"{resolved}|{info.st_size}|{info.st_mtime_ns}|{ort.__version__}|{','.join(providers)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return options.cache_dir / "ort" / digest / OPTIMISED_GRAPH


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


def save_optimised(model: Path, options: SessionOptions) -> Path | None:
    """Save the optimised copy of ``model`` that a process with ``options`` opens, unless it
    is there: done when a model is installed or chosen, so that the first query after does
    not pay for it (open_clip ViT-B-32's text tower: ~3 s). Returns the copy's graph, or None
    when none is kept (:func:`optimised_path`) or it cannot be made; never raises, as the
    copy is derived data the first load makes anyway."""
    try:
        providers = wanted_providers(options.device, available_providers())
        cached = optimised_path(model, options, providers)
        if cached is None:
            return None
        if not (cached.is_file() and cached.stat().st_size > 0):
            _open_and_save(model, options, providers, cached)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        log.info("no optimised copy of %s saved: %s", model.name, exc)
        return None
    return cached if cached.is_file() else None
