"""Editing a morphology (move, rotate, delete a subtree) and writing it back to SWC."""

import warnings

import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

from .swc_helpers import (
    HAND_FILES,
    REAL_FILES,
    compartment_area,
    hand_file,
    load_neuron,
    neuron_names,
    neuron_ri,
    real_file,
)
from .test_swc import compare_geometry
from .test_swc_fuzz import assert_same_cell


def path_of(name):
    return real_file(name) if name in REAL_FILES else hand_file(name)


@pytest.mark.parametrize("name", HAND_FILES + REAL_FILES)
def test_write_then_read_gives_the_same_cell(tmp_path, name):
    cell = dx.read_swc(path_of(name), ncomp=2)
    out = tmp_path / "again.swc"
    dx.write_swc(cell, out, comment=f"from {name}")
    assert out.read_text().startswith("# SWC written by dendrax")
    assert_same_cell(cell, dx.read_swc(out, ncomp=2))


@pytest.mark.parametrize(
    "name", ["soma_single_point.swc", "duplicates.swc", "connect2prox.swc", "l5pc_with_axon.swc"]
)
def test_neuron_reads_the_written_file_as_the_original(neuron_h, tmp_path, name):
    cell = dx.read_swc(path_of(name), ncomp=3)
    out = tmp_path / "again.swc"
    dx.write_swc(cell, out)
    compare_geometry(neuron_h, cell, load_neuron(neuron_h, out))


@pytest.mark.parametrize("name", ["soma_three_point.swc", "soma_single_point.swc"])
def test_hays_axon_stub_on_a_single_point_soma_is_written_whole(neuron_h, tmp_path, name):
    """Hay's two 30 µm stub sections from the middle of a single-point soma (wired there by
    Import3d): the first one's point at the soma's centre was dropped as Import3d's copy of
    the soma sample, and the two came back as one axon of 30 µm (half the area; a review).
    Read back by dendrax and by NEURON: two sections of 30 µm, the areas of the original to
    NEURON's float32 rounding of the points."""
    cell = dx.replace_axon(dx.read_swc(hand_file(name), ncomp=1))
    out = tmp_path / "stub.swc"
    dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=1)
    np.testing.assert_allclose(again.axon.get("length"), [30.0, 30.0], rtol=1e-6)
    np.testing.assert_allclose(dx.total_area(again.axon), 60.0 * np.pi, rtol=1e-6)  # µm², diameter 1 µm
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)
    secs = load_neuron(neuron_h, out)
    assert sorted((n, round(s.L, 4)) for n, s in secs.items() if n.startswith("axon")) == [
        ("axon[0]", 30.0), ("axon[1]", 30.0)
    ]
    compare_geometry(neuron_h, again, secs)


@pytest.mark.parametrize("ncomp", [1, 3])
def test_dendrites_on_the_middle_of_a_hand_built_soma_are_written_there(neuron_h, tmp_path, ncomp):
    """NEURON's idiom ``dend.connect(soma(0.5))`` on a soma built by hand (its points: two
    ends): the dendrites were written on the soma's first sample and read at soma(0), 210 µm
    long (the gap to the middle read as cable, +5 % of basal area; a review). A sample at
    the soma's middle carries them: read back at 0.5, 200 µm, by dendrax and by NEURON."""
    soma = dx.Branch(length=20.0, radius=10.0, ncomp=ncomp)
    dend = dx.Branch(length=200.0, radius=1.0, ncomp=ncomp)
    cell = dx.Cell([soma, dend, dend, dend], parents=[-1, 0, 0, 0], parent_locs=[1.0, 0.5, 0.5, 1.0])
    cell.add_group("soma", cell.branch(0))
    cell.add_group("basal", cell.branch([1, 2, 3]))
    out = tmp_path / "soma_middle.swc"
    dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=ncomp)
    np.testing.assert_array_equal(again._data.parent_x, cell._data.parent_x)
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)  # float32 points
    secs = load_neuron(neuron_h, out)
    at = sorted((n, round(s.L, 4), h_parent_x(neuron_h, s)) for n, s in secs.items() if n.startswith("dend"))
    assert at == [("dend[0]", 200.0, 0.5), ("dend[1]", 200.0, 0.5), ("dend[2]", 200.0, 1.0)]
    compare_geometry(neuron_h, again, secs)


