"""Code for ``SOLVE block METHOD ...``: how a DERIVATIVE or PROCEDURE block advances the
states by one step, as NEURON does it.

- ``cnexp``: statements in order; each ``x' = f`` becomes NEURON's exact exponential step
  ``x + (1 - exp(dt b)) (-a / b - x)`` with ``b = df/dx`` (symbolic) and ``a = f(x = 0)``,
  ``x + dt f`` when ``f`` does not depend on ``x``. Later equations see the states already
  updated, as in nocmodl's code. When an equation is not linear in its state, the whole
  block uses ``derivimplicit`` and loading warns: NEURON 9's nocmodl instead generates
  ``x exp(dt df/dx)``, which drops the equation's other terms (``m' = (minf - m)/tau -
  k m²`` then decays to 0 whatever ``minf``), so the two differ; ``METHOD derivimplicit``
  in the file gives the same in both.
- ``derivimplicit``: backward Euler, ``(x - x_old) / dt = f(x)``, solved by Newton's
  method (`dendrax.nmodl.runtime.implicit_euler`); the block's other statements run at each
  iteration, as in NEURON.
- ``euler``: all derivatives from the old states, then ``x + dt f``.
- ``STEADYSTATE derivimplicit`` (INITIAL): NEURON takes one implicit step of 1e-9 ms; so do we.
- A PROCEDURE is called.
KINETIC blocks are in `dendrax.nmodl.kinetic`.
"""

from __future__ import annotations

import warnings

from .effects import effects_of, flat
from .emit import Emitter, Scope
from .kinetic import emit_kinetic, kinetic_states, read_before_written, solve_implicitly
from .symbolic import contains, derivative, substitute
from .tree import Call, CallStmt, Diff, If, Procedure, Solve

__all__ = ["emit_solve", "is_linear", "solved_states"]


def solved_states(block: Procedure, mech_states) -> list[str]:
    """The states a DERIVATIVE or KINETIC block advances."""
    if block.kind == "KINETIC":
        return kinetic_states(block, mech_states)
    return list(dict.fromkeys(st.state for st in flat(block.body) if isinstance(st, Diff)))


def is_linear(block: Procedure) -> bool:
    """Whether every ``x' = f`` of ``block`` is linear in its own ``x`` (cnexp applies)."""
    for st in flat(block.body):
        if isinstance(st, Diff):
            b = derivative(st.value, st.state)
            if b is None or contains(b, st.state):
                return False
    return True


def emit_solve(em: Emitter, solve: Solve, block: Procedure, scope: Scope, dt: str, keep: set[str]) -> None:
    """Emit the update of ``block``'s states by ``SOLVE``; ``keep``: names needed afterwards
    that the block computes (carried values, inputs of later blocks)."""
    line = f"SOLVE {solve.block}" + (
        f" {'STEADYSTATE' if solve.steadystate else 'METHOD'} {solve.method}" if solve.method else ""
    )
    if block.kind == "PROCEDURE":
        em.emit(f"# {line}")
        em.call_statement(CallStmt(Call(block.name, (), solve.line), solve.line), scope)
        return
    if block.kind == "KINETIC":
        em.emit(f"# {line}: backward Euler on the reaction system, Newton iterations (NEURON's sparse)")
        emit_kinetic(em, block, scope, "1e9" if solve.steadystate else dt, keep)
        return
    for st in flat(block.body):
        if isinstance(st, If) and any(isinstance(x, Diff) for x in flat(st.then + st.orelse)):
            raise em.error(
                "a derivative inside an if statement is not supported; compute the rate in the if instead",
                st.line,
                "if",
            )
    method = solve.method
    if solve.steadystate:
        warnings.warn(
            f"{em.mech.file}:{solve.line}: SOLVE {solve.block} STEADYSTATE derivimplicit takes one implicit step "
            "of 1e-9 ms, as NEURON 9 does: the states stay (almost) where INITIAL's earlier statements left "
            "them, not at steady state. For a steady start set each state to its steady value in INITIAL "
            f"(x = xinf), or start the cell with initial=dx.Rest()",
            UserWarning,
            stacklevel=2,
        )
        em.emit(f"# {line}: as NEURON, one implicit step of 1e-9 ms")
        _implicit(em, block, scope, "1e-9", keep)
    elif method == "cnexp" and is_linear(block):
        em.emit(f"# {line}: exact exponential steps (the equations are linear in their states)")
        em.block(block.body, scope, diff=lambda st, sc: _cnexp(em, st, sc, dt))
    elif method == "euler":
        em.emit(f"# {line}: forward Euler")
        _euler(em, block, scope, dt)
    else:
        why = ""
        if method == "cnexp":
            why = " (an equation is not linear in its state, so cnexp does not apply)"
            warnings.warn(
                f"{em.mech.file}:{solve.line}: SOLVE {solve.block} METHOD cnexp, but an equation of "
                f"{solve.block} is not linear in its state: dendrax uses derivimplicit (backward Euler). "
                "NEURON 9 computes x*exp(dt*df/dx) there, which drops the equation's other terms, so "
                "the two simulators differ; write METHOD derivimplicit in the file to get the same in both",
                UserWarning,
                stacklevel=2,
            )
        em.emit(f"# {line}: backward Euler, Newton iterations{why}")
        _implicit(em, block, scope, dt, keep)


