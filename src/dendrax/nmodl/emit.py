"""NMODL statements and expressions as lines of Python (jax.numpy) code.

An `Emitter` writes straight-line code: every NMODL variable maps to a Python name in a
`Scope`, and an assignment rebinds it. ``if`` becomes both branches and a `jnp.where` per
variable they assign (values are arrays over compartments, so a Python ``if`` cannot
choose); each branch that divides, raises to a power or calls a function reads its inputs
through `dendrax.nmodl.runtime.guard`, which keeps reverse-mode gradients finite where the
branch is not taken (``x / (exp(x) - 1)`` at ``x = 0``). Operations keep the order and
grouping of the .mod file, so the numbers are nocmodl's to round-off.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import keyword
import math
from collections.abc import Iterable

from .constructs import BUILTINS, IGNORED_CALLS
from .effects import expressions, walk
from .errors import NmodlError
from .semantics import Mechanism
from .tree import (
    Assign,
    Binary,
    Call,
    CallStmt,
    Compartment,
    Conserve,
    Diff,
    Expr,
    If,
    Local,
    Name,
    Num,
    Reaction,
    Solve,
    Stmt,
    Table,
    Unary,
)

__all__ = ["Code", "Emitter", "Names", "Scope", "number_literal"]

# Names the generated module uses itself: NMODL names that clash get a trailing underscore.
RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | {
    "jnp", "jax", "nm", "dendrax", "self", "s", "p", "v_pre", "dt", "v", "arrived", "second_order", "dt_implicit",
} | {n for n in dir(builtins) if not n.startswith("_")}  # fmt: skip
_ATOM, _POWER, _UNARY, _MUL, _ADD, _CMP = 9, 8, 7, 6, 5, 3
_ARITH = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}
_COMPARE = ("<", "<=", ">", ">=", "==", "!=")
_SAFE_CALLS = {"fabs"}


class Names:
    """Python names for NMODL names, and fresh temporaries that collide with none of them."""

    def __init__(
        self, nmodl_names: Iterable[str], keep: Iterable[str] = ("v", "dt"), reserved: Iterable[str] = ()
    ):
        self._py: dict[str, str] = {}
        self._taken = (set(RESERVED) | set(reserved)) - set(keep)
        names = list(dict.fromkeys(nmodl_names))
        for name in names:
            if name in keep:
                self._py[name] = name
        plain = {n for n in names if n not in self._taken}
        for name in names:
            if name in self._py:
                continue
            py = name
            while py in self._taken or (py != name and py in plain):
                py += "_"
            self._py[name] = py
            self._taken.add(py)
        self._taken |= set(keep)

    def __getitem__(self, name: str) -> str:
        if name not in self._py:  # a LOCAL or an argument: registered on first use
            py = name
            while py in self._taken:
                py += "_"
            self._py[name] = py
            self._taken.add(py)
        return self._py[name]

    @contextlib.contextmanager
    def temporaries(self):
        """Names made by `fresh` inside the block are free again after it (one Python function)."""
        saved = set(self._taken)
        try:
            yield
        finally:
            self._taken = saved

    def fresh(self, hint: str) -> str:
        """A new Python name like ``hint`` (``hint``, ``hint_1``, ``hint_2``, ...)."""
        py = hint if hint not in self._taken else None
        k = 1
        while py is None:
            candidate = f"{hint}_{k}"
            py = candidate if candidate not in self._taken else None
            k += 1
        self._taken.add(py)
        return py


@dataclasses.dataclass
class Code:
    """A Python expression with its precedence; ``boolean`` if it is a truth value."""

    text: str
    prec: int = _ATOM
    boolean: bool = False


@dataclasses.dataclass
class Scope:
    """NMODL name -> Python name of its present value.

    ``kind``: ``"body"`` (a method or function: assignments rebind the variable's own name),
    ``"branch"`` (an if branch: assignments get fresh names, merged after the if) or
    ``"nested"`` (a function defined inside a method: assignments to ``fresh_for`` names get
    fresh names, so that Python does not take an outer name for a local one).
    """

    env: dict[str, str]
    kind: str = "body"
    written: dict[str, str] = dataclasses.field(default_factory=dict)
    fresh_for: frozenset[str] = frozenset()
    local: set[str] = dataclasses.field(default_factory=set)

    def child(self, kind: str) -> Scope:
        return Scope(dict(self.env), kind, {}, self.fresh_for, set(self.local))


class Emitter:
    """Writes the Python lines of NMODL code for one `Mechanism`."""

    def __init__(self, mech: Mechanism, names: Names):
        self.mech = mech
        self.names = names
        self.lines: list[str] = []
        self.depth = 0
        self._source_lines = mech.model.source.splitlines()

    # ------------------------------------------------------------------ output
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line if line else "")

    def source_line(self, line: int) -> str:
        """The .mod file's text at ``line`` (for comments)."""
        if 0 < line <= len(self._source_lines):
            return " ".join(self._source_lines[line - 1].split(":")[0].split())
        return ""

    def error(self, message: str, line: int, construct: str) -> NmodlError:
        return NmodlError(message, self.mech.file, line, construct)

    # ------------------------------------------------------------------ variables
    def read(self, name: str, scope: Scope) -> str:
        """Python text of the present value of ``name``."""
        if name in scope.env:
            return scope.env[name]
        if name in self.mech.constants:
            return self.names[name]
        return "0.0"  # never assigned: NEURON's initial 0

    def target(self, name: str, scope: Scope) -> str:
        """The Python name an assignment to ``name`` binds in ``scope``."""
        if name in scope.written:
            return scope.written[name]
        base = self.names[name]
        if scope.kind == "branch" or (scope.kind == "nested" and name in scope.fresh_for):
            py = self.names.fresh(base)
        else:
            py = base
        scope.written[name] = py
        return py

    def bind(self, names: list[str], text: str, scope: Scope, unpack: bool = False) -> None:
        """Emit ``a, b = text`` binding NMODL ``names`` and record them (``unpack``: ``text``
        is a tuple even for one name)."""
        targets = [self.target(n, scope) for n in names]
        lhs = f"({targets[0]},)" if unpack and len(targets) == 1 else ", ".join(targets)
        self.emit(f"{lhs} = {text}")
        for n, t in zip(names, targets):
            scope.env[n] = t

    # ------------------------------------------------------------------ expressions
    def expr(self, e: Expr, scope: Scope) -> Code:
        if isinstance(e, Num):
            return Code(number_literal(e.value))
        if isinstance(e, Name):
            return Code(self.read(e.id, scope))
        if isinstance(e, Unary):
            if e.op == "!":
                return Code(f"jnp.logical_not({self.truth(e.operand, scope).text})", boolean=True)
            inner = self.number(e.operand, scope)
            return Code(f"-{_wrap(inner, _POWER)}", _UNARY)
        if isinstance(e, Binary):
            return self.binary(e, scope)
        if isinstance(e, Call):
            return self.call(e, scope)
        raise TypeError(e)  # pragma: no cover

    def number(self, e: Expr, scope: Scope) -> Code:
        """``e`` as a number (a truth value becomes 1.0 or 0.0, as in C)."""
        code = self.expr(e, scope)
        return Code(f"jnp.where({code.text}, 1.0, 0.0)") if code.boolean else code

    def truth(self, e: Expr, scope: Scope) -> Code:
        """``e`` as a truth value (a number is true when nonzero, as in C)."""
        code = self.expr(e, scope)
        return code if code.boolean else Code(f"{_wrap(code, _CMP + 1)} != 0.0", _CMP, True)

    def binary(self, e: Binary, scope: Scope) -> Code:
        op = e.op
        if op in _ARITH:
            prec = _ARITH[op]
            left, right = self.number(e.left, scope), self.number(e.right, scope)
            if op == "/" and not isinstance(e.right, Num):
                # One division whose derivative needs none (``a / b`` differentiates with
                # two more); the value differs by at most one unit in the last place.
                return Code(f"{_wrap(left, prec)} * dendrax.reciprocal({right.text})", prec)
            return Code(f"{_wrap(left, prec)} {op} {_wrap(right, prec + 1)}", prec)
        if op == "^":
            base = self.number(e.left, scope)
            if (
                isinstance(e.right, Num)
                and e.right.value == int(e.right.value)
                and abs(e.right.value) < 2**31
            ):
                exponent = str(int(e.right.value))
            else:
                exponent = _wrap(self.number(e.right, scope), _UNARY)
            return Code(f"{_wrap(base, _ATOM)} ** {exponent}", _POWER)
        if op in _COMPARE:
            left, right = self.number(e.left, scope), self.number(e.right, scope)
            return Code(f"{_wrap(left, _CMP + 1)} {op} {_wrap(right, _CMP + 1)}", _CMP, True)
        if op in ("&&", "||"):
            f = "jnp.logical_and" if op == "&&" else "jnp.logical_or"
            return Code(
                f"{f}({self.truth(e.left, scope).text}, {self.truth(e.right, scope).text})", boolean=True
            )
        raise self.error(f"unknown operator {op}", e.line, op)  # pragma: no cover

    def call(self, c: Call, scope: Scope) -> Code:
        if c.func in BUILTINS:
            args = [self.number(a, scope).text for a in c.args]
            return Code(BUILTINS[c.func].format(*args))
        if c.func in IGNORED_CALLS:
            return Code("0.0")
        proc = self.mech.model.procedures[c.func]
        outputs = self.outputs(c.func)
        text = self.call_text(c, scope)
        if not outputs:
            return Code(text)
        if proc.kind == "PROCEDURE":
            raise self.error(f"{c.func} is a PROCEDURE; call it as a statement", c.line, c.func)
        value = self.names.fresh(f"{self.names[c.func]}_value")
        targets = [self.target(n, scope) for n in outputs]
        self.emit(f"{value}, {', '.join(targets)} = {text}")
        scope.env.update(zip(outputs, targets))
        return Code(value)

    def call_text(self, c: Call, scope: Scope) -> str:
        args = [self.number(a, scope).text for a in c.args]
        args += [self.read(n, scope) for n in self.inputs(c.func)]
        return f"{self.names[c.func]}({', '.join(args)})"

    # ------------------------------------------------------------------ procedures
    def inputs(self, func: str) -> list[str]:
        """Global names a PROCEDURE or FUNCTION reads (passed as extra arguments)."""
        eff = self.mech.effects[func]
        needed = (eff.reads | (eff.writes - eff.surely)) - set(self.mech.constants)
        return self.ordered(needed)

    def outputs(self, func: str) -> list[str]:
        """Global names a PROCEDURE or FUNCTION writes (returned after its value)."""
        return self.ordered(self.mech.effects[func].writes)

    def ordered(self, names: Iterable[str]) -> list[str]:
        """``names`` in a fixed, readable order: parameters, v, celsius, ion variables, states, others."""
        rank = {"param": 0, "special": 1, "ion": 2, "state": 3, "current": 4, "assigned": 5, "const": 6}
        order = {n: k for k, n in enumerate(self.mech.kind)}
        kind = self.mech.kind
        return sorted(names, key=lambda n: (rank.get(kind.get(n, ""), 7), order.get(n, len(order)), n))

    # ------------------------------------------------------------------ statements
    def block(self, body: Iterable[Stmt], scope: Scope, diff=None) -> None:
        for st in body:
            self.statement(st, scope, diff)

    def statement(self, st: Stmt, scope: Scope, diff=None) -> None:
        """Emit ``st``; ``diff(st, scope)`` handles ``x' = ...`` (it depends on the method)."""
        if isinstance(st, Local):
            scope.local |= set(st.names)
            for name in st.names:
                scope.env.pop(name, None)
                scope.written.pop(name, None)
        elif isinstance(st, Assign):
            value = self.number(st.value, scope).text
            self.bind([st.target], value, scope)
        elif isinstance(st, CallStmt):
            self.call_statement(st, scope)
        elif isinstance(st, If):
            self.if_statement(st, scope, diff)
        elif isinstance(st, Diff):
            if diff is None:
                raise self.error(f"{st.state}' = ... outside a DERIVATIVE block", st.line, st.state)
            diff(st, scope)
        elif isinstance(st, Table):
            self.emit(f"# TABLE {', '.join(st.names)}: not needed, computed exactly")
        elif isinstance(st, Solve):
            pass  # handled by the method that runs the SOLVEd blocks
        elif isinstance(st, (Reaction, Conserve, Compartment)):
            raise self.error("reactions belong in a KINETIC block", st.line, "~")  # pragma: no cover
        else:  # pragma: no cover
            raise TypeError(st)

    def call_statement(self, st: CallStmt, scope: Scope) -> None:
        c = st.call
        if c.func in IGNORED_CALLS:
            self.emit(f"# {self.source_line(st.line) or c.func}: ignored")
            return
        proc = self.mech.model.procedures[c.func]
        outputs = self.outputs(c.func)
        if not outputs:
            self.emit(f"# {c.func}(...) changes nothing here")
            return
        text = self.call_text(c, scope)
        if proc.kind == "FUNCTION":
            targets = [self.target(n, scope) for n in outputs]
            self.emit(f"_, {', '.join(targets)} = {text}")
            scope.env.update(zip(outputs, targets))
        else:
            self.bind(outputs, text, scope)

    def if_statement(self, st: If, scope: Scope, diff=None) -> None:
        cond = self.names.fresh("taken")
        self.emit(f"{cond} = {self.truth(st.condition, scope).text}  # if ({_condition_text(self, st)})")
        branches = []
        for body, take in ((st.then, cond), (st.orelse, f"jnp.logical_not({cond})")):
            inner = scope.child("branch")
            if body and take != cond:
                self.emit("# else")
            if body and _needs_guard(self.mech, body):
                read = [
                    n
                    for n in self.ordered(_reads(self.mech, body))
                    if n in scope.env and n not in self.mech.constants
                ]
                if read:
                    copies = [self.names.fresh(scope.env[n]) for n in read]
                    unpack = f"({copies[0]},)" if len(copies) == 1 else ", ".join(copies)
                    self.emit(f"{unpack} = nm.guard({take}, {', '.join(scope.env[n] for n in read)})")
                    inner.env.update(zip(read, copies))
            self.block(body, inner, diff)
            branches.append(inner)
        then, orelse = branches
        changed = self.ordered(set(then.written) | set(orelse.written))
        for name in changed:
            if name in (then.local | orelse.local) - scope.local and name not in scope.env:
                continue  # a LOCAL of the branch itself
            a = then.env.get(name, self.read(name, scope)) if name in then.written else self.read(name, scope)
            b = (
                orelse.env.get(name, self.read(name, scope))
                if name in orelse.written
                else self.read(name, scope)
            )
            self.bind([name], f"jnp.where({cond}, {a}, {b})", scope)


def _condition_text(em: Emitter, st: If) -> str:
    text = em.source_line(st.line)
    start, end = text.find("("), text.rfind(")")
    return text[start + 1 : end] if 0 <= start < end else "..."


def number_literal(value: float) -> str:
    """A literal as Python source; one beyond float64's range (``1e400``) is infinite, as C's
    ``strtod`` makes it in NEURON (its repr, ``inf``, was an undefined name: a review)."""
    value = float(value)
    if math.isinf(value):
        return "jnp.inf" if value > 0 else "(-jnp.inf)"
    return repr(value)


def _wrap(code: Code, prec: int) -> str:
    return code.text if code.prec >= prec else f"({code.text})"


def _walk_body(body: Iterable[Stmt]):
    for st in body:
        for e in expressions(st):
            yield from walk(e)
        if isinstance(st, If):
            yield from _walk_body(st.then)
            yield from _walk_body(st.orelse)


def _needs_guard(mech: Mechanism, body: Iterable[Stmt]) -> bool:
    """Whether a branch may produce an infinity or NaN where it is not taken."""
    for node in _walk_body(body):
        if isinstance(node, Binary) and node.op in ("/", "^"):
            return True
        if isinstance(node, Call) and node.func not in _SAFE_CALLS and node.func not in IGNORED_CALLS:
            return True
    for st in body:
        if isinstance(st, CallStmt) and st.call.func not in IGNORED_CALLS:
            return True
    return False


def _reads(mech: Mechanism, body: Iterable[Stmt]) -> set[str]:
    """Names a branch reads, including through the procedures it calls."""
    out: set[str] = set()
    for node in _walk_body(body):
        if isinstance(node, Name):
            out.add(node.id)
        elif isinstance(node, Call) and node.func in mech.effects:
            eff = mech.effects[node.func]
            out |= eff.reads | (eff.writes - eff.surely)
    return out
