"""How long ``mmdesk search "..."`` takes as one process, model load included (target < 0.5 s).

For each model, on one library of the bundled sample photos plus ``--photos`` Pillow-made ones
(OCR and faces off, to build it quickly; captions on), the median of ``--runs`` fresh processes:

* ``cold``: no cache at all (optimised model copies, tokenizer tables, query vectors and the
  calibrated floors removed first): the first query on a model whose copies nobody saved;
* ``installed``: as ``cold`` but with the optimised model copies that installing or choosing
  the model saved (``mmdesk models use``, ``build-default``, the export commands): the first
  query after them (tokenizer tables, query vectors and the library's calibrated floor made);
* ``new query``: caches warm, but a query never seen before (the text models load);
* ``repeated``: a query seen before: its vectors come from ``<cache dir>/queries.sqlite``;
* ``by the app``: a running app answers over the local socket (a stub server in this process
  that uses the desktop app's code, :class:`mmdesk.core.remote.LibraryServer`).

The columns are measured round-robin (one of each, then again) so that other work on a shared
machine weighs on all alike; each cell is ``wall (cpu)`` seconds, cpu being the process's user
+ system time, which other work disturbs less. Then the import-time top of a new in-process
query by package (``--imports``; -X importtime's own overhead included). Byte-code is written
to a private folder (``PYTHONPYCACHEPREFIX``) and warmed first, as in an installation.

Run: ``python bench/cli_latency.py [--openclip ViT-B-32] [--model PLUGIN_FOLDER ...]``: the
default model always; ``--openclip ARCH`` exports that open_clip architecture with random
weights first (ViT-B-32: ~30 s, 600 MB), ``--model`` adds an exported plugin folder.

``--library DATA_DIR --model PLUGIN_FOLDER`` measures against an existing library instead,
its plugin folder found through ``MMDESK_PLUGIN_PATH``; ``by the app`` is left out (a stub app
on a million items measures the app, not the CLI). A million items: ``bench/scale.py --items
1000000 --workdir W``, then ``bench/scale.py --workdir W --cli-data D --space-plugin PLUGIN``
and ``--library D --model D/plugins/bench``. The library is not written (a one-shot search
opens it read-only); ``cold`` and ``installed`` clear its cache folder.

Measured, wall s (cpu s), medians (2 shared cores, load average 0.9-1.9); ViT-B-32 is a
random-weight open_clip export (512-d) on the 1M library of bench/scale.py (1.3 GB database,
1.6 GB index files); the default model on the ~315-item library built here:

    library               cold          installed     new query     repeated      by the app
    1M, ViT-B-32 (5 runs) 2.85 (3.62)   2.02 (2.79)   0.42 (0.54)   0.31 (0.40)   -
    315, default (3 runs) 0.59 (0.66)   0.35 (0.47)   0.30 (0.38)   0.26 (0.36)   0.06 (0.05)

At 1M, ``installed`` is mostly the library's calibrated floor (~1.2 s: the nonsense queries
encoded, the index's ids and rows read) and the people prompts' vectors (~0.4 s), made once;
``mmdesk models use`` fills those too when its switch is done, so its next query costs a
``new query``. A new query at 1M spends ~0.13 s opening the index (mapped; usearch's view
~0.07 s), the rest as at 315 items (imports, the text model).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5
COLUMNS = ("cold", "installed", "new query", "repeated", "by the app")
Cell = tuple[float, float]  # wall s, cpu s


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


def make_photos(folder: Path, count: int) -> None:
    """``count`` small JPEGs of coloured shapes (seeded)."""
    import random

    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    for i in range(count):
        colour = tuple(rng.randrange(256) for _ in range(3))
        image = Image.new("RGB", (320, 240), colour)
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(300), rng.randrange(220)
            box = [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 120)]
            draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
        image.save(folder / f"p{i:04d}.jpg", quality=85)


def prepare(data: Path, env: dict[str, str], model: Path | None, photos: Path) -> str:
    """An indexed library on the default model (or on ``model``); returns the model's name."""
    for key in ("ocr", "faces"):
        mmdesk(env, "settings", key, "off")
    mmdesk(env, "demo", "--no-gui")
    if model is not None:
        shutil.copytree(model, data / "plugins" / model.name)
    mmdesk(env, "index", str(photos))
    if model is None:
        return "default"
    plugin_id = model_id(model)
    mmdesk(env, "models", "use", plugin_id)
    return plugin_id


def model_id(folder: Path) -> str:
    import tomllib

    return str(tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))["id"])


def export_openclip(arch: str, out: Path, env: dict[str, str]) -> Path:
    print(f"exporting open_clip {arch} with random weights ...", file=sys.stderr)
    mmdesk(env, "models", "export", "openclip", "--arch", arch, "--pretrained", "none", "--out",
           str(out))  # fmt: skip
    return out


def forget_caches(data: Path, *, models: bool = True) -> None:
    """Remove the caches a query fills; with ``models=False`` keep the optimised model copies,
    which installing or choosing a model saves (``mmdesk models use``, ``build-default``)."""
    cache = data / "cache"
    for name in ("ort", "tokenizers") if models else ("tokenizers",):
        shutil.rmtree(cache / name, ignore_errors=True)
    for name in ("queries.sqlite", "queries.sqlite-wal", "queries.sqlite-shm", "calibration.json"):
        (cache / name).unlink(missing_ok=True)


