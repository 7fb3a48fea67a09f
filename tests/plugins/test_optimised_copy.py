"""The optimised copy of a model keeps its weights in a file of their own beside the graph, gives
the model's own outputs, and is made again when a part of it is damaged or missing; sessions of
a one-shot process (no weight pre-packing, no spinning, a copy of every real model) agree with
the usual ones."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mmdesk.config import Settings
from mmdesk.core import remote
from mmdesk.plugins import session as session_module
from mmdesk.plugins.session import (
    ONE_SHOT_OPTIMISED_MIN_BYTES,
    OPTIMISED_GRAPH,
    OPTIMISED_WEIGHTS,
    SessionOptions,
    make_session,
    optimised_path,
)

CPU = ["CPUExecutionProvider"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """y = relu(x @ W1) @ W2 + b with 256 kB of weights: MatMuls ONNX Runtime pre-packs."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((64, 512)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.standard_normal((512, 64)).astype(np.float32), "w2")
    bias = numpy_helper.from_array(rng.standard_normal(64).astype(np.float32), "b")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["m"]),
        helper.make_node("Add", ["m", "b"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "dense",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 64])],
        initializer=[w1, w2, bias],
    )
    made = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    made.ir_version = 8
    path = tmp_path_factory.mktemp("model") / "dense.onnx"
    onnx.save(made, str(path))
    return path


def _feeds() -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(1).standard_normal((3, 64)).astype(np.float32)}


def _options(cache: Path, **more: object) -> SessionOptions:
    return SessionOptions("cpu", 1, cache_dir=cache, optimise_min_bytes=0, **more)  # type: ignore[arg-type]


def test_the_copy_keeps_its_weights_beside_the_graph(model: Path, tmp_path: Path) -> None:
    expected = make_session(model, SessionOptions("cpu", 1))[0].run(None, _feeds())[0]
    options = _options(tmp_path / "cache")
    graph = optimised_path(model, options, CPU)
    assert graph is not None and graph.name == OPTIMISED_GRAPH
    first, _ = make_session(model, options)  # writes the copy
    weights = graph.parent / OPTIMISED_WEIGHTS
    assert graph.is_file() and weights.stat().st_size >= 256 * 1024
    assert graph.stat().st_size < 64 * 1024  # the graph alone
    again, _ = make_session(model, options)  # opened from the copy
    for session in (first, again):
        np.testing.assert_array_equal(session.run(None, _feeds())[0], expected)
    assert [p.name for p in graph.parent.parent.iterdir()] == [graph.parent.name]  # no tmp left


@pytest.mark.parametrize("damage", ["weights cut short", "weights missing", "graph missing"])
def test_a_damaged_copy_is_made_again(model: Path, tmp_path: Path, damage: str) -> None:
    expected = make_session(model, SessionOptions("cpu", 1))[0].run(None, _feeds())[0]
    options = _options(tmp_path / "cache")
    make_session(model, options)
    graph = optimised_path(model, options, CPU)
    assert graph is not None
    weights = graph.parent / OPTIMISED_WEIGHTS
    size = weights.stat().st_size
    if damage == "weights cut short":
        weights.write_bytes(weights.read_bytes()[:1000])
    elif damage == "weights missing":
        weights.unlink()
    else:
        graph.unlink()
    session, _ = make_session(model, options)
    np.testing.assert_array_equal(session.run(None, _feeds())[0], expected)
    assert graph.is_file() and weights.stat().st_size == size  # made again, whole
    assert len(list(graph.parent.parent.iterdir())) == 1


def test_a_copy_another_process_saved_meanwhile_is_kept(model: Path, tmp_path: Path) -> None:
    options = _options(tmp_path / "cache")
    make_session(model, options)
    graph = optimised_path(model, options, CPU)
    assert graph is not None
    theirs = graph.stat().st_ino
    session = session_module._open_and_save(model, options, CPU, graph)  # as a racing process
    assert session is not None and graph.stat().st_ino == theirs
    assert len(list(graph.parent.parent.iterdir())) == 1


def test_one_shot_sessions_agree_with_the_usual_ones(model: Path, tmp_path: Path) -> None:
    usual, _ = make_session(model, SessionOptions("cpu", 2))
    quick, _ = make_session(model, _options(tmp_path / "cache", prepack=False, spinning=False))
    np.testing.assert_allclose(
        quick.run(None, _feeds())[0], usual.run(None, _feeds())[0], rtol=1e-5, atol=1e-4
    )


def test_the_cli_opens_its_library_with_one_shot_options(settings: Settings) -> None:
    usual = SessionOptions(cache_dir=settings.cache_dir)
    quick = usual.for_one_shot()
    assert (quick.prepack, quick.spinning) == (False, False) and usual.prepack
    assert quick.optimise_min_bytes == ONE_SHOT_OPTIMISED_MIN_BYTES < usual.optimise_min_bytes
    with remote.open_library(settings) as lib:
        assert lib.registry.options == replace(quick, device=settings.device, intra_threads=1)
    with remote.open_library(settings, one_shot=False) as lib:  # the app stub: long-lived
        assert lib.registry.options.prepack and lib.registry.options.spinning
