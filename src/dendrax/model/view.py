"""Selections: light views into a description that read and edit it in place."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from .recordable import CLAMP_CURRENT, NO_MEMBRANE, check_recordable, state_hint
from .site import Site, node_key
from .trainable_edit import add_trainable
from .tree import GEOMETRY
from .uninsert import uninsert
from .values import (
    check_not_nernst,
    check_values,
    is_numeric,
    shared_waveform,
    waveform,
)

if TYPE_CHECKING:
    from ..mechanisms.channel import Mechanism
    from .module import Module

__all__ = ["View"]

class NoNewAttributes:
    """Refuses new public attributes: NEURON habits on a description (``sec.nseg = 9``,
    ``sec.L = 50``, ``sec.diam = 4``) would otherwise be silently ignored. Properties with
    setters (``celsius``) and private attributes are set as usual."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_") and not isinstance(getattr(type(self), name, None), property):
            hints = {
                "nseg": "the number of compartments is fixed when the Branch is built: dx.Branch(..., ncomp=9)",
                "L": "lengths are per compartment: use .set('length', L / ncomp) (µm)",
                "length": "lengths are per compartment: use .set('length', L / ncomp) (µm)",
                "diam": "use .set('radius', diam / 2) (µm)",
                "radius": "use .set('radius', r) (µm)",
                "Ra": "use .set('axial_resistivity', Ra) (Ω·cm)",
                "cm": "use .set('capacitance', cm) (µF/cm²)",
            }
            how = hints.get(name, f"use .set({name!r}, value) for a parameter")
            raise AttributeError(f"{type(self).__name__} has no settable attribute {name!r}: {how}")
        object.__setattr__(self, name, value)