def test_a_neurite_inside_a_soma_elsewhere_than_its_middle_is_announced(neuron_h, tmp_path):
    """Import3d connects a neurite on an inner soma sample at 0.5, wherever the sample is: a
    dendrite at soma(0.3) is read at 0.5 (its length and area kept), with a warning that
    says so (a review of the change)."""
    soma = dx.Branch(length=30.0, radius=5.0, ncomp=1)
    dend = dx.Branch(length=200.0, radius=1.0, ncomp=1)
    cell = dx.Cell([soma, dend, dend], parents=[-1, 0, 0], parent_locs=[1.0, 0.3, 0.5])
    cell.add_group("soma", cell.branch(0))
    cell.add_group("basal", cell.branch([1, 2]))
    out = tmp_path / "soma_x.swc"
    with pytest.warns(UserWarning, match=r"at x = 0.3: NEURON's Import3d connects a neurite inside a soma at its middle"):
        dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=1)
    np.testing.assert_array_equal(again._data.parent_x, [1.0, 0.5, 0.5])
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)
    secs = load_neuron(neuron_h, out)
    assert sorted((n, round(s.L, 4), h_parent_x(neuron_h, s)) for n, s in secs.items() if n.startswith("dend")) == [
        ("dend[0]", 200.0, 0.5), ("dend[1]", 200.0, 0.5)
    ]


def h_parent_x(h, sec) -> float:
    return float(h.SectionRef(sec=sec).sec.parentseg().x)


def test_hand_built_cell_to_swc(tmp_path):
    """A cell built by hand is written from its laid-out points; read back, its cylinders
    have the same areas (to NEURON's float32 rounding of the points)."""
    branches = [dx.Branch(length=20.0, radius=10.0, ncomp=1), dx.Branch(length=200.0, radius=1.0, ncomp=4)]
    cell = dx.Cell([branches[0], branches[1], branches[1]], parents=[-1, 0, 0])
    cell.add_group("soma", cell.branch(0))
    cell.add_group("basal", cell.branch([1, 2]))
    out = tmp_path / "hand.swc"
    dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=4)
    assert again.groups == ["soma", "basal"]
    assert again.n_branches == 3
    np.testing.assert_allclose(dx.total_area(again.basal), dx.total_area(cell.basal), rtol=1e-6)


def test_branch_drawn_in_its_own_frame_is_moved_to_where_it_connects(neuron_h, tmp_path):
    """A child whose points start away from its parent's end (drawn in its own frame) is
    written moved there: Import3d would read the gap as 100 µm more cable (area +50%, the
    child's axial resistances off by 30-70%), as it did before the writer closed it."""
    root = dx.Branch(points=np.array([[0.0, 0.0, 0.0, 1.0], [100.0, 0.0, 0.0, 1.0]]), ncomp=2)
    child = dx.Branch(points=np.array([[0.0, 0.0, 0.0, 0.5], [0.0, 100.0, 0.0, 0.5]]), ncomp=2)
    grandchild = dx.Branch(points=np.array([[5.0, 5.0, 0.0, 0.3], [5.0, 5.0, 50.0, 0.3]]), ncomp=2)
    cell = dx.Cell([root, child, grandchild], parents=[-1, 0, 1])
    out = tmp_path / "frames.swc"
    dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=2)
    assert again.n_branches == 3
    # Points are rounded to float32 as NEURON reads them: 1e-6.
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)
    np.testing.assert_allclose(neuron_ri(again), neuron_ri(cell), rtol=1e-6)
    compare_geometry(neuron_h, again, load_neuron(neuron_h, out))


