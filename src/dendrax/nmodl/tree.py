"""The syntax tree of an NMODL file: expressions, statements, blocks and declarations.

Every node records the line it starts on, so that later stages can name it in errors.
The tree is plain data (frozen dataclasses); `dendrax.nmodl.parser` builds it and
`dendrax.nmodl.semantics` reads it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field

__all__ = [
    "Assign", "Binary", "Call", "CallStmt", "Compartment", "Conserve", "Declaration", "Diff", "Expr",
    "Factor", "If", "Local", "Model", "Name", "NeuronBlock", "Num", "Procedure", "Reaction", "Solve",
    "Stmt", "Table", "Unary", "UseIon", "names_in",
]  # fmt: skip


# ---------------------------------------------------------------------------- expressions
@dataclasses.dataclass(frozen=True)
class Num:
    """A number literal (``text`` as written, ``value`` as a float)."""

    value: float
    text: str
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Name:
    id: str
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Unary:
    op: str  # "-" or "!"
    operand: Expr
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^ < <= > >= == != && ||
    left: Expr
    right: Expr
    line: int = 0


Expr = Num | Name | Call | Unary | Binary


def names_in(expr: Expr) -> set[str]:
    """Every variable name read by ``expr`` (not function names)."""
    if isinstance(expr, Name):
        return {expr.id}
    if isinstance(expr, Call):
        return set().union(*(names_in(a) for a in expr.args)) if expr.args else set()
    if isinstance(expr, Unary):
        return names_in(expr.operand)
    if isinstance(expr, Binary):
        return names_in(expr.left) | names_in(expr.right)
    return set()


# ---------------------------------------------------------------------------- statements
@dataclasses.dataclass(frozen=True)
class Assign:
    target: str
    value: Expr
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Diff:
    """``state' = value`` (in a DERIVATIVE or KINETIC block)."""

    state: str
    value: Expr
    line: int = 0


@dataclasses.dataclass(frozen=True)
class CallStmt:
    call: Call
    line: int = 0


@dataclasses.dataclass(frozen=True)
class If:
    condition: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Local:
    names: tuple[str, ...]
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Reaction:
    """``~ lhs <-> rhs (forward, backward)`` or ``~ lhs << (flux)``.

    ``lhs``/``rhs`` are (stoichiometric coefficient, state) pairs; for ``<<`` ``rhs`` is
    empty, ``forward`` is the flux into the single state of ``lhs`` and ``backward`` None.
    """

    kind: str  # "<->" or "<<"
    lhs: tuple[tuple[int, str], ...]
    rhs: tuple[tuple[int, str], ...]
    forward: Expr
    backward: Expr | None
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Conserve:
    """``CONSERVE left = right`` in a KINETIC block."""

    left: Expr
    right: Expr
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Compartment:
    """``COMPARTMENT volume { states }``: the states' equations are per unit of volume."""

    volume: Expr
    states: tuple[str, ...]
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Solve:
    """``SOLVE block METHOD method`` or ``SOLVE block STEADYSTATE method``."""

    block: str
    method: str | None
    steadystate: bool
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Table:
    """``TABLE names DEPEND depend FROM low TO high WITH count``: accepted, and computed
    exactly (the table's range and size are kept only to describe the file)."""

    names: tuple[str, ...]
    depend: tuple[str, ...] = ()
    low: Expr | None = None
    high: Expr | None = None
    count: Expr | None = None
    line: int = 0


Stmt = Assign | Diff | CallStmt | If | Local | Reaction | Conserve | Compartment | Solve | Table


# ---------------------------------------------------------------------------- declarations
@dataclasses.dataclass(frozen=True)
class Declaration:
    """A name in PARAMETER, STATE, ASSIGNED or CONSTANT, with its value and unit."""

    name: str
    value: float | None
    unit: str
    line: int = 0
    limits: tuple[float, float] | None = None


@dataclasses.dataclass(frozen=True)
class Factor:
    """A UNITS block entry: ``name = (from) (to)`` (value = the conversion factor) or
    ``name = number (unit)``; ``alias`` entries ``(mA) = (milliamp)`` define a unit name."""

    name: str  # the constant, or the unit being defined for an alias
    source: str  # unit text, or "" when ``value`` is given
    target: str
    value: float | None
    alias: bool
    line: int = 0


@dataclasses.dataclass(frozen=True)
class UseIon:
    ion: str
    read: tuple[str, ...]
    write: tuple[str, ...]
    valence: float | None
    line: int = 0


@dataclasses.dataclass
class NeuronBlock:
    kind: str = ""  # "SUFFIX" or "POINT_PROCESS"
    name: str = ""
    line: int = 0
    useions: list[UseIon] = field(default_factory=list)
    nonspecific: list[tuple[str, int]] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    globals: list[str] = field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Procedure:
    """A PROCEDURE, FUNCTION, DERIVATIVE, KINETIC, INITIAL, BREAKPOINT or NET_RECEIVE block."""

    kind: str
    name: str
    args: tuple[str, ...]
    body: tuple[Stmt, ...]
    line: int = 0


@dataclasses.dataclass
class Model:
    """Everything in one .mod file."""

    file: str
    source: str = ""
    title: str = ""
    comments: list[str] = field(default_factory=list)
    neuron: NeuronBlock = field(default_factory=NeuronBlock)
    factors: list[Factor] = field(default_factory=list)
    parameters: list[Declaration] = field(default_factory=list)
    constants: list[Declaration] = field(default_factory=list)
    states: list[Declaration] = field(default_factory=list)
    assigned: list[Declaration] = field(default_factory=list)
    blocks: dict[str, Procedure] = field(default_factory=dict)  # INITIAL, BREAKPOINT, NET_RECEIVE
    derivatives: dict[str, Procedure] = field(default_factory=dict)  # DERIVATIVE and KINETIC
    procedures: dict[str, Procedure] = field(default_factory=dict)  # PROCEDURE and FUNCTION
