"""The token cursor and the expression grammar of the NMODL parser (`dendrax.nmodl.parser`).

`ExpressionParser` walks the lexer's tokens (with errors that name the file, line and
construct) and parses expressions with nocmodl's precedence: ``||`` < ``&&`` < comparisons <
``+ -`` < ``* /`` < unary ``- !`` < ``^`` (right-associative, so ``-x^2`` is ``-(x^2)``). A
number followed by ``(`` carries a unit; a name followed by ``(`` is a call. The blocks and
statements of a .mod file are parsed by `dendrax.nmodl.parser`, which builds on this class.

Example:
    >>> from dendrax.nmodl.expressions import ExpressionParser
    >>> from dendrax.nmodl.symbolic import show
    >>> show(ExpressionParser("-x^2 + 2 (mV) * f(y, 1)", "<string>").expression())   # the unit is dropped
    '-(x ^ 2) + (2 * f(y, 1))'
"""

from __future__ import annotations

from .errors import NmodlError
from .lexer import Token, tokenize
from .tree import Binary, Call, Name, Num, Unary

__all__ = ["ExpressionParser"]

_RELATIONAL = ("<", "<=", ">", ">=", "==", "!=")


class ExpressionParser:
    """A cursor over the tokens of ``source`` (``file`` names it in errors), with the
    expression grammar."""

    def __init__(self, source: str, file: str):
        self.file = file
        self.lexed = tokenize(source, file)
        self.tokens = self.lexed.tokens
        self.source = source
        self.i = 0

    # ------------------------------------------------------------------ token helpers
    def error(self, message: str, token: Token | None = None, construct: str | None = None) -> NmodlError:
        token = token or self.peek()
        return NmodlError(message, self.file, token.line, token.text if construct is None else construct)

    def peek(self, k: int = 0) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        self.i += 1
        if tok.kind == "verbatim":
            raise self.error(
                "VERBATIM blocks are C code, which dendrax cannot translate; rewrite it in NMODL", tok
            )
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok.kind in ("op", "name") and tok.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.next()
            return True
        return False

    def expect(self, text: str, where: str = "") -> Token:
        tok = self.peek()
        if not self.at(text):
            found = "the end of the file" if tok.kind == "eof" else repr(tok.text)
            raise self.error(f"expected {text!r}{where}, found {found}", tok)
        return self.next()

    def name(self, what: str = "a name") -> Token:
        tok = self.peek()
        if tok.kind != "name":
            found = "the end of the file" if tok.kind == "eof" else repr(tok.text)
            raise self.error(f"expected {what}, found {found}", tok)
        return self.next()

    def number(self) -> float:
        sign = -1.0 if self.accept("-") else 1.0
        if sign > 0:
            self.accept("+")
        tok = self.peek()
        if tok.kind != "number":
            raise self.error(f"expected a number, found {tok.text!r}", tok)
        self.next()
        return sign * float(tok.text)

    def unit(self) -> str:
        """The raw text of a parenthesised unit, e.g. ``mA/cm2`` for ``(mA/cm2)``."""
        open_ = self.expect("(")
        end = self._balanced(open_, "(", ")", "a unit in parentheses is never closed")
        return " ".join(self.source[open_.end : end.start].split())

    def closed(self, open_: Token) -> bool:
        """Consume ``}`` if it is next; an error naming ``open_``'s line at the end of the file."""
        if self.peek().kind == "eof":
            raise self.error("this block is never closed by '}'", open_, "{")
        return self.accept("}")

    def skip_braces(self) -> None:
        open_ = self.expect("{")
        self._balanced(open_, "{", "}", "a block is never closed by '}'")

    def _balanced(self, open_: Token, opening: str, closing: str, unclosed: str) -> Token:
        """Consume tokens up to the ``closing`` that matches ``open_``; return it."""
        depth = 1
        while depth:
            tok = self.next()
            if tok.kind == "eof":
                raise self.error(unclosed, open_)
            depth += tok.text == opening and tok.kind == "op"
            depth -= tok.text == closing and tok.kind == "op"
        return tok

    # ------------------------------------------------------------------ expressions
    def expression(self):
        return self.binary_level(0)

    _LEVELS = (("||",), ("&&",), _RELATIONAL, ("+", "-"), ("*", "/"))

    def binary_level(self, level: int):
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary_level(level + 1)
        while self.peek().kind == "op" and self.peek().text in self._LEVELS[level]:
            op = self.next()
            right = self.binary_level(level + 1)
            left = Binary(op.text, left, right, op.line)
        return left

    def unary(self):
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("-", "!", "+"):
            self.next()
            operand = self.unary()
            return operand if tok.text == "+" else Unary(tok.text, operand, tok.line)
        return self.power()

    def power(self):
        base = self.primary()
        if self.peek().kind == "op" and self.peek().text == "^":
            op = self.next()
            return Binary("^", base, self.unary(), op.line)
        return base

    def primary(self):
        tok = self.peek()
        if tok.kind == "number":
            self.next()
            if self.at("("):
                self.unit()  # a number's unit annotation, e.g. 1 (mV): no effect on the value
            return Num(float(tok.text), tok.text, tok.line)
        if tok.kind == "name":
            self.next()
            if self.at("("):
                return self.call(tok)
            if self.at("["):
                raise self.error(f"array variables ({tok.text}[...]) are not supported", tok, tok.text)
            return Name(tok.text, tok.line)
        if self.accept("("):
            inner = self.expression()
            self.expect(")", " to close the parenthesis")
            return inner
        found = "the end of the file" if tok.kind == "eof" else repr(tok.text)
        raise self.error(f"expected an expression, found {found}", tok)

    def call(self, name: Token) -> Call:
        self.expect("(")
        args = []
        while not self.at(")"):
            if self.peek().kind == "string":
                self.next()  # printf's format: ignored with the call
                args.append(Num(0.0, "0", name.line))
            else:
                args.append(self.expression())
            if not self.accept(","):
                break
        self.expect(")", f" to close the call of {name.text}")
        return Call(name.text, tuple(args), name.line)
