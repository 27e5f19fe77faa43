"""``python -m storemon.jobs``: the runner process of report jobs (see :mod:`.runner`)."""

import sys

from storemon.jobs.runner import main

sys.exit(main())
