"""Search quality of the default (ConSE) plugin on the labelled sample corpora, and of its
"no good matches" rule; what the build's temperature and k were chosen from.

ConSE's image vector depends on the classifier only through its class probabilities, so one
build is enough: the plain softmax (the ``probs`` output) of every image is read once, and each
(temperature, k) is the same mix computed in numpy (checked against the built ``image.onnx``).
Each corpus is split in two halves by a hash of the file name; the setting is chosen on the
first half and reported on the second. Figures:

* ``r@5``, ``r@10``: caption -> image recall (share of distinct captions with an image of that
  caption among the top 5 / 10; captions repeat in tuxpaint_stamps, e.g. six "A flower.");
* ``P@10``: mean over categories of precision@10 for the query "a photo of a <category>";
* ``tune``/``held-out``: the mean of those three over the corpora, on each half;
* ``sample``: queries of scikit-image's photos that rank their photo first;
* the "no good matches" rule (:mod:`mmdesk.core.search.calibration`) per corpus: made-up words
  it rejects, and captions and category queries it wrongly rejects;
* throughput of ``image.onnx`` (batch 32, onnxruntime CPU).

Usage::

    python bench/default_model_quality.py [--corpus ../shared/corpora] [--plugin DIR]
        [--temperatures 1 2 3 4] [--k 5 10 20 40]

Needs the build dependencies (torch ...) unless ``--plugin`` names a built plugin, and the
corpora folder, which user clones lack.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mmdesk.core.search import calibration  # noqa: E402
from mmdesk.export.default_runtime import DefaultPlugin  # noqa: E402

BASELINE = (1.0, 10)  # the paper's plain softmax, and the build's k before issue 13
# Made-up queries to test the rule with; none is among calibration.NONSENSE.
NONSENSE_TESTS = (
    "xqzzyv",
    "blorft quazzle",
    "the of and",
    "##ing",
    "fnord",
    "skrrt pliv",
    "jklmnop",
    "wibble wobble",
    "vorpal snicker",
    "qqq",
    "lorem ipsum",
    "plmokn",
    "zarquon",
    "hjkl hjkl",
    "oobleck frumious",
    "and the",
)
SAMPLE_QUERIES = {  # scikit-image's photos (mmdesk's sample library) -> the photo to find
    "a cat": "chelsea.jpg",
    "a photo of a kitten": "chelsea.jpg",
    "a cup of coffee": "coffee.jpg",
    "espresso": "coffee.jpg",
    "coffee": "coffee.jpg",
    "a rocket": "rocket.jpg",
    "a space rocket launch": "rocket.jpg",
    "a motorcycle": "motorcycle.png",
    "a horse": "horse.png",
    "a page of text": "page.png",
    "a camera on a tripod": "cameraman.png",
    "coins": "coins.png",
}

Mix = Callable[[np.ndarray], np.ndarray]


@dataclass
class Corpus:
    """Image paths with one category and one caption each, and their class probabilities."""

    name: str
    paths: list[Path]
    categories: list[str]
    captions: list[str]
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1000), np.float32))

    def half(self, which: int) -> np.ndarray:
        """Rows of one half (0: tuning, 1: held out), fixed by a hash of the file name."""
        hashes = np.array([zlib.crc32(p.name.encode()) % 2 for p in self.paths])
        return np.flatnonzero(hashes == which)


def _readable(category: str) -> str:
    """``"clothes_n_accessories"`` -> ``"clothes and accessories"``; keeps the last path part."""
    return category.rsplit("/", 1)[-1].replace("_n_", " and ").replace("_", " ")


def load_corpora(root: Path) -> list[Corpus]:
    """art4apps (12 categories) and tuxpaint_stamps (16 top categories), whichever exist."""
    specs = [("art4apps", "category"), ("tuxpaint_stamps", "top_category")]
    out = []
    for name, column in specs:
        labels = root / name / "labels.csv"
        if not labels.is_file():
            continue
        with labels.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        out.append(
            Corpus(
                name,
                [root / name / r["path"] for r in rows],
                [_readable(r[column]) for r in rows],
                [r["caption"] for r in rows],
            )
        )
    if not out:
        raise SystemExit(f"no corpus found under {root}")
    return out


# --- the mix, in numpy ------------------------------------------------------------------------


def conse(probs: np.ndarray, labels: np.ndarray, temperature: float, k: int) -> np.ndarray:
    """What ``image.onnx`` computes from the plain softmax: softmax(log p / T), its top k,
    renormalised, mixing the label embeddings, L2-normalised."""
    logits = np.log(np.maximum(probs.astype(np.float64), 1e-38)) / temperature
    weights = np.exp(logits - logits.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    top = np.argsort(-weights, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(weights, top, 1)
    mixed = (picked[..., None] * labels[top]).sum(1)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def probabilities(plugin: DefaultPlugin, pixels: np.ndarray, batch: int = 32) -> np.ndarray:
    session = plugin.image_session
    runs = [
        session.run(["probs"], {"pixel_values": pixels[i : i + batch]})[0]
        for i in range(0, len(pixels), batch)
    ]
    return np.concatenate(runs)


def check_emulation(plugin: DefaultPlugin, pixels: np.ndarray, labels: np.ndarray) -> float:
    """Max difference between image.onnx and :func:`conse` at the build's own T and k."""
    extra = plugin_extra(plugin)
    got = plugin.encode_pixels(pixels)
    want = conse(probabilities(plugin, pixels), labels, float(extra["temperature"]), extra["k"])
    return float(np.abs(got - want).max())


