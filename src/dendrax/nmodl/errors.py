"""The error raised for a .mod file dendrax cannot translate: it names the file, the line
and the construct, and says what to do instead.

Example:
    >>> from dendrax.nmodl.errors import NmodlError
    >>> err = NmodlError("VERBATIM blocks are C code", file="cad.mod", line=42, construct="VERBATIM")
    >>> str(err)
    'cad.mod:42: VERBATIM blocks are C code'
    >>> err.line, err.construct
    (42, 'VERBATIM')
"""

from __future__ import annotations

__all__ = ["NmodlError"]


class NmodlError(ValueError):
    """A .mod file that is malformed or uses a construct dendrax does not translate.

    Attributes:
        message: what is wrong and, where possible, what to write instead.
        file: the file (or ``"<string>"`` for source text).
        line: the line number (1-based) of the offending construct; 0 when the problem is the
            file as a whole (e.g. no NEURON block).
        construct: the keyword or name at fault (``"VERBATIM"``, ``"POINTER"``, ``"t"``...).

    Example:
        >>> import dendrax as dx
        >>> text = "NEURON { SUFFIX leaky }\\nVERBATIM\\n  double x = 0;\\nENDVERBATIM\\n"
        >>> try:
        ...     dx.nmodl.load_source(text, "leaky.mod")
        ... except dx.nmodl.NmodlError as err:
        ...     print(err)
        ...     print(err.line, err.construct)
        leaky.mod:2: VERBATIM blocks are C code, which dendrax cannot translate; rewrite it in NMODL
        2 VERBATIM
    """

    def __init__(self, message: str, file: str = "<string>", line: int = 0, construct: str = ""):
        self.message = message
        self.file = file
        self.line = line
        self.construct = construct
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")

    def __reduce__(self):  # picklable (e.g. across pytest-xdist workers)
        return (NmodlError, (self.message, self.file, self.line, self.construct))
