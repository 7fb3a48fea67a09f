"""open_clip -> ONNX plugin export, with random weights (no network here).

The ViT-B-32 export takes ~40 s; SigLIP and MobileCLIP (~50 s each) are marked ``slow``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmdesk.errors import ExportError
from mmdesk.export import openclip_model, openclip_text, parity
from mmdesk.export.catalogue import catalogue
from mmdesk.export.openclip import ExportReport, export_openclip
from mmdesk.export.openclip_manifest import plugin_id
from mmdesk.plugins.openclip_tokenizer import OpenClipTokenizer

open_clip = pytest.importorskip("open_clip")
ort = pytest.importorskip("onnxruntime")

TINY = "mmdesk-test-tiny"
TINY_CFG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
EDGE_TEXTS = [
    "",
    "a photo of a dog",
    "A Photo Of A DOG",
    "word " * 100,
    "x" * 500,
    "schÃ¶n",
    "&amp; fish &lt;3 &amp;amp;",
    "🐶🎉 party 😀",
    "日本語のテキスト",
    "Ünïcödé façade naïve",
    "  whitespace\t\truns \n\n here  ",
    "it's we'll they're",
    "<start_of_text> literal",
    "snake_case and punctuation!?",
    "",
]


@pytest.fixture(scope="module")
def tiny_arch(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Register a two-layer open_clip config so exports take a second or two."""
    path = tmp_path_factory.mktemp("cfg") / f"{TINY}.json"
    path.write_text(json.dumps(TINY_CFG))
    open_clip.add_model_config(path)
    return TINY


@pytest.fixture(scope="module")
def tiny_fp32(tiny_arch: str, tmp_path_factory: pytest.TempPathFactory) -> ExportReport:
    return export_openclip(tiny_arch, None, tmp_path_factory.mktemp("x") / "tiny")


@pytest.fixture(scope="module")
def vit_b32(tmp_path_factory: pytest.TempPathFactory) -> ExportReport:
    return export_openclip("ViT-B-32", "none", tmp_path_factory.mktemp("x") / "b32")


def _manifest(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))


def _encoder(folder: Path, modality: str) -> dict[str, Any]:
    return next(e for e in _manifest(folder)["encoders"] if e["modality"] == modality)


def _run(path: Path, batch: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: batch})[0]


# --- tokenizer -------------------------------------------------------------------------------


def test_torch_free_tokenizer_matches_open_clip() -> None:
    from open_clip.tokenizer import default_bpe

    ours = OpenClipTokenizer(Path(default_bpe()))(EDGE_TEXTS)
    assert ours.dtype == np.int64 and ours.shape == (len(EDGE_TEXTS), 77)
    np.testing.assert_array_equal(ours, open_clip.get_tokenizer("ViT-B-32")(EDGE_TEXTS).numpy())


def test_overlong_text_keeps_eot_as_last_token() -> None:
    from open_clip.tokenizer import default_bpe

    tok = OpenClipTokenizer(Path(default_bpe()), context_length=77)
    ids = tok(["word " * 100])[0]
    assert ids[0] == tok.sot_id and ids[-1] == tok.eot_id and (ids != 0).all()


# --- tiny config: layout, manifest, checksums, precisions ------------------------------------


def test_tiny_export_writes_a_valid_plugin(tiny_fp32: ExportReport) -> None:
    folder = tiny_fp32.out_dir
    doc = _manifest(folder)
    assert doc["id"] == tiny_fp32.plugin_id == "openclip-mmdesk-test-tiny-random"
    assert sorted(p.name for p in folder.iterdir()) == [
        "bpe_simple_vocab_16e6.txt.gz",
        "image.onnx",
        "parity.json",
        "plugin.toml",
        "text.onnx",
    ]
    image, text = _encoder(folder, "image"), _encoder(folder, "text")
    assert image["id"] == f"{doc['id']}/image" and text["id"] == f"{doc['id']}/text"
    assert image["space"] == text["space"] == doc["id"] and image["dim"] == text["dim"] == 32
    assert image["preprocess"] == {
        "size": 64,
        "resize": "shortest",
        "resize_size": 64,
        "interpolation": "bicubic",
        "mean": [0.48145466, 0.4578275, 0.40821073],
        "std": [0.26862954, 0.26130258, 0.27577711],
    }
    assert text["tokenizer"] == {
        "kind": "openclip",
        "file": "bpe_simple_vocab_16e6.txt.gz",
        "context_length": 77,
        "pad": "longest",  # causal text tower: it runs on the real length (see below)
        "pad_id": 0,
    }
    assert image["io"] == {"inputs": ["pixel_values"], "output": "embedding"}
    assert text["io"] == {"inputs": ["input_ids"], "output": "embedding"}