def plugin_extra(plugin: DefaultPlugin) -> dict[str, Any]:
    import tomllib

    extra = tomllib.loads((plugin.folder / "plugin.toml").read_text(encoding="utf-8"))["extra"]
    return {"temperature": 1.0, **extra}


# --- metrics ----------------------------------------------------------------------------------


class Texts:
    """Query embeddings, each text encoded once."""

    def __init__(self, plugin: DefaultPlugin) -> None:
        self.plugin = plugin
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        for start in range(0, len(todo), 256):
            chunk = todo[start : start + 256]
            self.cache.update(zip(chunk, self.plugin.encode_texts(chunk), strict=True))
        return np.stack([self.cache[t] for t in texts])


def _top(queries: np.ndarray, images: np.ndarray, n: int = 10) -> np.ndarray:
    return np.argsort(-(queries @ images.T), axis=1, kind="stable")[:, :n]


def scores(corpus: Corpus, emb: np.ndarray, texts: Texts, rows: np.ndarray) -> list[float]:
    """[r@5, r@10, P@10] on the images ``rows``."""
    captions, cats = np.array(corpus.captions)[rows], np.array(corpus.categories)[rows]
    distinct = sorted(set(captions))
    hits = captions[_top(texts(distinct), emb[rows])] == np.array(distinct)[:, None]
    names = sorted(set(cats))
    top = _top(texts([f"a photo of a {c}" for c in names]), emb[rows])
    precision = (cats[top] == np.array(names)[:, None]).mean()
    return [hits[:, :5].any(1).mean(), hits.any(1).mean(), float(precision)]


@dataclass
class Row:
    """One setting's figures: per corpus [r@5, r@10, P@10] on all images, and half means."""

    name: str
    cells: list[list[float]]
    tune: float
    held_out: float


def evaluate(name: str, mix: Mix, corpora: list[Corpus], texts: Texts) -> Row:
    cells: list[list[float]] = []
    halves: list[list[float]] = [[], []]
    for corpus in corpora:
        emb = mix(corpus.probs)
        cells.append(scores(corpus, emb, texts, np.arange(len(corpus.paths))))
        for which in (0, 1):
            halves[which].append(float(np.mean(scores(corpus, emb, texts, corpus.half(which)))))
    return Row(name, cells, float(np.mean(halves[0])), float(np.mean(halves[1])))


def print_rows(title: str, rows: list[Row], corpora: list[Corpus]) -> None:
    print(f"\n{title}")
    head = "".join(f" {c.name[:14] + ' r@5/r@10/P@10':>30}" for c in corpora)
    print(f"{'setting':<26}{head} {'tune':>7} {'held-out':>9}")
    for row in rows:
        cells = "".join(f" {'/'.join(f'{v:.3f}' for v in cell):>30}" for cell in row.cells)
        print(f"{row.name:<26}{cells} {row.tune:>7.4f} {row.held_out:>9.4f}", flush=True)


