"""The HTML copy of a report: its executed notebook without code, readable offline."""

from __future__ import annotations

from pathlib import Path

from storemon.files import write_bytes_atomic
from storemon.jobs.store import HTML_FILE, NOTEBOOK_FILE

# The lab template without its scripts (require.js, MathJax, mermaid from a CDN): the report is
# tables and text, and its HTML copy should open offline without fetching anything.
_HTML_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def write_html(job_dir: Path) -> None:
    """Write the executed notebook as HTML without code, for people (nbconvert --no-input).

    Args:
        job_dir: The job's folder, holding the executed ``report.ipynb``.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(job_dir / NOTEBOOK_FILE, as_version=4)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"storemon_report.html.j2": _HTML_TEMPLATE})],
        template_file="storemon_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    write_bytes_atomic(job_dir / HTML_FILE, body.encode("utf-8"))
