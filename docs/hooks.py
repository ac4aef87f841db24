"""MkDocs hooks for the dendrax documentation (declared in mkdocs.yml; not a page).

- Tutorial figures: ``<!-- figure: NAME.png | caption -->`` in a page becomes the image
  ``NAME.png`` drawn by the tutorial scripts into ``$DENDRAX_TUTORIAL_OUT`` (default
  ``examples/tutorials/out/``), copied into the site under ``tutorials/figures/``. Where
  the scripts have not been run, it becomes a note saying how to draw it: the build is
  the same, warning-free, either way.
- Optional reference pages: ``<!-- api-if-present: dendrax.nmodl load -->`` becomes
  ``::: dendrax.nmodl`` when that module exists and has ``load``, else a note.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r"<!--\s*figure:\s*(?P<name>[\w.-]+\.png)\s*\|\s*(?P<caption>.*?)\s*-->")
OPTIONAL_API = re.compile(r"<!--\s*api-if-present:\s*(?P<module>[\w.]+)\s+(?P<attr>\w+)\s*-->")


def figures_dir() -> Path:
    return Path(os.environ.get("DENDRAX_TUTORIAL_OUT", ROOT / "examples" / "tutorials" / "out"))


def on_files(files, config):
    folder = figures_dir()
    if folder.is_dir():
        for png in sorted(folder.glob("*.png")):
            files.append(File.generated(config, f"tutorials/figures/{png.name}", abs_src_path=str(png)))
    return files


def _figure(match: re.Match, page_dir: str) -> str:
    name, caption = match["name"], match["caption"]
    script = name.split("_")[0]
    if (figures_dir() / name).exists():
        prefix = "figures/" if page_dir == "tutorials" else "tutorials/figures/"
        return f"![{caption}]({prefix}{name})\n\n*{caption}*"
    return (
        f'!!! note "Figure: {caption}"\n'
        f"    Run the tutorial (`python examples/tutorials/{script}_*.py`) to draw `{name}`."
    )


def _optional_api(match: re.Match) -> str:
    module, attr = match["module"], match["attr"]
    try:
        present = hasattr(importlib.import_module(module), attr)
    except ImportError:
        present = False
    if present:
        return f"::: {module}"
    return f'!!! note "Not in this version"\n    `{module}` is not part of this version of dendrax yet.'


def on_page_markdown(markdown, page, config, files):
    page_dir = str(Path(page.file.src_uri).parent)
    markdown = FIGURE.sub(lambda m: _figure(m, page_dir), markdown)
    return OPTIONAL_API.sub(_optional_api, markdown)
