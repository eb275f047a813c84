"""The server tells every browser session to hide the table toolbar's "Download as CSV" (an export that would
never reach the audit log). Moved from tests/unit (it starts a Python process that imports Streamlit); the
static rules stay in tests/unit/test_export_rules.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_browser_is_told_to_hide_table_downloads():
    """What the server sends each session (Streamlit's own config message), read the way `streamlit run` reads
    the repository's .streamlit/config.toml."""
    script = ("from streamlit import config; config.get_config_options(force_reparse=True); "
              "from streamlit.proto.NewSession_pb2 import Config; "
              "from streamlit.runtime.app_session import _populate_config_msg; "
              "m = Config(); _populate_config_msg(m); print(m.disable_data_export)")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                          timeout=120)
    assert done.stdout.strip() == "True"
