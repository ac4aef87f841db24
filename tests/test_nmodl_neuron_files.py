"""NEURON's own .mod files (shipped in the neuron package) through dendrax.nmodl.

NEURON's built-in hh is compiled from share/modfile/hh.mod, whose rate table is declared on
one line (``TABLE minf, ... DEPEND celsius FROM -100 TO 100 WITH 200``): the file must load,
and the mechanism dendrax generates from it must run as NEURON's hh does. Every other file
the package ships (share/modfile, the demo's share/nrn/demo/release, nmodl/ext/example)
either loads or is refused with the documented NmodlError (docs/nmodl.md, "Coverage").
Tests of files that this NEURON installation does not ship are skipped.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import dendrax as dx
from dendrax.nmodl.parser import parse
from dendrax.nmodl.tree import Num, Table, Unary

from .channel_cases import DIAM, DT, LENGTH, STATES, drive_and_run


def neuron_package() -> Path | None:
    """The installed neuron package's folder (not imported: collection stays quiet), or None."""
    spec = importlib.util.find_spec("neuron")
    return None if spec is None or spec.origin is None else Path(spec.origin).parent


PACKAGE = neuron_package()
HH_MOD = ".data/share/modfile/hh.mod"  # where NEURON's wheels put the source of the built-in hh

# Path in the neuron package -> the dendrax class it gives, or (line, construct, words of the
# message) of the NmodlError that refuses it. NEURON 9.0's files. capump and nacaex cache a
# value between BREAKPOINT calls in a file-scope LOCAL; release's reaction has a PARAMETER
# (GenVes) as a reactant.
LOADS = {
    ".data/share/modfile/hh.mod": dx.Channel,
    ".data/share/modfile/passive.mod": dx.Channel,
    ".data/share/modfile/expsyn.mod": dx.Synapse,
    ".data/share/modfile/exp2syn.mod": dx.Synapse,
    ".data/share/nrn/demo/release/cachan1.mod": dx.Channel,
    ".data/share/nrn/demo/release/camchan.mod": dx.Channel,
    ".data/share/nrn/demo/release/khhchan.mod": dx.Channel,
    ".data/share/nrn/demo/release/nachan.mod": dx.Channel,
    "nmodl/ext/example/hh.mod": dx.Channel,
    "nmodl/ext/example/passive.mod": dx.Channel,
    "nmodl/ext/example/expsyn.mod": dx.Synapse,
    "nmodl/ext/example/exp2syn.mod": dx.Synapse,
}
REFUSED = {
    ".data/share/modfile/netstim.mod": (5, "ARTIFICIAL_CELL", "dendrax.PointNeuron"),
    ".data/share/modfile/pattern.mod": (8, "ARTIFICIAL_CELL", "dendrax.PointNeuron"),
    ".data/share/modfile/stim.mod": (11, "ELECTRODE_CURRENT", "NONSPECIFIC_CURRENT"),
    ".data/share/modfile/svclmp.mod": (30, "ELECTRODE_CURRENT", "NONSPECIFIC_CURRENT"),
    ".data/share/nrn/demo/release/cabpump.mod": (50, "vol", "array variables"),
    ".data/share/nrn/demo/release/capmpr.mod": (82, "diam", "not available"),
    ".data/share/nrn/demo/release/capump.mod": (29, "Q", "computed in BREAKPOINT"),
    ".data/share/nrn/demo/release/nacaex.mod": (33, "s_celsius", "computed in BREAKPOINT"),
    ".data/share/nrn/demo/release/invlfire.mod": (7, "ARTIFICIAL_CELL", "dendrax.PointNeuron"),
    ".data/share/nrn/demo/release/release.mod": (62, "GenVes", "is not a STATE"),
}


def shipped(relative: str) -> Path:
    path = None if PACKAGE is None else PACKAGE / relative
    if path is None or not path.is_file():
        pytest.skip(f"this NEURON installation does not ship {relative}")
    return path


def value(expr) -> float:
    """The value of a signed number literal of the syntax tree."""
    if isinstance(expr, Unary) and expr.op == "-":
        return -value(expr.operand)
    assert isinstance(expr, Num), expr
    return expr.value


def tables(source: str) -> list[Table]:
    return [st for proc in parse(source).procedures.values() for st in proc.body if isinstance(st, Table)]


TABLES = """
NEURON { SUFFIX t  RANGE minf, mtau GLOBAL vmin }
PARAMETER { vmin = -120 (mV) }
ASSIGNED { v (mV)  celsius (degC)  minf  mtau (ms) }
BREAKPOINT { }
PROCEDURE one_line(v (mV)) {
    TABLE minf, mtau DEPEND celsius FROM -100 TO 100 WITH 200
    minf = v  mtau = celsius
}
PROCEDURE spaces(v (mV)) {
    TABLE minf mtau DEPEND celsius vmin FROM vmin TO 50 WITH 7
    minf = v  mtau = celsius
}
PROCEDURE lines(v (mV)) {
    TABLE minf, mtau
    DEPEND celsius
    FROM -100 TO 100 WITH 200
    minf = v  mtau = celsius
}
FUNCTION f(v (mV)) { TABLE DEPEND celsius FROM -150 TO 150 WITH 300  f = v }
FUNCTION g(v (mV)) { TABLE FROM -1 TO 1 WITH 2  g = v }
"""


