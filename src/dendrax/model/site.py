"""A point of a neuron where current can be injected or a value recorded."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Site"]


class Site(NamedTuple):
    """A node of the voltage equation, named in terms of the description.

    ``kind`` is ``"comp"`` (the centre of compartment ``index``), ``"start"`` or ``"end"``
    (the zero-area node at the 0 or 1 end of branch ``index``, NEURON's ``sec(0)`` and
    ``sec(1)``). The 0 end of a branch that hangs on a parent is the parent's node there.
    A recorded synapse state is at ``"synapse"`` ``index`` (its number within its type).

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> cell.branch(2).loc(1.0).record("v")
        >>> cell.recordings                                # (site, variable) pairs
        [(Site(kind='end', index=2), 'v')]
        >>> site = cell.branch(1).loc(0.5).sites[0]
        >>> site, site.describe()
        (Site(kind='comp', index=3), 'compartment 3')
    """

    kind: str
    index: int

    def describe(self) -> str:
        if self.kind == "comp":
            return f"compartment {self.index}"
        if self.kind == "synapse":
            return f"synapse {self.index}"
        return f"branch {self.index} at x={0.0 if self.kind == 'start' else 1.0}"


def node_key(data, site: Site) -> tuple[str, int]:
    """The node of the voltage equation ``site`` is, as a key: sites with equal keys are one
    point (a child's 0 end is its parent's node there: the parent's 1 end, 0 end, or the
    compartment containing the connection). ``data``: the cell's `TreeData`."""
    kind, b = site.kind, int(site.index)
    while kind == "start" and data.parent[b] != -1:
        p, x = int(data.parent[b]), float(data.parent_x[b])
        if x == 1.0:
            return ("end", p)
        if x != 0.0:
            n = int(data.ncomp[p])
            return ("comp", int(data.comp_start[p]) + min(int(x * n), n - 1))
        b = p
    return (kind, b)
