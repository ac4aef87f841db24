"""Fixtures shared by the tests (JAX is configured in the repository's root conftest.py)."""

import pytest


@pytest.fixture
def neuron_h():
    """NEURON's ``h`` with rate tables off and no sections left from earlier tests."""
    h = pytest.importorskip("neuron").h
    h.load_file("stdrun.hoc")
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    h.usetable_hh = 0
    h.secondorder = 0
    h.celsius = 6.3
    h.dt = 0.025
    yield h
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    h.secondorder = 0
    h.celsius = 6.3
