"""KINETIC blocks: reaction schemes as backward-Euler systems, as NEURON's ``sparse``.

``~ A + 2 B <-> C (kf, kb)`` is mass action: the flux ``kf A B² - kb C`` leaves A once and
B twice and enters C. ``~ A << (f)`` adds ``f`` to ``dA/dt``; ``A' = f`` in the block adds
``f``; ``COMPARTMENT vol { A }`` makes A's equation one per unit of ``vol``. Each step
solves ``(x - x_old) / dt = f(x)`` with Newton's method
(`dendrax.nmodl.runtime.implicit_euler`), the block's statements re-run at each iteration.

As in NEURON, a scheme whose reactions are all first order (one species on each side, as
most channel schemes and calcium pools) is solved as NEURON solves it, with one Newton step
from the old states: the block's statements, rate coefficients and ``<<`` fluxes are taken
at the step's start, and only the species of the reactions are implicit (a ``<<`` flux that
depends on a state is then explicit; a review measured 1.45e-4 mM of calcium, and a spike
gained or lost, when it was solved implicitly). Schemes with a second-order reaction
(``A + B <-> C``, ``2 A <-> B``) are iterated to convergence, as NEURON iterates them.

``CONSERVE left = right`` replaces the equation of the *last* state written in ``left``
by ``left - right = 0`` (nocmodl's choice, checked against its generated code); as in
nocmodl, a state in a COMPARTMENT counts times its volume there (an amount, not a
concentration). For a
linear scheme whose states already satisfy the conservation law the result is the same
either way; the law matters for ``SOLVE ... STEADYSTATE sparse`` in INITIAL, which NEURON
computes as one backward-Euler step of 1e9 ms, and so do we.
"""

from __future__ import annotations

from .effects import effects_of, walk
from .emit import Emitter, Scope, _wrap
from .tree import Binary, Compartment, Conserve, Diff, Name, Procedure, Reaction, Unary

__all__ = ["emit_kinetic"]


def kinetic_states(block: Procedure, mech_states) -> list[str]:
    """The states a KINETIC block advances, in order of appearance."""
    out: list[str] = []
    for st in block.body:
        if isinstance(st, Reaction):
            out += [n for _, n in (*st.lhs, *st.rhs)]
        elif isinstance(st, Diff):
            out.append(st.state)
        elif isinstance(st, Conserve):
            out += [n.id for n in walk(st.left) if isinstance(n, Name) and n.id in mech_states]
    return list(dict.fromkeys(out))


