"""Every command's help reads as plain text: argparse %-formats help= strings but not description=, so an
escaped "%%" written in a description is printed as it is (a defect seen in `targets --help`)."""

from __future__ import annotations

import argparse

from analytics.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, path: str = "analytics") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _parsers(child, f"{path} {name}")
    return found


def test_no_help_text_shows_an_escaped_percent():
    parsers = _parsers(build_parser())
    assert len(parsers) > 20  # every command group and action, not only the top level
    shown = {path: p.format_help() for path, p in parsers}
    assert [path for path, text in shown.items() if "%%" in text] == []
