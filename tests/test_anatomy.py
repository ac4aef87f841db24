"""Anatomy queries and selections, checked against NEURON (h.distance, 3-D points, areas)."""

import numpy as np
import pytest

import dendrax as dx

from .swc_helpers import (
    NEURON_READABLE,
    REAL_FILES,
    compartment_area,
    hand_file,
    load_neuron,
    neuron_centre,
    neuron_names,
    real_file,
)

# Path distances are sums of a few section lengths (float64): round-off only.
DIST_ATOL = 1e-9  # µm
# Compartment centres: dendrax interpolates the file's float64 points, NEURON its float32
# copies; coordinates of a few hundred µm differ by ~1e-5 µm.
CENTRE_ATOL = 1e-3  # µm


def path_of(name):
    return real_file(name) if name in REAL_FILES else hand_file(name)


def neuron_segments(cell, secs):
    """NEURON's segment for every dendrax compartment, in compartment order."""
    out = []
    for b, name in enumerate(neuron_names(cell)):
        secs[name].nseg = int(cell.ncomp[b])
        out.extend(list(secs[name]))
    return out


def origin_of(cell):
    return None if "soma" in cell.groups else cell.branch(0).loc(0.5)


@pytest.mark.parametrize("name", NEURON_READABLE + REAL_FILES)
@pytest.mark.parametrize("ncomp", [2, 3])
def test_path_distance_is_neurons(neuron_h, name, ncomp):
    path = path_of(name)
    cell = dx.read_swc(path, ncomp=ncomp)
    secs = load_neuron(neuron_h, path)
    segs = neuron_segments(cell, secs)
    root = secs[neuron_names(cell)[0]]
    expected = np.array([neuron_h.distance(root(0.5), seg) for seg in segs])
    np.testing.assert_allclose(dx.path_distance(cell, origin_of(cell)), expected, rtol=0, atol=DIST_ATOL)
    # Another origin: the end of the last branch (a leaf), given as a point of the cell.
    last = cell.n_branches - 1
    leaf = secs[neuron_names(cell)[last]]
    expected = np.array([neuron_h.distance(leaf(1.0), seg) for seg in segs])
    got = dx.path_distance(cell, cell.branch(last).loc(1.0))
    np.testing.assert_allclose(got, expected, rtol=0, atol=DIST_ATOL)


@pytest.mark.parametrize("name", REAL_FILES)
def test_select_by_distance_and_group_is_neurons(neuron_h, name):
    path = path_of(name)
    cell = dx.read_swc(path, ncomp=3)
    secs = load_neuron(neuron_h, path)
    segs = neuron_segments(cell, secs)
    soma = secs["soma[0]"]
    for threshold in (50.0, 300.0):
        chosen = cell.select(dx.path_distance(cell) > threshold).comps
        expected = [i for i, seg in enumerate(segs) if neuron_h.distance(soma(0.5), seg) > threshold]
        np.testing.assert_array_equal(chosen, expected)
    prefix = {"soma": "soma[", "axon": "axon[", "basal": "dend[", "apical": "apic["}
    for group, start in prefix.items():
        if group not in cell.groups:
            continue
        expected = [i for i, seg in enumerate(segs) if seg.sec.name().startswith(start)]
        np.testing.assert_array_equal(cell.group(group).comps, expected)
    # A selection within a group, by a mask over the whole cell.
    far_apical = cell.apical.select(dx.path_distance(cell) > 300.0).comps
    expected = [
        i
        for i, seg in enumerate(segs)
        if seg.sec.name().startswith("apic[") and neuron_h.distance(soma(0.5), seg) > 300
    ]
    np.testing.assert_array_equal(far_apical, expected)
    cell.add_group("far_apical", cell.apical.select(dx.path_distance(cell) > 300.0))
    np.testing.assert_array_equal(cell.group("far_apical").comps, expected)


@pytest.mark.parametrize("name", ["soma_single_point.swc", "soma_contour.swc", "ca1_n120.swc"])
def test_centres_euclidean_area_length_are_neurons(neuron_h, name):
    path = path_of(name)
    cell = dx.read_swc(path, ncomp=3)
    secs = load_neuron(neuron_h, path)
    segs = neuron_segments(cell, secs)
    centres = np.array([neuron_centre(seg.sec, seg.x) for seg in segs])
    np.testing.assert_allclose(dx.compartment_centers(cell), centres, atol=CENTRE_ATOL)
    soma = centres[0] if name != "ca1_n120.swc" else None
    if soma is not None:
        # ncomp = 3: the soma's middle compartment centre is soma(0.5)
        np.testing.assert_allclose(
            dx.euclidean_distance(cell), np.linalg.norm(centres - centres[1], axis=1), atol=CENTRE_ATOL
        )
    np.testing.assert_allclose(
        dx.euclidean_distance(cell, (1.0, 2.0, 3.0)),
        np.linalg.norm(centres - [1, 2, 3], axis=1),
        atol=CENTRE_ATOL,
    )
    np.testing.assert_allclose(dx.total_area(cell), sum(seg.area() for seg in segs), rtol=1e-12)
    np.testing.assert_allclose(dx.total_length(cell), sum(sec.L for sec in secs.values()), rtol=1e-12)
    np.testing.assert_allclose(
        dx.total_area(cell.soma), sum(compartment_area(cell)[cell.soma.comps]), rtol=1e-12
    )


