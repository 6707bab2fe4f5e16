"""The docs match the code: every `minutes COMMAND ... --option` the README and docs/ show is an option it has."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# "minutes run hop.mp3 -l vi --notice": the command, maybe a subcommand, then the rest of the command line (up to
# the end of the code span, a comment or a table cell)
COMMAND_LINE = re.compile(r"\bminutes\s+([a-z][a-z-]*)(?:\s+([a-z][a-z-]*))?([^`#|]*)")
OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def shown_options() -> list[tuple[str, int, list[str], str]]:
    """(doc, line, command path, option) for every option written after a minutes command in the docs."""
    root = typer.main.get_command(cli.app)
    found = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in COMMAND_LINE.finditer(line):
                name, sub, rest = match.groups()
                if name not in root.commands:
                    continue  # prose: "minutes of the meeting"
                path = [name]
                command = root.commands[name]
                if sub in getattr(command, "commands", {}):
                    path.append(sub)
                found += [(doc.name, number, path, option) for option in OPTION.findall(rest)]
    return found


def options_of(path: list[str]) -> set[str]:
    command = typer.main.get_command(cli.app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {"--help"} | {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}


def test_every_option_the_docs_show_exists() -> None:
    shown = shown_options()
    assert len(shown) >= 30, "the scan found too few options: has the docs' style changed?"
    wrong = [f"{doc}:{n}: minutes {' '.join(path)} {option}" for doc, n, path, option in shown
             if option not in options_of(path)]  # fmt: skip
    assert not wrong, "options the docs show but the command lacks:\n" + "\n".join(wrong)


def test_a_wrong_option_would_be_caught() -> None:
    assert "--notice" in options_of(["run"])
    assert "--noticed" not in options_of(["run"])
