"""The layer-5 pyramidal cell of Hay et al. (2011), on any morphology with SWC groups.

Hay E, Hill S, Schürmann F, Markram H, Segev I (2011). Models of neocortical layer 5b
pyramidal cells capturing a wide range of dendritic and perisomatic active properties.
PLoS Comput Biol 7:e1002107. The model's code is ModelDB entry 139653.

`hay_l5pc` inserts the published channel set with the densities of the paper's model
fitted to both back-propagation-activated calcium firing and step-current firing (its
"model 1": action potentials start in the soma; the axon is passive), at 34 °C:

- everywhere: passive leak (reversal -90 mV), cm 1 µF/cm², Ra 100 Ω·cm;
- soma: NaTa_t, Nap_Et2, K_Pst, K_Tst, SKv3_1, SK_E2, Ca_HVA, Ca_LVAst, Ih, CaDynamics_E2;
- apical dendrites (cm 2): NaTa_t, SKv3_1, SK_E2, Im, Ca_HVA, Ca_LVAst, CaDynamics_E2, and
  Ih growing exponentially with the distance (Kole et al. 2006); the calcium conductances
  are high in a "hot zone" 685-885 µm away (Ca_LVAst 100 times, Ca_HVA 10 times their value
  elsewhere);
- basal dendrites (cm 2): Ih;
- ek = -85 mV, ena = 50 mV where sodium or potassium channels are.

Apical distances are measured as the model's code measures them: along the cell from the
start of the first apical branch (NEURON's ``apic[0](0)``), not from the soma's centre.
Ih's density is ``0.0002 (-0.8696 + 2.087 exp(3.6161 d / d_max))`` S/cm², with ``d_max``
the longest such distance to the end of an apical branch.

The published cell also replaces the reconstructed axon by a 60 µm stub (`replace_axon`,
whose defaults are Hay's): ``hay_l5pc(dx.replace_axon(cell))``. Their compartments follow
``nseg = 1 + 2 int(L / 40 µm)``: ``read_swc(path, discretization=dx.OddCount(40.0))``.

BluePyOpt's L5PC example (Markram et al. 2015's parameters) is another model: it writes
Ih's profile as ``exp(0.0031 d)`` with ``d`` from the soma's centre.
"""

from __future__ import annotations

import numpy as np

from ..channels import (
    SK_E2,
    Ca_HVA,
    Ca_LVAst,
    CaDynamics_E2,
    Ih,
    Im,
    K_Pst,
    K_Tst,
    Leak,
    Nap_Et2,
    NaTa_t,
    SKv3_1,
)
from ..morphology.anatomy import path_distance

__all__ = ["HOT_ZONE", "apical_distances", "hay_l5pc"]

HOT_ZONE = (685.0, 885.0)  # µm from apic[0](0) (`apical_distances`): the calcium "hot zone"
CELSIUS = 34.0

SOMA = {
    "Leak_gLeak": 3.38e-5,
    "Ca_LVAst_gbar": 0.00343,
    "Ca_HVA_gbar": 0.000992,
    "SKv3_1_gbar": 0.693,
    "SK_E2_gbar": 0.0441,
    "K_Tst_gbar": 0.0812,
    "K_Pst_gbar": 0.00223,
    "Nap_Et2_gbar": 0.00172,
    "NaTa_t_gbar": 2.04,
    "Ih_gbar": 0.0002,
    "CaDynamics_E2_decay": 460.0,
    "CaDynamics_E2_gamma": 0.000501,
}
APICAL = {
    "Leak_gLeak": 5.89e-5,
    "SK_E2_gbar": 0.0012,
    "SKv3_1_gbar": 0.000261,
    "NaTa_t_gbar": 0.0213,
    "Im_gbar": 6.75e-5,
    "CaDynamics_E2_decay": 122.0,
    "CaDynamics_E2_gamma": 0.000509,
}
BASAL = {"Leak_gLeak": 4.67e-5, "Ih_gbar": 0.0002}
AXON = {"Leak_gLeak": 3.25e-5}


