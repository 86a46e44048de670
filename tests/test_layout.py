"""The house a newcomer reads: every module named in the README's layout, none of them a
maze, each saying what it holds."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "regie_analytics"
MAX_LINES = 650
"""About 600 lines, with room for a docstring more; a module above it is split by topic."""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Layout\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_every_module_has_its_line_in_the_readme_layout() -> None:
    named = set(re.findall(r"`([\w/]+\.py)`", _layout()))
    modules = {str(path.relative_to(PACKAGE)) for path in _modules() if path.name != "__init__.py"}
    assert sorted(modules - named) == [], "modules missing from the README's layout"
    gone = [name for name in named if not (PACKAGE / name).exists() and not (ROOT / name).exists()]
    assert gone == [], "the README's layout names files that are not there"


def test_every_module_is_small_and_says_what_it_holds() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
    silent = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.stat().st_size and not ast.get_docstring(ast.parse(path.read_text("utf-8")))
    ]
    assert silent == []