def test_manifest_checksums_match_and_detect_corruption(
    tiny_fp32: ExportReport, tmp_path: Path
) -> None:
    files = _manifest(tiny_fp32.out_dir)["files"]
    assert set(files) == {"image.onnx", "text.onnx", "bpe_simple_vocab_16e6.txt.gz"}
    for name, digest in files.items():
        assert hashlib.sha256((tiny_fp32.out_dir / name).read_bytes()).hexdigest() == digest
    copy = shutil.copytree(tiny_fp32.out_dir, tmp_path / "copy")
    data = bytearray((copy / "image.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "image.onnx").write_bytes(bytes(data))
    assert hashlib.sha256((copy / "image.onnx").read_bytes()).hexdigest() != files["image.onnx"]


def test_manifest_is_accepted_by_the_plugin_loader(tiny_fp32: ExportReport) -> None:
    from mmdesk.plugins.manifest import load_manifest
    from mmdesk.plugins.runtime import make_tokenizer

    manifest = load_manifest(tiny_fp32.out_dir)
    text = next(e for e in manifest.encoders if e.modality == "text")
    ids = make_tokenizer(text)(EDGE_TEXTS)["input_ids"]
    np.testing.assert_array_equal(ids, open_clip.get_tokenizer(TINY)(EDGE_TEXTS).numpy())


def test_parity_report_and_dynamic_batch(tiny_fp32: ExportReport) -> None:
    folder, report = tiny_fp32.out_dir, tiny_fp32.parity
    assert json.loads((folder / "parity.json").read_text()) == report
    assert report["fp32_vs_torch"]["image"]["min"] >= 0.9999
    assert report["fp32_vs_torch"]["text"]["min"] >= 0.9999
    assert report["tokenizer_matches_open_clip"]["equal"] and report["problems"] == []
    for batch in (1, 5):
        pixels = np.random.default_rng(batch).normal(size=(batch, 3, 64, 64)).astype(np.float32)
        assert _run(folder / "image.onnx", pixels).shape == (batch, 32)
        ids = OpenClipTokenizer(folder / "bpe_simple_vocab_16e6.txt.gz")(["hi"] * batch)
        assert _run(folder / "text.onnx", ids).shape == (batch, 32)


LENGTH_TEXTS = ["cat", "a photo of a dog on a red sofa next to a window", "", "word " * 100]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / norms


def test_text_tower_on_the_real_length_matches_torch_at_77(tiny_arch: str, tmp_path: Path) -> None:
    import torch

    from mmdesk.export import openclip_onnx
    from mmdesk.plugins.runtimes.openclip_tokenizer import trim_padding

    model = open_clip.create_model(tiny_arch, pretrained=None).eval()
    assert openclip_onnx.trimmable_text(model)
    tokenize = open_clip.get_tokenizer(tiny_arch)
    sample = trim_padding(tokenize(["a photo", ""]).numpy())
    assert sample.shape == (2, 4)  # traced short: a baked-in length would fail at 77 below
    openclip_onnx.export_tower(model, "text", torch.from_numpy(sample), tmp_path / "t.onnx", 17)
    full = tokenize(LENGTH_TEXTS).numpy()
    with torch.no_grad():
        ref = model.encode_text(torch.from_numpy(full)).numpy()
    batch = trim_padding(full)
    assert batch.shape[1] == 77  # the overlong text keeps the whole context
    short = trim_padding(full[:3])
    assert short.shape == (3, 15)  # SOT, 13 words, EOT
    cases = [(full, ref), (short, ref[:3])]
    cases += [(trim_padding(full[i : i + 1]), ref[i : i + 1]) for i in range(len(full))]
    for ids, expected in cases:
        got = _run(tmp_path / "t.onnx", ids)
        assert np.abs(got - expected).max() <= 1e-5
        assert _cosines(got, expected).min() >= 0.99999
    assert trim_padding(full[2:3]).shape == (1, 2)  # "": SOT and EOT only


def test_runtime_feeds_trimmed_ids_only_when_the_manifest_says_so(
    tiny_fp32: ExportReport, tmp_path: Path
) -> None:
    from mmdesk.plugins.manifest import load_manifest
    from mmdesk.plugins.runtimes.onnx_encoder import OnnxTextEncoder

    old = tmp_path / "old"
    shutil.copytree(tiny_fp32.out_dir, old)
    toml = (old / "plugin.toml").read_text(encoding="utf-8")
    assert toml.count('pad = "longest"') == 1
    (old / "plugin.toml").write_text(toml.replace('pad = "longest"', 'pad = "max"'), "utf-8")
    vectors, widths = [], []
    for folder in (tiny_fp32.out_dir, old):
        spec = next(e for e in load_manifest(folder).encoders if e.modality == "text")
        encoder = OnnxTextEncoder(spec)
        run, seen = encoder._run, []
        encoder._run = lambda feeds, run=run, seen=seen: (  # type: ignore[method-assign]
            seen.append(feeds["input_ids"].shape[1]) or run(feeds)
        )
        batch = encoder.encode_texts(LENGTH_TEXTS[:3])
        vectors.append(np.concatenate([batch, *(encoder.encode_texts([t]) for t in LENGTH_TEXTS)]))
        widths.append(seen)
    assert widths == [[15, 3, 15, 2, 77], [77] * 5]  # trimmed; the plugin without the flag: 77
    assert np.abs(vectors[0] - vectors[1]).max() <= 1e-5


def test_fp16_halves_the_files_and_keeps_vectors(
    tiny_arch: str, tiny_fp32: ExportReport, tmp_path: Path
) -> None:
    report = export_openclip(tiny_arch, None, tmp_path / "p", precision="fp16")
    assert report.plugin_id == "openclip-mmdesk-test-tiny-random-fp16"
    assert _encoder(report.out_dir, "image")["space"] == report.plugin_id
    for name in ("image.onnx", "text.onnx"):
        ratio = (report.out_dir / name).stat().st_size / (tiny_fp32.out_dir / name).stat().st_size
        assert ratio < 0.6
    assert min(report.parity["fp16_vs_fp32"][m]["min"] for m in ("image", "text")) >= 0.99


@pytest.mark.allow_log("accepted degraded export")  # the warning is the point of the test
def test_int8_that_hurts_ranking_is_refused_not_silent(
    tiny_arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unreachable ranking bar makes the refusal path deterministic.
    monkeypatch.setattr(parity, "LOSSY_MIN_SPEARMAN", 1.01)
    with pytest.raises(ExportError, match="int8 would change search results"):
        export_openclip(tiny_arch, None, tmp_path / "refused", precision="int8")
    assert list(tmp_path.iterdir()) == []  # neither the plugin nor the staging folder remains
    report = export_openclip(
        tiny_arch, None, tmp_path / "kept", precision="int8", allow_degraded=True
    )
    assert report.warnings and _manifest(report.out_dir)["extra"]["degraded"] == report.warnings
    assert report.parity["int8_ranking_vs_fp32"]["spearman_mean"] > 0


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arch", "tag", "precision", "match"),
    [
        ("No-Such-Arch", None, "fp32", "unknown open_clip architecture"),
        ("ViT-B-32", "no_such_tag", "fp32", "known tags: openai"),
        ("ViT-B-32", None, "fp8", "unknown precision"),
    ],
)
def test_bad_names_fail_readably(
    arch: str, tag: str | None, precision: str, match: str, tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match=match):
        export_openclip(arch, tag, tmp_path / "p", precision=precision)


def test_non_empty_out_dir_is_refused(tiny_arch: str, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not an empty folder"):
        export_openclip(tiny_arch, None, tmp_path)


def test_offline_download_fails_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(openclip_model, "_cached", lambda _hub: False)
    monkeypatch.setattr(openclip_model, "hub_reachable", lambda: False)
    with pytest.raises(
        ExportError,
        match=r"could not download weights for ViT-B-32 "
        r"\(laion2b_s34b_b79k\).*no network\?",
    ):
        export_openclip("ViT-B-32", "laion2b_s34b_b79k", tmp_path / "p")


def test_hf_tokenizer_offline_fails_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(openclip_text, "hub_reachable", lambda: False)
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", lambda *a, **k: None)
    with pytest.raises(ExportError, match="could not download the tokenizer timm/ViT-B-16-SigLIP"):
        openclip_text.write_tokenizer("ViT-B-16-SigLIP", tmp_path, print)


def test_plugin_ids_are_sanitised() -> None:
    expected = "openclip-vit-b-32-laion2b_s34b_b79k"
    assert plugin_id("ViT-B-32", "laion2b_s34b_b79k", "fp32") == expected
    assert plugin_id("ViT-B-16-SigLIP", "webli", "int8") == "openclip-vit-b-16-siglip-webli-int8"
    assert plugin_id("hf-hub:Org/Model", None, "fp16") == "openclip-hf-hub-org-model-random-fp16"


def test_catalogue_figures_are_sourced() -> None:
    entries = {(e.arch, e.pretrained): e for e in catalogue()}
    assert entries["ViT-B-32", "laion2b_s34b_b79k"].flickr_t2i_r1 == 66.8
    assert entries["ViT-B-16-SigLIP", "webli"].flickr_t2i_r1 == 74.7
    for entry in entries.values():
        assert entry.arch in open_clip.list_models()
        assert entry.pretrained in open_clip.list_pretrained_tags_by_model(entry.arch)
        assert entry.flickr_t2i_r1 is None or "retrieval_results.csv" in entry.source


# --- real architectures, random weights ------------------------------------------------------


def test_vit_b32_export_parity(vit_b32: ExportReport) -> None:
    assert vit_b32.plugin_id == "openclip-vit-b-32-random"
    assert vit_b32.parity["fp32_vs_torch"]["image"]["min"] >= 0.9999
    assert vit_b32.parity["fp32_vs_torch"]["text"]["min"] >= 0.9999
    image = _encoder(vit_b32.out_dir, "image")
    assert image["dim"] == 512 and image["preprocess"]["size"] == 224


def _local_hf_tokenizer() -> Any:
    """A small SentencePiece-style (Unigram) tokenizer built here, standing in for the SigLIP
    hub tokenizer (T5 vocab, pad/eos ids, '</s>' appended), which cannot be downloaded here."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=200, unk_token="<unk>", special_tokens=["<pad>", "</s>", "<unk>"]
    )
    corpus = ["a photo of a dog", "a cat on a red sofa", "the snowy mountain at night"] * 20
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


@pytest.mark.slow
def test_siglip_export_with_a_local_hf_tokenizer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import transformers

    local = _local_hf_tokenizer()
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: local)
    monkeypatch.setattr(openclip_text, "hub_reachable", lambda: True)
    report = export_openclip("ViT-B-16-SigLIP", None, tmp_path / "siglip")
    text = _encoder(report.out_dir, "text")
    assert text["tokenizer"] == {
        "kind": "hf",
        "file": "tokenizer.json",
        "context_length": 64,
        "pad": "max",
        "pad_id": 0,
        "clean": "canonicalize",
    }
    assert report.parity["fp32_vs_torch"]["image"]["min"] >= 0.9999
    assert report.parity["fp32_vs_torch"]["text"]["min"] >= 0.9999
    assert text["dim"] == 768
    # the runtime reads tokenizer.json without cleaning: the baked-in normaliser must do it
    from mmdesk.plugins.manifest import load_manifest
    from mmdesk.plugins.runtime import make_tokenizer

    spec = next(e for e in load_manifest(report.out_dir).encoders if e.modality == "text")
    plain = [t for t in EDGE_TEXTS if "&" not in t and "Ã" not in t]
    expected = open_clip.get_tokenizer("ViT-B-16-SigLIP")(plain).numpy()
    np.testing.assert_array_equal(make_tokenizer(spec)(plain)["input_ids"], expected)


@pytest.mark.slow
def test_mobileclip_export(tmp_path: Path) -> None:
    report = export_openclip("MobileCLIP-S1", None, tmp_path / "mobileclip")
    assert report.parity["fp32_vs_torch"]["image"]["min"] >= 0.9999
    assert report.parity["fp32_vs_torch"]["text"]["min"] >= 0.9999
    assert _encoder(report.out_dir, "image")["preprocess"]["size"] == 256
