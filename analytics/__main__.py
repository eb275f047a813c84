"""``python -m analytics``: the Jingmin command-line interface."""

import sys

from analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
