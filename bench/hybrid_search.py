"""OCR throughput on CPU (pictures with and without text) and hybrid search latency.

Prints OCR images/s for rendered text pages and for photo-like pictures without text, then
search latency p50/p99 at each size for the visual space alone (``Searcher.search_text``) and
for hybrid search (visual + sentence vectors of texts + FTS5 keywords, fused), on synthetic
vectors and OCR-like texts written through the store (a third of the items hold text).

    python bench/hybrid_search.py [--sizes 10000 100000] [--queries 100] [--ocr 12]
                                  [--threads 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from search_latency import fill  # bench/ is the script's folder

from mmdesk.config import REPO_ROOT
from mmdesk.core.search import Filters, HybridSearcher, Searcher, Weights
from mmdesk.plugins.registry import Space
from mmdesk.plugins.runtimes.rapid_ocr import RapidOcrReader
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import EncoderSpec, TextReaderSpec
from mmdesk.store import Store

DIM, VOCAB = 384, 5000


class FakeEncoder:
    """A text encoder that returns a fixed random unit vector per text (no model needed)."""

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        out = np.stack(
            [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(DIM) for t in texts]
        )
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


class FakeRegistry:
    def encoder(self, encoder_id: str) -> FakeEncoder:
        return FakeEncoder()


def reader(threads: int = 0) -> RapidOcrReader:
    folder = REPO_ROOT / "plugins" / "rapidocr"
    raw = tomllib.loads((folder / "plugin.toml").read_text())["text_readers"][0]
    spec = TextReaderSpec(raw["id"], folder, "rapidocr", "1.4.4", None, options=raw["options"])
    return RapidOcrReader(spec, SessionOptions(intra_threads=threads))


def pages(n: int) -> tuple[list[Image.Image], list[Image.Image]]:
    """``n`` A5-ish pages of text, and ``n`` smooth photo-like pictures without text."""
    rng = np.random.default_rng(0)
    font = ImageFont.load_default(size=28)
    text, blank = [], []
    for i in range(n):
        page = Image.new("RGB", (1200, 900), (250, 248, 240))
        draw = ImageDraw.Draw(page)
        for line in range(8):
            words = " ".join(f"word{int(w)}" for w in rng.integers(0, 999, 6))
            draw.text((60, 60 + 95 * line), f"Line {line} {words}", fill=(20, 20, 30), font=font)
        text.append(page)
        gradient = np.linspace(0, 255, 1200 * 900 * 3).reshape(900, 1200, 3) * (0.5 + i / (2 * n))
        blank.append(Image.fromarray(np.clip(gradient, 0, 255).astype(np.uint8)))
    return text, blank


def ocr_rate(images: list[Image.Image], ocr: RapidOcrReader) -> float:
    ocr.read_lines(images[:1])  # load the models
    start = time.perf_counter()
    for image in images:
        ocr.read_lines([image])
    return len(images) / (time.perf_counter() - start)


def add_texts(store: Store, n: int, seed: int = 0) -> None:
    """OCR-like texts on every third item, and their (fake) sentence vectors."""
    rng = np.random.default_rng(seed)
    batch = []
    for item in range(1, n + 1, 3):
        words = " ".join(f"w{int(w)}" for w in rng.integers(0, VOCAB, rng.integers(5, 15)))
        batch.append((item, [(words, None)]))
    for start in range(0, len(batch), 20000):
        store.replace_texts("ocr", "bench/ocr", batch[start : start + 20000])
    todo = store.texts_without_vectors("bench/text", 1 << 40)
    vectors = rng.standard_normal((len(todo), DIM)).astype(np.float32)
    for start in range(0, len(todo), 20000):
        ids = [t for t, _ in todo[start : start + 20000]]
        store.put_text_vectors(ids, "bench/text", vectors[start : start + 20000])


def latency(search: object, queries: list[str]) -> tuple[float, float]:
    times = []
    for query in queries:
        t0 = time.perf_counter()
        search(query, Filters(limit=50))  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.percentile(times, 50)), 1000 * float(np.percentile(times, 99))


def measure(n: int, queries: int, workdir: Path) -> dict[str, float]:
    store = Store(workdir / f"hybrid-{n}.db")
    fill(store, n, DIM, "float32")
    add_texts(store, n)
    text = EncoderSpec("bench/text", "bench", "text", DIM, "x.onnx", workdir, "bench", "1")
    image = EncoderSpec("bench/image", "bench", "image", DIM, "x.onnx", workdir, "bench", "1")
    space = Space("bench", "bench", {"image": image, "text": text})
    visual = Searcher(store, FakeRegistry(), space)  # type: ignore[arg-type]
    hybrid = HybridSearcher(visual, text, Weights())
    words = [f"w{int(w)} photo" for w in np.random.default_rng(2).integers(0, VOCAB, queries)]
    visual.search_text(words[0]), hybrid.search(words[0])  # load the indexes
    out = {"n": n}
    out["visual_p50"], out["visual_p99"] = latency(visual.search_text, words)
    out["hybrid_p50"], out["hybrid_p99"] = latency(hybrid.search, words)
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--ocr", type=int, default=12, help="pictures of each sort to read")
    parser.add_argument("--threads", type=int, default=0, help="OCR threads (0: all cores)")
    args = parser.parse_args()
    if args.ocr:
        ocr, (text, blank) = reader(args.threads), pages(args.ocr)
        print(
            f"OCR on CPU, 1200x900: {ocr_rate(text, ocr):.2f} images/s with text (8 lines), "
            f"{ocr_rate(blank, ocr):.2f} images/s without text",
            flush=True,
        )
    workdir = Path(tempfile.mkdtemp(prefix="mmdesk-bench-"))
    print(f"{'N':>8} {'visual p50':>11} {'p99 ms':>8} {'hybrid p50':>11} {'p99 ms':>8}")
    for n in args.sizes:
        r = measure(n, args.queries, workdir)
        print(
            f"{r['n']:>8} {r['visual_p50']:>11.2f} {r['visual_p99']:>8.2f} "
            f"{r['hybrid_p50']:>11.2f} {r['hybrid_p99']:>8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