def timed(env: dict[str, str], query: str, *flags: str) -> Cell:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    mmdesk(env, "search", query, "--limit", "10", *flags)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


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


def measure(
    data: Path, env: dict[str, str], runs: int, columns: tuple[str, ...] = COLUMNS
) -> dict[str, list[Cell]]:
    def fresh() -> str:
        return f"a dog {uuid.uuid4().hex[:8]}"

    def cold(models: bool = True) -> Cell:
        forget_caches(data, models=models)
        cell = timed(env, fresh(), "--local")
        timed(env, "a dog on a beach", "--local")  # seen before again, for "repeated"
        return cell

    steps: dict[str, Callable[[], Cell]] = {
        "cold": cold,
        "installed": lambda: cold(models=False),
        "new query": lambda: timed(env, fresh(), "--local"),
        "repeated": lambda: timed(env, "a dog on a beach", "--local"),
        "by the app": lambda: timed(env, f"a cat {uuid.uuid4().hex[:8]}"),
    }
    timed(env, "warm-up", "--local")  # byte-code, page cache, the caches
    timed(env, "a dog on a beach", "--local")
    cells: dict[str, list[Cell]] = {name: [] for name in columns}
    with app_running(data) if "by the app" in columns else nullcontext():
        if "by the app" in columns:
            timed(env, "prime the app")
        for _ in range(runs):
            for name in columns:
                cells[name].append(steps[name]())
    return cells


def measure_library(library: Path, model: Path, pyc: Path, runs: int) -> dict[str, list[Cell]]:
    """The columns but ``by the app`` against the existing library in ``library`` (a data
    folder) whose model is the plugin folder ``model``."""
    if not (library / "library.db").is_file():
        raise SystemExit(f"no library.db in {library}")
    env = {**environment(library, pyc), "MMDESK_PLUGIN_PATH": str(model.resolve().parent)}
    size = (library / "library.db").stat().st_size / 2**30
    print(f"measuring {library} ({size:.1f} GiB) with {model_id(model)} ...", file=sys.stderr)
    return measure(library, env, runs, columns=tuple(c for c in COLUMNS if c != "by the app"))


def import_top(env: dict[str, str], top: int = 12) -> list[tuple[int, str]]:
    """Where a new in-process query's imports spend their time, from ``-X importtime``: the
    self time of every module summed by package (``mmdesk`` by its sub-packages), the ``top``
    largest, in microseconds."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mmdesk", "search", f"a fox {uuid.uuid4()}"]
        + ["--local"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            own, _, name = line.removeprefix("import time:").split("|")
            if own.strip().isdigit():
                parts = name.strip().split(".")
                package = ".".join(parts[:2] if parts[0] == "mmdesk" else parts[:1])
                totals[package] = totals.get(package, 0) + int(own)
    return sorted(((t, p) for p, t in totals.items()), reverse=True)[:top]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path, default=[])
    parser.add_argument("--openclip", action="append", default=[], metavar="ARCH")
    parser.add_argument("--photos", type=int, default=300, help="Pillow-made photos added")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--imports", action="store_true", help="also the import-time top")
    parser.add_argument(
        "--library", type=Path, help="an existing data folder to measure (needs one --model)"
    )
    args = parser.parse_args()
    table: dict[str, dict[str, list[Cell]]] = {}
    if args.library is not None:
        if len(args.model) != 1:
            parser.error("--library needs exactly one --model: the library's plugin folder")
        with tempfile.TemporaryDirectory() as tmp:
            name = f"{model_id(args.model[0])} on {args.library}"
            table[name] = measure_library(args.library, args.model[0], Path(tmp) / "pyc", args.runs)
        print(f"\n{load()} at the end")
        print_table(table, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pyc, photos = Path(tmp) / "pyc", Path(tmp) / "photos"
        make_photos(photos, args.photos)
        models: list[Path | None] = [None, *args.model]
        for arch in args.openclip:
            env = environment(Path(tmp) / "export", pyc)
            models.append(export_openclip(arch, Path(tmp) / f"openclip-{arch}", env))
        envs = {}
        for number, model in enumerate(models):
            data = Path(tmp) / f"library-{number}"
            env = environment(data, pyc)
            print(f"building the library for {model or 'the default model'} ...", file=sys.stderr)
            name = prepare(data, env, model, photos)
            print(f"measuring {name} ({load()}) ...", file=sys.stderr)
            table[name] = measure(data, env, args.runs)
            envs[name] = env
        print(f"\n{load()} at the end")
        print_table(table, args.runs)
        if args.imports:
            for name, env in envs.items():
                print(f"\nimport time of a new in-process query, {name}, by package (ms):")
                for micros, module in import_top(env):
                    print(f"  {micros / 1000:7.1f}  {module}")


def print_table(table: dict[str, dict[str, list[Cell]]], runs: int) -> None:
    width = max(len(m) for m in table) + 2
    print(f"mmdesk search as one process: median of {runs}, wall s (cpu s); target < {TARGET_S} s")
    columns = [n for n in COLUMNS if any(n in row for row in table.values())]
    print(f"{'model':<{width}}" + "".join(f"{n:>18}" for n in columns))
    for model, row in table.items():
        cells = []
        for name in columns:
            wall = statistics.median(w for w, _ in row[name])
            cpu = statistics.median(c for _, c in row[name])
            cells.append(f"{wall:.3f} ({cpu:.3f})")
        print(f"{model:<{width}}" + "".join(f"{c:>18}" for c in cells))


if __name__ == "__main__":
    main()