# --- next gains tried -------------------------------------------------------------------------


def centred(labels: np.ndarray, share: float) -> np.ndarray:
    """Label embeddings less ``share`` of their mean (the "a photo of a" they all hold)."""
    out = labels - share * labels.mean(0)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def bridge_rows(
    corpora: list[Corpus], labels: np.ndarray, texts: Texts, setting: tuple[float, int]
) -> list[Row]:
    """A ridge map from the ConSE vector to the caption embeddings, trained on one corpus and
    added (weight ``alpha``) on the other: the held-out figures are the other corpus's."""
    rows: list[Row] = []
    if len(corpora) < 2:
        return rows
    for lam, alpha in ((1.0, 0.3), (100.0, 0.3), (100.0, 1.0)):
        maps = {}
        for corpus in corpora:
            x = conse(corpus.probs, labels, *setting)
            y = texts(corpus.captions)
            maps[corpus.name] = np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)

        def mix(probs: np.ndarray, maps: dict[str, np.ndarray] = maps, a: float = alpha) -> Any:
            other = next(c.name for c in corpora if c.probs is not probs)
            base = conse(probs, labels, *setting)
            lifted = base @ maps[other]
            lifted /= np.linalg.norm(lifted, axis=1, keepdims=True)
            out = base + a * lifted
            return out / np.linalg.norm(out, axis=1, keepdims=True)

        rows.append(evaluate(f"bridge l={lam:g} a={alpha:g}", mix, corpora, texts))
    return rows


# --- the sample photos and the "no good matches" rule -----------------------------------------


def sample_golden(plugin: DefaultPlugin, labels: np.ndarray, texts: Texts, setting: Any) -> str:
    """How many of SAMPLE_QUERIES rank their photo first among scikit-image's photos."""
    try:
        from mmdesk.core.sample import make_sample_library

        with tempfile.TemporaryDirectory() as tmp:
            files = make_sample_library(Path(tmp))
            probs = probabilities(plugin, plugin.pixels(files))
    except Exception as exc:  # scikit-image missing: say so in the table
        return f"n/a ({exc})"
    names = [f.name for f in files]
    best = (texts(list(SAMPLE_QUERIES)) @ conse(probs, labels, *setting).T).argmax(1)
    missed = [q for q, i in zip(SAMPLE_QUERIES, best, strict=True) if names[i] != SAMPLE_QUERIES[q]]
    return f"{len(SAMPLE_QUERIES) - len(missed)}/{len(SAMPLE_QUERIES)}" + (
        f" (missed: {', '.join(missed)})" if missed else ""
    )


def no_good_matches(corpus: Corpus, emb: np.ndarray, texts: Texts, tok: Any) -> str:
    """The rule on one corpus: nonsense rejected, real captions / categories wrongly rejected
    (captions counted among those whose image the search finds in its top 10, and among all)."""
    floor = calibration.nonsense_floor(emb, texts(list(calibration.NONSENSE)))

    def rejected(queries: list[str]) -> np.ndarray:
        best = (texts(queries) @ emb.T).max(1)
        words = [calibration.read_words(tok, q) for q in queries]
        return np.array(
            [not calibration.decide(w, float(b), floor).ok for w, b in zip(words, best)]
        )

    captions = sorted(set(corpus.captions))
    top = np.array(corpus.captions)[_top(texts(captions), emb)] == np.array(captions)[:, None]
    first, found = top[:, 0], top.any(1)
    cap = rejected(captions)
    cats = rejected([f"a photo of a {c}" for c in sorted(set(corpus.categories))])
    nonsense = rejected(list(NONSENSE_TESTS))
    return (
        f"{corpus.name}: floor {floor:.3f}; nonsense rejected {nonsense.sum()}/{len(nonsense)}; "
        f"wrongly rejected: captions ranked first {(cap & first).sum()}/{first.sum()}, "
        f"in top 10 {(cap & found).sum()}/{found.sum()}, all {cap.sum()}/{len(cap)}; "
        f"category queries {cats.sum()}/{len(cats)}"
    )


