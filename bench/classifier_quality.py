"""Quality of the tag classifier (mmdesk.train) on the labelled sample corpora.

Embeds each corpus once with the offline default model (``plugins/default``: image encoder on
the pictures, text encoder on the captions, the text modality), then for 5, 10 and 20 labels
per tag and several seeds trains on those labels and measures macro-F1 (each test item given
its highest-scoring tag; the categories are exclusive) on every other item of the tagged
categories:

* ``probe img`` / ``probe img+txt``: scikit-learn logistic regression (the linear probe) on the
  image vectors / on image and caption vectors side by side;
* ``fusion img``: the fusion classifier on image vectors only;
* ``fusion img+txt <policy>``: the fusion classifier on both, the rest of the corpus present as
  unlabelled items handled by ``downweight``, ``ignore`` or ``self-train``.

Usage::

    python bench/classifier_quality.py [--corpus ../shared/corpora] [--seeds 3] [--min 28]

Needs torch and scikit-learn, and the corpora folder, which user clones lack. Embeddings are
cached in ``--cache`` (default: a temporary folder) between runs.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mmdesk.config import Settings  # noqa: E402
from mmdesk.plugins.registry import Registry  # noqa: E402
from mmdesk.train.data import TrainingData  # noqa: E402
from mmdesk.train.options import TrainConfig  # noqa: E402
from mmdesk.train.training import train  # noqa: E402

CORPORA = {"tuxpaint_stamps": "top_category", "art4apps": "category"}
SHOTS = (5, 10, 20)


def embed(corpus: Path, column: str, cache: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(image vectors, caption vectors, category per item), cached per corpus."""
    cached = cache / f"{corpus.name}.npz"
    if cached.exists():
        z = np.load(cached)
        return z["image"], z["text"], list(z["labels"])
    from PIL import Image

    rows = list(csv.DictReader(open(corpus / "labels.csv", encoding="utf-8")))
    registry = Registry(Settings())
    image, text = registry.encoder("default/image"), registry.encoder("default/text")
    pixels = []
    for row in rows:
        with Image.open(corpus / row["path"]) as im:
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            pixels.append(image.preprocess(flat))
    vectors = np.concatenate(
        [image.encode(np.stack(pixels[i : i + 64])) for i in range(0, len(pixels), 64)]
    )
    captions = text.encode_texts([r["caption"] for r in rows])
    labels = [r[column] for r in rows]
    np.savez(cached, image=vectors, text=captions, labels=np.array(labels))
    return vectors, captions, labels


def split(
    labels: list[str], tags: list[str], shots: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train rows: ``shots`` per tag, test rows: the other items of the tags)."""
    rng = np.random.default_rng(seed)
    y = np.array(labels)
    train_rows = np.concatenate(
        [rng.choice(np.flatnonzero(y == t), shots, replace=False) for t in tags]
    )
    tagged = np.flatnonzero(np.isin(y, tags))
    return np.sort(train_rows), np.setdiff1d(tagged, train_rows)


def macro_f1(predicted: np.ndarray, actual: np.ndarray, n: int) -> float:
    """Mean over classes of F1 (argmax decisions)."""
    f1 = []
    for c in range(n):
        tp = float(((predicted == c) & (actual == c)).sum())
        p, r = tp / max((predicted == c).sum(), 1), tp / max((actual == c).sum(), 1)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1))


def probe(
    x: np.ndarray, y: np.ndarray, train_rows: np.ndarray, test_rows: np.ndarray, n: int
) -> float:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=2000).fit(x[train_rows], y[train_rows])
    return macro_f1(model.predict(x[test_rows]), y[test_rows], n)


def fusion(
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    n: int,
    policy: str,
    config: TrainConfig,
) -> float:
    """Train on the train rows with every other item present as unlabelled; score the test rows."""
    train_rows, test_rows = rows
    total = len(y)
    targets = np.full((total, n), -1.0, np.float32)
    targets[train_rows] = np.eye(n, dtype=np.float32)[y[train_rows]]
    weights = (targets >= 0).astype(np.float32)
    labelled = np.zeros(total, bool)
    labelled[train_rows] = True
    if policy == "downweight":
        targets[~labelled], weights[~labelled] = 0.0, 0.1
    mods = list(feats)
    data = TrainingData(
        np.arange(total),
        mods,
        feats,
        np.ones((total, len(mods)), bool),
        [str(t) for t in range(n)],
        targets,
        weights,
        labelled,
        policy,
    )
    trained = train(data, config)
    scores, _ = trained.predict(data.subset(test_rows))
    return macro_f1(scores.argmax(axis=1), y[test_rows], n)


def run(corpus: Path, column: str, args: argparse.Namespace, cache: Path) -> None:
    image, text, labels = embed(corpus, column, cache)
    counts = {t: labels.count(t) for t in set(labels)}
    tags = sorted(t for t, c in counts.items() if c >= args.min)
    y_all = np.array([tags.index(t) if t in tags else -1 for t in labels])
    both = np.hstack([image, text])
    config = TrainConfig(folds=0, device="cpu", width=args.width, epochs=args.epochs)
    methods = {
        "probe img": lambda r: probe(image, y_all, *r, len(tags)),
        "probe img+txt": lambda r: probe(both, y_all, *r, len(tags)),
        "fusion img": lambda r: fusion({"image": image}, y_all, r, len(tags), "ignore", config),
    }
    for policy in args.policies:
        methods[f"fusion img+txt {policy}"] = lambda r, p=policy: fusion(
            {"image": image, "caption": text}, y_all, r, len(tags), p, config
        )
    print(
        f"\n{corpus.name}: {len(tags)} tags ({column} with >= {args.min} items),"
        f" {len(labels)} items"
    )
    print(f"{'method':28s}" + "".join(f"{f'{k}/tag':>16s}" for k in SHOTS))
    for name, method in methods.items():
        cells = []
        for shots in SHOTS:
            f1 = [method(split(labels, tags, shots, seed)) for seed in range(args.seeds)]
            cells.append(f"{np.mean(f1):.3f} ± {np.std(f1):.3f}")
        print(f"{name:28s}" + "".join(f"{c:>16s}" for c in cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--min", type=int, default=28, help="items a category needs to be a tag")
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--policies", nargs="+", default=["downweight", "ignore", "self-train"])
    parser.add_argument("--only", nargs="*", default=list(CORPORA))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "mmdesk-bench-classifier"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    for name in args.only:
        run(args.corpus / name, CORPORA[name], args, args.cache)
    print(f"\n{time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
