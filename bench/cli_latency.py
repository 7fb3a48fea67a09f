"""How long ``mmdesk search "..."`` takes as one process, model load included (target < 0.5 s).

Each figure is the median wall time of RUNS fresh processes on an indexed sample library:

* ``cold``: no cache at all (query vectors and optimised model copy removed before each run);
* ``new query``: caches warm, but a query never seen before (the model loads);
* ``repeated``: a query seen before: its vectors come from ``<cache dir>/queries.sqlite``;
* ``by the app``: a running app answers over the local socket (here a stub server that uses
  the same code as the desktop app's, :class:`mmdesk.core.remote.LibraryServer`).

Then the import-time top 10 of a repeated in-process query and of one the app answers. Byte-code is
written to a private folder (``PYTHONPYCACHEPREFIX``) and warmed first, as in an installation.

Run: ``python bench/cli_latency.py [--model PLUGIN_FOLDER ...]`` (the default model always;
``--model`` adds e.g. an exported open_clip plugin, copied in and indexed with).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
TARGET_S = 0.5


def mmdesk(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mmdesk", *args],
        env=env,
        cwd=ROOT,
        check=check,
        capture_output=True,
        text=True,
    )


def environment(data: Path, pyc: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "MMDESK_DATA_DIR": str(data), "PYTHONPYCACHEPREFIX": str(pyc)}


def prepare(data: Path, env: dict[str, str], model: Path | None) -> str:
    """An indexed sample library on the default model (or on ``model``); returns its name."""
    mmdesk(env, "demo", "--no-gui")
    if model is None:
        return "default"
    target = data / "plugins" / model.name
    shutil.copytree(model, target)
    mmdesk(env, "index")
    mmdesk(env, "models", "use", model.name)
    return model.name


def forget_caches(data: Path) -> None:
    cache = data / "cache"
    shutil.rmtree(cache / "ort", ignore_errors=True)
    for name in ("queries.sqlite", "queries.sqlite-wal", "queries.sqlite-shm"):
        (cache / name).unlink(missing_ok=True)


def timed(env: dict[str, str], query: str, *flags: str) -> float:
    start = time.perf_counter()
    mmdesk(env, "search", query, "--limit", "10", *flags)
    return time.perf_counter() - start


def median_of(run: Iterator[float]) -> float:
    return statistics.median(list(run))


@contextmanager
def app_running(data: Path) -> Iterator[None]:
    """A stub of the desktop app answering on ``data``'s socket, in this process."""
    sys.path.insert(0, str(ROOT))
    from mmdesk.config import Settings
    from mmdesk.core.remote import LibraryServer

    server = LibraryServer(Settings(data_dir=data))
    if not server.start():
        raise SystemExit(f"cannot listen on {server.path}")
    try:
        yield
    finally:
        server.close()


def measure(data: Path, env: dict[str, str]) -> dict[str, float]:
    timed(env, "warm-up", "--local")  # byte-code, page cache
    rows: dict[str, float] = {}

    def cold() -> Iterator[float]:
        for n in range(RUNS):
            forget_caches(data)
            yield timed(env, f"a red car {n}", "--local")

    rows["cold (no caches)"] = median_of(cold())
    timed(env, "prime the optimised model", "--local")
    rows["new query"] = median_of(
        timed(env, f"a dog {n} {time.time()}", "--local") for n in range(RUNS)
    )
    timed(env, "a dog on a beach", "--local")
    rows["repeated query"] = median_of(
        timed(env, "a dog on a beach", "--local") for _ in range(RUNS)
    )
    with app_running(data):
        timed(env, "prime the app")
        rows["by the app"] = median_of(timed(env, f"a cat {n}") for n in range(RUNS))
    return rows


def import_top(env: dict[str, str], *flags: str, top: int = 10) -> list[tuple[int, str]]:
    """The ``top`` imports by cumulative microseconds, from ``-X importtime``, of a query
    seen before (its vectors cached: what every process needs, not the model's runtime)."""
    mmdesk(env, "search", "a dog", *flags)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mmdesk", "search", "a dog", *flags],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                found.append((int(cumulative), name.rstrip()))
    return sorted(found, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path, default=[])
    args = parser.parse_args()
    table: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pyc = Path(tmp) / "pyc"
        last_env: dict[str, str] = {}
        for model in [None, *args.model]:
            data = Path(tmp) / (model.name if model else "default")
            env = last_env = environment(data, pyc)
            name = prepare(data, env, model)
            table[name] = measure(data, env)
        print_table(table)
        print("\nimport time, in-process query (cumulative ms):")
        for micros, name in import_top(last_env, "--local"):
            print(f"  {micros / 1000:7.1f}  {name}")
        with app_running(Path(last_env["MMDESK_DATA_DIR"])):
            print("\nimport time, query answered by the app (cumulative ms):")
            for micros, name in import_top(last_env):
                print(f"  {micros / 1000:7.1f}  {name}")


def print_table(table: dict[str, dict[str, float]]) -> None:
    names = list(next(iter(table.values())))
    width = max(len(m) for m in table) + 2
    print(f"mmdesk search, one process, median of {RUNS} (target < {TARGET_S} s)")
    print(f"{'model':<{width}}" + "".join(f"{n:>20}" for n in names))
    for model, row in table.items():
        print(f"{model:<{width}}" + "".join(f"{row[n]:>18.3f} s" for n in names))


if __name__ == "__main__":
    main()
