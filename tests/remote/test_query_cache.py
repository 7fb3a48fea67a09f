"""Query vectors cached on disk, so a repeated query needs no model, and forgotten when the
model changes; tokenizers built once; optimised model graphs cached and rebuilt when damaged."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mmdesk.config import Settings
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes import onnx_encoder
from mmdesk.plugins.runtimes.onnx_encoder import OnnxTextEncoder, QueryCache
from mmdesk.plugins.runtimes.tokenizers import make_tokenizer
from mmdesk.plugins.session import SessionOptions, make_session, optimised_path
from mmdesk.plugins.specs import EncoderSpec


@pytest.fixture()
def text_spec(settings: Settings, tmp_path: Path) -> EncoderSpec:
    """The toy text encoder, in a folder of this test's own (its files may be changed)."""
    spec = Registry(settings).specs()["toy/text"]
    folder = tmp_path / "toy-copy"
    shutil.copytree(spec.folder, folder)
    return replace(spec, folder=folder)


class Loads:
    """Counts how often an encoder opens its model."""

    def __init__(self, encoder: OnnxTextEncoder) -> None:
        self.count = 0
        original = encoder._lazy.get

        def get() -> object:
            self.count += 1
            return original()

        encoder._lazy.get = get  # type: ignore[method-assign]


def _encoder(spec: EncoderSpec, cache: Path) -> tuple[OnnxTextEncoder, Loads]:
    encoder = OnnxTextEncoder(spec, SessionOptions("cpu", 1, cache_dir=cache))
    return encoder, Loads(encoder)


def test_a_repeated_query_skips_the_model_and_gives_the_same_vector(
    text_spec: EncoderSpec, tmp_path: Path
) -> None:
    first, loads = _encoder(text_spec, tmp_path / "cache")
    fresh = first.encode_texts(["red", "green", "red"])
    assert loads.count > 0 and (tmp_path / "cache" / "queries.sqlite").exists()
    second, later = _encoder(text_spec, tmp_path / "cache")  # as a new process would
    again = second.encode_texts(["red", "green", "red"])
    assert later.count == 0
    np.testing.assert_array_equal(again, fresh)
    assert again.dtype == np.float32 and again.shape == (3, text_spec.dim)
    uncached = OnnxTextEncoder(text_spec, SessionOptions("cpu", 1)).encode_texts(["green"])
    np.testing.assert_allclose(again[1], uncached[0], atol=1e-6)
    second.encode_texts(["blue", "red"])  # only the miss is encoded
    assert later.count > 0


def test_a_changed_model_file_is_not_answered_from_the_cache(
    text_spec: EncoderSpec, tmp_path: Path
) -> None:
    encoder, _ = _encoder(text_spec, tmp_path / "cache")
    encoder.encode_texts(["red"])
    model = text_spec.model_path
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # rebuilt in place
    again, loads = _encoder(text_spec, tmp_path / "cache")
    again.encode_texts(["red"])
    assert loads.count > 0


def test_big_batches_are_item_texts_and_stay_out_of_the_cache(
    text_spec: EncoderSpec, tmp_path: Path
) -> None:
    encoder, _ = _encoder(text_spec, tmp_path / "cache")
    texts = [f"red {n}" for n in range(onnx_encoder.CACHED_BATCH + 1)]
    encoder.encode_texts(texts)
    assert encoder.cache is not None
    assert encoder.cache.get(encoder.model_key(), texts, text_spec.dim) == {}


def test_the_cache_is_bounded_and_drops_the_least_recently_used(tmp_path: Path) -> None:
    cache = QueryCache(tmp_path / "q.sqlite", rows=3)
    vec = {t: np.full(4, n, np.float32) for n, t in enumerate("abcde")}
    cache.put("m", {"a": vec["a"], "b": vec["b"], "c": vec["c"]})
    assert set(cache.get("m", ["a"], 4)) == {"a"}  # a is used again: b is now the oldest
    cache.put("m", {"d": vec["d"]})
    assert set(cache.get("m", list("abcd"), 4)) == {"a", "c", "d"}
    assert cache.get("other model", ["a"], 4) == {}
    assert cache.get("m", ["a"], 8) == {}  # a vector of another size is not trusted
    cache.close()


def test_a_corrupt_cache_file_is_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = QueryCache(path)
    cache.put("m", {"a": np.ones(4, np.float32)})
    np.testing.assert_array_equal(cache.get("m", ["a"], 4)["a"], np.ones(4, np.float32))
    cache.close()


def test_a_tokenizer_is_built_once_per_file(text_spec: EncoderSpec) -> None:
    first = make_tokenizer(text_spec)
    assert make_tokenizer(text_spec) is first
    file = text_spec.folder / "tokenizer.json"
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # replaced: read again
    rebuilt = make_tokenizer(text_spec)
    assert rebuilt is not first and make_tokenizer(text_spec) is rebuilt


def test_the_optimised_graph_is_cached_and_a_damaged_one_rebuilt(
    text_spec: EncoderSpec, tmp_path: Path
) -> None:
    options = SessionOptions("cpu", 1, cache_dir=tmp_path / "cache", optimise_min_bytes=0)
    model = text_spec.model_path
    cached = optimised_path(model, options, ["CPUExecutionProvider"])
    assert cached is not None and not cached.exists()
    feeds = {"input_ids": np.array([[1, 2]], np.int64), "attention_mask": np.ones((1, 2), np.int64)}
    plain, _ = make_session(model, SessionOptions("cpu", 1))
    expected = plain.run(None, feeds)[0]
    first, _ = make_session(model, options)
    assert cached.stat().st_size > 0
    np.testing.assert_allclose(first.run(None, feeds)[0], expected, atol=1e-6)
    cached.write_bytes(cached.read_bytes()[:40])  # cut short, as a full disk would leave it
    again, _ = make_session(model, options)
    np.testing.assert_allclose(again.run(None, feeds)[0], expected, atol=1e-6)
    assert cached.stat().st_size > 40  # rebuilt
    assert not list(cached.parent.glob("*.tmp"))
    small = SessionOptions("cpu", 1, cache_dir=tmp_path / "cache")
    assert optimised_path(model, small, ["CPUExecutionProvider"]) is None  # not worth it
    assert optimised_path(model, options, ["CUDAExecutionProvider"]) is None
