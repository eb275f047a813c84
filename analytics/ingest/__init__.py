"""The upload pipeline: jurisdictions, survey responses and case records from messy files.

Public API (see ``docs/ingest.md``):

* :func:`propose_mapping` — read a sample and propose a column mapping (for the UI and dry runs);
* :func:`ingest_file` — check a whole file, then load it as one batch in one transaction;
* :func:`remove_batch` — remove exactly one batch's rows, audited;
* :func:`respondent_export` — one survey batch's respondents without personal data (analysts, admins), audited;
* :func:`save_mapping`, :func:`load_mapping`, :func:`list_mappings` — mappings saved by name;
* :func:`problems_frame` — the full problem report of an :class:`IngestError` as a DataFrame.
"""

from analytics.ingest.batches import list_batches, remove_batch, respondent_export
from analytics.ingest.mapping import (
    ColumnGuess,
    MappingProposal,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest_mapping,
)
from analytics.ingest.pipeline import IngestResult, ingest_file, propose_mapping, upload_limit_mb
from analytics.ingest.problems import Problem, problems_frame, report_lines

__all__ = [
    "ColumnGuess", "IngestResult", "MappingProposal", "Problem", "ingest_file", "list_batches", "list_mappings",
    "load_mapping", "problems_frame", "propose_mapping", "remove_batch", "report_lines", "respondent_export",
    "save_mapping", "suggest_mapping", "upload_limit_mb",
]