@pytest.mark.parametrize("first_radius", [1.0, 0.8])  # µm: b1 starts as root ends, or with a step
def test_branch_at_0_of_a_branch_is_written_at_that_place(neuron_h, tmp_path, first_radius):
    """b2 hangs at 0 of b1, which hangs at the end of the root; b1's first point (the copy of
    the root's end sample) is not written. b2 was written on b1's second sample: at b1's
    far end, 100 µm away (or, before the writer closed gaps, with a 100 µm cable back). It
    must sit on the root's end sample, the same node; NEURON reads it as the root's child
    there. Areas to NEURON's float32 rounding of the points."""
    root = dx.Branch(points=np.array([[0.0, 0.0, 0.0, 1.0], [100.0, 0.0, 0.0, 1.0]]), ncomp=1)
    b1 = dx.Branch(points=np.array([[100.0, 0.0, 0.0, first_radius], [200.0, 0.0, 0.0, 0.8]]), ncomp=1)
    b2 = dx.Branch(points=np.array([[100.0, 0.0, 0.0, 0.5], [100.0, 50.0, 0.0, 0.5]]), ncomp=1)
    cell = dx.Cell([root, b1, b2], parents=[-1, 0, 1], parent_locs=[1.0, 1.0, 0.0])
    out = tmp_path / "at0.swc"
    dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=1)
    np.testing.assert_array_equal(again._data.parent, [-1, 0, 0])
    np.testing.assert_array_equal(again._data.parent_x, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)
    np.testing.assert_allclose(again._data.points[2][0, :3], [100.0, 0.0, 0.0])
    compare_geometry(neuron_h, again, load_neuron(neuron_h, out))
    # With the step of radius, the file has zero-length sections on purpose (Import3d removes
    # them again): reading a file write_swc wrote does not warn about them.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.read_swc(out, ncomp=1)


def test_geometry_set_after_reading_is_written(neuron_h, tmp_path):
    """Radii and lengths set on a cell read from SWC reach the file (it used to hold the
    points as read: a 3 µm branch came back 1.1 µm thick, without a word). Branches set to
    one radius and length are written exactly (to NEURON's float32 rounding of the points,
    1e-6); NEURON reads the file as dendrax does."""
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=2)
    cell.branch(2).set("radius", 3.0)
    cell.branch(3).set("length", 40.0)
    cell.branch(3).set("radius", 0.7)
    out = tmp_path / "edited.swc"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing approximate here
        dx.write_swc(cell, out)
    again = dx.read_swc(out, ncomp=2)
    np.testing.assert_allclose(compartment_area(again), compartment_area(cell), rtol=1e-6)
    np.testing.assert_allclose(neuron_ri(again), neuron_ri(cell), rtol=1e-6)
    np.testing.assert_allclose(again.get("length"), cell.get("length"), rtol=1e-6)
    compare_geometry(neuron_h, again, load_neuron(neuron_h, out))
    # What points cannot give exactly is approximated, with a warning that says how well:
    # a compartment longer than its sibling (NEURON cuts a section in equal lengths), and
    # radii scaled keeping the shape (dendrax scales the area in proportion; the frusta's
    # slant does not scale so).
    cell.branch(3).comp(0).set("length", 50.0)
    cell.branch(1).set("radius", 1.5 * cell.branch(1).get("radius"), keep_shape=True)
    with pytest.warns(UserWarning, match=r"branch\(es\) 1, 3 exactly .* within \d"):
        dx.write_swc(cell, tmp_path / "approximate.swc")


