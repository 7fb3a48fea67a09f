"""The command line starts light: importing it loads no model runtime, GUI or database helper,
and every command is still listed and reachable."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

import mmdesk.cli as cli

HEAVY = ("torch", "PySide6", "sqlite_utils", "onnxruntime", "numpy")


def _imported_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return [name for name in json.loads(out.splitlines()[-1]) if name.split(".")[0] in HEAVY]


def test_importing_the_cli_and_its_search_front_loads_nothing_heavy() -> None:
    assert _imported_after("import mmdesk.cli") == []
    # what a query answered by the running app needs, and no more
    assert _imported_after("import mmdesk.cli.search_cmds, mmdesk.core.remote") == []


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_in_the_table_of_the_module_that_registers_it() -> None:
    for module in cli.MODULES:
        for name in _commands(cli.build_parser((module,))):
            assert cli.COMMANDS.get(name) == module, f"COMMANDS lacks {name!r} -> {module!r}"
    full = _commands(cli.build_parser())
    assert set(cli.COMMANDS) <= set(full)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for name in _commands(cli.build_parser()):
        assert f"\n    {name} " in listed or f"\n    {name}\n" in listed, name


@pytest.mark.parametrize(
    ("argv", "modules"),
    [
        (["search", "x", "--limit", "3"], ("search_cmds",)),
        (["-v", "--data-dir", "/x", "similar", "3"], ("search_cmds",)),
        (["--data", "/x", "index"], ("library_cmds",)),
        (["search", "--help"], ("search_cmds",)),
        (["serch", "x"], cli.MODULES),  # a typo gets the whole tree's error message
        (["--threads", "many", "search", "x"], cli.MODULES),
        ([], cli.MODULES),
    ],
)
def test_only_the_named_commands_module_is_imported(
    argv: list[str], modules: tuple[str, ...]
) -> None:
    assert cli.modules_for(argv) == modules


def test_a_typo_still_gets_the_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["serch", "x"])
    assert done.value.code == 2
    assert "invalid choice: 'serch'" in capsys.readouterr().err
