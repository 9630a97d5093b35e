"""``python -m iamapi``: the ``iamapi`` command line."""

from __future__ import annotations

import sys

from iamapi.cli import main

if __name__ == "__main__":
    sys.exit(main())