def test_move_and_rotate_change_points_only():
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=3)
    cell.insert(HH())
    moved = dx.move(cell, (10.0, -5.0, 2.0))
    np.testing.assert_allclose(
        dx.compartment_centers(moved), dx.compartment_centers(cell) + [10.0, -5.0, 2.0]
    )
    np.testing.assert_array_equal(compartment_area(moved), compartment_area(cell))
    assert "HH" in moved.mechanisms
    turned = dx.rotate(cell, 90.0, axis=(0.0, 0.0, 1.0), center=(0.0, 0.0, 0.0))
    c0, c1 = dx.compartment_centers(cell), dx.compartment_centers(turned)
    np.testing.assert_allclose(c1, np.column_stack([-c0[:, 1], c0[:, 0], c0[:, 2]]), atol=1e-12)
    np.testing.assert_allclose(dx.path_distance(turned), dx.path_distance(cell))
    about_soma = dx.rotate(cell, 33.0, axis=(1.0, 1.0, 0.0))
    np.testing.assert_allclose(dx.euclidean_distance(about_soma), dx.euclidean_distance(cell), atol=1e-9)
    # The original is unchanged.
    np.testing.assert_array_equal(dx.compartment_centers(cell), c0)
    with pytest.raises(ValueError, match="axis must not be the zero vector"):
        dx.rotate(cell, 10.0, axis=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="offset must be three finite numbers"):
        dx.move(cell, (1.0, 2.0))


def test_move_a_hand_built_cell():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 2, parents=[-1, 0])
    moved = dx.move(cell, (0.0, 0.0, 5.0))
    np.testing.assert_allclose(dx.compartment_centers(moved)[:, 2], 5.0)
    assert cell._data.points == [None, None]


def test_delete_subtree(neuron_h):
    path = hand_file("soma_cylinders.swc")
    cell = dx.read_swc(path, ncomp=2)
    cell.insert(HH())
    cell.apical.set("HH_gNa", 0.2)
    cell.branch(0).loc(0.5).record("v")
    dead = 1  # a basal dendrite with two children
    children = np.flatnonzero(cell._data.parent == dead)
    assert len(children) == 2
    smaller = dx.delete_subtree(cell, dead)
    assert smaller.n_branches == cell.n_branches - 3
    assert smaller.n_comps == cell.n_comps - 6
    keep = np.setdiff1d(np.arange(cell.n_branches), np.concatenate([[dead], children]))
    kept_comps = np.concatenate([cell._data.comp_start[b] + np.arange(2) for b in keep])
    np.testing.assert_array_equal(compartment_area(smaller), compartment_area(cell)[kept_comps])
    np.testing.assert_array_equal(smaller.get("HH_gNa"), cell.get("HH_gNa")[kept_comps])
    assert smaller.recordings == cell.recordings
    # NEURON, with the same sections deleted, has the same areas.
    secs = load_neuron(neuron_h, path)
    names = neuron_names(cell)
    for b in [dead, *children]:
        neuron_h.delete_section(sec=secs.pop(names[b]))
    remaining = [names[b] for b in keep]
    areas = [seg.area() for name in remaining for seg in _nseg(secs[name], 2)]
    np.testing.assert_allclose(compartment_area(smaller), areas, rtol=1e-12)
    np.testing.assert_array_equal(cell.n_branches, len(names))  # the original is unchanged
    # Simulating the smaller cell works.
    assert np.asarray(dx.integrate(smaller, t_max=1.0)).shape == (1, 41)


def test_delete_subtree_drops_the_groups_it_empties():
    """A group whose every branch was deleted is gone, as in a cell read without it: its
    selection raises the same "no group named" error (it was an empty view)."""
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=2)
    basal = np.flatnonzero(cell._data.groups["basal"][cell._data.comp_start])
    roots = [b for b in basal if cell._data.parent[b] not in basal]
    smaller = cell
    for b in sorted(roots, reverse=True):  # the later first: deleting renumbers branches
        smaller = dx.delete_subtree(smaller, int(b))
    assert "basal" in cell.groups and "basal" not in smaller.groups
    assert smaller.n_comps == cell.n_comps - 2 * len(basal)
    with pytest.raises(KeyError, match="no group named 'basal'"):
        _ = smaller.basal


def _nseg(sec, n):
    sec.nseg = n
    return list(sec)


