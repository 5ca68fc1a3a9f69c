"""``python -m sparklite ...``: the same as the ``sparklite`` command."""
import sys

from sparklite.cli import main

sys.exit(main())
