"""A recursive-descent parser for NMODL: tokens to the syntax tree of `dendrax.nmodl.tree`.

Hand-written rather than generated (e.g. with lark) because NMODL is small and irregular:
unit annotations in parentheses are raw text (``(mA/cm2)``, ``(/ms)``, ``(k-mole)``), a
number followed by ``(`` is a unit while a name followed by ``(`` is a call, statements
are not separated by any token, and every construct we do not translate must be rejected
with its own line and a message that says what to write instead. A parser written for
this does all of that without a dependency. This module parses the blocks and statements;
the token cursor and the expression grammar (nocmodl's operator precedence) are
`dendrax.nmodl.expressions`.

Example:
    >>> from dendrax.nmodl.parser import parse
    >>> model = parse('''
    ... NEURON { SUFFIX leak  NONSPECIFIC_CURRENT i  RANGE g, e }
    ... PARAMETER { g = 0.001 (S/cm2)  e = -70 (mV) }
    ... ASSIGNED { v (mV)  i (mA/cm2) }
    ... BREAKPOINT { i = g * (v - e) }
    ... ''')
    >>> model.neuron.name, [p.name for p in model.parameters], model.parameters[0].unit
    ('leak', ['g', 'e'], 'S/cm2')
"""

from __future__ import annotations

import difflib
import functools

from .constructs import UNSUPPORTED_BLOCKS, UNSUPPORTED_NEURON, UNSUPPORTED_STATEMENTS
from .errors import NmodlError
from .expressions import ExpressionParser
from .lexer import Token
from .tree import (
    Assign,
    Binary,
    CallStmt,
    Compartment,
    Conserve,
    Declaration,
    Diff,
    Factor,
    If,
    Local,
    Model,
    Name,
    Num,
    Procedure,
    Reaction,
    Solve,
    Stmt,
    Table,
    UseIon,
)  # fmt: skip

__all__ = ["parse"]

# NMODL's reserved words: nocmodl's keyword table (src/nmodl/init.cpp in NEURON) plus
# REPRESENTS. nocmodl lexes them as keywords everywhere, so none is ever a variable name, and
# a list of names separated by spaces ends at the first of them: ``TABLE minf DEPEND celsius
# FROM -100 TO 100 WITH 200`` is the names [minf], the dependencies [celsius], then FROM.
_KEYWORDS = frozenset(
    """
    VERBATIM COMMENT TITLE CONSTANT PARAMETER INDEPENDENT ASSIGNED INITIAL DERIVATIVE EQUATION
    BREAKPOINT CONDUCTANCE SOLVE STATE LINEAR NONLINEAR DISCRETE FUNCTION FUNCTION_TABLE PROCEDURE
    PARTIAL INT DEL2 DEL LOCAL METHOD STEADYSTATE SENS STEP WITH FROM TO BY if else while IF ELSE
    WHILE START DEFINE KINETIC CONSERVE VS LAG SWEEP COMPARTMENT LONGITUDINAL_DIFFUSION SOLVEFOR
    UNITS UNITSON UNITSOFF TABLE DEPEND NEURON SUFFIX POINT_PROCESS ARTIFICIAL_CELL
    NONSPECIFIC_CURRENT ELECTRODE_CURRENT USEION READ WRITE RANGE RANDOM VALENCE CHARGE GLOBAL
    POINTER BBCOREPOINTER EXTERNAL INCLUDE CONSTRUCTOR DESTRUCTOR NET_RECEIVE BEFORE AFTER WATCH
    FOR_NETCONS THREADSAFE PROTECT REPRESENTS
    """.split()
)
_TOP_LEVEL = {"DERIVATIVE", "KINETIC", "PROCEDURE", "FUNCTION", "LINEAR", "NONLINEAR"}
# The top-level blocks dendrax reads, to suggest one for a misspelt name.
BLOCKS = ("NEURON", "UNITS", "PARAMETER", "STATE", "ASSIGNED", "CONSTANT", "INITIAL", "BREAKPOINT",
          "NET_RECEIVE", "DERIVATIVE", "KINETIC", "FUNCTION", "PROCEDURE")  # fmt: skip


