"""A million items: build a library of N clustered synthetic vectors through the store (float16z
blobs, the change log) and the real index path (Searcher -> background ANN build), then measure
a fresh process that opens it: time to ready, query latency, recall@10 against exact float32
search, filtered search, RSS; and the database bytes each vector costs.

    python bench/scale.py --items 100000 --dim 512 [--queries 200] [--json] [--workdir DIR]
    python bench/scale.py --items 100000 --dim 512 --workdir DIR --reuse  # queries only, again
    python bench/scale.py --workdir DIR --cli-data OUT --space-plugin PLUGIN  # for the CLI

The library's files lie in 100 folders (1% each), 5% are videos, dates spread over ten years
(10% dated by mtime only), a user tag on 2% of the items, a classifier's prediction on 5% (some
denied). Printed: ``p50_ms``/``p99_ms`` (Searcher.search_vector, limit 10, results joined from
SQLite), ``recall_at_10`` (vs exact float32 over the source vectors), ``recall_f16_exact``
(exact search over float16 values, which float16z stores exactly, vs float32), ``filtered``
(per filter: kind 5%, folder 1%, tag 2%, predicted tag 6.5%, date 10%, kind and date 9.5%:
``first_ms`` the first query under it in the process, ``p50_ms``/``p99_ms`` the next ones,
``after_write_ms`` the first after a write, ``recall_at_10`` against exact search over the
passing items, ``full`` the share of queries with all 10 results), ``filtered_p50_ms`` /
``filtered_p99_ms`` / ``filtered_first_ms`` (the slowest filter's), ``facets_ready_s`` (when
the kind/date facets beside the index were read, in the background, since the process
started), ``date_filter_at_start_ms`` (a date filter right after ready, answered by SQL while
the facets are read), ``ready_s`` (a new process: open the store, map and check the index,
first search), ``rss_mb`` (that process after all queries), ``bytes_per_vector`` (database
growth from writing the vectors, the change log included), ``bytes_by_btree`` (dbstat: the
table, its primary key's index, the log), ``bytes_per_vector_after_build`` (after the build
pruned the log it was built from: pages in use), ``build_s`` (the index build from the
database), ``fill_s`` (writing the vectors).

Choosing the library (``/tmp`` script, 50k clustered 512-d vectors, M=16, ef_construction=128,
ef_search=64, 2 shared cores; hard isotropic clusters, so recall is low for all alike):

    library        build_s  load_s  p50_ms  p99_ms  recall@10  rss_mb  file_mb  remove  mmap
    usearch i8       13.4   0.007   0.44    1.33    0.44       167     31       yes     yes
    faiss HNSWSQ8    14.6   0.042   0.41    0.88    0.53       175     31       no      partial
    hnswlib f32      12.1   0.167   0.39    0.98    0.49       234     104      mark    no

Measured before issue 14's second pass (float16 rows, filters through SQL; 2 shared, heavily
loaded cores; ``--queries 200``; ef_search 200 unless noted; filt = the 5% kind filter):

    items  dim  index  p50_ms p99_ms recall@10 filt_p50 filt_first ready_s rss_mb B/vector build_s
    10k    384  exact   7.0   29.4   1.000      15.8     -         0.07     77     894      -
    100k   512  ANN     2.2   18.1   1.000      13.8     80        0.64*   241    1446     133
    1M     512  ANN     3.4   24.0   0.984      17.7     379       0.34    723    1447     428
    (* includes SQLite's quick_check, which runs for databases under 256 MiB; the 100k row
    was measured at ef_search 64; the 1M row's queries were re-measured on the same library
    after the RSS fix: 0.925 recall at ef 64, 0.966 at 128.)

Storage. A 512-d float16 row is 1,024 bytes of blob plus ~40 of key and header, so a 4 KiB
SQLite page holds three (1,365 bytes a vector); with its two indexes and the change-log entry,
1,446. Lossless packing (float16z: the exponent bytes deflated, ~900 bytes) fits four rows a
page; schema V6 drops the encoder index the primary key's index makes redundant, and the log is
pruned once every index on disk reflects it. int8 (664 bytes) was measured and not chosen:
recall@10 against float32 0.998 on these clustered vectors but 0.986 (text->image) and 0.974
(image->image) on the default model's embeddings of the 1,618 images of ../shared/corpora
(float16: 0.9994 / 0.9983).

Second pass (float16z rows, V6 schema, facets, kept filter answers; 2 shared cores, load
average 5-7 during the 1M build, 0.8-2.4 during its queries, 0-0.4 at 100k; the query figures
are ``--reuse`` runs on the built libraries after the last change to the search path):

    items  dim  B/vector  after build  by b-tree: table / pk index / log   build_s  fill_s
    100k   512  1,081     (not pruned)       1,026.6 / 26.8 / 27.7          131       35
    1M     512  1,082     1,054              1,026.6 / 27.5 / 28.1          933      170

    items  p50_ms p99_ms recall@10 ready_s rss_mb facets_ready_s date_at_start_ms
    100k   2.9    11.3   1.000     1.97*   159    2.8            97
    1M     5.6    22.1   0.982     0.19    845    2.7            1,328

    filter (share)       100k: first / p50 / p99 / after a write, recall   1M: the same
    kind (5%)            4.9 / 3.2 / 13.0 / 2.9   0.982       7.6 / 2.2 / 11.9 / 2.5    0.990
    folder (1%)          6.7 / 0.4 / 0.5 / 1.6    0.9995      33.0 / 2.2 / 14.5 / 13.3  1.000
    tag (2%)             9.8 / 0.5 / 0.65 / 1.3   1.000       13.7 / 4.1 / 24.9 / 6.4   0.992
    predicted (6.5%)     4.7 / 1.9 / 7.9 / 3.5    0.989       47.4 / 2.0 / 9.1 / 13.2   0.993
    date (10%)           3.0 / 1.7 / 6.2 / 1.9    0.997       19.7 / 1.7 / 5.0 / 2.1    0.983
    kind and date (9.5%) 3.1 / 1.6 / 6.6 / 1.7    0.9965      21.5 / 1.7 / 5.2 / 2.1    0.983
    (every filtered query returned all 10 results; * quick_check, under 256 MiB)

Before the facets are read (the first seconds after start) a date filter is answered by SQL
that reads every file: 1.3 s at 1M. A tag filter alone is answered from the labels table (V7's
covering index; 2.5 ms for a 20k-item tag, 12 ms for a predicted tag's 65k at 1M); every answer
is kept until the next write.

usearch: a memory-mapped view opens in milliseconds at any size, int8 storage keeps the graph
at ~0.6 KB per 512-d vector, removal and incremental adds are supported, and it is kept well
(monthly releases). The int8 error is taken out by re-scoring the candidates from the float16
rows beside the graph. Filtering is mmdesk's: the allowed items come from the facets beside
the index (kind, date) and the store's SQL (folders, tags: indexed, touching only the items
they select), kept until the database changes; then exact search over the allowed rows when
they are few (rows kept for the next keystroke), else the graph oversampled for the allowed
share (usearch's Python API has no predicate).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mmdesk.core.search import Filters, vector
from mmdesk.core.search.vector import Searcher
from mmdesk.plugins.manifest import EncoderSpec
from mmdesk.plugins.registry import Space
from mmdesk.store import Store

ENCODER = "bench/image"
CHUNK = 20_000
VIDEO_EVERY = 20  # every 20th item is a video frame: the 5% filter


class Clusters:
    """Clustered vectors in low-dimensional subspaces (the shape of real embeddings)."""

    def __init__(self, dim: int, clusters: int = 1000, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.dim, self.seed = dim, seed
        self.centres = rng.normal(size=(clusters, dim)).astype(np.float32)
        self.bases = (rng.normal(size=(clusters, dim, 8)) / np.sqrt(8)).astype(np.float32)

    def chunk(self, n: int, number: int) -> np.ndarray:
        rng = np.random.default_rng((self.seed, number))
        which = rng.integers(0, len(self.centres), n)
        local = np.einsum("ndk,nk->nd", self.bases[which], rng.normal(size=(n, 8)).astype("f4"))
        rows = self.centres[which] + 0.8 * local + 0.1 * rng.normal(size=(n, self.dim))
        return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


class TopK:
    """Running exact top-10 of each query over chunks (the ground truth, never all in RAM)."""

    def __init__(self, queries: np.ndarray, k: int = 10) -> None:
        self.q, self.k = queries, k
        self.ids = np.zeros((len(queries), 0), np.int64)
        self.scores = np.zeros((len(queries), 0), np.float32)

    def add(self, ids: np.ndarray, rows: np.ndarray, mask: np.ndarray | None = None) -> None:
        if mask is not None:
            ids, rows = ids[mask], rows[mask]
        scores = self.q @ rows.T
        all_ids = np.concatenate([self.ids, np.broadcast_to(ids, scores.shape)], axis=1)
        all_scores = np.concatenate([self.scores, scores], axis=1)
        top = np.argsort(-all_scores, axis=1)[:, : self.k]
        self.ids = np.take_along_axis(all_ids, top, 1)
        self.scores = np.take_along_axis(all_scores, top, 1)


def space(dim: int) -> Space:
    spec = EncoderSpec(ENCODER, "bench", "image", dim, "x.onnx", Path("."), "bench", "1")
    return Space("bench", "bench", {"image": spec})


def db_bytes(store: Store) -> int:
    """Bytes of the database's pages in use (free pages, e.g. of a pruned log, left out)."""
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = int(store.scalar("PRAGMA page_count")) - int(store.scalar("PRAGMA freelist_count"))
    return pages * int(store.scalar("PRAGMA page_size"))