def emit_kinetic(em: Emitter, block: Procedure, scope: Scope, dt: str, keep: set[str]) -> None:
    mech = em.mech
    states = kinetic_states(block, mech.states)
    if not states:
        raise em.error(f"KINETIC {block.name} has no reactions", block.line, block.name)
    # A steady state (STEADYSTATE, dt 1e9 ms) is solved to convergence: one step from the old
    # states with a state-dependent << flux taken there runs far past it.
    linear = _first_order(block) and dt != "1e9"
    # The new states' names: their own, unless the block also reads the old values (they
    # must not shadow them then).
    params = [em.names.fresh(f"{em.names[s]}_new") if linear else em.names[s] for s in states]
    fn = em.names[block.name]
    effects = effects_of(block.body, set(), lambda f: mech.effects.get(f))
    inner = Scope(dict(scope.env), "nested", {}, frozenset(effects.reads), set())
    new = dict(zip(states, params))
    if not linear:
        inner.env.update(new)
    # A first-order scheme evaluates its statements, rate coefficients and << fluxes at the
    # step's start (the states' old values, in ``scope``); only the mass-action species and
    # the CONSERVE and ' equations use the new states: a linear system, one Newton step.

    def implicit() -> Scope:
        """``inner`` as it is now (values the block computed so far), with the new states."""
        now = Scope(dict(inner.env), "nested", {}, inner.fresh_for, set())
        now.env.update(new)
        return now
    if dt != "dt":
        inner.env["dt"] = dt
    lagged = {} if linear else read_before_written(em, effects, states, inner, keep)
    em.emit(f"def {fn}({', '.join(params + [f'{py}={py}' for py in lagged.values()])}):")
    em.depth += 1
    em.emit(
        f'"""KINETIC {block.name}: the time derivatives of {", ".join(states)} (and the CONSERVE equations)."""'
    )
    terms: dict[str, list[tuple[int, str]]] = {s: [] for s in states}
    volumes: dict[str, str] = {}
    volume_exprs: dict[str, object] = {}
    conserve: dict[int, str] = {}
    for st in block.body:
        if isinstance(st, Reaction):
            flux = em.names.fresh("flux")
            comment = f"  # {em.source_line(st.line)}"
            if st.kind == "<<":
                em.emit(f"{flux} = {em.number(st.forward, inner).text}{comment}")
                terms[st.lhs[0][1]].append((1, flux))
                continue
            forward = _mass_action(em, st.forward, st.lhs, inner, new)
            backward = _mass_action(em, st.backward, st.rhs, inner, new)
            em.emit(f"{flux} = {forward} - {backward}{comment}")
            for n, name in st.lhs:
                terms[name].append((-n, flux))
            for n, name in st.rhs:
                terms[name].append((n, flux))
        elif isinstance(st, Diff):
            rate = em.names.fresh(f"d{em.names[st.state]}")
            em.emit(f"{rate} = {em.number(st.value, implicit()).text}  # {em.source_line(st.line)}")
            terms[st.state].append((1, rate))
        elif isinstance(st, Compartment):
            volume = em.names.fresh("volume")
            em.emit(f"{volume} = {em.number(st.volume, inner).text}  # {em.source_line(st.line)}")
            for name in st.states:
                if name not in terms:
                    raise em.error(f"COMPARTMENT: {name} is not a state of this KINETIC block", st.line, name)
                volumes[name] = volume
                volume_exprs[name] = st.volume
        elif isinstance(st, Conserve):
            names = [n.id for n in walk(st.left) if isinstance(n, Name) and n.id in terms]
            free = [n for n in names if states.index(n) not in conserve]
            if not free:
                raise em.error("CONSERVE needs a state of the block on its left side", st.line, "CONSERVE")
            left = em.number(_weighted(st.left, volume_exprs), implicit())
            right = em.number(st.right, implicit())
            conserve[states.index(free[-1])] = f"{_wrap(left, 5)} - {_wrap(right, 6)}"
            em.emit(f"# {em.source_line(st.line)}: replaces the equation of {free[-1]}")
        else:
            em.statement(st, inner)
    rates = []
    for name, param in zip(states, params):
        rate = em.names.fresh(f"d{param}")
        total = _sum(terms[name]) if terms[name] else f"jnp.zeros_like({param})"
        if name in volumes:
            total = f"({total}) / {volumes[name]}"
        em.emit(f"{rate} = {total}")
        rates.append(rate)
    extras = [n for n in em.ordered(effects.writes - set(states)) if n in keep and n in inner.env]
    laws = "{" + ", ".join(f"{k}: {v}" for k, v in sorted(conserve.items())) + "}"
    em.emit(
        f"return {_tuple(rates)}, {laws}" + (f", {_tuple([inner.env[n] for n in extras])}" if extras else "")
    )
    em.depth -= 1
    solve_implicitly(em, fn, states, params, scope, dt, extras, lagged)


def read_before_written(em: Emitter, effects, states, inner: Scope, keep: set[str]) -> dict[str, str]:
    """Values an iterated block reads before it writes them and that NEURON keeps between
    steps (``x`` in ``A' = x - A  x = 1 - C``), by NMODL name: their Python names now, which
    the block's function takes as parameters (`solve_implicitly`)."""
    names = em.ordered((effects.reads & effects.writes) - set(states))
    return {n: inner.env[n] for n in names if n in keep and n in inner.env and inner.env[n].isidentifier()}