def test_branch_order():
    cell = dx.read_swc(hand_file("soma_cylinders.swc"))
    order = dx.branch_order(cell)
    data = cell._data
    by_branch = order[data.comp_start]
    assert by_branch[0] == 0  # soma
    primary = np.flatnonzero(data.parent == 0)
    assert (by_branch[primary] == 1).all()
    secondary = np.flatnonzero(np.isin(data.parent, primary))
    assert len(secondary) and (by_branch[secondary] == 2).all()


def test_branch_order_type_change_keeps_order():
    cell = dx.read_swc(hand_file("type_change.swc"))
    by_branch = dx.branch_order(cell)[cell._data.comp_start]
    # soma -> basal (1) -> custom5 (single child: still 1) -> apical (1) -> two tips (2)
    assert by_branch.tolist()[:6] == [0, 1, 1, 1, 2, 2]


def test_branch_order_counts_from_the_soma_where_the_root_is_a_neurite():
    # An axon first (the root), the soma later: valid SWC, as Import3d reads it. The order
    # counted from the root gave the neurite between it and the soma 0 (a review). Reference:
    # the docstring's rule, by hand: the soma 0; the axon on the soma 1; past the axon's
    # branch point (three branches meet) 2; the dendrites on the soma 1.
    piece = dx.Branch(length=40.0, radius=0.5)
    #            0 axon   1 axon  2 axon  3 soma  4 apical  5 basal
    cell = dx.Cell([piece] * 6, parents=[-1, 0, 0, 1, 3, 3])
    cell.add_group("soma", cell.branch(3))
    assert dx.branch_order(cell).tolist() == [2, 1, 2, 0, 1, 1]
    # The same tree listed from the soma (the axon joins it at its 0 end): the same orders.
    soma_first = dx.Cell([piece] * 6, parents=[-1, 0, 0, 0, 3, 3], parent_locs=[0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    soma_first.add_group("soma", soma_first.branch(0))
    assert dx.branch_order(soma_first).tolist() == [0, 1, 1, 1, 2, 2]


def test_hand_built_cells_get_coordinates():
    branches = [dx.Branch(length=100.0, radius=2.0, ncomp=2), dx.Branch(length=50.0, radius=1.0, ncomp=5)]
    cell = dx.Cell([branches[0], branches[1], branches[1]], parents=[-1, 0, 0], parent_locs=[1.0, 1.0, 0.5])
    centres = dx.compartment_centers(cell)
    np.testing.assert_allclose(centres[:2], [[25.0, 0.0, 0.0], [75.0, 0.0, 0.0]])
    d = dx.path_distance(cell, origin=(0, 0.0))
    np.testing.assert_allclose(d[:2], [25.0, 75.0])
    np.testing.assert_allclose(d[2:7], 100.0 + np.arange(5) * 10.0 + 5.0)
    # Hung at 0.5 of a two-compartment branch: on its second compartment's centre (75 µm),
    # as in NEURON's h.distance; the drawing puts it at 0.5 (50 µm), as NEURON's define_shape.
    np.testing.assert_allclose(d[7:], 75.0 + np.arange(5) * 10.0 + 5.0)
    np.testing.assert_allclose(
        np.linalg.norm(centres[7:] - [50.0, 0.0, 0.0], axis=1), np.arange(5) * 10.0 + 5.0
    )
    assert all(p is None for p in cell._data.points)
    dx.compute_xyz(cell)
    assert all(p is not None for p in cell._data.points)
    np.testing.assert_allclose(dx.compartment_centers(cell), centres)


def test_origin_errors():
    cell = dx.read_swc(hand_file("no_soma.swc"))
    with pytest.raises(ValueError, match="no 'soma' group"):
        dx.path_distance(cell)
    with pytest.raises(ValueError, match="single point"):
        dx.path_distance(cell, cell.branch([0, 1]).loc(0.5))
    with pytest.raises(ValueError, match="0 <= x <= 1"):
        dx.path_distance(cell, (0, 2.0))
    with pytest.raises(ValueError, match="boolean mask"):
        cell.select(np.ones(3))