def test_delete_subtree_errors():
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=2)
    with pytest.raises(ValueError, match="is the root"):
        dx.delete_subtree(cell, 0)
    with pytest.raises(IndexError, match="out of range"):
        dx.delete_subtree(cell, 99)
    cell.branch(2).loc(0.5).record("v")
    with pytest.raises(ValueError, match="in the subtree being deleted"):
        dx.delete_subtree(cell, 1)
    with pytest.raises(TypeError, match="edits one cell, not a network"):
        dx.delete_subtree(dx.Network([dx.read_swc(hand_file("soma_cylinders.swc"))] * 2), 1)


def test_delete_subtree_keeps_trainables_and_clamps_on_their_compartments():
    """A review found that trainables and clamps kept their old compartment numbers: the
    trainable of a deleted branch drove the next one, and a clamp held another branch. Now
    the pruned cell simulates as the same cell built without that branch, trainables and
    clamps included (to round-off: the same program)."""
    t_max = 5.0

    def build(n_branches):
        cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * n_branches, parents=[-1] + [0] * (n_branches - 1))
        cell.insert(HH())
        cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 2.0, 0.3, 0.025, t_max))
        return cell

    full, direct = build(4), build(3)
    full.branch([1, 2, 3]).make_trainable("HH_gK")  # one value per branch
    direct.branch([1, 2]).make_trainable("HH_gK")
    full.branch(3).loc(0.5).clamp("v", np.full(201, -20.0))  # mV: branch 3 is branch 2 of the pruned cell
    direct.branch(2).loc(0.5).clamp("v", np.full(201, -20.0))
    for c in (full, direct):
        c.branch(0).loc(1.0).record("v")
        c.branch(-1).loc(0.0).record("v")
    pruned = dx.delete_subtree(full, 1)
    params = [{"HH_gK": np.array([0.01, 0.05])}]  # S/cm²: branches 1 and 2 of the pruned cell
    assert [p["HH_gK"].shape for p in pruned.get_parameters()] == [(2,)]
    np.testing.assert_allclose(
        dx.integrate(pruned, t_max=t_max, params=params), dx.integrate(direct, t_max=t_max, params=params), rtol=0, atol=1e-12
    )
    pruned.set_parameters(params)
    np.testing.assert_array_equal(pruned.get("HH_gK"), [0.036, 0.036, 0.01, 0.01, 0.05, 0.05])
    # A trainable only on the deleted branch goes with it.
    only = build(3)
    only.branch(1).make_trainable("HH_gNa")
    assert dx.delete_subtree(only, 1).get_parameters() == []


def _neuron_run(h, secs, stim_sec, rec_secs, t_max):
    """NEURON from -65 mV, dt 0.025 ms: 1.5 nA from 1 to 4 ms into ``stim_sec(0.5)``."""
    clamp = h.IClamp(stim_sec(0.5))
    clamp.delay, clamp.dur, clamp.amp = 1.0, 3.0, 1.5
    recs = [h.Vector().record(sec(0.5)._ref_v) for sec in rec_secs]
    h.dt, h.celsius = 0.025, 6.3
    h.finitialize(-65.0)
    h.continuerun(t_max)
    return np.array([r.as_numpy() for r in recs])


