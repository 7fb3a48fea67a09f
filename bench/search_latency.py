"""Search latency at 10k / 100k / 1M synthetic normalised vectors, dims 384 and 512.

Prints, per size and dim: time to load the vectors from the database into the index, query
latency p50/p99 (text-free: a random unit query through Searcher.search_vector, i.e. the exact
numpy index plus the result lookup in SQLite), and the process RSS after loading.

    python bench/search_latency.py [--sizes 10000 100000 1000000] [--dims 384 512]
                                   [--dtype float32|float16] [--queries 200]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import numpy as np

from mmdesk.core.search import Filters, Searcher
from mmdesk.plugins.manifest import EncoderSpec
from mmdesk.plugins.registry import Space
from mmdesk.store import Store
from mmdesk.store.vectors import to_blob


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def fill(store: Store, n: int, dim: int, dtype: str, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    conn = store.conn
    with store.transaction():
        store.ensure_encoder("bench/image", space="bench", modality="image", dim=dim)
    for start in range(0, n, 20000):  # one transaction per chunk, like the indexer's batches
        with store.transaction():
            count = min(20000, n - start)
            vectors = rng.standard_normal((count, dim), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            ids = range(start + 1, start + count + 1)
            conn.executemany(
                "INSERT INTO files(id, path, size, mtime_ns, kind, status, added_at)"
                " VALUES (?, ?, 1, 1, 'image', 'indexed', 0)",
                [(i, f"/bench/{i:07}.jpg") for i in ids],
            )
            conn.executemany(
                "INSERT INTO items(id, file_id, kind) VALUES (?, ?, 'image')", [(i, i) for i in ids]
            )
            conn.executemany(
                "INSERT INTO embeddings(item_id, encoder, dtype, vector) VALUES "
                "(?, 'bench/image', ?, ?)",
                [(i, dtype, to_blob(v, dtype)) for i, v in zip(ids, vectors)],
            )


def measure(n: int, dim: int, dtype: str, queries: int, workdir: Path) -> dict[str, float]:
    db = workdir / f"bench-{n}-{dim}.db"
    store = Store(db)
    fill(store, n, dim, dtype)
    spec = EncoderSpec("bench/image", "bench", "image", dim, "x.onnx", workdir, "bench", "1")
    searcher = Searcher(store, None, Space("bench", "bench", {"image": spec}))  # type: ignore[arg-type]
    gc.collect()
    start = time.perf_counter()
    index = searcher.index()
    load = time.perf_counter() - start
    rng = np.random.default_rng(1)
    times = []
    for _ in range(queries):
        query = rng.standard_normal(dim).astype(np.float32)
        t0 = time.perf_counter()
        searcher.search_vector(query, Filters(limit=50))
        times.append(time.perf_counter() - t0)
    result = {
        "n": n,
        "dim": dim,
        "load_s": load,
        "p50_ms": 1000 * float(np.percentile(times, 50)),
        "p99_ms": 1000 * float(np.percentile(times, 99)),
        "rss_mb": rss_mb(),
        "index_mb": index.matrix.nbytes / 2**20,
    }
    store.close()
    del index, searcher
    db.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[384, 512])
    parser.add_argument("--dtype", choices=("float32", "float16"), default="float32")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mmdesk-bench-"))
    print(
        f"{'N':>9} {'dim':>4} {'load s':>8} {'p50 ms':>8} {'p99 ms':>8} {'index MB':>9} "
        f"{'RSS MB':>8}   (stored as {args.dtype})"
    )
    for n in args.sizes:
        for dim in args.dims:
            r = measure(n, dim, args.dtype, args.queries if n < 1_000_000 else 50, workdir)
            print(
                f"{r['n']:>9} {r['dim']:>4} {r['load_s']:>8.2f} {r['p50_ms']:>8.2f} "
                f"{r['p99_ms']:>8.2f} {r['index_mb']:>9.0f} {r['rss_mb']:>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
