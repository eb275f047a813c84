"""The upload pipeline: jurisdictions, survey responses and case records from messy files.

Public API (see ``docs/ingest.md``):

* :func:`propose_mapping` — read a sample and propose a column mapping (for the UI and dry runs);
* :func:`ingest_file` — check a whole file, then load it as one batch in one transaction;
* :func:`remove_batch` — remove exactly one batch's rows, audited;
* :func:`respondent_export` — one survey batch's respondents without personal data (analysts, admins), audited;
* :func:`save_mapping`, :func:`load_mapping`, :func:`list_mappings` — mappings saved by name;
* :func:`problems_frame` — the full problem report of an :class:`IngestError` as a DataFrame.
"""

from __future__ import annotations

import importlib
from typing import Any

# The names are imported on first use (PEP 562), not here: importing any submodule (the command line's
# ``analytics.ingest.fields`` for its choices) runs this file first, and the pipeline pulls in openpyxl,
# rapidfuzz, charset_normalizer and the engine — most of a second that ``--help`` must not pay (issue 14.6).
_EXPORTS = {
    "list_batches": "batches", "remove_batch": "batches", "respondent_export": "batches",
    "ColumnGuess": "mapping", "MappingProposal": "mapping", "list_mappings": "mapping", "load_mapping": "mapping",
    "save_mapping": "mapping", "suggest_mapping": "mapping",
    "IngestResult": "pipeline", "answer_values": "pipeline", "ingest_file": "pipeline", "propose_mapping": "pipeline",
    "upload_limit_mb": "pipeline",
    "Problem": "problems", "problems_frame": "problems", "report_lines": "problems",
}


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` and return it (``from analytics.ingest import X``)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "ColumnGuess", "IngestResult", "MappingProposal", "Problem", "answer_values", "ingest_file", "list_batches",
    "list_mappings",
    "load_mapping", "problems_frame", "propose_mapping", "remove_batch", "report_lines", "respondent_export",
    "save_mapping", "suggest_mapping", "upload_limit_mb",
]
