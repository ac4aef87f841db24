"""Which values a .mod file carries from block to block, and where it reads what it may not.

Part of the analysis in `dendrax.nmodl.semantics` (`Dataflow` is a base of its analysis,
which holds the model ``m``, each name's ``kind`` and ``line_of``, and ``error``): with the
effects of every block known, the phases of a step (INITIAL, BREAKPOINT, the SOLVEd blocks,
NET_RECEIVE) are compared, as NEURON keeps ASSIGNED variables between them and dendrax's
`current` has no side effects.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ..mechanisms.ions import VALENCE
from .effects import effects_of, expressions, flat, mentions, walk
from .tree import Assign, Call, If, Name, Solve

if TYPE_CHECKING:
    from .semantics import Mechanism

__all__ = ["Dataflow"]


class Dataflow:
    """The data-flow checks of the .mod analysis (see the module docstring)."""

    def uniform_values(self, mech: Mechanism) -> set[str]:
        """Names whose value is the same in every compartment: the temperature, constants,
        GLOBAL parameters the file never assigns, and GLOBALs every assignment of which
        computes them from such values, directly or through FUNCTIONs of them (a Q10 factor
        ``tadj``, ``tq = 2 * tadj``). For those, NEURON's one shared value and dendrax's one
        per compartment are equal. Anything else (an argument such as ``v``, a LOCAL, a
        RANGE value) counts as varying."""
        m = self.m
        procs = (*m.blocks.values(), *m.derivatives.values(), *m.procedures.values())
        assigns = [st for proc in procs for st in flat(proc.body) if isinstance(st, (Assign, If))]
        written = {st.target for st in assigns if isinstance(st, Assign)}
        uniform = {"celsius"} | {
            n for n, k in self.kind.items()
            if k == "const" or (k == "param" and n not in m.neuron.range and n not in written)
        }

        def varies(expr) -> bool:
            for node in walk(expr):
                if isinstance(node, Call) and node.func in mech.effects and not mech.effects[node.func].reads <= uniform:
                    return True  # (its arguments are walked too)
                if isinstance(node, Name) and node.id not in uniform:
                    return True
            return False

        def computed_alike(target: str) -> bool:
            for st in assigns:
                if isinstance(st, Assign) and st.target == target and varies(st.value):
                    return False
                if isinstance(st, If) and varies(st.condition):  # which assignment runs may vary
                    if any(isinstance(s, Assign) and s.target == target for s in flat((*st.then, *st.orelse))):
                        return False
            return True

        candidates = [n for n in m.neuron.globals if n in written]
        grown = True
        while grown:  # values computed from values computed alike (tq = 2 * tadj)
            new = {n for n in candidates if n not in uniform and computed_alike(n)}
            uniform |= new
            grown = bool(new)
        return uniform

    def first_use(self, body, name: str, mech: Mechanism, default: int) -> tuple[int, str | None]:
        """Line of the first statement of ``body`` that uses ``name`` (else ``default``), and
        the FUNCTION or PROCEDURE through which it does (``None`` where it names ``name``)."""
        for st in body:
            if not mentions(st, name, mech.effects):
                continue
            if isinstance(st, If) and not any(isinstance(e, Name) and e.id == name for e in walk(st.condition)):
                return self.first_use((*st.then, *st.orelse), name, mech, st.line)
            for expr in expressions(st):
                for node in walk(expr):
                    if isinstance(node, Name) and node.id == name:
                        return st.line, None
                    if isinstance(node, Call) and name in getattr(mech.effects.get(node.func), "reads", ()):
                        return st.line, node.func
            return st.line, None
        return default, None

    def state_set_in_breakpoint(self, mech: Mechanism, name: str, phases, phases_bodies, bp) -> None:
        """A STATE assigned in BREAKPOINT (an instantaneous gate, in some ModelDB files) is a
        value of the current computation: refused where another block reads it (NEURON passes
        BREAKPOINT's value on; dendrax's currents have no side effects), else kept as a local
        of BREAKPOINT, not a state (a recorded state would stay at its initial value)."""
        elsewhere = [p for p in ("SOLVE", "NET_RECEIVE") if name in phases[p].reads]
        if elsewhere or name in phases["BREAKPOINT"].reads:
            where = elsewhere[0] if elsewhere else "BREAKPOINT, before it is set there"
            raise self.error(
                f"the STATE {name} is set in BREAKPOINT and read in {where}; dendrax computes currents without "
                f"side effects, so that value would not reach it: compute {name} where it is used (e.g. in "
                "the SOLVEd block, from v), or declare it ASSIGNED and compute it in a PROCEDURE called there",
                self.first_use(phases_bodies["BREAKPOINT"], name, mech, bp.line if bp else 0)[0], name,
            )  # fmt: skip
        mech.states.pop(name, None)
        mech.state_start.pop(name, None)
        self.kind[name] = "assigned"

    def dataflow(self, mech: Mechanism) -> None:
        """Carry values written in one block and read in another as states, and refuse what
        dendrax cannot run: values computed in BREAKPOINT read elsewhere, ``dt`` outside
        SOLVEd blocks, ion currents outside the state update, celsius or v in synapses."""
        m = self.m
        calls = lambda f: mech.effects.get(f)  # noqa: E731
        init = m.blocks.get("INITIAL")
        bp = m.blocks.get("BREAKPOINT")
        recv = m.blocks.get("NET_RECEIVE")
        # BREAKPOINT's SOLVE statements are the SOLVE phase (a SOLVEd PROCEDURE may read dt)
        bp_body = tuple(st for st in bp.body if not isinstance(st, Solve)) if bp else ()
        phases = {
            "INITIAL": effects_of(init.body if init else (), set(), calls, m.derivatives),
            "BREAKPOINT": effects_of(bp_body, set(), calls),
            "SOLVE": effects_of(tuple(s for st, _ in mech.solves for s in [st]), set(), calls, m.derivatives),
            "NET_RECEIVE": effects_of(recv.body if recv else (), set(recv.args) if recv else set(), calls),
        }
        phases_bodies = {
            "INITIAL": init.body if init else (),
            "BREAKPOINT": bp_body,
            "SOLVE": tuple(st for _, proc in mech.solves for st in proc.body),
            "NET_RECEIVE": recv.body if recv else (),
        }
        writers = ("INITIAL", "SOLVE", "NET_RECEIVE")
        readers = ("BREAKPOINT", "SOLVE", "NET_RECEIVE")
        uniform = None  # `uniform_values`, computed where a carried GLOBAL needs it
        for name, kind in list(self.kind.items()):
            if kind == "state" and name in phases["BREAKPOINT"].writes and name not in mech.writes:
                self.state_set_in_breakpoint(mech, name, phases, phases_bodies, bp)
                continue
            if kind not in ("assigned", "param", "current"):
                continue
            read_in = [p for p in readers if name in phases[p].reads]
            written_in = [p for p in writers if name in phases[p].writes]
            if kind == "current" and name in mech.ion_reads:
                # READ from the ion: in SOLVEd blocks it is the compartment's total current of
                # the ion this step (its own included), as in NEURON, whatever BREAKPOINT writes.
                read_in = [p for p in read_in if p != "SOLVE"]
            if read_in and name in phases["BREAKPOINT"].writes:
                raise self.error(
                    f"{name} is computed in BREAKPOINT and read in {read_in[0]} before being computed there; dendrax "
                    "computes currents without side effects, so compute it where it is used"
                    + (f" (or READ {name} from the ion)" if kind == "current" else ""),
                    self.first_use(phases_bodies["BREAKPOINT"], name, mech, bp.line if bp else 0)[0], name,
                )  # fmt: skip
            if kind == "assigned" and not any(name in ph.writes for ph in phases.values()):
                # Never written: in NEURON the user sets it, like a parameter.
                unit = mech.unit_of.get(name, "")
                mech.params[name] = (0.0, unit, self.line_of.get(name, 0))
                self.kind[name] = "param"
                continue
            if read_in and written_in:
                if kind == "current":
                    raise self.error(
                        f"{name} is a current; it cannot be written outside BREAKPOINT",
                        self.line_of.get(name, 0),
                        name,
                    )
                state = f"{name}_" if kind == "param" else name
                if (state != name and state in self.kind) or state in mech.states:
                    raise self.error(
                        f"{name} must be carried as the state {state!r}, a name already in use",
                        self.line_of.get(name, 0),
                        name,
                    )
                if uniform is None and name in self.m.neuron.globals:
                    uniform = self.uniform_values(mech)
                if name in self.m.neuron.globals and name not in uniform:
                    warnings.warn(
                        f"{self.m.file}:{self.line_of.get(name, 0)}: GLOBAL {name} is written in {' and '.join(written_in)} and "
                        f"read in {' and '.join(read_in)}: NEURON keeps one {name} for all compartments (each reads what the "
                        f"last one to write it left), dendrax one per compartment, as if it were RANGE; the two "
                        f"differ on cells of more than one compartment. Declare {name} RANGE to say per compartment",
                        UserWarning,
                        stacklevel=2,
                    )
                mech.carried[name] = state
                mech.states[state] = (0.0, mech.unit_of.get(name, ""))
                mech.state_start[state] = f"param:{name}" if kind == "param" else "zero"
        if mech.point:
            for phase, eff in phases.items():
                if "celsius" in eff.reads:
                    line = self.first_use(phases_bodies[phase], "celsius", mech, 0)[0]
                    raise self.error(
                        "point processes cannot read celsius in dendrax (synapses get only their parameters)",
                        line,
                        "celsius",
                    )
            if "v" in phases["NET_RECEIVE"].reads:
                line = self.first_use(phases_bodies["NET_RECEIVE"], "v", mech, recv.line if recv else 0)[0]
                raise self.error("NET_RECEIVE cannot read v in dendrax", line, "v")
        for phase in ("INITIAL", "BREAKPOINT", "NET_RECEIVE"):
            if "dt" in phases[phase].reads and not (phase == "INITIAL" and mech.initial_solves):
                line, via = self.first_use(phases_bodies[phase], "dt", mech, m.blocks[phase].line)
                raise self.error(
                    f"dt is only available in SOLVEd blocks, not in {phase}"
                    + (
                        f" ({via} reads it, called here): split {via} so that {phase} calls a part "
                        "without dt (e.g. steady states only) and the SOLVEd block the rest"
                        if via
                        else ""
                    ),
                    line,
                    "dt",
                )
            for var in phases[phase].reads & set(mech.ion_reads):
                if var.startswith("i") and var[1:] in VALENCE:
                    line = self.first_use(phases_bodies[phase], var, mech, m.blocks[phase].line)[0]
                    where = (
                        f"in {phase} (a STEADYSTATE solve there included: at t = 0 dendrax has no ion "
                        "current yet, while NEURON uses whatever value the ion holds)"
                        if phase == "INITIAL" else f"in {phase}"
                    )  # fmt: skip
                    raise self.error(
                        f"the ion current {var} can only be read in the state update (BREAKPOINT's SOLVEd "
                        f"blocks), not {where}",
                        line,
                        var,
                    )
