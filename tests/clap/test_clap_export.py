"""CLAP -> ONNX plugin export, on tiny random models (no weights can be downloaded here)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clap_kit import build_tiny_clap

from mmdesk.errors import ExportError
from mmdesk.export.catalogue import clap_catalogue
from mmdesk.export.clap import export_clap, plugin_id_for

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
ort = pytest.importorskip("onnxruntime")


def _manifest(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))


def _pooled(out: Any) -> np.ndarray:
    return (out if isinstance(out, torch.Tensor) else out.pooler_output).numpy()


def _onnx(path: Path, feeds: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, feeds)[0])


def test_both_towers_give_torchs_vectors(clap_plugin: Path, tiny_clap: Path) -> None:
    model = transformers.ClapModel.from_pretrained(tiny_clap).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_clap)
    for batch in (1, 3):  # dynamic batch
        mels = np.random.default_rng(batch).normal(-40, 20, (batch, 1, 101, 16))
        mels = mels.astype(np.float32)
        with torch.no_grad():
            ref = _pooled(model.get_audio_features(input_features=torch.from_numpy(mels)))
        got = _onnx(clap_plugin / "audio.onnx", {"input_features": mels})
        np.testing.assert_allclose(got, ref, atol=1e-5)
    texts = ["a dog barking", "", "rain " * 80]
    tokens = tokenizer(texts, padding=True, truncation=True, return_tensors="np")
    feeds = {k: np.asarray(tokens[k], np.int64) for k in ("input_ids", "attention_mask")}
    with torch.no_grad():
        ref = _pooled(model.get_text_features(**{k: torch.from_numpy(v) for k, v in feeds.items()}))
    np.testing.assert_allclose(_onnx(clap_plugin / "text.onnx", feeds), ref, atol=1e-5)


def test_the_manifest_declares_one_space_of_sounds_and_words(clap_plugin: Path) -> None:
    doc = _manifest(clap_plugin)
    pid = doc["id"]
    assert pid == "clap-tiny-clap" and doc["api"] == 2
    encoders = {e["modality"]: e for e in doc["encoders"]}
    assert {e["id"] for e in encoders.values()} == {f"{pid}/audio", f"{pid}/text"}
    assert {e["space"] for e in encoders.values()} == {pid}
    assert {e["dim"] for e in encoders.values()} == {16}
    pre = encoders["audio"]["preprocess"]
    assert pre["kind"] == "clap-mel" and pre["sample_rate"] == 48000
    want = {"n_fft": 1024, "hop": 480, "n_mels": 16, "nb_max_samples": 48000}
    assert {k: pre[k] for k in want} == want
    modes = {"truncation": "rand_trunc", "padding": "repeatpad", "mel_scale": "slaney"}
    assert {k: pre[k] for k in modes} == modes
    assert np.load(clap_plugin / pre["mel_filters"]).shape == (513, 16)
    tok = encoders["text"]["tokenizer"]
    assert (tok["kind"], tok["pad_id"], tok["context_length"]) == ("hf", 1, 62)
    for name, digest in doc["files"].items():
        assert hashlib.sha256((clap_plugin / name).read_bytes()).hexdigest() == digest
    assert set(doc["files"]) == {"audio.onnx", "text.onnx", "mel_filters.npy", "tokenizer.json"}


def test_the_parity_report_is_kept(clap_plugin: Path) -> None:
    report = json.loads((clap_plugin / "parity.json").read_text())
    assert report["audio"]["cosine"]["min"] >= 0.9999 and report["audio"]["n_windows"] >= 5
    assert report["audio"]["mel_max_abs_db"] <= 1e-3
    assert report["text"]["tokens_equal"] and report["text"]["cosine"]["min"] >= 0.9999
    assert _manifest(clap_plugin)["extra"]["parity_audio_min_cosine"] >= 0.9999


def test_a_fused_model_exports_its_global_branch(tmp_path: Path) -> None:
    source = build_tiny_clap(tmp_path / "fused", fused=True, seed=1)
    out = export_clap(str(source), tmp_path / "plugins" / "f", name="fused")
    doc = _manifest(out)
    assert doc["id"] == "clap-fused" and doc["extra"]["fused"] is True
    pre = next(e for e in doc["encoders"] if e["modality"] == "audio")["preprocess"]
    assert (pre["truncation"], pre["mel_scale"]) == ("fusion", "htk")
    assert json.loads((out / "parity.json").read_text())["audio"]["cosine"]["min"] >= 0.9999


def _with_extractor(source: Path, target: Path, **changes: Any) -> Path:
    shutil.copytree(source, target)
    path = target / "processor_config.json"
    config = json.loads(path.read_text())
    config["feature_extractor"].update(changes)
    path.write_text(json.dumps(config))
    return target


def test_unsupported_sources_are_refused_and_leave_nothing(tiny_clap: Path, tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    bad = _with_extractor(tiny_clap, tmp_path / "bad", truncation="fusion")
    with pytest.raises(ExportError, match="fusion"):
        export_clap(str(bad), plugins / "x")
    assert not any(plugins.iterdir())  # no plugin, no staging folder
    other = tmp_path / "bert"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ExportError, match="not CLAP"):
        export_clap(str(other), plugins / "y")
    full = plugins / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not an empty folder"):
        export_clap(str(tiny_clap), full)
    assert (full / "keep.txt").read_text() == "mine"


def test_plugin_ids_and_the_catalogue() -> None:
    assert plugin_id_for("laion/clap-htsat-unfused") == "clap-htsat-unfused"
    assert plugin_id_for("laion/larger_clap_general") == "clap-larger_clap_general"
    assert plugin_id_for("/data/models/x/", "My Sounds!") == "clap-my-sounds"
    assert [e.model for e in clap_catalogue()][0] == "laion/clap-htsat-unfused"