def vector_btrees(store: Store, n: int) -> dict[str, float]:
    """Bytes per vector of each b-tree that holds vectors or their keys (SQLite's dbstat)."""
    names = [
        r[0]
        for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE tbl_name IN ('embeddings', 'embedding_log')"
            " AND type IN ('table', 'index')"
        )
    ]
    sizes = store.conn.execute(
        f"SELECT name, SUM(pgsize) FROM dbstat WHERE name IN ({','.join('?' * len(names))})"
        " GROUP BY name",
        names,
    )
    return {name: round(size / n, 1) for name, size in sizes}


FOLDERS = 100  # files in contiguous blocks: one folder holds 1% of the library
TAG_EVERY, PREDICTED_EVERY, NOT_EVERY = 50, 20, 200  # a user tag on 2%, a prediction on 5%
DAY_NS = 86_400 * 10**9
EPOCH_2015 = 1_420_070_400  # 2015-01-01 (UTC): dates spread over ten years
UNDATED_EVERY = 10  # files without EXIF: dated by their mtime
YEAR_2020, YEAR_2021 = 1826, 2192  # days after 2015-01-01


def folder_of(ids: np.ndarray, n: int) -> np.ndarray:
    return (ids - 1) * FOLDERS // n


def day_of(ids: np.ndarray) -> np.ndarray:
    return (ids * 7919) % 3650  # days after 2015-01-01


