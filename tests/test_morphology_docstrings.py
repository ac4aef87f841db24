"""The examples in the morphology and plotting docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = [
    "dendrax.morphology.anatomy",
    "dendrax.morphology.discretization",
    "dendrax.morphology.editing",
    "dendrax.morphology.layout",
    "dendrax.morphology.neuron_geometry",
    "dendrax.morphology.swc",
    "dendrax.morphology.swc_parse",
    "dendrax.morphology.swc_writer",
    "dendrax.model.view",
    "dendrax.plot.morphology",
    "dendrax.plot.traces",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    pytest.importorskip("matplotlib").use("Agg")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_morphology_guide_examples():
    """docs/morphology.md's examples run."""
    from pathlib import Path

    guide = Path(__file__).parents[1] / "docs" / "morphology.md"
    result = doctest.testfile(str(guide), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