def hay_l5pc(cell):
    """Give ``cell`` (with groups ``soma``, ``apical``, ``basal`` and optionally ``axon``,
    e.g. from `read_swc`) the biophysics of Hay et al. (2011); returns the cell.

    Sets ``cell.celsius = 34``. The initial voltage is left to the caller (the paper's
    simulations start at -80 mV: ``cell.set("v", -80.0)``). A reconstructed axon is kept,
    passive; the published cell has a 60 µm stub instead: pass ``dx.replace_axon(cell)``
    (see the module's description, `dendrax.models.hay2011`, for where each value goes).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.models import hay_l5pc
        >>> soma = dx.Branch(length=20.0, radius=10.0, ncomp=1)
        >>> trunk = dx.Branch(length=900.0, radius=1.5, ncomp=45)
        >>> cell = dx.Cell([soma, trunk, dx.Branch(length=200.0, radius=0.8, ncomp=5)], parents=[-1, 0, 0])
        >>> for name, branch in (("soma", 0), ("apical", 1), ("basal", 2)):
        ...     cell.add_group(name, cell.branch(branch))
        >>> cell = hay_l5pc(cell)
        >>> sorted(cell.mechanisms)[:4]
        ['CaDynamics_E2', 'Ca_HVA', 'Ca_LVAst', 'Ih']
    """
    for name in ("soma", "apical", "basal"):
        if name not in cell.groups:
            raise ValueError(f"hay_l5pc needs a {name!r} group (read the cell with dx.read_swc); groups: {cell.groups}")
    soma, apical, basal = cell.soma, cell.apical, cell.basal
    # Where each channel goes, in insertion order: the buffer writes cai, so it comes before
    # the mechanisms that read it (it updates first, as in NEURON).
    soma_apical = cell.select(_mask(cell, soma) | _mask(cell, apical))
    placed = (
        (cell, (Leak,)),
        (soma_apical, (CaDynamics_E2, Ca_HVA, Ca_LVAst, SKv3_1, SK_E2, NaTa_t)),
        (soma, (K_Tst, K_Pst, Nap_Et2)),
        (apical, (Im,)),
        (cell.select(_mask(cell, soma) | _mask(cell, apical) | _mask(cell, basal)), (Ih,)),
    )
    present = sorted({kind().name for _, kinds in placed for kind in kinds} & set(cell.mechanisms))
    if present:  # checked first: a failed insert half-way left the cell half-built
        raise ValueError(
            f"hay_l5pc inserts its own channels, but the cell already has {', '.join(present)}; start from a "
            "cell without them (read the morphology again, or keep a cell.copy() from before)"
        )
    distance, longest = apical_distances(cell)  # before any change: a failure leaves the cell as it was
    for view, kinds in placed:
        for kind in kinds:
            view.insert(kind())
    cell.set("Leak_eLeak", -90.0)
    cell.set("axial_resistivity", 100.0)
    cell.set("capacitance", 1.0)
    for view, values in ((soma, SOMA), (apical, APICAL), (basal, BASAL)):
        for key, value in values.items():
            view.set(key, value)
    if "axon" in cell.groups:
        for key, value in AXON.items():
            cell.axon.set(key, value)
    apical.set("capacitance", 2.0)
    basal.set("capacitance", 2.0)
    for view in (soma, apical):
        view.set("ek", -85.0)
        view.set("ena", 50.0)

    apical.set("Ih_gbar", 0.0002 * (-0.8696 + 2.087 * np.exp(3.6161 * distance / longest)))
    hot = (distance > HOT_ZONE[0]) & (distance < HOT_ZONE[1])
    apical.set("Ca_LVAst_gbar", 0.0187 * np.where(hot, 1.0, 0.01))
    apical.set("Ca_HVA_gbar", 0.000555 * np.where(hot, 1.0, 0.1))
    cell.celsius = CELSIUS
    return cell


def apical_distances(cell) -> tuple[np.ndarray, float]:
    """Distances (µm) of the apical compartments' centres (in ``cell.apical.comps`` order)
    from the start of the first apical branch, NEURON's ``apic[0](0)``, and the longest
    distance from there to the end of an apical branch without children: what Hay et al.'s
    code measures the Ih profile and the hot zone with (``d`` and ``d_max`` above). Where no
    apical branch ends the cell (its tips in another group), ``d_max`` is the first apical
    branch's length, as in their code."""
    data = cell._data
    apical = cell.apical.comps
    first = int(data.comp_branch[apical].min())
    distance = path_distance(cell, origin=(first, 0.0))
    in_apical = np.zeros(data.n_branches, dtype=bool)
    in_apical[data.comp_branch[apical]] = True
    has_child = np.zeros(data.n_branches, dtype=bool)
    has_child[data.parent[data.parent >= 0]] = True
    last = data.comp_start + data.ncomp - 1  # a branch's end is half its last compartment on
    ends = distance[last] + data.columns["length"][last] / 2.0
    tips = in_apical & ~has_child
    if not tips.any():
        first_length = data.columns["length"][data.comp_start[first] : data.comp_start[first] + data.ncomp[first]].sum()
        return distance[apical], float(first_length)
    return distance[apical], float(ends[tips].max())


def _mask(cell, view) -> np.ndarray:
    mask = np.zeros(cell.n_comps, dtype=bool)
    mask[view.comps] = True
    return mask