def facets(ids: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Which items pass each benchmarked filter (the same rules ``add_items`` writes)."""
    day = day_of(ids)
    in_2020 = (day >= YEAR_2020) & (day < YEAR_2021)
    return {
        "kind": ids % VIDEO_EVERY == 0,
        "folder": folder_of(ids, n) == 42,
        "tag": ids % TAG_EVERY == 7,
        "predicted": (ids % PREDICTED_EVERY == 3) & (ids % NOT_EVERY != 3) | (ids % TAG_EVERY == 7),
        "date": in_2020,
        "kind_date": (ids % VIDEO_EVERY != 0) & in_2020,
    }


def filters() -> dict[str, Filters]:
    """The benchmarked filters (names as in ``facets``)."""
    return {
        "kind": Filters(kinds=["video"], limit=10),
        "folder": Filters(under=["/bench/d042"], limit=10),
        "tag": Filters(tags=["sunset"], limit=10),
        "predicted": Filters(tags=["beach"], predicted=True, limit=10),
        "date": Filters(after="2020", before="2021", limit=10),
        "kind_date": Filters(kinds=["image"], after="2020", before="2021", limit=10),
    }


def add_items(store: Store, start: int, n_chunk: int, n: int) -> None:
    """Files in 100 folders (5% videos), dated over ten years (10% by mtime only), with a user
    tag on 2% of the items and a classifier's prediction on 5% (some denied by the person)."""
    ids = np.arange(start, start + n_chunk, dtype=np.int64)
    video = ids % VIDEO_EVERY == 0
    folder, day = folder_of(ids, n), day_of(ids)
    stamp = EPOCH_2015 + day * 86_400 + 12 * 3600  # noon, far from any local-time edge
    files = []
    for i, v, d, t in zip(ids.tolist(), video.tolist(), folder.tolist(), stamp.tolist()):
        taken = (
            None
            if i % UNDATED_EVERY == 0
            else time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))
        )
        kind = "video" if v else "image"
        files.append((i, f"/bench/d{d:03}/{i:08}.jpg", d + 1, t * 10**9, kind, taken))
    items = [(i, i, "video_frame" if v else "image") for i, v in zip(ids.tolist(), video)]
    user = [(i, 1, "user") for i in ids.tolist() if i % TAG_EVERY == 7]
    guess = [(i, 2, "classifier:bench") for i in ids.tolist() if i % PREDICTED_EVERY == 3]
    denied = [(i, 2, "not") for i in ids.tolist() if i % NOT_EVERY == 3]
    with store.transaction() as conn:
        if start == 1:
            conn.executemany(
                "INSERT INTO folders(id, path, added_at) VALUES (?, ?, 0)",
                [(d + 1, f"/bench/d{d:03}") for d in range(FOLDERS)],
            )
            conn.executemany(
                "INSERT INTO tags(id, name, created_at) VALUES (?, ?, 0)",
                [(1, "sunset"), (2, "beach")],
            )
        conn.executemany(
            "INSERT INTO files(id, path, folder_id, size, mtime_ns, kind, taken_at, status,"
            " added_at) VALUES (?, ?, ?, 1, ?, ?, ?, 'indexed', 0)",
            files,
        )
        conn.executemany("INSERT INTO items(id, file_id, kind) VALUES (?, ?, ?)", items)
        conn.executemany(
            "INSERT INTO labels(item_id, tag_id, source, created_at) VALUES (?, ?, ?, 0)",
            user + guess + denied,
        )
        # the person's tag also says "beach" where they tagged "sunset": a user label of it
        conn.executemany(
            "INSERT INTO labels(item_id, tag_id, source, created_at) VALUES (?, 2, 'user', 0)",
            [(i,) for i, _, _ in user],
        )


