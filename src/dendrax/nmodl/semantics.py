"""What each name of a .mod file is, and what each block reads and writes.

The result, `Mechanism`, is what code generation needs: the parameters (with defaults and
units), the states, the ion variables read and written, the constants (UNITS factors,
CONSTANT, DEFINE), and the analysed blocks. Decisions, each matching NEURON:

- PARAMETERs (RANGE or GLOBAL alike) are parameters of the mechanism, one value per
  compartment (per synapse), trainable; ASSIGNED variables the file never writes are
  parameters too (in NEURON the user sets them), with default 0.
- STATEs are states; a STATE ``x`` starts at the PARAMETER ``x0`` if declared, else 0, then
  INITIAL runs. A concentration written by the mechanism (``USEION ca WRITE cai``) is the
  state ``cai`` and starts at the ion's value.
- NEURON keeps every ASSIGNED variable between blocks; dendrax's `current` has no side
  effects. An ASSIGNED variable (or PARAMETER) written in INITIAL, in a SOLVEd block or in
  NET_RECEIVE and read before being written in another block is therefore carried as a
  state (a PARAMETER ``p`` as the state ``p_``). One written in BREAKPOINT and read before
  written elsewhere cannot be carried: an error says so.
- ``v``, ``celsius`` and (in SOLVEd blocks) ``dt`` are dendrax's; ``t``, ``area``, ``diam``
  are errors, as are POINTERs, unknown ions and written reversal potentials. Assigning to
  ``v`` (``if (v == -32) { v = v + 0.0001 }``) changes the mechanism's copy of the voltage
  for the rest of the block, as in NEURON, not the membrane potential.
"""

from __future__ import annotations

import dataclasses
import keyword
import warnings

from ..mechanisms.ions import VALENCE
from .constructs import BUILTIN_ARITY, BUILTINS, FORBIDDEN, IGNORED_CALLS, SPECIALS, UNSUPPORTED_CALLS
from .dataflow import Dataflow
from .effects import Effects, effects_of, expressions, flat, walk
from .errors import NmodlError
from .tree import (
    Assign,
    Call,
    CallStmt,
    Compartment,
    Conserve,
    Diff,
    Expr,
    If,
    Local,
    Model,
    Name,
    Procedure,
    Reaction,
    Solve,
    Stmt,
)  # fmt: skip
from .units import UnitError, UnitTable

__all__ = ["Mechanism", "analyse"]


@dataclasses.dataclass
class Mechanism:
    """A .mod file, analysed. Names are NMODL's (see `dendrax.nmodl.codegen` for Python's)."""

    model: Model
    name: str
    point: bool  # POINT_PROCESS (a synapse) rather than SUFFIX (a density mechanism)
    params: dict[str, tuple[float, str, int]]  # name -> (default, unit, line)
    states: dict[str, tuple[float, str]]  # dendrax states: STATEs, written concentrations, carried values
    state_start: dict[str, str]  # state -> "zero", "param:<name>" or "ion:<var>" (its value before INITIAL)
    carried: dict[str, str]  # carried variable -> its state name
    constants: dict[str, float]
    ions: tuple[str, ...]
    writes: tuple[str, ...]  # concentrations written (states)
    currents: dict[str, str]  # current variable -> ion ("nonspecific" for NONSPECIFIC_CURRENT)
    ion_reads: set[str]  # ion variables read from the ion (eca, cai, ica, ...)
    kind: dict[str, str]  # global name -> param|state|ion|current|assigned|const|special
    effects: dict[str, Effects]  # per procedure or function
    solves: list[tuple[Solve, Procedure]]  # BREAKPOINT's SOLVE statements and their blocks
    initial_solves: list[tuple[Solve, Procedure]]
    unit_of: dict[str, str]
    limits: dict[str, tuple[float, float]]
    unit_table: UnitTable = dataclasses.field(default_factory=UnitTable)

    def same_kind(self, unit: str, reference: str) -> bool:
        """Whether ``unit`` (in this file's UNITS) measures the same quantity as ``reference``."""
        try:
            return self.unit_table.value(unit)[1] == self.unit_table.value(reference)[1]
        except UnitError:
            return False

    @property
    def file(self) -> str:
        return self.model.file

    def error(self, message: str, line: int, construct: str) -> NmodlError:
        return NmodlError(message, self.model.file, line, construct)


def analyse(model: Model) -> Mechanism:
    """Classify the names of ``model``, check what dendrax can run, find the carried values."""
    return _Analysis(model).run()


