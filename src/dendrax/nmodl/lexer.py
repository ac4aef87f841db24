"""Tokens of an NMODL file, each with its line and column.

Comments (``:`` and ``?`` to the end of a line, ``COMMENT ... ENDCOMMENT``) are dropped,
but the text of ``COMMENT`` blocks and the ``TITLE`` line are kept for the generated
docstring. ``VERBATIM ... ENDVERBATIM`` (C code) becomes a single ``verbatim`` token: the
parser rejects it with its line number.

Example:
    >>> from dendrax.nmodl.lexer import tokenize
    >>> [(t.kind, t.text) for t in tokenize("m' = (minf - m) / mtau : gate").tokens][:5]
    [('name', 'm'), ('prime', "'"), ('op', '='), ('op', '('), ('name', 'minf')]
"""

from __future__ import annotations

import dataclasses
import re

from .errors import NmodlError

__all__ = ["Lexed", "Token", "tokenize"]

_OPERATORS = ("<->", "<<", "<=", ">=", "==", "!=", "&&", "||", "->") + tuple("{}()[],=~<>+-*/^!%|@.")
_NUMBER = re.compile(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclasses.dataclass(frozen=True)
class Token:
    """One token: ``kind`` is ``name``, ``number``, ``string``, ``op``, ``prime``,
    ``verbatim`` or ``eof``; ``start``/``end`` are offsets into the source."""

    kind: str
    text: str
    line: int
    col: int
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class Lexed:
    """The tokens of a file, its source, its ``COMMENT`` texts and its ``TITLE``."""

    tokens: list[Token]
    source: str
    comments: list[str]
    title: str


def _block_end(source: str, pos: int, word: str) -> int:
    """Offset of the end keyword ``word`` (as a whole word) at or after ``pos``, or -1."""
    match = re.compile(rf"\b{word}\b").search(source, pos)
    return -1 if match is None else match.start()


def tokenize(source: str, file: str = "<string>") -> Lexed:
    """Split NMODL ``source`` into tokens; raises `NmodlError` for a character NMODL does not use."""
    tokens: list[Token] = []
    comments: list[str] = []
    title = ""
    pos, line, line_start = 0, 1, 0
    n = len(source)

    def advance_to(new: int) -> None:
        nonlocal pos, line, line_start
        chunk = source[pos:new]
        breaks = chunk.count("\n")
        if breaks:
            line += breaks
            line_start = pos + chunk.rindex("\n") + 1
        pos = new

    while pos < n:
        ch = source[pos]
        if ch == "\n" or ch.isspace():
            advance_to(pos + 1)
            continue
        if ch == ":" or ch == "?":  # a comment to the end of the line
            end = source.find("\n", pos)
            advance_to(n if end < 0 else end)
            continue
        col = pos - line_start + 1
        name = _NAME.match(source, pos)
        if name:
            word = name.group()
            if word in ("COMMENT", "VERBATIM"):
                closing = "END" + word
                end = _block_end(source, name.end(), closing)
                if end < 0:
                    raise NmodlError(f"{word} block is never closed by {closing}", file, line, word)
                if word == "COMMENT":
                    comments.append(source[name.end() : end].strip("\n"))
                else:
                    tokens.append(Token("verbatim", word, line, col, pos, end + len(closing)))
                advance_to(end + len(closing))
                continue
            if word in ("ENDCOMMENT", "ENDVERBATIM"):
                raise NmodlError(f"{word} without a matching {word[3:]}", file, line, word)
            if word == "TITLE":
                end = source.find("\n", pos)
                end = n if end < 0 else end
                title = source[name.end() : end].strip()
                advance_to(end)
                continue
            tokens.append(Token("name", word, line, col, pos, name.end()))
            advance_to(name.end())
            continue
        number = _NUMBER.match(source, pos)
        if number:
            tokens.append(Token("number", number.group(), line, col, pos, number.end()))
            advance_to(number.end())
            continue
        if ch == '"':
            end = source.find('"', pos + 1)
            if end < 0 or "\n" in source[pos:end]:
                raise NmodlError("a string is not closed on its line", file, line, '"')
            tokens.append(Token("string", source[pos + 1 : end], line, col, pos, end + 1))
            advance_to(end + 1)
            continue
        if ch == "'":
            tokens.append(Token("prime", "'", line, col, pos, pos + 1))
            advance_to(pos + 1)
            continue
        for op in _OPERATORS:
            if source.startswith(op, pos):
                tokens.append(Token("op", op, line, col, pos, pos + len(op)))
                advance_to(pos + len(op))
                break
        else:
            raise NmodlError(f"unexpected character {ch!r} (column {col})", file, line, ch)
    tokens.append(Token("eof", "", line, pos - line_start + 1, n, n))
    return Lexed(tokens, source, comments, title)
