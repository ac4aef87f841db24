"""Load .mod files as dendrax mechanism classes: parse, analyse, generate, execute.

The generated module is executed in a fresh namespace registered under the name
``dendrax.nmodl.generated.<suffix>_<hash>`` (and in `linecache`, so that tracebacks show
the generated lines). Classes are cached by the file's content: loading the same text
twice returns the same class, so that two loads of one file can be inserted side by side.
"""

from __future__ import annotations

import hashlib
import linecache
import sys
import threading
import types
import warnings
from pathlib import Path

from ..mechanisms.channel import Mechanism
from .codegen import generate
from .errors import NmodlError
from .parser import parse
from .semantics import analyse

__all__ = ["load", "load_dir", "load_source", "to_python"]

GENERATOR_VERSION = "1"
_classes: dict[str, type[Mechanism]] = {}
_warnings: dict[str, list[str]] = {}  # what loading each file warned about (said on every load)


def _read(path: str | Path) -> tuple[str, str]:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; use dendrax.nmodl.load_dir for every .mod file in it")
    if not path.exists():
        raise FileNotFoundError(f"no such .mod file: {path}")
    return path.read_text(encoding="utf-8", errors="replace"), str(path)


def source_to_python(text: str, filename: str = "<string>") -> str:
    """The generated Python module for NMODL source ``text``.

    Example:
        >>> import dendrax as dx
        >>> text = '''
        ... NEURON { SUFFIX pas2  NONSPECIFIC_CURRENT i  RANGE g, e }
        ... UNITS { (mA) = (milliamp)  (mV) = (millivolt) }
        ... PARAMETER { g = 0.001 (S/cm2)  e = -70 (mV) }
        ... ASSIGNED { v (mV)  i (mA/cm2) }
        ... BREAKPOINT { i = g*(v - e) }
        ... '''
        >>> source = dx.nmodl.source_to_python(text, "pas2.mod")
        >>> print(source[source.index("\\nclass ") + 1:].splitlines()[0])
        class pas2(dendrax.Channel):
        >>> 'return {"nonspecific": i}' in source         # the BREAKPOINT current, mA/cm²
        True
    """
    return generate(analyse(parse(text, _display(filename))))


def to_python(path: str | Path) -> str:
    """The readable Python source generated for the .mod file at ``path``.

    Save it to a .py file to read, edit or import it: the class it defines is the one
    `load` returns.

    Example:
        >>> import dendrax as dx
        >>> source = dx.nmodl.to_python("tests/mod/dx_Ih.mod")
        >>> print(source[source.index("\\nclass ") + 1:].splitlines()[0])
        class dx_Ih(dendrax.Channel):
    """
    text, name = _read(path)
    return source_to_python(text, name)


def load(path: str | Path) -> type[Mechanism]:
    """The mechanism class of the .mod file at ``path``, named after its SUFFIX or POINT_PROCESS.

    A SUFFIX gives a `dendrax.Channel` (or `dendrax.Mechanism` if it carries no current),
    a POINT_PROCESS a `dendrax.Synapse`. Its parameters are the file's PARAMETERs under
    their NEURON names (``NaTs2_t_gNaTs2_tbar``); its states are the STATEs. Raises
    `dendrax.nmodl.NmodlError`, naming the file, the line and the construct, for anything
    it cannot translate exactly.

    Example:
        >>> import dendrax as dx
        >>> Ih = dx.nmodl.load("tests/mod/dx_Ih.mod")
        >>> comp = dx.Compartment(length=20.0, radius=10.0)
        >>> comp.insert(Ih())
        >>> comp.get("dx_Ih_gbar")
        array([1.e-05])
    """
    text, name = _read(path)
    return load_source(text, name)


