"""``python -m storemon.cli``: the ``storemon`` command."""

import sys

from storemon.cli import main

sys.exit(main())
