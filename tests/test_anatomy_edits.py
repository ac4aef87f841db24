"""Anatomy after edits, in networks and in hand-built layouts, checked against NEURON where it
has an answer (each case was found wrong by review and fails on the code before its fix)."""

import numpy as np
import pytest

import dendrax as dx
from dendrax.plot.morphology import compartment_polylines

from .swc_helpers import load_neuron, neuron_centre

# Sums and interpolations of a few lengths in float64: round-off only.
ATOL = 1e-9  # µm


def test_set_length_moves_the_points_and_what_hangs_on_them(neuron_h, tmp_path):
    # Bug: set("length") left the 3-D points as read, so centres, Euclidean distances and
    # plots kept the old geometry (dend[1]'s centre at x = 155 µm instead of NEURON's 255).
    path = tmp_path / "y.swc"
    path.write_text("1 1 0 0 0 5 -1\n2 3 5 0 0 1 1\n3 3 105 0 0 1 2\n4 3 205 0 0 0.5 3\n5 3 105 100 0 0.5 3\n")
    cell = dx.read_swc(path, ncomp=1)
    assert dx.neuron_section_names(cell) == ["soma[0]", "dend[0]", "dend[1]", "dend[2]"]
    cell.branch(1).set("length", 200.0)  # µm: dend[0] from 100 to 200
    h = neuron_h
    secs = load_neuron(h, path)
    secs["dend[0]"].L = 200.0
    h.define_shape()
    expected = [neuron_centre(secs[name], 0.5) for name in ("soma[0]", "dend[0]", "dend[1]", "dend[2]")]
    np.testing.assert_allclose(dx.compartment_centers(cell), expected, atol=1e-4)  # NEURON's float32 points
    soma = secs["soma[0]"]
    np.testing.assert_allclose(dx.euclidean_distance(cell)[2], np.linalg.norm(np.array(expected[2])), atol=1e-4)
    np.testing.assert_allclose(dx.path_distance(cell)[2], h.distance(soma(0.5), secs["dend[1]"](0.5)), atol=ATOL)
    # The plot draws dend[0] at its new length.
    lines, _ = compartment_polylines(cell)
    assert abs(np.linalg.norm(np.diff(lines[1], axis=0), axis=1).sum() - 200.0) < ATOL


def test_unequal_compartments_have_their_own_centres():
    # Bug: compartment k sat at (k + 0.5) / n of its branch whatever the lengths: with
    # lengths 10 and 100 µm, path distances [0, 37.5, 92.5] instead of [0, 15, 70].
    cell = dx.Cell(
        [dx.Branch(length=20.0, radius=5.0, ncomp=1), dx.Branch(length=110.0, radius=1.0, ncomp=2)], parents=[-1, 0]
    )
    cell.add_group("soma", cell.branch(0))
    cell.branch(1).set("length", [10.0, 100.0])  # µm, one per compartment
    np.testing.assert_allclose(dx.path_distance(cell), [0.0, 15.0, 70.0], atol=ATOL)
    np.testing.assert_allclose(dx.compartment_centers(cell)[:, 0], [10.0, 25.0, 80.0], atol=ATOL)
    np.testing.assert_allclose(dx.path_distance(cell, origin=cell.branch(1).comp(1)), [70.0, 55.0, 0.0], atol=ATOL)
    lines, _ = compartment_polylines(cell)
    np.testing.assert_allclose([np.linalg.norm(line[-1] - line[0]) for line in lines], [20.0, 10.0, 100.0], atol=ATOL)


def two_cells():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.add_group("soma", cell.branch(0))
    return cell, dx.Network([cell, cell])


def test_distances_in_a_network_are_per_cell():
    # Bug: the second cell's distances were measured along a path that does not exist
    # ([100, 150, 200, 250, 200, 250] instead of its own [50, 0, 50, 100, 50, 100]).
    cell, net = two_cells()
    own = dx.path_distance(cell)
    np.testing.assert_allclose(dx.path_distance(net), np.concatenate([own, own]), atol=ATOL)
    np.testing.assert_allclose(dx.euclidean_distance(net), np.tile(dx.euclidean_distance(cell), 2), atol=ATOL)
    # From a point of the first cell: no path reaches the second (NaN, never selected).
    d = dx.path_distance(net, origin=net.cell(0).branch(0).loc(0.0))
    np.testing.assert_allclose(d[:6], dx.path_distance(cell, origin=(0, 0.0)), atol=ATOL)
    assert np.isnan(d[6:]).all()
    assert net.select(d > 100.0).comps.tolist() == [2, 3, 4, 5]


