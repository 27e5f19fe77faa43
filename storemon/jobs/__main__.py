"""``python -m storemon.jobs``: the runner process of report jobs."""

import sys

from storemon.jobs.manager import main

sys.exit(main())