def throughput(plugin: DefaultPlugin, pixels: np.ndarray, batch: int = 32) -> float:
    """Images per second of image.onnx alone (preprocessed input, after one warm-up batch)."""
    sample = pixels[: batch * 4]
    plugin.encode_pixels(sample[:batch], batch)
    start = time.perf_counter()
    plugin.encode_pixels(sample, batch)
    return len(sample) / (time.perf_counter() - start)


# --- main -------------------------------------------------------------------------------------


def _plugin(args: argparse.Namespace, tmp: Path) -> DefaultPlugin:
    folder = args.plugin
    if folder is None:
        from mmdesk.export.default_model import build_default

        folder = build_default(tmp / "default")
    return DefaultPlugin(folder, threads=args.threads)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, read the corpora's class probabilities once, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--plugin", type=Path, help="a built default plugin (default: build one)")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10, 20, 40])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    corpora = load_corpora(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        plugin = _plugin(args, Path(tmp))
        report(plugin, corpora, args)


def report(plugin: DefaultPlugin, corpora: list[Corpus], args: argparse.Namespace) -> None:
    """Every table, from one read of each corpus's class probabilities."""
    from mmdesk.export.default_model import LABEL_TEMPLATE, class_names

    texts = Texts(plugin)
    labels = texts([LABEL_TEMPLATE.format(n) for n in class_names()])
    pixels = {c.name: plugin.pixels(c.paths) for c in corpora}
    for corpus in corpora:
        corpus.probs = probabilities(plugin, pixels[corpus.name])
    diff = check_emulation(plugin, pixels[corpora[0].name][:64], labels)
    print(f"numpy mix vs the built image.onnx (its own T, k): max diff {diff:.1e}")
    grid = [(float(t), k) for t in args.temperatures for k in args.k]
    rows = {s: evaluate(f"T={s[0]:g} k={s[1]}", mixer(labels, s), corpora, texts) for s in grid}
    title = "Temperature x k (tune: first halves; held-out: second halves)"
    print_rows(title, [*rows.values()], corpora)
    chosen = max(grid, key=lambda s: rows[s].tune)
    extra = plugin_extra(plugin)
    built = (float(extra["temperature"]), int(extra["k"]))
    print(f"\nchosen on the tuning halves: T={chosen[0]:g} k={chosen[1]}")
    print(f"the build's (plugin.toml): T={built[0]:g} k={built[1]}")
    before, after = (
        rows.get(s) or evaluate(f"T={s[0]:g} k={s[1]}", mixer(labels, s), corpora, texts)
        for s in (BASELINE, built)
    )
    print_rows("Before / after", [before, after], corpora)
    for name, setting in (("before", BASELINE), ("after", built)):
        found = sample_golden(plugin, labels, texts, setting)
        print(f"sample photos ranked first ({name}): {found}")
    title = "Next gains tried (kept only if the held-out figure rises)"
    print_rows(title, [after, *next_gains(corpora, labels, texts, built)], corpora)
    print("\nNo good matches (the build's setting)")
    tok = calibration_tokenizer(plugin)
    for corpus in corpora:
        print("  " + no_good_matches(corpus, conse(corpus.probs, labels, *built), texts, tok))
    speed = throughput(plugin, pixels[corpora[0].name])
    print(f"\nimage.onnx throughput: {speed:.1f} img/s (batch 32, {args.threads} threads, CPU)")


def mixer(labels: np.ndarray, setting: tuple[float, int]) -> Mix:
    """The ConSE mix of one (temperature, k), as a function of the class probabilities."""
    return lambda probs: conse(probs, labels, *setting)


def next_gains(
    corpora: list[Corpus], labels: np.ndarray, texts: Texts, setting: tuple[float, int]
) -> list[Row]:
    """Centred label embeddings, and a linear bridge trained on the other corpus's captions."""
    rows = [
        evaluate(
            f"centred labels {share:g}", mixer(centred(labels, share), setting), corpora, texts
        )
        for share in (0.25, 0.5, 1.0)
    ]
    return rows + bridge_rows(corpora, labels, texts, setting)


def calibration_tokenizer(plugin: DefaultPlugin) -> Any:
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(plugin.folder / "tokenizer.json"))


if __name__ == "__main__":
    main()