def _cnexp(em: Emitter, st: Diff, scope: Scope, dt: str) -> None:
    x = em.read(st.state, scope)
    b = derivative(st.value, st.state)
    comment = f"  # {em.source_line(st.line)}"
    if b is not None and getattr(b, "value", None) == 0.0 and not contains(st.value, st.state):
        f = em.number(st.value, scope).text
        em.bind([st.state], f"{x} + {dt} * ({f}){comment}", scope)
        return
    a_text = em.number(substitute(st.value, st.state), scope).text
    b_text = em.number(b, scope).text  # type: ignore[arg-type]
    em.bind([st.state], f"nm.cnexp({x}, {a_text}, {b_text}, {dt}){comment}", scope)


def _euler(em: Emitter, block: Procedure, scope: Scope, dt: str) -> None:
    rates: dict[str, str] = {}

    def diff(st: Diff, sc: Scope) -> None:
        name = em.names.fresh(f"d{em.names[st.state]}")
        em.emit(f"{name} = {em.number(st.value, sc).text}  # {em.source_line(st.line)}")
        rates[st.state] = name

    em.block(block.body, scope, diff=diff)
    for state, rate in rates.items():
        em.bind([state], f"{em.read(state, scope)} + {dt} * {rate}", scope)


def _implicit(em: Emitter, block: Procedure, scope: Scope, dt: str, keep: set[str]) -> None:
    states = list(dict.fromkeys(st.state for st in flat(block.body) if isinstance(st, Diff)))
    params = [em.names[s] for s in states]
    fn = em.names[block.name]
    effects = effects_of(block.body, set(), lambda f: em.mech.effects.get(f))
    inner = Scope(dict(scope.env), "nested", {}, frozenset(effects.reads), set())
    inner.env.update(zip(states, params))
    if dt != "dt":
        inner.env["dt"] = dt
    lagged = read_before_written(em, effects, states, inner, keep)
    em.emit(f"def {fn}({', '.join(params + [f'{py}={py}' for py in lagged.values()])}):")
    em.depth += 1
    em.emit(f'"""DERIVATIVE {block.name}: the time derivatives of {", ".join(states)}."""')
    rates: dict[str, str] = {}

    def diff(st: Diff, sc: Scope) -> None:
        name = em.names.fresh(f"d{em.names[st.state]}")
        em.emit(f"{name} = {em.number(st.value, sc).text}  # {em.source_line(st.line)}")
        rates[st.state] = name

    em.block(block.body, inner, diff=diff)
    extras = [n for n in em.ordered(effects.writes - set(states)) if n in keep and n in inner.env]
    em.emit(
        f"return {_tuple([rates[s] for s in states])}, {{}}"
        + (f", {_tuple([inner.env[n] for n in extras])}" if extras else "")
    )
    em.depth -= 1
    solve_implicitly(em, fn, states, params, scope, dt, extras, lagged)


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