def solve_implicitly(
    em: Emitter, fn: str, states: list[str], params: list[str], scope: Scope, dt: str, extras: list[str],
    lagged: dict[str, str],
) -> None:
    """Emit the backward-Euler solve of the block function ``fn`` (`implicit_euler`) and
    the values it writes (``extras``) at the solution.

    NEURON re-runs an iterated block (derivimplicit, a KINETIC scheme with a second-order
    reaction, a steady state) at every Newton iteration, so a value it reads before writing
    it (``lagged``) is the one the last iteration wrote: at convergence, the value at the
    new states. The block is then solved as ``fn(x, lagged=fn(x).writes)``; read from the
    step before, it lagged one step behind NEURON (a review: 0.039 mV, and 7e-3 of a
    state, over 20 ms).
    """
    solved = fn
    if lagged:
        solved = em.names.fresh(f"{fn}_consistent")
        at = ", ".join(params)
        picked = ", ".join(f"written[{extras.index(n)}]" for n in lagged)
        em.emit(f"def {solved}({at}):")
        em.depth += 1
        em.emit(f'"""{fn} with {", ".join(lagged)} as {fn} writes {"it" if len(lagged) == 1 else "them"} at these states (NEURON re-runs the block at each iteration)."""')
        em.emit(f"written = {fn}({at})[2]")
        em.emit(f"return {fn}({at}, {picked})")
        em.depth -= 1
    current = _tuple([em.read(s, scope) for s in states])
    em.bind(states, f"nm.implicit_euler({solved}, {current}, {dt})", scope, unpack=True)
    if extras:
        targets = [em.target(n, scope) for n in extras]
        em.emit(f"_, _, {_tuple(targets)} = {solved}({', '.join(em.read(s, scope) for s in states)})")
        scope.env.update(zip(extras, targets))


def _weighted(expr, volumes):
    """``expr`` with each state ``x`` in a COMPARTMENT replaced by ``x * volume`` (nocmodl's CONSERVE)."""
    if isinstance(expr, Name):
        return Binary("*", expr, volumes[expr.id], expr.line) if expr.id in volumes else expr
    if isinstance(expr, Binary):
        return Binary(expr.op, _weighted(expr.left, volumes), _weighted(expr.right, volumes), expr.line)
    if isinstance(expr, Unary):
        return Unary(expr.op, _weighted(expr.operand, volumes), expr.line)
    return expr


def _mass_action(em: Emitter, rate, species, scope: Scope, new: dict[str, str]) -> str:
    """``rate`` (in ``scope``) times the species' new values, each to its stoichiometry."""
    code = em.number(rate, scope)
    factors = [_wrap(code, 6)] + [new[name] for n, name in species for _ in range(n)]
    return " * ".join(factors)


def _first_order(block: Procedure) -> bool:
    """nocmodl's linear scheme: no reaction has more than one species (counted with their
    stoichiometry) on a side. NEURON then solves it with a single Newton step from the old
    states (``_linmat`` 1 in its generated code): whatever the block computes, rate
    coefficients that depend on states and ``<<`` fluxes included, is taken at the step's
    start; checked against nocmodl 9.0.2's output for ``A + B <-> C``, ``2 A <-> B`` (not
    linear) and ``A <-> B (kf*A, kb)``, ``~ A << (-A*A)`` (linear)."""
    return all(
        sum(n for n, _ in side) <= 1
        for st in block.body
        if isinstance(st, Reaction) and st.kind != "<<"
        for side in (st.lhs, st.rhs)
    )


def _sum(terms: list[tuple[int, str]]) -> str:
    out = ""
    for k, (n, name) in enumerate(terms):
        mag = name if abs(n) == 1 else f"{float(abs(n))!r} * {name}"
        if k == 0:
            out = mag if n > 0 else f"-{mag}"
        else:
            out += f" + {mag}" if n > 0 else f" - {mag}"
    return out


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
