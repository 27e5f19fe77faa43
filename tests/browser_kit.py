"""Headless Debian Chromium for the browser tests: where it is, and the flags this machine needs
(no sandbox as root, no GPU, no background connections to hosts it cannot reach)."""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("STOREMON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000