def parse(source: str, file: str = "<string>") -> Model:
    """Parse NMODL ``source`` (the text of a .mod file) into a `Model`."""
    return _Parser(source, file).model()


class _Parser(ExpressionParser):
    def __init__(self, source: str, file: str):
        super().__init__(source, file)
        self.open_blocks: list[Token] = []
        self.result = Model(file=file, source=source, title=self.lexed.title, comments=self.lexed.comments)

    # ------------------------------------------------------------------ top level
    def model(self) -> Model:
        m = self.result
        while self.peek().kind != "eof":
            tok = self.peek()
            if tok.kind == "verbatim":
                self.next()
            if tok.kind != "name":
                raise self.error(f"expected a block keyword (NEURON, PARAMETER, ...), found {tok.text!r}")
            kw = tok.text
            if kw in UNSUPPORTED_BLOCKS:
                raise self.error(UNSUPPORTED_BLOCKS[kw])
            self.next()
            if kw == "NEURON":
                self.neuron_block(tok)
            elif kw == "UNITS":
                self.units_block()
            elif kw in ("PARAMETER", "STATE", "ASSIGNED", "CONSTANT"):
                target = {
                    "PARAMETER": m.parameters,
                    "STATE": m.states,
                    "ASSIGNED": m.assigned,
                    "CONSTANT": m.constants,
                }
                target[kw].extend(self.declarations(kw))
            elif kw == "LOCAL":  # file-scope variables: kept between blocks, like ASSIGNED
                for name in self.name_list():
                    m.assigned.append(Declaration(name.text, None, "", name.line))
            elif kw == "DEFINE":
                name = self.name()
                m.constants.append(Declaration(name.text, self.number(), "", name.line))
            elif kw == "INDEPENDENT":
                self.skip_braces()
            elif kw in ("UNITSON", "UNITSOFF", "THREADSAFE"):
                continue
            elif kw in ("INITIAL", "BREAKPOINT"):
                self.store(m.blocks, Procedure(kw, kw, (), self.block(), tok.line), tok)
            elif kw == "NET_RECEIVE":
                args = self.formal_args()
                self.store(m.blocks, Procedure(kw, kw, args, self.block(), tok.line), tok)
            elif kw in ("DERIVATIVE", "KINETIC"):
                name = self.name(f"the name of the {kw} block")
                self.store(m.derivatives, Procedure(kw, name.text, (), self.block(), tok.line), name)
            elif kw in ("PROCEDURE", "FUNCTION"):
                name = self.name(f"the name of the {kw}")
                args = self.formal_args()
                if self.at("("):
                    self.unit()  # the function's unit
                self.store(m.procedures, Procedure(kw, name.text, args, self.block(), tok.line), name)
            else:
                close = difflib.get_close_matches(kw, BLOCKS, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.error(f"unknown block {kw!r} at the top level of the file{hint}", tok, kw)
        if not m.neuron.kind:
            raise NmodlError(
                "the file has no NEURON block with a SUFFIX or POINT_PROCESS", self.file, 0, "NEURON"
            )
        return m

    def store(self, table: dict, proc: Procedure, tok: Token) -> None:
        if proc.name in table:
            raise self.error(
                f"{proc.kind} {proc.name} is defined twice (first at line {table[proc.name].line})", tok
            )
        if proc.name in self.result.procedures or proc.name in self.result.derivatives:
            raise self.error(f"the name {proc.name!r} is used by two blocks", tok)
        table[proc.name] = proc

    def formal_args(self) -> tuple[str, ...]:
        self.expect("(")
        args = []
        while not self.at(")"):
            args.append(self.name("an argument name").text)
            if self.at("("):
                self.unit()
            if not self.accept(","):
                break
        self.expect(")", " after the arguments")
        return tuple(args)

    def name_list(self, spaces: bool = True) -> list[Token]:
        """Names separated by commas (or, with ``spaces``, by spaces on one line) up to the
        next NMODL keyword (`_KEYWORDS`: ``DEPEND``, ``FROM``, ``READ``, ``WRITE``, ...),
        brace or other token. A keyword is never taken as a name: nocmodl reserves them all."""
        names = [self.list_name()]
        while True:
            if self.accept(","):
                names.append(self.list_name())
            elif (
                spaces
                and self.peek().kind == "name"
                and self.peek().text not in _KEYWORDS
                and self.peek().line == names[-1].line
            ):
                names.append(self.name())
            else:
                return names

    def list_name(self) -> Token:
        tok = self.name()
        if tok.text in _KEYWORDS:
            raise self.error(f"expected a name, found the keyword {tok.text}", tok)
        return tok

    # ------------------------------------------------------------------ NEURON block
    def neuron_block(self, start: Token) -> None:
        nb = self.result.neuron
        if nb.kind:
            raise self.error("the file has two NEURON blocks", start)
        open_ = self.expect("{")
        while not self.closed(open_):
            tok = self.name("a NEURON block statement (SUFFIX, USEION, RANGE, ...)")
            kw = tok.text
            if kw in UNSUPPORTED_NEURON:
                raise self.error(UNSUPPORTED_NEURON[kw], tok)
            if kw in ("SUFFIX", "POINT_PROCESS"):
                if nb.kind:
                    raise self.error(f"{kw}: the mechanism is already named by {nb.kind} {nb.name}", tok)
                nb.kind, nb.name, nb.line = kw, self.name(f"a name after {kw}").text, tok.line
            elif kw == "USEION":
                nb.useions.append(self.useion(tok))
            elif kw == "NONSPECIFIC_CURRENT":
                nb.nonspecific.extend((t.text, t.line) for t in self.name_list())
            elif kw == "RANGE":
                nb.range.extend(t.text for t in self.name_list())
            elif kw == "GLOBAL":
                nb.globals.extend(t.text for t in self.name_list())
            elif kw == "THREADSAFE":
                continue
            elif kw == "REPRESENTS":
                self.name()
            else:
                raise self.error(f"unknown NEURON block statement {kw!r}", tok)
        if not nb.kind:
            raise self.error(
                "the NEURON block needs SUFFIX name (a density mechanism) or POINT_PROCESS name", start
            )

    def useion(self, tok: Token) -> UseIon:
        ion = self.name("an ion name after USEION").text
        read: list[str] = []
        write: list[str] = []
        valence = None
        while True:
            if self.accept("READ"):
                read += [t.text for t in self.name_list()]
            elif self.accept("WRITE"):
                write += [t.text for t in self.name_list()]
            elif self.accept("VALENCE") or self.accept("CHARGE"):
                valence = self.number()
            elif self.accept("REPRESENTS"):
                self.name()
            else:
                return UseIon(ion, tuple(read), tuple(write), valence, tok.line)

    # ------------------------------------------------------------------ declarations
    def units_block(self) -> None:
        open_ = self.expect("{")
        while not self.closed(open_):
            tok = self.peek()
            if self.at("("):
                unit = self.unit()
                self.expect("=", " in a unit definition such as (mA) = (milliamp)")
                self.result.factors.append(Factor(unit, self.unit(), "", None, True, tok.line))
                continue
            name = self.name("a unit definition such as (mA) = (milliamp) or FARADAY = (faraday) (coulomb)")
            self.expect("=")
            if self.at("("):
                source = self.unit()
                if self.accept("-"):
                    self.expect(">")
                target = self.unit()
                self.result.factors.append(Factor(name.text, source, target, None, False, name.line))
            else:
                value = self.number()
                unit = self.unit() if self.at("(") else ""
                self.result.factors.append(Factor(name.text, "", unit, value, False, name.line))

    def declarations(self, block: str) -> list[Declaration]:
        open_ = self.expect("{", f" after {block}")
        out = []
        while not self.closed(open_):
            name = self.name(f"a variable declaration in {block}")
            if name.text in ("UNITSON", "UNITSOFF"):
                continue
            if self.at("["):
                raise self.error(f"array variables ({name.text}[...]) are not supported", name, name.text)
            value = None
            if self.accept("="):
                value = self.number()
            unit = self.unit() if self.at("(") else ""
            limits = None
            if self.accept("<"):
                low = self.number()
                high = self.number() if self.accept(",") else low
                self.expect(">", " after the limits")
                limits = (low, high)
            if self.accept("FROM"):  # old-style STATE bounds: FROM a TO b
                self.number()
                self.expect("TO")
                self.number()
            if block == "CONSTANT" and value is None:
                raise self.error(f"the CONSTANT {name.text} needs a value", name)
            out.append(Declaration(name.text, value, unit, name.line, limits))
        return out

    # ------------------------------------------------------------------ statements
    def block(self) -> tuple[Stmt, ...]:
        open_ = self.expect("{")
        self.open_blocks.append(open_)
        body: list[Stmt] = []
        while not self.closed(open_):
            body.extend(self.statement())
        self.open_blocks.pop()
        return tuple(body)

    def statement(self) -> list[Stmt]:
        tok = self.peek()
        if tok.kind == "verbatim":
            self.next()
        if tok.kind == "op" and tok.text == "~":
            return [self.reaction()]
        if tok.kind == "op" and tok.text == "{":
            return list(self.block())
        if tok.kind != "name":
            raise self.error(f"expected a statement, found {tok.text!r}")
        kw = tok.text
        if kw in UNSUPPORTED_STATEMENTS:
            raise self.error(UNSUPPORTED_STATEMENTS[kw])
        if (
            kw in _TOP_LEVEL
            and self.peek(1).kind == "name"
            or kw in ("NEURON", "PARAMETER", "STATE", "ASSIGNED", "UNITS", "BREAKPOINT", "NET_RECEIVE")
            and self.peek(1).text in ("{", "(")
        ):
            opened = self.open_blocks[-1] if self.open_blocks else tok
            raise self.error(
                f"{kw} inside a block: the block opened at line {opened.line} is not closed by '}}'"
            )
        if kw in ("UNITSON", "UNITSOFF", "MUTEXLOCK", "MUTEXUNLOCK"):
            self.next()
            return []
        if kw == "LOCAL":
            self.next()
            names = self.name_list(spaces=False)
            for n in names:
                if self.at("["):
                    raise self.error("array variables are not supported", n, n.text)
            return [Local(tuple(n.text for n in names), tok.line)]
        if kw in ("if", "IF"):
            return [self.if_statement()]
        if kw == "SOLVE":
            return [self.solve()]
        if kw == "TABLE":
            return [self.table()]
        if kw == "CONSERVE":
            self.next()
            left = self.conserved_sum(tok.line)
            self.expect("=", " in CONSERVE")
            return [Conserve(left, self.expression(), tok.line)]
        if kw == "COMPARTMENT":
            return [self.compartment()]
        if kw == "PROTECT":
            self.next()
            return self.statement()
        self.next()
        if self.at("["):
            raise self.error(f"array variables ({kw}[...]) are not supported", tok, kw)
        if self.peek().kind == "prime":
            self.next()
            self.expect("=", f" after {kw}'")
            return [Diff(kw, self.expression(), tok.line)]
        if self.accept("="):
            return [Assign(kw, self.expression(), tok.line)]
        if self.at("("):
            return [CallStmt(self.call(tok), tok.line)]
        raise self.error(f"expected '=', a call or a derivative after {kw!r}", self.peek())

    def if_statement(self) -> If:
        tok = self.next()
        self.expect("(", " after if")
        cond = self.expression()
        self.expect(")", " to close the if condition")
        then = self.block()
        orelse: tuple[Stmt, ...] = ()
        if self.accept("else") or self.accept("ELSE"):
            orelse = (self.if_statement(),) if self.at("if") or self.at("IF") else self.block()
        return If(cond, then, orelse, tok.line)

    def solve(self) -> Solve:
        tok = self.next()
        block = self.name("the name of the block to SOLVE").text
        method, steady = None, False
        if self.accept("METHOD"):
            method = self.name("a method name (cnexp, derivimplicit, sparse)").text
        elif self.accept("STEADYSTATE"):
            method, steady = self.name("a method name (sparse)").text, True
        if self.at("IFERROR"):
            raise self.error("SOLVE ... IFERROR is not supported")
        return Solve(block, method, steady, tok.line)

    def table(self) -> Table:
        """``TABLE [names] [DEPEND names] FROM low TO high WITH count``, on any number of lines."""
        tok = self.next()
        names = self.name_list() if self.peek().kind == "name" and self.peek().text not in _KEYWORDS else []
        depend = self.name_list() if self.accept("DEPEND") else []
        self.expect("FROM", " in TABLE")
        low = self.expression()
        self.expect("TO", " in TABLE")
        high = self.expression()
        self.expect("WITH", " in TABLE")
        count = self.expression()
        return Table(tuple(t.text for t in names), tuple(t.text for t in depend), low, high, count, tok.line)

    def compartment(self) -> Compartment:
        tok = self.next()
        if self.peek().kind == "name" and self.peek(1).text == ",":
            raise self.error("COMPARTMENT with an index (arrays) is not supported", tok)
        volume = self.expression()
        self.expect("{", " after the COMPARTMENT volume")
        states = []
        while not self.accept("}"):
            states.append(self.name("a state name").text)
        return Compartment(volume, tuple(states), tok.line)

    def reaction(self) -> Reaction:
        tok = self.next()  # "~"
        lhs = self.reactants()
        if self.accept("<<"):
            if len(lhs) != 1 or lhs[0][0] != 1:
                raise self.error("'~ x << (flux)' takes a single state on the left", tok, "<<")
            self.expect("(")
            flux = self.expression()
            self.expect(")")
            return Reaction("<<", tuple(lhs), (), flux, None, tok.line)
        if self.at("->"):
            raise self.error(
                "'~ x -> (rate)' reactions are not supported; write '~ x <-> (rate, 0)'", construct="->"
            )
        self.expect("<->", " in a reaction (~ A <-> B (kf, kb))")
        rhs = self.reactants()
        self.expect("(", " before the reaction rates")
        forward = self.expression()
        self.expect(",", " between the forward and backward rates")
        backward = self.expression()
        self.expect(")", " after the reaction rates")
        return Reaction("<->", tuple(lhs), tuple(rhs), forward, backward, tok.line)

    def conserved_sum(self, line: int):
        """CONSERVE's left side: terms joined by ``+``, each ``2D`` (nocmodl's coefficient
        written before a state) or a product such as ``2*D``."""
        terms = []
        while True:
            if self.peek().kind == "number" and self.peek(1).kind == "name":
                n, name = self.next(), self.next()
                terms.append(Binary("*", Num(float(n.text), n.text, line), Name(name.text, line), line))
            else:
                terms.append(self.binary_level(len(self._LEVELS) - 1))
            if not self.accept("+"):
                return functools.reduce(lambda a, b: Binary("+", a, b, line), terms)

    def reactants(self) -> list[tuple[int, str]]:
        out = []
        while True:
            count = 1
            if self.peek().kind == "number":
                tok = self.next()
                count = int(float(tok.text))
                if count != float(tok.text) or count < 1:
                    raise self.error("a stoichiometric coefficient must be a positive integer", tok)
            name = self.name("a state in the reaction")
            if self.at("["):
                raise self.error("array states are not supported", name, name.text)
            out.append((count, name.text))
            if not self.accept("+"):
                return out
