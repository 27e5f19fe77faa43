"""Report jobs: each report a papermill run of the report notebook, kept by report id."""

from storemon.jobs.manager import *  # noqa: F403 - the split into records/runner/manager follows
