"""``python -m sparklite ...``: the same as the ``sparklite`` command."""
import sys

from sparklite.cli import main

if __name__ == "__main__":
    sys.exit(main())