class View(NoNewAttributes):
    """Some compartments (and possibly points, ``loc``) of a module.

    A view holds indices only; `set`, `insert`, `record` and `stimulate` change the module
    it was taken from. Views chain: ``cell.branch([0, 2]).comp(0)``,
    ``cell.branch(1).loc(0.5)``.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> view = cell.branch(1)
        >>> type(view).__name__, view.comps.tolist()       # compartments, branch-major
        ('View', [2, 3])
        >>> view.set("radius", 0.5)                        # µm, in the cell itself
        >>> cell.get("radius").tolist()
        [1.0, 1.0, 0.5, 0.5, 1.0, 1.0]
        >>> cell.branch([1, 2]).comp(0).comps.tolist()     # the first compartment of each
        [2, 4]
    """

    def __init__(
        self,
        module: Module,
        comps: np.ndarray,
        branches: np.ndarray | None = None,
        sites: list[Site] | None = None,
        groups: list[np.ndarray] | None = None,
    ):
        self._module = module
        self._comps = np.asarray(comps, dtype=np.int64)
        self._branches = branches
        self._sites = sites
        # How a trainable parameter is shared: one value per group of compartments.
        self._groups = [self._comps] if groups is None else groups
        self._cells: np.ndarray | None = None  # network cells, when selected with net.cell(...)

    # ------------------------------------------------------------------ selecting
    @property
    def comps(self) -> np.ndarray:
        """Indices (in the module, branch-major) of the selected compartments."""
        return self._comps.copy()

    @property
    def sites(self) -> list[Site]:
        """The points this view stands for: its `loc` points, or its compartment centres."""
        if self._sites is not None:
            return list(self._sites)
        return [Site("comp", int(c)) for c in self._comps]

    def _nonempty(self, action: str) -> None:
        if not self.sites:
            raise ValueError(f"{action}() on an empty selection: it selects no compartment or point")

    def branch(self, index: int | Sequence[int] | slice | str) -> View:
        """Select branches (by index among this view's branches, or ``"all"``); on cells of a
        network, by index within each cell (``net.cell([0, 1]).branch(0)``: branch 0 of each, its
        root where the cell lists its root first).

        On a selection that is not made of whole branches (a group, a mask), each branch
        keeps only the selected compartments. For `make_trainable`, each branch is a group.
        """
        data = self._module._data
        if self._cells is not None:
            # One index per cell: net.cell([0, 1]).branch(0) is branch 0 of each cell.
            net = self._module
            per_cell = [
                _pick(np.arange(net._cell_branch_start[c], net._cell_branch_start[c + 1]), index, f"branch of cell {c}")
                for c in self._cells
            ]
            chosen = np.concatenate(per_cell) if per_cell else np.zeros(0, np.int64)
            starts = data.comp_start
            groups = [starts[b] + np.arange(data.ncomp[b]) for b in chosen]
            comps = np.concatenate(groups) if groups else np.zeros(0, int)
            return View(self._module, comps, branches=chosen, groups=groups)
        available = self._branches if self._branches is not None else np.unique(data.comp_branch[self._comps])
        chosen = _pick(available, index, "branch")
        starts = data.comp_start
        groups = []
        for b in chosen:
            comps_b = starts[b] + np.arange(data.ncomp[b])
            if self._branches is None:
                comps_b = comps_b[np.isin(comps_b, self._comps)]
            groups.append(comps_b)
        comps = np.concatenate(groups) if groups else np.zeros(0, int)
        return View(self._module, comps, branches=chosen, groups=groups)

    def comp(self, index: int | Sequence[int] | slice | str) -> View:
        """Select compartments: within each selected cell of a network
        (``net.cell([0, 1]).comp(0)``: the first compartment of each), within each selected
        branch (``cell.branch(1).comp(0)``: the first compartment of branch 1), otherwise
        among this view's compartments."""
        data = self._module._data
        if self._cells is not None:
            # Within each cell: net.cell([0, 1]).comp(0) is the first compartment of each.
            net = self._module
            comps = np.concatenate(
                [
                    _pick(np.arange(net._cell_comp_start[c], net._cell_comp_start[c + 1]), index, f"compartment of cell {c}")
                    for c in self._cells
                ]
            ) if len(self._cells) else np.zeros(0, int)
        elif self._branches is not None and self._sites is None:
            starts = data.comp_start
            out = []
            for b in self._branches:
                local = _pick(np.arange(data.ncomp[b]), index, f"compartment of branch {b}")
                out.append(starts[b] + local)
            comps = np.concatenate(out) if out else np.zeros(0, int)
        else:
            comps = _pick(self._comps, index, "compartment")
        return View(self._module, comps, groups=[np.array([c]) for c in comps])

    def select(self, mask: Any) -> View:
        """The selected compartments where ``mask`` is true.

        ``mask`` is a boolean array with one value per compartment of the module (as
        returned by ``dx.path_distance(cell) > 300.0``), or one per compartment of this view.

        Example:
            >>> import dendrax as dx
            >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
            >>> cell.branch([1, 2]).select(dx.path_distance(cell, origin=(0, 0.0)) > 140.0).comps.tolist()
            [3, 5]
        """
        arr = np.asarray(mask)
        n_module = self._module.n_comps
        if arr.dtype != np.bool_ or arr.ndim != 1 or len(arr) not in (n_module, len(self._comps)):
            raise ValueError(
                f"select() takes a boolean mask with one value per compartment ({n_module} in the module"
                f"{'' if len(self._comps) == n_module else f', or {len(self._comps)} in this selection'}); "
                f"got dtype {arr.dtype} and shape {arr.shape}"
            )
        keep = arr[self._comps] if len(arr) == n_module else arr
        return View(self._module, self._comps[keep])

    def loc(self, x: float | Sequence[float]) -> View:
        """The point at fraction ``x`` in [0, 1] along each selected branch (NEURON's ``sec(x)``).

        ``x`` strictly inside (0, 1) is the compartment containing it (index
        ``floor(x * ncomp)``); ``x = 0`` and ``x = 1`` are the branch's end points (zero-area
        nodes; the 0 end of a child branch is where it joins its parent). Setting a
        parameter at an end point sets it in the nearest compartment, as in NEURON.
        """
        if self._branches is None:
            raise ValueError(
                "loc(x) needs branches, and this selection is of compartments (a group, a mask or "
                ".comp(...)): pick a branch within it first, e.g. cell.soma.branch(0).loc(0.5) for "
                "the middle of the soma's first branch, or cell.branch(0).loc(0.5)"
            )
        if self._cells is not None:  # net.cell(...): as Cell.loc, one branch per cell
            starts = self._module._cell_branch_start
            many = [int(c) for c in self._cells if starts[c + 1] - starts[c] != 1]
            if many:
                c = many[0]
                raise ValueError(
                    f"loc(x) is ambiguous on cell {c}, which has {starts[c + 1] - starts[c]} branches; select a "
                    f"branch first, e.g. net.cell({c}).branch(0).loc(0.5) (branch 0 of each selected cell)"
                )
        raw = np.atleast_1d(np.asarray(x, dtype=object))
        if not all(isinstance(xi, (int, float, np.integer, np.floating)) and not isinstance(xi, (bool, np.bool_))
                   for xi in raw.ravel()):
            raise TypeError(f"loc(x) takes a number in [0, 1] (or a list of them); got {x!r}")
        xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if xs.ndim != 1 or not np.all(np.isfinite(xs)) or np.any((xs < 0.0) | (xs > 1.0)):
            raise ValueError(f"loc(x) takes x in [0, 1] (a fraction of the branch length); got {x!r}")
        data = self._module._data
        starts = data.comp_start
        sites, comps = [], []
        for b in self._branches:
            n = int(data.ncomp[b])
            for xi in xs:
                if xi == 0.0:
                    sites.append(Site("start", int(b)))
                    comps.append(starts[b])
                elif xi == 1.0:
                    sites.append(Site("end", int(b)))
                    comps.append(starts[b] + n - 1)
                else:
                    c = int(starts[b] + min(int(xi * n), n - 1))
                    sites.append(Site("comp", c))
                    comps.append(c)
        return View(self._module, np.asarray(comps), sites=sites, groups=[np.array([c]) for c in comps])

    # ------------------------------------------------------------------ editing
    def insert(self, mechanism: Mechanism) -> None:
        """Insert a mechanism (e.g. ``HH()``) in the selected compartments.

        Its parameters get their default values there and its states start at steady state.
        """
        self._nonempty("insert")
        self._module._insert(mechanism, np.unique(self._comps))

    def uninsert(self, mechanism: Mechanism | str) -> None:
        """Remove a mechanism (or its name, ``"HH"``) from the selected compartments, as
        NEURON's ``sec.uninsert("hh")`` (details: `dendrax.model.uninsert.uninsert`).

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH, Leak
            >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
            >>> cell.insert(HH())
            >>> cell.branch(2).uninsert("HH")
            >>> cell.branch(2).insert(Leak())           # a passive branch
            >>> cell.get("HH_gNa").tolist()             # NaN: not inserted there
            [0.12, 0.12, 0.12, 0.12, nan, nan]
        """
        self._nonempty("uninsert")
        uninsert(self._module, mechanism, self._comps)

    def set(self, name: str, value: Any, *, keep_shape: bool = False) -> None:
        """Set a quantity in the selected compartments.

        ``name`` is ``"length"`` (µm, of each compartment: a branch of ``ncomp`` compartments
        is ``ncomp`` times as long), ``"radius"`` (µm), ``"capacitance"`` (µF/cm²),
        ``"axial_resistivity"`` (Ω·cm), ``"v"`` (initial membrane potential, mV), a mechanism
        parameter or initial state (``"HH_gNa"``, ``"HH_m"``), or an ion variable (``"ena"``).
        ``value`` is a number or one value per selected compartment.

        Setting ``length`` or ``radius`` makes the compartments cylinders, as NEURON's
        ``sec.diam = ...`` does to a whole section (on part of a traced section, NEURON's
        ``seg.diam = ...`` differs: it rewrites the diameters of the 3-D points there, which
        changes the neighbouring segments too). ``keep_shape=True`` keeps a traced
        compartment's shape instead (a tapered one stays tapered: area, axial resistance and
        volume scale in proportion to the new value, which is what a ``radius`` or
        ``length`` passed at call time (``params=``) or trained does: use it to write fitted
        geometry back into the description so that it simulates as the fit did). NEURON's
        ``sec.L = ...`` rescales the 3-D points' coordinates instead: axial resistance and
        volume as with ``keep_shape=True``, but the area differs, since the annuli at steps of
        radius keep their area and the sloped sides of tapered pieces do not scale in
        proportion (7 % on a radius falling from 5 to 0.5 µm over 10 µm, doubled in length).
        `dx.write_swc` writes the compartments as set.

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH
            >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
            >>> cell.insert(HH())
            >>> cell.branch(1).set("HH_gNa", 0.2)
            >>> cell.branch(1).get("HH_gNa")
            array([0.2, 0.2, 0.2, 0.2])
        """
        module = self._module
        if name == "celsius":
            raise ValueError("celsius is model-wide: set it on the whole module, e.g. cell.set('celsius', 37.0)")
        key = module._resolve_name(name)
        self._nonempty("set")
        if not isinstance(keep_shape, bool):
            raise TypeError(f"set(..., keep_shape=...) takes True or False; got {keep_shape!r}")
        if keep_shape and key not in GEOMETRY:
            raise ValueError(f"keep_shape=True is for 'length' and 'radius' (a compartment's shape); got {name!r}")
        comps = self._comps
        if key in GEOMETRY and (isinstance(value, (bool, np.bool_)) or np.asarray(value).dtype.kind == "b"):
            raise TypeError(f"set({name!r}, ...) takes µm as numbers; got {value!r}")
        if isinstance(value, jax.core.Tracer):
            raise TypeError(
                f"set({name!r}, ...) edits the description and takes concrete numbers; got a traced value "
                f"(inside jax.jit, vmap or grad). Pass values there as dx.integrate(..., params={{{name!r}: value}}) "
                "or make the parameter trainable (make_trainable)"
            )
        values = np.asarray(value, dtype=np.float64) if is_numeric(value) else None
        if values is None:
            raise TypeError(f"set({name!r}, ...) takes a number or an array of numbers; got {value!r}")
        if values.ndim == 0:
            values = np.full(len(comps), float(values))
        elif values.shape == (len(comps),) and len(np.unique(comps)) < len(comps):
            # branch([1, 1]) lists branch 1's compartments twice: which value would it keep?
            twice = int(np.flatnonzero(np.bincount(comps) > 1)[0])
            raise ValueError(
                f"set({name!r}, ...): the selection lists compartment {twice} more than once, so one value "
                "per selected compartment is ambiguous; select each compartment once"
            )
        elif values.shape != (len(comps),):
            raise ValueError(
                f"set({name!r}, ...) got {values.shape[0] if values.ndim == 1 else values.shape} values "
                f"for {len(comps)} selected compartments; give one number or one per compartment"
            )
        owner = module._owner(key)
        if owner is not None:
            mech_name = owner[0]
            missing = comps[~module._mechanisms[mech_name][1][comps]]
            if len(missing):
                raise ValueError(
                    f"{mech_name} is not inserted in compartment {missing[0]} (and {len(missing) - 1} "
                    f"more of the selection); insert it there before setting {key!r}"
                )
        check_values(module, name, key, values, f"set({name!r}, ...)")
        check_not_nernst(module, key, comps)
        module._data.columns[key][comps] = values
        if key in GEOMETRY and not keep_shape:
            for k in module._data.shape:
                module._data.shape[k][comps] = 1.0
        module._touch()

    def get(self, name: str) -> np.ndarray:
        """Values of ``name`` in the selected compartments (a copy; NaN for a state that will
        start at steady state)."""
        key = self._module._resolve_name(name)
        return self._module._data.columns[key][self._comps].copy()

    def record(self, name: str = "v") -> None:
        """Record ``name`` at each selected point; `integrate` returns one row per recording,
        in insertion order.

        ``name`` is ``"v"`` (mV), a mechanism state (``"HH_m"``), or a membrane current
        density (mA/cm², outward positive): ``"i"`` (all mechanisms), ``"ina"``, ``"ik"``,
        ``"ica"`` (one ion) or ``"i_HH"`` (one mechanism). As in NEURON, the current recorded
        at a time point is the one that drove the step leading to it (evaluated at the
        previous voltage and states). With `CrankNicolson`, ion currents (``"ina"``, ...) are
        moved to the half-step voltage along their slope, as NEURON's ``secondorder = 2``
        does (this is also what concentration mechanisms read); ``"i"`` and ``"i_HH"`` are not.
        A value a mechanism computes with its current (`Mechanism.computed`; for a .mod file,
        an ASSIGNED set in BREAKPOINT, such as ``gNaTs2_t = gNaTs2_tbar*m*m*m*h``) is
        recorded as ``"<mechanism>_<name>"`` (``"nx_NaTs2_t_gNaTs2_t"``, NEURON's
        ``_ref_gNaTs2_t_nx_NaTs2_t``), at the same time points as currents.

        ``"i_clamp"`` at a point held by ``clamp("v", ...)`` is the current (nA) the clamp
        injects to hold it, positive into the cell (NEURON's ``SEClamp.i`` in the limit of
        no series resistance): the capacitive, membrane (synaptic and gap junction currents
        included) and axial currents of the step that led to the time point, less any
        stimulus there. With `CrankNicolson` it is the
        current at the step's midpoint. At t = 0 it is 0.
        """
        module = self._module
        if not isinstance(name, str):
            raise TypeError(f"record() takes a name such as 'v', 'HH_m' or 'ina'; got {name!r}")
        self._nonempty("record")
        if name == CLAMP_CURRENT:
            if CLAMP_CURRENT[2:] in module._mechanisms:
                raise ValueError(
                    f"{CLAMP_CURRENT!r} names the voltage clamp's current, but a mechanism is called "
                    f"{CLAMP_CURRENT[2:]!r} too; rename that mechanism to record its current"
                )
        else:
            check_recordable(module, self.sites, name)
        for site in self.sites:
            module._recordings.append((site, name))
        module._touch()

    def make_trainable(self, name: str, init_value: Any = None) -> None:
        """Make ``name`` a trainable parameter over this selection.

        One value per group of the selection: one shared by all compartments of a module,
        a named group or a mask; one per branch after ``.branch(...)``; one per compartment
        after ``.comp(...)`` or ``.loc(...)``. ``name`` is any parameter accepted by `set`, a
        mechanism state (its initial value) or a model-wide quantity (``"celsius"``,
        ``"cai_diffusion"`` once ``cell.diffuse("cai", ...)`` is set). ``init_value`` (a
        number, or one per group) defaults to the mean of the current values in each group;
        it is a snapshot, used where the values of ``module.get_parameters()`` are passed
        (``integrate(params=...)``, a `simulator`), not written into the description.

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH
            >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
            >>> cell.insert(HH())
            >>> cell.make_trainable("HH_gNa")                  # one value for the cell
            >>> cell.branch("all").make_trainable("radius")    # one per branch
            >>> [{k: v.shape for k, v in p.items()} for p in cell.get_parameters()]
            [{'HH_gNa': (1,)}, {'radius': (3,)}]
        """
        add_trainable(self._module, self._comps, self._groups, name, init_value)

    def clamp(self, name: str, values: Any) -> None:
        """Hold ``name`` at ``values`` (one per time point from 0 to t_max) at each selected point.

        ``"v"`` is an ideal voltage clamp (mV): the node's voltage is set at every time point
        and its neighbours see it as a boundary value (exact, no series resistance). A state
        (``"HH_m"``) is overwritten after every update. The clamped values replace the
        initial value at t = 0.

        ``values[n]`` is the value at ``t_n = n dt``. NEURON's ``SEClamp`` sets each step's
        end voltage from its level at the step's start, so its change at ``dur1`` shows one
        time point later: to reproduce ``SEClamp(dur1=10)``, switch half a step after 10 ms,
        ``np.where(t - dt / 2 < 10.0, -65.0, 0.0)`` (``t <= 10.0`` is the same only where
        ``t`` holds ``dur1`` exactly: ``3 * 0.025 > 0.075`` in floating point).
        """
        module = self._module
        wave = shared_waveform(waveform(values, "clamp"))
        self._nonempty("clamp")
        if name != "v":
            owner = module._owner(module._resolve_name(name))
            if owner is None or owner[2] != "state":
                raise ValueError(
                    f"can clamp 'v' or a mechanism state (e.g. 'HH_m'); {name!r} is not a state"
                    f"{state_hint(module, name)}"
                )
            mask = module._mechanisms[owner[0]][1]
            for site in self.sites:
                if site.kind != "comp":
                    raise ValueError(f"cannot clamp {name!r} at {site.describe()}: {NO_MEMBRANE}")
                if not mask[site.index]:
                    raise ValueError(f"cannot clamp {name!r} at {site.describe()}: {owner[0]} is not there")
            check_values(module, name, module._resolve_name(name), wave, f"clamp({name!r}, ...)")
        # One clamp per point and variable: a point named twice (loc(0.4) and loc(0.6) of one
        # compartment, or a branch's 1 end and its child's 0 end) was refused only by
        # integrate, or, for a state, held twice.
        data = module._data
        taken = {(node_key(data, s), var): s for s, var, _ in module._clamps}
        chosen: dict[tuple[str, int], Site] = {}
        for site in self.sites:
            key = node_key(data, site)
            if (key, name) in taken:
                also = "" if taken[(key, name)] == site else f" (as {taken[(key, name)].describe()})"
                raise ValueError(f"{name!r} is already clamped at {site.describe()}{also}; delete_clamps() first")
            if key in chosen:
                raise ValueError(
                    f"the selection names one point twice ({chosen[key].describe()} and {site.describe()}): "
                    f"clamp {name!r} there once"
                )
            chosen[key] = site
        for site in self.sites:
            module._clamps.append((site, name, wave))
        module._touch()

    def stimulate(self, current: Any) -> None:
        """Inject ``current`` (nA, one value per time point from 0 to t_max) at each selected point.

        The value at index ``n`` drives the step from ``t_n`` to ``t_n + dt``.
        """
        wave = shared_waveform(waveform(current, "stimulus"))
        self._nonempty("stimulate")
        for site in self.sites:
            self._module._stimuli.append((site, wave))
        self._module._touch()

    def __repr__(self) -> str:
        what = f"{len(self._sites)} points" if self._sites is not None else f"{len(self._comps)} compartments"
        return f"View({what} of {type(self._module).__name__})"