def fill(store: Store, n: int, clusters: Clusters, truth: dict[str, TopK]) -> dict[str, float]:
    """Items first, then the vectors through ``put_embeddings`` (the indexer's write)."""
    for start in range(1, n + 1, CHUNK):
        add_items(store, start, min(CHUNK, n + 1 - start), n)
    before, t0 = db_bytes(store), time.perf_counter()
    for number, start in enumerate(range(1, n + 1, CHUNK)):
        rows = clusters.chunk(min(CHUNK, n + 1 - start), number)
        ids = np.arange(start, start + len(rows), dtype=np.int64)
        store.put_embeddings(ids.tolist(), ENCODER, rows)
        truth["all"].add(ids, rows)
        truth["f16"].add(ids, rows.astype(np.float16).astype(np.float32))
        for name, mask in facets(ids, n).items():
            truth[name].add(ids, rows, mask)
    fill_s = time.perf_counter() - t0
    return {
        "fill_s": fill_s,
        "before_bytes": before,
        "bytes_per_vector": (db_bytes(store) - before) / n,  # the change log included
        "bytes_by_btree": vector_btrees(store, n),
    }


def rss_mb() -> float:
    """This process's resident set (mapped index pages it touched included)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def child(db: Path, dim: int, queries_path: Path, out: Path) -> None:
    """A fresh process: open, first search, then the timed queries."""
    t0 = time.perf_counter()
    store = Store(db)
    searcher = Searcher(store, None, space(dim))  # type: ignore[arg-type]
    queries = np.load(queries_path)
    searcher.search_vector(queries[0], Filters(limit=10))
    ready = time.perf_counter() - t0
    rss_ready = rss_mb()
    s = time.perf_counter()  # before the facets are read: the store's SQL answers
    searcher.search_vector(queries[0], filters()["date"])
    date_at_start_ms = (time.perf_counter() - s) * 1000
    found, times = [], []
    for q in queries:
        s = time.perf_counter()
        results = searcher.search_vector(q, Filters(limit=10))
        times.append(time.perf_counter() - s)
        found.append([r.item_id for r in results] + [-1] * (10 - len(results)))
    rss_queries = rss_mb()
    searcher.facets.wait()
    facets_ready = time.perf_counter() - t0
    report: dict[str, object] = {}
    kept: dict[str, np.ndarray] = {}
    for name, where in filters().items():
        got, ms = [], []
        for q in queries:
            s = time.perf_counter()
            results = searcher.search_vector(q, where)
            ms.append((time.perf_counter() - s) * 1000)
            got.append([r.item_id for r in results] + [-1] * (10 - len(results)))
        with store.transaction():  # any write moves the store's change counter
            store._changed()
        s = time.perf_counter()
        searcher.search_vector(queries[0], where)
        report[name] = {
            "first_ms": round(ms[0], 2),  # the first query under this filter in the process
            "p50_ms": round(float(np.percentile(ms[1:], 50)), 2),
            "p99_ms": round(float(np.percentile(ms[1:], 99)), 2),
            "after_write_ms": round((time.perf_counter() - s) * 1000, 2),
        }
        kept[name] = np.array(got)
    rss = rss_mb()
    np.savez(out, found=np.array(found), **kept)
    ann = type(searcher.index()).__name__
    times_ms = np.array(times) * 1000
    print(
        json.dumps(
            {
                "ready_s": round(ready, 3),
                "p50_ms": round(float(np.percentile(times_ms, 50)), 2),
                "p99_ms": round(float(np.percentile(times_ms, 99)), 2),
                "filtered": report,
                "date_filter_at_start_ms": round(date_at_start_ms, 2),
                "facets_ready_s": round(facets_ready, 3),  # the facets read in the background
                "rss_mb": round(rss),
                "rss_ready_mb": round(rss_ready),
                "rss_unfiltered_mb": round(rss_queries),  # after the unfiltered queries
                "index": ann,
            }
        )
    )


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def truth_only(n: int, clusters: Clusters, truth: dict[str, TopK]) -> None:
    """The ground truth of a library written earlier (``--reuse``): the same vectors again."""
    for number, start in enumerate(range(1, n + 1, CHUNK)):
        rows = clusters.chunk(min(CHUNK, n + 1 - start), number)
        ids = np.arange(start, start + len(rows), dtype=np.int64)
        truth["all"].add(ids, rows)
        truth["f16"].add(ids, rows.astype(np.float16).astype(np.float32))
        for name, mask in facets(ids, n).items():
            truth[name].add(ids, rows, mask)


def run(n: int, dim: int, n_queries: int, workdir: Path, reuse: bool = False) -> dict[str, object]:
    clusters = Clusters(dim)
    queries = clusters.chunk(n_queries, 10_000_000)  # held out, same distribution
    truth = {name: TopK(queries) for name in ("all", "f16", *filters())}
    db = workdir / "scale.db"
    result: dict[str, object] = {"items": n, "dim": dim}
    if reuse:  # only the queries again, on the library and index a run left in --workdir
        truth_only(n, clusters, truth)
        return measure(result, db, dim, queries, truth, workdir)
    store = Store(db)
    store.ensure_encoder(ENCODER, space="bench", modality="image", dim=dim)
    result.update(fill(store, n, clusters, truth))
    t0 = time.perf_counter()
    searcher = Searcher(store, None, space(dim))  # type: ignore[arg-type]
    print(json.dumps(result), file=sys.stderr, flush=True)
    if n >= vector.ANN_MIN:  # what index() starts in the background (answering exactly)
        searcher.ann.build(db)
        while searcher.ann.busy:  # the build's progress, as the app shows it
            searcher.ann.wait(30)
            done, total = searcher.ann.progress
            print(f"built {done}/{total} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    result["build_s"] = time.perf_counter() - t0
    # once the index has saved what the log told it, the log is pruned: what stays
    before = result.pop("before_bytes")
    assert isinstance(before, int)
    result["bytes_per_vector_after_build"] = (db_bytes(store) - before) / n
    result["log_rows_after_build"] = int(store.scalar("SELECT COUNT(*) FROM embedding_log"))
    store.close()
    return measure(result, db, dim, queries, truth, workdir)


def measure(
    result: dict[str, object],
    db: Path,
    dim: int,
    queries: np.ndarray,
    truth: dict[str, TopK],
    workdir: Path,
) -> dict[str, object]:
    """Run the queries in a fresh process and score them against the truth."""
    np.save(workdir / "queries.npy", queries)
    out = workdir / "found.npz"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(db), str(dim), str(workdir / "queries.npy"),
         str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    found = np.load(out)
    result["recall_at_10"] = recall(found["found"], truth["all"].ids)
    result["recall_f16_exact"] = recall(truth["f16"].ids, truth["all"].ids)
    report = result.pop("filtered")
    assert isinstance(report, dict)
    for name in filters():
        report[name]["recall_at_10"] = round(recall(found[name], truth[name].ids), 4)
        report[name]["full"] = float(np.mean((found[name] >= 0).all(axis=1)))
    result["filtered_p50_ms"] = max(r["p50_ms"] for r in report.values())  # the slowest filter
    result["filtered_p99_ms"] = max(r["p99_ms"] for r in report.values())
    result["filtered_first_ms"] = max(r["first_ms"] for r in report.values())
    result["filtered"] = report
    index_files = (workdir / "index").glob("*")
    result["index_mb"] = sum(p.stat().st_size for p in index_files) / 2**20
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def cli_data(workdir: Path, plugin: Path, out: Path) -> None:
    """A data folder in ``out`` that ``mmdesk search`` answers from: the library a run left in
    ``workdir`` (copied: an older schema would be migrated in place), its index files
    (hard-linked: the CLI only maps them, and a new generation is a new file), and in
    ``out/plugins/bench`` the plugin folder ``plugin`` re-labelled as the library's space
    ``bench`` (its model files hard-linked, its checksums still theirs), so a real text tower
    of the same dimension queries the synthetic vectors. Point the CLI at it with
    ``MMDESK_DATA_DIR=out MMDESK_PLUGIN_PATH=out/plugins`` (bench/cli_latency.py --library)."""
    import os
    import shutil
    import tomllib

    manifest = tomllib.loads((plugin / "plugin.toml").read_text(encoding="utf-8"))
    spaces = {e["space"] for e in manifest["encoders"]}
    if len(spaces) != 1:
        raise SystemExit(f"{plugin}: one space expected, found {sorted(spaces)}")
    (index := out / "index").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(workdir / "scale.db", out / "library.db")
    for path in (workdir / "index").iterdir():
        if path.name.startswith("bench.g") and not (index / path.name).exists():
            os.link(path, index / path.name)
    shutil.copyfile(workdir / "index" / "bench.json", index / "bench.json")
    (folder := out / "plugins" / "bench").mkdir(parents=True, exist_ok=True)
    for path in plugin.iterdir():
        if path.is_file() and path.name != "plugin.toml" and not (folder / path.name).exists():
            os.link(path, folder / path.name)
    text = (plugin / "plugin.toml").read_text(encoding="utf-8")
    text = text.replace(f'"{spaces.pop()}"', '"bench"').replace(f'"{manifest["id"]}/', '"bench/')
    text = text.replace(f'id = "{manifest["id"]}"', 'id = "bench"', 1)
    (folder / "plugin.toml").write_text(text, encoding="utf-8")
    with Store(out / "library.db") as store:
        store.set_setting("space.image", "bench")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the library here")
    parser.add_argument(
        "--reuse", action="store_true", help="query the library --workdir holds again"
    )
    parser.add_argument(
        "--cli-data",
        type=Path,
        metavar="OUT",
        help="only make a data folder of --workdir's library for `mmdesk search` (cli_data)",
    )
    parser.add_argument(
        "--space-plugin", type=Path, metavar="DIR", help="with --cli-data: the plugin to use"
    )
    args = parser.parse_args()
    if args.reuse and args.workdir is None:
        parser.error("--reuse needs --workdir")
    if args.cli_data is not None:
        if args.workdir is None or args.space_plugin is None:
            parser.error("--cli-data needs --workdir and --space-plugin")
        cli_data(args.workdir, args.space_plugin, args.cli_data)
        return
    with tempfile.TemporaryDirectory(prefix="mmdesk-scale-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        result = run(args.items, args.dim, args.queries, workdir, args.reuse)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}  {value}")


if __name__ == "__main__":
    main()
