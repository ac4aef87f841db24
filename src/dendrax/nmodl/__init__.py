"""NEURON .mod files as dendrax mechanisms.

::

    NaTs2_t = dx.nmodl.load("NaTs2_t.mod")      # a Channel class, like a built-in one
    cell.apical.insert(NaTs2_t())
    mechs = dx.nmodl.load_dir("mod/")           # every .mod file in a folder
    print(dx.nmodl.to_python("NaTs2_t.mod"))     # the generated, readable source

The file is parsed (`parser`, a hand-written recursive-descent parser), its names and
blocks analysed (`semantics`, `units`), and a Python module generated (`codegen`, `emit`,
`solvers`, `kinetic`) that uses `runtime`. The mechanism runs under ``jit``, ``vmap`` and
``grad`` like a built-in one, with NEURON's semantics: ``cnexp``, ``derivimplicit``, KINETIC
``sparse`` with CONSERVE, units factors, INITIAL (and ``STEADYSTATE``), FUNCTIONs and
PROCEDUREs, TABLE (computed exactly). Anything else raises `NmodlError` with the file, line
and construct. See docs/nmodl.md.
"""

from . import runtime as runtime
from .errors import NmodlError as NmodlError
from .loader import load as load
from .loader import load_dir as load_dir
from .loader import load_source as load_source
from .loader import source_to_python as source_to_python
from .loader import to_python as to_python

__all__ = ["NmodlError", "load", "load_dir", "load_source", "runtime", "source_to_python", "to_python"]