def test_replace_axon_is_hays_stub_in_neuron(neuron_h):
    """The L5PC with HH everywhere, then its axon replaced (Hay et al. 2011's template: the
    axon sections deleted, two 30 µm sections of diameter 1 µm created, without
    mechanisms, the first on soma(0.5)): the soma and the stub's far end as NEURON with
    the same edit. Same equations, discretisation and update order: round-off (1e-6 mV)."""
    h, t_max = neuron_h, 8.0
    cell = dx.read_swc(real_file("l5pc_with_axon.swc"), ncomp=1)
    cell.insert(HH())
    before = (cell.n_branches, cell.n_comps, dict(cell._mechanisms))
    stub = dx.replace_axon(cell)
    assert (cell.n_branches, cell.n_comps) == before[:2]  # the original is unchanged
    names = neuron_names(stub)
    ends = [b for b, n in enumerate(names) if n.startswith("axon")]
    assert [names[b] for b in ends] == ["axon[0]", "axon[1]"] and ends == [stub.n_branches - 2, stub.n_branches - 1]
    assert not stub._mechanisms["HH"][1][stub.axon.comps].any()  # a new section has no mechanisms
    soma = stub.branch(0).loc(0.5)
    soma.stimulate(dx.step_current(1.0, 3.0, 1.5, 0.025, t_max))
    soma.record("v")
    stub.branch(ends[1]).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(stub, t_max=t_max, delta_t=0.025))

    secs = load_neuron(h, real_file("l5pc_with_axon.swc"))
    for name in [n for n in secs if n.startswith("axon")]:
        h.delete_section(sec=secs.pop(name))
    for sec in secs.values():
        sec.insert("hh")
    h("create axon[2]")
    for sec in (h.axon[0], h.axon[1]):
        sec.L, sec.diam = 30.0, 1.0
    h.axon[0].connect(h.soma[0](0.5), 0)
    h.axon[1].connect(h.axon[0](1), 0)
    ref = _neuron_run(h, secs, h.soma[0], [h.soma[0], h.axon[1]], t_max)
    assert ref[0].max() > 0.0  # the soma spikes
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_replace_axon_keeps_the_rest_and_refuses_what_it_would_lose():
    soma = dx.Branch(length=20.0, radius=10.0)
    axon = dx.Branch(length=500.0, radius=0.5, ncomp=5)
    dend = dx.Branch(length=200.0, radius=1.0, ncomp=4)
    cell = dx.Cell([soma, axon, dend, axon], parents=[-1, 0, 0, 1])
    cell.add_group("soma", cell.branch(0))
    cell.add_group("axon", cell.branch([1, 3]))
    cell.branch(2).insert(HH())
    cell.branch(2).make_trainable("HH_gNa")
    cell.branch(2).loc(1.0).record("v")
    new = dx.replace_axon(cell, lengths=[10.0, 20.0, 30.0], radius=0.25, ncomp=3)
    assert new.n_branches == 5 and new.ncomp.tolist() == [1, 4, 3, 3, 3]
    assert dx.total_length(new.axon) == pytest.approx(60.0) and set(new.axon.get("radius")) == {0.25}
    np.testing.assert_array_equal(new.branch(1).get("HH_gNa"), cell.branch(2).get("HH_gNa"))
    assert len(new.get_parameters()) == 1 and new.trainables[0].compartments(0).tolist() == [1, 2, 3, 4]
    assert [(s.kind, s.index, n) for s, n in new.recordings] == [("end", 1, "v")]  # renumbered: the tip of branch 1
    assert new._data.parent.tolist() == [-1, 0, 0, 2, 3] and new._data.parent_x.tolist()[2:] == [0.5, 1.0, 1.0]

    with pytest.raises(ValueError, match=r"lengths must be one or more values between 1e-09 and 1e\+09 µm; got \[-5.0\]"):
        dx.replace_axon(cell, lengths=[-5.0])
    with pytest.raises(ValueError, match="radius must be"):
        dx.replace_axon(cell, radius=0.0)
    cell.branch(3).loc(0.5).record("v")
    with pytest.raises(ValueError, match="in the subtree being deleted"):
        dx.replace_axon(cell)
    wrong = dx.Cell([soma, axon, dend], parents=[-1, 0, 1])
    wrong.add_group("soma", wrong.branch(0))
    wrong.add_group("axon", wrong.branch(1))
    with pytest.raises(ValueError, match=r"branch 2 is not axon but hangs on the axon \(branch 1\)"):
        dx.replace_axon(wrong)
    bare = dx.Cell([soma, axon], parents=[-1, 0])
    with pytest.raises(ValueError, match="has no 'soma' group"):
        dx.replace_axon(bare)
    with pytest.raises(TypeError, match="takes a dx.Cell"):
        dx.replace_axon(soma)
