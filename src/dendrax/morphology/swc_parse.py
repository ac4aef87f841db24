"""Parse an SWC file into a validated table of samples (points), as NEURON reads it.

An SWC line is ``id type x y z radius parent`` (µm); ``#`` starts a comment line. Like
NEURON's ``Import3d_SWC_read``, fields after the seventh are ignored, samples are put in
the order of their ids, and each sample's parent must have a smaller id than the sample.
Unlike NEURON, which prints a message and builds whatever results, every malformed file
raises `SwcError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

__all__ = ["SwcError", "SwcSamples", "parse_swc"]

N_FIELDS = 7
FLOAT32_MAX = float(np.finfo(np.float32).max)
FIELD_NAMES = ("id", "type", "x", "y", "z", "radius", "parent")


class SwcError(ValueError):
    """A malformed SWC file; the message names the file and the line.

    A `ValueError`, raised by `dendrax.read_swc` before any cell is built.

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.swc"
        >>> _ = path.write_text("1 1 0 0 0 5 -1\\n2 3 0 10 0 -1 1\\n")   # a negative radius (µm)
        >>> try:
        ...     dx.read_swc(path)
        ... except dx.SwcError as err:
        ...     print(str(err).split("bad.swc ")[1])
        line 2: radius must be >= 0 µm; got -1 (NEURON refuses negative diameters too)
    """


def listed(items, limit: int = 5) -> str:
    """``"3, 7, 9 and 4 more"``: the first ``limit`` of ``items``, for messages.

    Example:
        >>> from dendrax.morphology.swc_parse import listed
        >>> listed([3, 7]), listed(range(8), limit=3)
        ('3, 7', '0, 1, 2 and 5 more')
    """
    items = [str(x) for x in items]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


#: The first line of every file `dx.write_swc` writes.
WRITER_HEADER = "# SWC written by dendrax"


@dataclasses.dataclass(frozen=True, eq=False)
class SwcSamples:
    """The samples of an SWC file, sorted by id (NEURON's order).

    Attributes:
        id: sample ids, int64 (n,).
        type: SWC structure type, int64 (n,): 1 soma, 2 axon, 3 basal, 4 apical, ...
        xyz: coordinates, µm, float64 (n, 3): the file's values rounded to float32, as
            NEURON reads them (``as_float32=False``: as written).
        radius: radii, µm, float64 (n,), rounded likewise.
        parent: index (into these arrays) of each sample's parent, -1 for the root.
        line: line number (1-based) of each sample in the file.
        source: the file name, for messages.
        written_by_dendrax: the file starts with `WRITER_HEADER` (`dx.write_swc`, whose
            deliberate zero-length sections `read_swc` does not warn about).
    """

    id: np.ndarray
    type: np.ndarray
    xyz: np.ndarray
    radius: np.ndarray
    parent: np.ndarray
    line: np.ndarray
    source: str
    written_by_dendrax: bool = False

    def __len__(self) -> int:
        return len(self.id)

    def where(self, index: int) -> str:
        """``"file.swc line 12"`` for sample ``index``."""
        return f"{self.source} line {int(self.line[index])}"


def parse_swc(source: str | os.PathLike, *, text: str | None = None, as_float32: bool = True) -> SwcSamples:
    """Read and validate an SWC file (or ``text``, with ``source`` used in messages).

    Raises:
        SwcError: a line that is neither a comment, blank, nor seven numbers; a non-integer
            id, type or parent; a non-finite value; a negative radius; a duplicate id; a
            parent id that no sample has; a cycle; a parent with a larger id than its child;
            no sample; several roots.

    Example:
        >>> from dendrax.morphology.swc_parse import parse_swc
        >>> s = parse_swc("cell.swc", text="1 1 0 0 0 5 -1\\n2 3 0 10 0 1 1\\n")
        >>> s.parent.tolist(), s.type.tolist()
        ([-1, 0], [1, 3])
    """
    name = str(source)
    if text is None:
        data = Path(source).read_bytes()
        if b"\x00" in data:
            raise SwcError(f"{name} is not a text file (SWC files are plain text): it contains NUL bytes")
        # A byte-order mark is dropped; bytes that are not UTF-8 (a Latin-1 author name in a
        # comment) are replaced, as NEURON reads such files; in a number they are an error below.
        text = data.decode("utf-8-sig", errors="replace")
    rows, lines = _split_lines(text, name)
    if not rows:
        raise SwcError(f"{name} contains no SWC samples (lines of 'id type x y z radius parent')")
    table = _to_numbers(rows, lines, name)
    if as_float32:
        # NEURON's reader (Import3d_SWC_read) scans x, y, z and the radius with sscanf("%f"):
        # 32-bit floats, on which its soma and zero-length rules then compute. So do we.
        table[:, 2:6] = table[:, 2:6].astype(np.float32).astype(np.float64)
    samples = _validate(table, np.asarray(lines, dtype=np.int64), name)
    if text.startswith(WRITER_HEADER):
        samples = dataclasses.replace(samples, written_by_dendrax=True)
    return samples


def _split_lines(text: str, name: str) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if len(tokens) < N_FIELDS:
            raise SwcError(
                f"{name} line {number}: expected 7 fields 'id type x y z radius parent'; "
                f"got {len(tokens)}: {line.strip()!r}"
            )
        rows.append(tokens[:N_FIELDS])
        lines.append(number)
    return rows, lines


def _to_numbers(rows: list[list[str]], lines: list[int], name: str) -> np.ndarray:
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError:
        table = None
    if table is None:
        for row, number in zip(rows, lines):
            for field, token in zip(FIELD_NAMES, row):
                try:
                    float(token)
                except ValueError:
                    raise SwcError(
                        f"{name} line {number}: the {field} field {token!r} is not a number"
                    ) from None
        raise SwcError(f"{name}: could not read the numbers")  # pragma: no cover - found above
    bad = ~np.isfinite(table)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise SwcError(
            f"{name} line {lines[r]}: the {FIELD_NAMES[c]} field is {rows[r][c]!r}; it must be finite"
        )
    huge = np.abs(table[:, 2:6]) > FLOAT32_MAX / 4.0
    if huge.any():
        r, c = np.argwhere(huge)[0]
        raise SwcError(
            f"{name} line {lines[r]}: the {FIELD_NAMES[c + 2]} field {rows[r][c + 2]!r} is too large "
            "(NEURON stores coordinates and diameters as 32-bit floats, up to 3.4e38)"
        )
    for c in (0, 1, 6):
        col = table[:, c]
        frac = col != np.round(col)
        if frac.any() or np.any(np.abs(col) > 2**53):
            r = int(np.flatnonzero(frac | (np.abs(col) > 2**53))[0])
            raise SwcError(
                f"{name} line {lines[r]}: the {FIELD_NAMES[c]} field must be an integer; got {rows[r][c]!r}"
            )
    return table


def _validate(table: np.ndarray, line: np.ndarray, name: str) -> SwcSamples:
    ids = table[:, 0].astype(np.int64)
    pids = table[:, 6].astype(np.int64)
    radius = table[:, 5]
    neg = np.flatnonzero(radius < 0)
    if len(neg):
        r = int(neg[0])
        raise SwcError(
            f"{name} line {line[r]}: radius must be >= 0 µm; got {radius[r]:g} (NEURON refuses negative diameters too)"
        )
    # NEURON puts the samples in the order of their ids.
    order = np.argsort(ids, kind="stable")
    if np.any(order != np.arange(len(order))):
        table, ids, pids, line, radius = table[order], ids[order], pids[order], line[order], radius[order]
    dup = np.flatnonzero(ids[1:] == ids[:-1])
    if len(dup):
        k = int(dup[0])
        raise SwcError(f"{name} lines {line[k]} and {line[k + 1]}: duplicate id {ids[k]}")
    is_root = pids < 0  # NEURON: any negative parent id is a root
    roots = np.flatnonzero(is_root)
    pos = np.searchsorted(ids, pids)
    pos_c = np.clip(pos, 0, len(ids) - 1)
    missing = ~is_root & (ids[pos_c] != pids)
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        raise SwcError(
            f"{name} line {line[k]}: parent id {pids[k]} of sample {ids[k]} is not in the file (missing parent)"
            + (
                "; a root's parent id must be negative (-1 by convention), and 0 is not: if sample "
                f"{ids[k]} is the root, give it parent -1"
                if pids[k] == 0
                else ""
            )
        )
    parent = np.where(is_root, -1, pos_c).astype(np.int64)
    self_loop = np.flatnonzero(parent == np.arange(len(parent)))
    if len(self_loop):
        k = int(self_loop[0])
        raise SwcError(f"{name} line {line[k]}: sample {ids[k]} is its own parent (a cycle)")
    later = np.flatnonzero(~is_root & (pids > ids))
    if len(later):
        cycle = _find_cycle(parent)
        if cycle is not None:
            shown = " -> ".join(str(ids[c]) for c in cycle[:12]) + (" -> ..." if len(cycle) > 12 else "")
            raise SwcError(
                f"{name} line {line[cycle[0]]}: the parent links form a cycle: {shown} -> {ids[cycle[0]]}"
            )
        k = int(later[0])
        raise SwcError(
            f"{name} line {line[k]}: sample {ids[k]} has parent {pids[k]}, a larger id. NEURON's Import3d requires "
            "every parent to have a smaller id than its children; renumber the samples (parents first)"
        )
    if len(roots) == 0:  # pragma: no cover - impossible once parents have smaller ids
        raise SwcError(f"{name}: no root sample (parent -1)")
    if len(roots) > 1:
        shown = listed(line[roots])
        raise SwcError(
            f"{name}: {len(roots)} root samples (a negative parent id, e.g. -1) at lines {shown}; "
            "a cell must be a single tree. "
            "Split the file into one file per tree, or connect the trees"
        )
    return SwcSamples(
        id=ids,
        type=table[:, 1].astype(np.int64),
        xyz=np.ascontiguousarray(table[:, 2:5]),
        radius=np.ascontiguousarray(radius),
        parent=parent,
        line=line,
        source=name,
    )


def _find_cycle(parent: np.ndarray) -> list[int] | None:
    """A cycle of the parent links (list of indices), or None when they form a forest."""
    n = len(parent)
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current walk, 2 done
    for start in range(n):
        if state[start]:
            continue
        walk = []
        j = start
        while j != -1 and state[j] == 0:
            state[j] = 1
            walk.append(j)
            j = int(parent[j])
        if j != -1 and state[j] == 1:
            return walk[walk.index(j) :]
        for w in walk:
            state[w] = 2
    return None