def test_a_branch_hanging_inside_its_parent_is_a_branch_point():
    # Bug: only the parent's number of children was counted: [0, 1, 1] here.
    cell = dx.Cell(
        [dx.Branch(length=20.0, radius=5.0), dx.Branch(length=200.0, radius=1.0), dx.Branch(length=100.0, radius=0.5)],
        parents=[-1, 0, 1],
        parent_locs=[1.0, 1.0, 0.5],
    )
    cell.add_group("soma", cell.branch(0))
    assert dx.branch_order(cell).tolist() == [0, 1, 2]


def test_hand_built_siblings_fan_as_define_shape(neuron_h):
    # Bug: siblings were fanned in the reverse order (the first at -0.4 rad, NEURON's at +0.4).
    h = neuron_h
    lengths, parents, locs = [20.0, 100.0, 80.0, 60.0, 50.0], [-1, 0, 0, 0, 1], [1.0, 1.0, 1.0, 0.0, 0.5]
    cell = dx.Cell([dx.Branch(length=x, radius=1.0) for x in lengths], parents=parents, parent_locs=locs)
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    secs = [h.Section(name=f"b{i}") for i in range(len(lengths))]
    for i, sec in enumerate(secs):
        sec.L, sec.diam = lengths[i], 2.0
        if parents[i] >= 0:
            sec.connect(secs[parents[i]](locs[i]), 0)
    h.define_shape()
    points = dx.branch_points(cell)
    for sec, pts in zip(secs, points):
        ends = [[getattr(sec, f"{a}3d")(i) for a in "xyz"] for i in (0, sec.n3d() - 1)]
        np.testing.assert_allclose(pts[[0, -1], :3], ends, atol=1e-4)  # NEURON's float32 points


def test_origin_takes_a_whole_branch_number():
    cell, _ = two_cells()
    for bad in [(1.7, 0.5), (True, 0.5)]:  # taken as branch 1 before
        with pytest.raises(TypeError, match="whole branch number"):
            dx.path_distance(cell, origin=bad)
    with pytest.raises(ValueError, match="point must be None, a point of the cell, or finite"):
        dx.euclidean_distance(cell, "soma")


def test_branches_meeting_at_one_node_have_one_order():
    # Found by review of the change: d2 at d(1) and d3 at d2(0) all meet at d's end, but d3
    # was counted from d2 ([0, 1, 1, 2]); siblings at one node have one order.
    cell = dx.Cell([dx.Branch(length=50.0, radius=1.0)] * 4, parents=[-1, 0, 1, 2], parent_locs=[1.0, 1.0, 1.0, 0.0])
    cell.add_group("soma", cell.branch(0))
    assert dx.branch_order(cell).tolist() == [0, 1, 2, 2]


def test_a_network_cell_without_soma_has_no_default_distances():
    cell, _ = two_cells()
    bare = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    net = dx.Network([cell, bare])
    d = dx.path_distance(net)
    np.testing.assert_allclose(d[:6], dx.path_distance(cell), atol=ATOL)
    assert np.isnan(d[6:]).all() and np.isnan(dx.euclidean_distance(net)[6:]).all()
    with pytest.raises(ValueError, match="no cell of this network has a 'soma' group"):
        dx.path_distance(dx.Network([bare, bare]))


def test_distances_in_a_large_network():
    # One pass over the network (one per cell made 400 cells take 93 s; now ~0.5 s).
    cell, _ = two_cells()
    net = dx.Network([cell] * 300)
    d = dx.path_distance(net)
    e = dx.euclidean_distance(net)
    np.testing.assert_allclose(d, np.tile(dx.path_distance(cell), 300), atol=ATOL)
    np.testing.assert_allclose(e, np.tile(dx.euclidean_distance(cell), 300), atol=ATOL)