class _Analysis(Dataflow):
    def __init__(self, model: Model):
        self.m = model
        self.kind: dict[str, str] = {}
        self.line_of: dict[str, int] = {}

    def error(self, message: str, line: int, construct: str) -> NmodlError:
        return NmodlError(message, self.m.file, line, construct)

    # ------------------------------------------------------------------ declarations
    def run(self) -> Mechanism:
        m, nb = self.m, self.m.neuron
        point = nb.kind == "POINT_PROCESS"
        if not nb.name.isidentifier() or keyword.iskeyword(nb.name):
            raise self.error(
                f"the mechanism name {nb.name!r} is not usable as a class name", nb.line, nb.name
            )
        constants = self.constants()
        ions, ion_reads, ion_writes, currents, concentrations = self.ions(point)
        for name, line in nb.nonspecific:
            currents[name] = "nonspecific"
            self.line_of.setdefault(name, line)
        first_line: dict[str, tuple[str, int]] = {}
        for block, decls in (("PARAMETER", m.parameters), ("ASSIGNED", m.assigned), ("STATE", m.states)):
            for d in decls:
                if d.name in first_line:
                    other, line = first_line[d.name]
                    raise self.error(
                        f"{d.name} is declared twice ({other} at line {line}, {block} here); NEURON refuses "
                        "this too (\"Multiple declaration\"): keep one declaration",
                        d.line, d.name,
                    )  # fmt: skip
                first_line[d.name] = (block, d.line)
        declared = {d.name: d for d in (*m.parameters, *m.assigned, *m.states)}
        unit_of = {d.name: d.unit for d in declared.values() if d.unit}
        self.warn_unknown_units(declared.values())
        limits = {d.name: d.limits for d in m.parameters if d.limits}
        for name in constants:
            self.kind[name] = "const"
        for name in SPECIALS:
            self.kind[name] = "special"
        for var in ion_reads | ion_writes:
            self.kind[var] = "ion"
        for var in currents:
            self.kind[var] = "current"
        states: dict[str, tuple[float, str]] = {}
        state_start: dict[str, str] = {}
        for d in m.states:
            if d.name in SPECIALS or d.name in FORBIDDEN or d.name in constants:
                raise self.error(f"{d.name} cannot be a STATE", d.line, d.name)
            if d.name in ion_reads | ion_writes and d.name not in concentrations:
                raise self.error(
                    f"the ion variable {d.name} is a STATE but not written; add it to WRITE in its USEION",
                    d.line,
                    d.name,
                )
            self.kind[d.name] = "state"
            self.line_of[d.name] = d.line
            states[d.name] = (0.0, d.unit)
            state_start[d.name] = "zero"
        for var in concentrations:
            self.kind[var] = "state"
            states.setdefault(var, (0.0, unit_of.get(var, "mM")))
            state_start[var] = f"ion:{var}"
        params: dict[str, tuple[float, str, int]] = {}
        for d in m.parameters:
            if d.name in SPECIALS or d.name in ion_reads | ion_writes | set(currents) or d.name in FORBIDDEN:
                continue  # v, celsius, ena... declared in PARAMETER are dendrax's, not parameters
            self.kind[d.name] = "param"
            self.line_of[d.name] = d.line
            params[d.name] = (0.0 if d.value is None else d.value, d.unit, d.line)
        for name in states:
            if state_start[name] == "zero" and f"{name}0" in params:
                state_start[name] = f"param:{name}0"
        for d in m.assigned:
            if d.name in self.kind or d.name in FORBIDDEN:
                continue
            self.kind[d.name] = "assigned"
            self.line_of[d.name] = d.line
        for name in (*nb.range, *nb.globals):
            if name not in self.kind and name not in FORBIDDEN:
                raise self.error(f"{name} is listed in RANGE/GLOBAL but never declared", nb.line, name)
        self.check_blocks(point)
        effects = self.procedure_effects()
        solves, initial_solves = self.solves()
        mech = Mechanism(
            model=m, name=nb.name, point=point, params=params, states=states, state_start=state_start,
            carried={}, constants=constants, ions=tuple(ions), writes=tuple(concentrations), currents=currents,
            ion_reads=ion_reads, kind=self.kind, effects=effects, solves=solves, initial_solves=initial_solves,
            unit_of=unit_of, limits=limits, unit_table=self.table,
        )  # fmt: skip
        self.dataflow(mech)
        return mech

    def constants(self) -> dict[str, float]:
        table = self.table = UnitTable()
        out: dict[str, float] = {}
        for f in self.m.factors:
            try:
                if f.alias:
                    table.define(f.name, f.source)
                elif f.value is not None:
                    out[f.name] = f.value
                else:
                    out[f.name] = table.factor(f.source, f.target)
            except UnitError as err:
                raise self.error(str(err), f.line, f.name) from None
            if not f.alias:
                self.line_of[f.name] = f.line
        for d in self.m.constants:
            out[d.name] = float(d.value)  # type: ignore[arg-type]
            self.line_of[d.name] = d.line
        return out

    def ions(self, point: bool):
        ions: list[str] = []
        reads: set[str] = set()
        writes: set[str] = set()
        currents: dict[str, str] = {}
        concentrations: list[str] = []
        seen: dict[str, int] = {}
        for use in self.m.neuron.useions:
            if use.ion in seen:
                raise self.error(
                    f"ion {use.ion} has two USEION statements (the first at line {seen[use.ion]}); NEURON "
                    "refuses this too: list every READ and WRITE of the ion in one USEION",
                    use.line, "USEION",
                )  # fmt: skip
            seen[use.ion] = use.line
            if point:
                raise self.error(
                    "point processes (synapses) in dendrax do not use ions; USEION is only supported with SUFFIX",
                    use.line, "USEION",
                )  # fmt: skip
            if use.ion not in VALENCE:
                known = ", ".join(sorted(VALENCE))
                raise self.error(
                    f"ion {use.ion!r} is not known to dendrax (it knows {known}); a nonspecific current "
                    "(NONSPECIFIC_CURRENT) carries a current without an ion",
                    use.line, use.ion,
                )  # fmt: skip
            if use.valence is not None and use.valence != VALENCE[use.ion]:
                raise self.error(
                    f"VALENCE {use.valence:g} of {use.ion} differs from dendrax's {VALENCE[use.ion]}",
                    use.line,
                    "VALENCE",
                )
            e, inside, outside, current = f"e{use.ion}", f"{use.ion}i", f"{use.ion}o", f"i{use.ion}"
            for var in (*use.read, *use.write):
                if var not in (e, inside, outside, current):
                    raise self.error(
                        f"{var} is not a variable of ion {use.ion} ({e}, {inside}, {outside}, {current})",
                        use.line,
                        var,
                    )
            for var in use.write:
                if var == e:
                    raise self.error(f"writing the reversal potential {e} is not supported", use.line, var)
                if var == current:
                    currents[var] = use.ion
                else:
                    concentrations.append(var)
                    writes.add(var)
            reads |= {var for var in use.read if var not in concentrations}
            if use.ion not in ions:
                ions.append(use.ion)
        return ions, reads, writes, currents, concentrations

    # ------------------------------------------------------------------ blocks
    def check_blocks(self, point: bool) -> None:
        m = self.m
        if "BREAKPOINT" not in m.blocks and not m.derivatives:
            raise self.error("the file has no BREAKPOINT block", 0, "BREAKPOINT")
        if "NET_RECEIVE" in m.blocks:
            recv = m.blocks["NET_RECEIVE"]
            if not point:
                raise self.error("NET_RECEIVE needs a POINT_PROCESS", recv.line, "NET_RECEIVE")
            if len(recv.args) != 1:
                raise self.error(
                    "NET_RECEIVE with more than the weight argument (per-connection state) is not supported",
                    recv.line, "NET_RECEIVE",
                )  # fmt: skip
        for proc in m.procedures.values():
            if proc.name in BUILTINS or proc.name in IGNORED_CALLS or proc.name in UNSUPPORTED_CALLS:
                # Calls to it would be ambiguous: translation took the builtin (exp: a silently
                # wrong model), skipped it (printf: returned 0) or refused it as unsupported.
                raise self.error(
                    f"{proc.kind} {proc.name} has the name of NMODL's built-in {proc.name}(); rename it "
                    "(and its calls)", proc.line, proc.name,
                )  # fmt: skip
        for proc in (*m.blocks.values(), *m.derivatives.values(), *m.procedures.values()):
            self.check_body(
                proc, proc.body, set(proc.args) | ({proc.name} if proc.kind == "FUNCTION" else set())
            )
            if proc.kind == "FUNCTION" and not any(
                isinstance(st, Assign) and st.target == proc.name for st in flat(proc.body)
            ):
                warnings.warn(
                    f"{self.m.file}:{proc.line}: FUNCTION {proc.name} never assigns {proc.name}, its return "
                    "value: dendrax returns 0 (NEURON an undefined value); assign it, or make it a PROCEDURE",
                    UserWarning,
                    stacklevel=2,
                )

    def warn_unknown_units(self, declarations) -> None:
        """Warn of a declaration whose unit is not one: NEURON's translator does not check
        them (modlunit does), so the file loads, but rules that go by unit (a conductance's
        >= 0, a concentration's > 0) cannot apply to it (a newcomer's review: a mistyped
        ``(Sx/cm2)`` loaded silently)."""
        for d in declarations:
            if not d.unit:
                continue
            try:
                self.table.value(d.unit)
            except UnitError as err:
                warnings.warn(
                    f"{self.m.file}:{d.line}: the unit ({d.unit}) of {d.name} is not in dendrax's unit table ({err}); "
                    "it is kept as a label, as NEURON's translator keeps it, but range checks that go by unit (conductances >= 0, "
                    "concentrations > 0) do not apply to it. Correct it, or define it in the UNITS block",
                    UserWarning,
                    stacklevel=2,
                )

    def check_body(self, proc: Procedure, body: tuple[Stmt, ...], local: set[str]) -> None:
        for st in body:
            if isinstance(st, Local):
                local |= set(st.names)
                continue
            for expr in expressions(st):
                self.check_expr(proc, expr, local)
            if isinstance(st, Assign):
                self.check_target(proc, st.target, st.line, local)
            elif isinstance(st, Diff):
                if proc.kind not in ("DERIVATIVE", "KINETIC"):
                    raise self.error(f"{st.state}' = ... belongs in a DERIVATIVE block", st.line, st.state)
                if self.kind.get(st.state) != "state":
                    raise self.error(f"{st.state}' = ...: {st.state} is not a STATE", st.line, st.state)
            elif isinstance(st, (Reaction, Conserve, Compartment)) and proc.kind != "KINETIC":
                raise self.error(
                    "reactions, CONSERVE and COMPARTMENT belong in a KINETIC block", st.line, "~"
                )
            elif isinstance(st, Reaction):
                for _, name in (*st.lhs, *st.rhs):
                    if self.kind.get(name) != "state":
                        raise self.error(f"{name} in a reaction is not a STATE", st.line, name)
            elif isinstance(st, Solve) and proc.kind not in ("BREAKPOINT", "INITIAL"):
                raise self.error("SOLVE belongs in BREAKPOINT (or INITIAL for STEADYSTATE)", st.line, "SOLVE")
            elif isinstance(st, If):
                self.check_body(proc, st.then, set(local))
                self.check_body(proc, st.orelse, set(local))
            elif isinstance(st, CallStmt) and st.call.func in self.m.derivatives:
                raise self.error(
                    f"{st.call.func} is a {self.m.derivatives[st.call.func].kind} block; SOLVE it",
                    st.line,
                    st.call.func,
                )

    def check_target(self, proc: Procedure, name: str, line: int, local: set[str]) -> None:
        if name in local:
            return
        if name in FORBIDDEN:
            raise self.error(FORBIDDEN[name], line, name)
        kind = self.kind.get(name)
        if kind is None:
            raise self.error(
                f"{name} is assigned but not declared (declare it in ASSIGNED, or LOCAL)", line, name
            )
        if kind == "const" or (kind == "special" and name != "v"):
            raise self.error(
                f"cannot assign to {name} ({'a constant' if kind == 'const' else 'owned by dendrax'})",
                line,
                name,
            )
        if kind == "ion":
            raise self.error(f"{name} is read from the ion; to change it, WRITE it in USEION", line, name)

    def check_expr(self, proc: Procedure, expr: Expr, local: set[str]) -> None:
        for node in walk(expr):
            if isinstance(node, Name):
                name = node.id
                if name in local:
                    continue
                if name in FORBIDDEN:
                    raise self.error(FORBIDDEN[name], node.line, name)
                if name not in self.kind:
                    hint = " (declare it, e.g. PI = (pi) (1) in UNITS)" if name == "PI" else ""
                    raise self.error(f"{name} is used but not declared{hint}", node.line, name)
            elif isinstance(node, Call):
                f = node.func
                if f in UNSUPPORTED_CALLS:
                    raise self.error(UNSUPPORTED_CALLS[f], node.line, f)
                if f in IGNORED_CALLS:
                    continue
                if f in self.m.procedures:
                    callee = self.m.procedures[f]
                    if len(node.args) != len(callee.args):
                        raise self.error(
                            f"{f} takes {len(callee.args)} arguments; got {len(node.args)}", node.line, f
                        )
                elif f in BUILTINS:
                    if len(node.args) != BUILTIN_ARITY[f]:
                        raise self.error(
                            f"{f} takes {BUILTIN_ARITY[f]} arguments; got {len(node.args)}", node.line, f
                        )
                elif f in self.m.derivatives:
                    raise self.error(f"{f} is a {self.m.derivatives[f].kind} block; SOLVE it", node.line, f)
                else:
                    raise self.error(f"unknown function {f}", node.line, f)

    # ------------------------------------------------------------------ effects
    def procedure_effects(self) -> dict[str, Effects]:
        out: dict[str, Effects] = {}
        visiting: list[str] = []

        def visit(name: str) -> Effects:
            if name in out:
                return out[name]
            proc = self.m.procedures[name]
            if name in visiting:
                cycle = " -> ".join([*visiting[visiting.index(name) :], name])
                raise self.error(f"recursion is not supported ({cycle})", proc.line, name)
            visiting.append(name)
            local = set(proc.args) | ({name} if proc.kind == "FUNCTION" else set())
            out[name] = effects_of(proc.body, local, lambda f: visit(f) if f in self.m.procedures else None)
            visiting.pop()
            return out[name]

        for name in self.m.procedures:
            visit(name)
        return out

    def solves(self):
        m = self.m
        solves, initial = [], []
        for where, target in (("BREAKPOINT", solves), ("INITIAL", initial)):
            block = m.blocks.get(where)
            for st in flat(block.body if block else ()):
                if not isinstance(st, Solve):
                    continue
                proc = m.derivatives.get(st.block) or m.procedures.get(st.block)
                if proc is None:
                    raise self.error(
                        f"SOLVE {st.block}: no DERIVATIVE, KINETIC or PROCEDURE of that name",
                        st.line,
                        st.block,
                    )
                self.check_solve(where, st, proc)
                target.append((st, proc))
        return solves, initial

    def check_solve(self, where: str, st: Solve, proc: Procedure) -> None:
        methods = {
            "DERIVATIVE": ("cnexp", "derivimplicit", "euler"),
            "KINETIC": ("sparse",),
            "PROCEDURE": (None,),
        }
        allowed = methods.get(proc.kind, ())
        if where == "INITIAL" and not st.steadystate:
            raise self.error(
                "SOLVE in INITIAL must be SOLVE ... STEADYSTATE sparse (or derivimplicit)", st.line, "SOLVE"
            )
        if where == "BREAKPOINT" and st.steadystate:
            raise self.error("STEADYSTATE belongs in INITIAL", st.line, "STEADYSTATE")
        if st.steadystate:
            allowed = ("sparse",) if proc.kind == "KINETIC" else ("derivimplicit",)
        if proc.kind == "PROCEDURE" and proc.args:
            raise self.error(f"SOLVE {st.block}: a SOLVEd PROCEDURE takes no arguments", st.line, st.block)
        if proc.kind == "PROCEDURE" and st.method is not None:
            raise self.error(
                f"SOLVE {st.block}: {st.block} is a PROCEDURE, which takes no METHOD", st.line, st.method
            )
        if proc.kind == "FUNCTION":
            raise self.error(
                f"SOLVE {st.block}: {st.block} is a FUNCTION; SOLVE a DERIVATIVE, KINETIC or PROCEDURE",
                st.line,
                st.block,
            )
        if st.method not in allowed:
            if st.method is None:
                raise self.error(
                    f"SOLVE {st.block} needs a METHOD ({', '.join(str(a) for a in allowed)})",
                    st.line,
                    "SOLVE",
                )
            neuron = {
                "cnexp",
                "derivimplicit",
                "euler",
                "sparse",
                "runge",
                "adams",
                "gear",
                "newton",
                "clsoda",
                "heun",
                "after_cvode",
                "cvode_t",
                "cvode_t_v",
                "simeq",
                "seidel",
                "adrunge",
                "runge_kutta",
            }
            what = "is not supported" if st.method in neuron else "is not a NEURON method"
            if st.method in ("cnexp", "derivimplicit", "euler", "sparse"):
                what = "does not apply to"
            else:
                what += " for"
            raise self.error(
                f"METHOD {st.method} {what} a {proc.kind} block; use {' or '.join(str(a) for a in allowed)}",
                st.line, st.method,
            )  # fmt: skip
