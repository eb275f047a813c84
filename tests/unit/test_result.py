"""The one Result type (issue 14 item 3): a frame and read-only metadata that survive the page cache."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from analytics.result import Result


def test_meta_is_read_only_and_a_copy_of_what_was_given():
    given = {"overall": 0.5, "suppressed": ["S7"]}
    result = Result(pd.DataFrame({"x": [1]}), given)
    given["overall"] = 0.9
    assert result.meta["overall"] == 0.5
    with pytest.raises(TypeError):
        result.meta["overall"] = 0.1  # type: ignore[index]


def test_a_result_pickles_like_the_page_cache_does():
    result = Result(pd.DataFrame({"x": [1, 2]}), {"phi": float("nan"), "units": 2})
    back = pickle.loads(pickle.dumps(result))
    assert back.meta["units"] == 2 and list(back.frame["x"]) == [1, 2] and not back.empty
    assert back.frame.attrs == {}  # nothing rides on pandas attrs any more


def test_no_engine_or_page_code_uses_pandas_attrs():
    """Summaries travel in Result.meta; pandas attrs (experimental, copied into every slice) are not used."""
    import ast
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted((repo / "analytics").rglob("*.py")) + sorted((repo / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "attrs":
                offenders.append(f"{path.relative_to(repo)}:{node.lineno}")
    assert offenders == []
