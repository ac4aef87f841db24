"""Symbolic derivatives of NMODL expressions, for NEURON's ``cnexp`` method.

``cnexp`` advances ``x' = f(x)`` by ``x + (1 - exp(dt b)) (-a / b - x)`` where ``b`` is
``df/dx`` and ``a`` is ``f`` at ``x = 0``: exact when ``f`` is linear in ``x``. nocmodl
finds ``b`` symbolically; when it still contains ``x`` (a nonlinear equation) dendrax
uses ``derivimplicit`` for the whole block, with a warning (`dendrax.nmodl.solvers`
says how nocmodl differs there). Other names, including LOCALs
computed from ``x`` earlier in the block, count as constants, as in nocmodl.

Example:
    >>> from dendrax.nmodl.parser import parse
    >>> from dendrax.nmodl.symbolic import derivative, substitute, show
    >>> m = parse("NEURON { SUFFIX a } STATE { m } BREAKPOINT { } DERIVATIVE d { m' = (minf - m) / mtau }")
    >>> f = m.derivatives["d"].body[0].value
    >>> show(derivative(f, "m")), show(substitute(f, "m"))
    ('-1 / mtau', 'minf / mtau')
"""

from __future__ import annotations

from .tree import Binary, Call, Expr, Name, Num, Unary

__all__ = ["contains", "derivative", "show", "substitute"]

_ZERO = Num(0.0, "0")
_ONE = Num(1.0, "1")


def contains(expr: Expr, name: str) -> bool:
    """Whether ``name`` occurs in ``expr``."""
    if isinstance(expr, Name):
        return expr.id == name
    if isinstance(expr, Call):
        return any(contains(a, name) for a in expr.args)
    if isinstance(expr, Unary):
        return contains(expr.operand, name)
    if isinstance(expr, Binary):
        return contains(expr.left, name) or contains(expr.right, name)
    return False


def substitute(expr: Expr, name: str, value: Expr = _ZERO) -> Expr:
    """``expr`` with ``name`` replaced by ``value`` (default 0), simplified."""
    if isinstance(expr, Name):
        return value if expr.id == name else expr
    if isinstance(expr, Call):
        return Call(expr.func, tuple(substitute(a, name, value) for a in expr.args), expr.line)
    if isinstance(expr, Unary):
        return _simplify(Unary(expr.op, substitute(expr.operand, name, value), expr.line))
    if isinstance(expr, Binary):
        return _simplify(
            Binary(
                expr.op, substitute(expr.left, name, value), substitute(expr.right, name, value), expr.line
            )
        )
    return expr


def derivative(expr: Expr, x: str) -> Expr | None:
    """``d expr / d x``, simplified; None where it cannot be taken symbolically (a user
    FUNCTION of ``x``, a comparison involving ``x``, ...)."""
    if not contains(expr, x):
        return _ZERO
    if isinstance(expr, Name):
        return _ONE
    if isinstance(expr, Unary):
        inner = derivative(expr.operand, x)
        return None if inner is None or expr.op != "-" else _simplify(Unary("-", inner))
    if isinstance(expr, Binary):
        a, b = expr.left, expr.right
        da, db = derivative(a, x), derivative(b, x)
        if da is None or db is None:
            return None
        op = expr.op
        if op in ("+", "-"):
            return _simplify(Binary(op, da, db))
        if op == "*":
            return _simplify(Binary("+", _simplify(Binary("*", da, b)), _simplify(Binary("*", a, db))))
        if op == "/":
            if not contains(b, x):
                return _simplify(Binary("/", da, b))
            top = _simplify(Binary("-", _simplify(Binary("*", da, b)), _simplify(Binary("*", a, db))))
            return _simplify(Binary("/", top, Binary("^", b, Num(2.0, "2"))))
        if op == "^" and not contains(b, x):
            power = _simplify(Binary("^", a, _simplify(Binary("-", b, _ONE))))
            return _simplify(Binary("*", _simplify(Binary("*", b, power)), da))
        return None
    if isinstance(expr, Call) and len(expr.args) == 1:
        u = expr.args[0]
        du = derivative(u, x)
        if du is None:
            return None
        outer = {
            "exp": lambda: expr,
            "log": lambda: Binary("/", _ONE, u),
            "sqrt": lambda: Binary("/", _ONE, Binary("*", Num(2.0, "2"), expr)),
        }.get(expr.func)
        return None if outer is None else _simplify(Binary("*", outer(), du))
    return None


def _is(expr: Expr, value: float) -> bool:
    return isinstance(expr, Num) and expr.value == value


def _simplify(expr: Expr) -> Expr:
    """Drop the zeros and ones that differentiation leaves (no other rewriting: the kept
    operations stay in their order, so the numbers are those of the written expression)."""
    if isinstance(expr, Unary) and expr.op == "-":
        inner = expr.operand
        if _is(inner, 0.0):
            return _ZERO
        if isinstance(inner, Unary) and inner.op == "-":
            return inner.operand
        return expr
    if not isinstance(expr, Binary):
        return expr
    op, a, b = expr.op, expr.left, expr.right
    if op == "+":
        if _is(a, 0.0):
            return b
        if _is(b, 0.0):
            return a
    elif op == "-":
        if _is(b, 0.0):
            return a
        if _is(a, 0.0):
            return _simplify(Unary("-", b))
    elif op == "*":
        if _is(a, 0.0) or _is(b, 0.0):
            return _ZERO
        if _is(a, 1.0):
            return b
        if _is(b, 1.0):
            return a
    elif op == "/":
        if _is(a, 0.0):
            return _ZERO
        if _is(b, 1.0):
            return a
    elif op == "^":
        if _is(b, 1.0):
            return a
        if _is(b, 0.0):
            return _ONE
    return expr


def show(expr: Expr) -> str:
    """NMODL text of ``expr`` (fully parenthesised where needed; for messages and tests)."""
    if isinstance(expr, Num):
        return expr.text
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Call):
        return f"{expr.func}({', '.join(show(a) for a in expr.args)})"
    if isinstance(expr, Unary):
        inner = show(expr.operand)
        return f"{expr.op}{inner}" if isinstance(expr.operand, (Num, Name, Call)) else f"{expr.op}({inner})"

    def side(e: Expr) -> str:
        return show(e) if isinstance(e, (Num, Name, Call, Unary)) else f"({show(e)})"

    return f"{side(expr.left)} {expr.op} {side(expr.right)}"