def _pick(available: np.ndarray, index: Any, what: str) -> np.ndarray:
    """Items of ``available`` chosen by an int, a sequence of ints, a slice or ``"all"``."""
    available = np.asarray(available, dtype=np.int64)
    n = len(available)
    if isinstance(index, str):
        if index == "all":
            return available
        raise ValueError(f"select a {what} by integer, list of integers, slice or 'all'; got {index!r}")
    if isinstance(index, slice):
        return available[index]
    idx = np.asarray(index)
    if idx.ndim == 1 and idx.size == 0:
        raise ValueError(f"select at least one {what}; got an empty list")
    boolean_mask = idx.dtype.kind == "b" and idx.ndim == 1 and len(idx) == n
    if idx.ndim > 1 or (idx.dtype.kind not in "iu" and not boolean_mask):
        raise TypeError(
            f"select a {what} by integer, list of integers, slice, 'all' or a mask of {n} booleans; got {index!r}"
        )
    if boolean_mask:
        return available[idx]
    flat = np.atleast_1d(idx)
    bad = flat[(flat >= n) | (flat < -n)]
    if len(bad):
        raise IndexError(f"{what} index {bad[0]} is out of range: there are {n}")
    return available[flat]


def user_stacklevel() -> int:
    """The ``stacklevel`` of a warning issued by the caller that names the first frame
    outside dendrax (the user's line, whether it called a selection's method or a module's)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("dendrax."):
        frame, level = frame.f_back, level + 1
    return level
