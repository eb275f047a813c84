"""``python -m analytics``: the Jingmin command-line interface."""

# Ctrl-C (or SIGTERM) while the imports below run must end the command like Ctrl-C at any later moment: one
# line and 128 + the signal (130), not a KeyboardInterrupt traceback from inside some library's import. So the
# handler comes before every other import; the imports take up to a second, and nothing needs cleaning up yet
# (no file, temp directory or database is open), so the process leaves at once. analytics.cli.main installs
# its own handler, which unwinds cleanly, for the command's work.
import os
import signal


def _stopped_while_starting(signum: int, _frame: object) -> None:
    os.write(2, b"interrupted\n" if signum == signal.SIGINT else f"stopped by signal {signum}\n".encode())
    os._exit(128 + signum)


for _sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_sig, _stopped_while_starting)

import sys  # noqa: E402  (after the handler, on purpose)

from analytics.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
