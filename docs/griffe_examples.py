"""A Griffe extension for the dendrax reference (declared in mkdocs.yml; not a page).

dendrax's docstrings introduce their doctests with ``Example:``; Griffe's Google-style parser
knows ``Examples:`` as the section whose ``>>>`` lines become code blocks (it reads
``Example:`` as a plain admonition). This renames the heading before parsing.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """``Example:`` -> ``Examples:`` in every docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        doc = obj.docstring
        if doc is not None and "Example:" in doc.value:
            doc.value = HEADING.sub(r"\1Examples:", doc.value)