def test_a_table_on_one_line_ends_each_name_list_at_the_next_keyword():
    """DEPEND, FROM, TO and WITH are NMODL keywords (reserved, as in nocmodl): a list of
    names separated by commas or spaces stops at them, on one line or on several."""
    one_line, spaces, lines, f, g = tables(TABLES)
    for table in (one_line, lines):
        assert (table.names, table.depend) == (("minf", "mtau"), ("celsius",))
        assert (value(table.low), value(table.high), value(table.count)) == (-100.0, 100.0, 200.0)
    assert (spaces.names, spaces.depend, spaces.low.id, value(spaces.count)) == (
        ("minf", "mtau"),
        ("celsius", "vmin"),
        "vmin",
        7.0,
    )
    assert (f.names, f.depend, value(f.low), value(f.count)) == ((), ("celsius",), -150.0, 300.0)
    assert (g.names, g.depend, value(g.low), value(g.high)) == ((), (), -1.0, 1.0)
    with pytest.raises(dx.nmodl.NmodlError, match=r"^<string>:7: expected a name, found the keyword DEPEND"):
        parse(TABLES.replace("minf, mtau DEPEND", "minf, DEPEND"))


def test_a_useion_statement_on_one_line_ends_each_list_at_the_next_keyword():
    model = parse("NEURON { SUFFIX s USEION ca READ cai cao WRITE ica CHARGE 2 RANGE g }")
    (ion,) = model.neuron.useions
    assert (ion.read, ion.write, ion.valence, model.neuron.range) == (("cai", "cao"), ("ica",), 2.0, ["g"])


def test_neurons_hh_mod_runs_as_neurons_builtin_hh_at_18_5_degrees(neuron_h):
    """hh.mod loaded by dendrax against NEURON's built-in hh (compiled from the same file),
    rate tables off, at 18.5 °C: nine spikes under a 0.5 nA step, in float64."""
    HH = dx.nmodl.load(shipped(HH_MOD))
    h = neuron_h
    t_max, celsius = 40.0, 18.5
    t = np.arange(int(round(t_max / DT)) + 1) * DT
    stimulus = np.where((t >= 2.0) & (t < 30.0), 0.5, 0.0)  # nA
    states = ("m", "h", "n")

    comp = dx.Compartment(length=LENGTH, radius=DIAM / 2.0)
    comp.insert(HH())
    comp.set("celsius", celsius)
    comp.set("v", -65.0)
    for name in ("v", *(f"hh_{s}" for s in states)):
        comp.record(name)
    comp.stimulate(np.zeros_like(stimulus))
    ours = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=DT, stimuli=stimulus[None]))

    h.dt, h.steps_per_ms, h.celsius, h.usetable_hh = DT, 1.0 / DT, celsius, 0
    sec = h.Section(name="hh_mod")
    sec.L, sec.diam, sec.nseg, sec.cm = LENGTH, DIAM, 1, 1.0
    sec.insert("hh")
    seg = sec(0.5)
    recs = {"v": h.Vector().record(seg._ref_v)}
    recs.update({s: h.Vector().record(getattr(seg, f"_ref_{s}_hh")) for s in states})
    ref = drive_and_run(h, sec, recs, -65.0, t_max, None, stimulus)

    spikes = np.sum((ref["v"][1:] > 0.0) & (ref["v"][:-1] <= 0.0))
    assert spikes >= 5, f"only {spikes} spikes: the comparison would not cover the gates' range"
    # Same equations from the same file, same update order, exact rates on both sides: the
    # traces differ only by round-off, 3e-10 mV over 1,600 steps and nine spikes (measured),
    # so 1e-6 mV (the float64 bar of tests/test_against_neuron.py) leaves a wide margin while
    # a wrong temperature factor (q10 = 3^((celsius - 6.3)/10) = 3.8 here) moves v by tens of mV.
    err = np.max(np.abs(ours[0] - ref["v"]))
    assert err < 1e-6, f"v differs by {err:.3g} mV"
    for k, s in enumerate(states, start=1):
        err = np.max(np.abs(ours[k] - ref[s]))
        assert err < STATES, f"{s} differs by {err:.3g}"


@pytest.mark.parametrize("relative", sorted(LOADS))
def test_neurons_mod_file_loads(relative):
    cls = dx.nmodl.load(shipped(relative))
    assert issubclass(cls, LOADS[relative]), cls.__mro__
    compile(dx.nmodl.to_python(shipped(relative)), relative, "exec")


@pytest.mark.parametrize("relative", sorted(REFUSED))
def test_neurons_mod_file_is_refused_with_the_documented_error(relative):
    line, construct, words = REFUSED[relative]
    path = shipped(relative)
    with pytest.raises(dx.nmodl.NmodlError) as info:
        dx.nmodl.load(path)
    err = info.value
    assert (err.line, err.construct) == (line, construct), str(err)
    assert words in err.message and str(err).startswith(f"{path}:{line}: "), str(err)


def test_every_mod_file_neuron_ships_loads_or_raises_nmodl_error():
    """Whatever NEURON version is installed: no other exception escapes from a valid file."""
    if PACKAGE is None:
        pytest.skip("NEURON is not installed")
    files = sorted(PACKAGE.glob(".data/share/**/*.mod")) + sorted(PACKAGE.glob("nmodl/**/*.mod"))
    if not files:
        pytest.skip("this NEURON installation ships no .mod files")
    for path in files:
        try:
            dx.nmodl.load(path)
        except dx.nmodl.NmodlError as err:
            assert str(err).startswith(f"{path}:"), str(err)
