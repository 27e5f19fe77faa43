"""Widget updates held until the browser has created the page's widgets (under Voilà).

Under Voilà the notebook runs first; then the browser asks the kernel for the state of every
widget at once and creates the widgets from it, one by one. An update sent in between, by a
background thread that has just drawn a chart, reaches a widget the browser has not created yet
and is lost for good: the chart never shows. So under Voilà the dashboard's background threads
start at once (downloads, charts) but hold their updates until the page says its widgets exist.
The page says so by clicking a hidden button: storemon's Voilà template does it as soon as the
dashboard's element is on the page, which happens only once every widget inside it was created.

Only the pages of storemon's template do that (``storemon serve`` says so to its kernels with
the variable ``STOREMON_PAGE_GATE``). Elsewhere (JupyterLab, a script, a test, or Voilà with
another template) the browser creates each widget as the kernel makes it, or nothing would tell,
so nothing waits.
"""

from __future__ import annotations

import os
import threading

import ipywidgets as widgets

from storemon.config import PAGE_GATE_VARIABLE
from storemon.dashboard.controls import named

PAGE_WAIT_SECONDS = 300.0  # then updates go out anyway (a page that never ran its scripts)
VOILA_VARIABLE = "VOILA_KERNEL_ID"  # set by Voilà in the kernels it runs notebooks in


class PageGate:
    """Knows whether the page's widgets exist, and makes background threads wait for it.

    Args:
        wait: Hold updates until the page clicks :attr:`button`; by default only in a kernel of
            Voilà serving storemon's template.
    """

    def __init__(self, wait: bool | None = None) -> None:
        self.button = named(
            widgets.Button(description="page ready", layout=widgets.Layout(display="none")),
            "page-ready",
        )
        self._shown = threading.Event()
        if wait is None:
            wait = VOILA_VARIABLE in os.environ and os.environ.get(PAGE_GATE_VARIABLE) == "1"
        if wait:
            self.button.on_click(lambda _button: self._shown.set())
        else:
            self._shown.set()

    @property
    def shown(self) -> bool:
        """Whether the page's widgets exist (always, outside Voilà)."""
        return self._shown.is_set()

    def wait(self, timeout: float = PAGE_WAIT_SECONDS) -> bool:
        """Block until the page's widgets exist, at most ``timeout`` seconds.

        Returns:
            True when they do.
        """
        return self._shown.wait(timeout)