def load_source(text: str, filename: str = "<string>") -> type[Mechanism]:
    """The mechanism class of NMODL source ``text`` (``filename`` is used in messages).

    Example:
        >>> import dendrax as dx
        >>> text = '''
        ... NEURON { SUFFIX pas2  NONSPECIFIC_CURRENT i  RANGE g, e }
        ... UNITS { (mA) = (milliamp)  (mV) = (millivolt) }
        ... PARAMETER { g = 0.001 (S/cm2)  e = -70 (mV) }
        ... ASSIGNED { v (mV)  i (mA/cm2) }
        ... BREAKPOINT { i = g*(v - e) }
        ... '''
        >>> Pas2 = dx.nmodl.load_source(text, "pas2.mod")
        >>> issubclass(Pas2, dx.Channel), Pas2().params, Pas2().units
        (True, {'g': 0.001, 'e': -70.0}, {'g': 'S/cm2', 'e': 'mV'})
        >>> comp = dx.Compartment()
        >>> comp.insert(Pas2())
        >>> comp.get("pas2_g").tolist()                   # S/cm²
        [0.001]
    """
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("load_source takes the file's text as a str: decode bytes first, e.g. data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"load_source takes the file's text as a str; got {type(text).__name__} (for a path: dx.nmodl.load)")
    key = hashlib.sha256(f"{GENERATOR_VERSION}\0{_display(filename)}\0{text}".encode()).hexdigest()[:16]
    with _TRANSLATING:  # one translation at a time: it raises the process's recursion limit
        if key not in _classes:
            with warnings.catch_warnings(record=True) as caught:  # said again on every load, below
                warnings.simplefilter("always")
                _classes[key] = _build(text, filename, key)
            _warnings[key] = [str(w.message) for w in caught]
    for message in _warnings[key]:
        warnings.warn(message, UserWarning, stacklevel=2)
    return _classes[key]


#: Python frames allowed while a file is translated: the parser and the code generator walk
#: an expression recursively, about three frames per term, so that a 500-term sum needed
#: more than Python's default 1,000 (a review: RecursionError). From Python 3.11 these calls
#: do not use the C stack.
TRANSLATION_RECURSION_LIMIT = 30_000

#: Held while a file is translated: two threads that raised and restored the limit at once
#: left it raised, or lowered it under the other's translation (a review).
_TRANSLATING = threading.RLock()


def _build(text: str, filename: str, key: str) -> type[Mechanism]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, TRANSLATION_RECURSION_LIMIT))
    try:
        mech = analyse(parse(text, _display(filename)))
        source = generate(mech)
        code = compile(source, f"<dendrax.nmodl {_display(filename)}>", "exec")
    except (RecursionError, SyntaxError) as error:
        if isinstance(error, SyntaxError) and "nested" not in str(error):
            raise  # not the nesting limit below: a fault of the translator, shown as it is
        # Python itself refuses code nested more than about 200 levels (brackets, calls).
        raise NmodlError(
            "an expression is nested too deeply to translate (about 200 levels of parentheses or calls, or "
            "thousands of terms in one statement); split it into statements that compute partial results",
            _display(filename),
        ) from None
    finally:
        sys.setrecursionlimit(limit)
    module_name = f"dendrax.nmodl.generated.{mech.name}_{key}"
    fake_file = code.co_filename
    linecache.cache[fake_file] = (len(source), None, source.splitlines(True), fake_file)
    module = types.ModuleType(module_name)
    module.__file__ = fake_file
    sys.modules[module_name] = module
    exec(code, module.__dict__)
    cls = module.__dict__[mech.name]
    cls.__module__ = module_name
    return cls


def load_dir(folder: str | Path, strict: bool = True) -> dict[str, type[Mechanism]]:
    """Every .mod file in ``folder`` (sorted by name), as ``{mechanism name: class}``.

    With ``strict`` (the default), the first file that cannot be translated raises its
    `NmodlError`; otherwise such files are left out with a warning that gives the error.
    Two files defining the same mechanism name are an error.

    Example:
        >>> import dendrax as dx
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # tests/nmodl/nx_cnexpnl.mod warns on purpose
        ...     mechs = dx.nmodl.load_dir("tests/nmodl")
        >>> mechs["nx_Exp2Syn"].event_driven, sorted(mechs["nx_cad"].states)
        (True, ['cai'])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    out: dict[str, type[Mechanism]] = {}
    origin: dict[str, Path] = {}
    for path in sorted(folder.glob("*.mod")):
        try:
            cls = load(path)
        except NmodlError as err:
            if strict:
                raise
            warnings.warn(f"left out: {err}", stacklevel=2)
            continue
        name = cls.__name__
        if name in out:
            raise NmodlError(
                f"mechanism {name} is defined again (first in {origin[name].name})", str(path), 0, name
            )
        out[name] = cls
        origin[name] = path
    return out


def _display(filename: str) -> str:
    return str(filename)
