"""SWC reading against NEURON's Import3d: the same sections, connections, 3-D points,
per-compartment areas and axial resistances, d_lambda compartment counts and simulations.

The hand-written files in tests/data/swc cover each soma case (single point, NeuroMorpho's
three points, a stack of cylinders, a contour, a branched soma, no soma) and each special
rule (wires, connect2prox, type changes, zero radii, duplicated points, a removed
zero-length section, unsorted ids); the real cells come from ../shared/data/morphologies.
"""

import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak
from dendrax.morphology.neuron_geometry import neuron_round

from .swc_helpers import (
    NEURON_READABLE,
    REAL_FILES,
    compartment_area,
    hand_file,
    load_neuron,
    neuron_names,
    neuron_ri,
    real_file,
    spike_times,
)

# The issue asks for 1e-6. dendrax repeats NEURON's arithmetic (its rounding of the points,
# its float differences, its trapezoid sums), so the two agree to ~1e-15; 1e-9 leaves room
# for a different summation order without letting any modelling difference through.
GEOMETRY_RTOL = 1e-9
# Identical geometry, topology and update order: the traces differ by round-off (~1e-9 mV
# after 600 steps). The bar is 0.1 mV mean and 0.1 ms; a modelling difference of
# any kind (a misplaced connection, a cylinder for a frustum) shows up far above 1e-6.
SIM_MV = 1e-6
SIM_SPIKE_MS = 1e-6
DT = 0.025
T_MAX = 15.0

CASES = [(name, n) for name in NEURON_READABLE for n in (1, 2, 3)]


def path_of(name):
    return real_file(name) if name in REAL_FILES else hand_file(name)


def compare_geometry(h, cell, secs):
    """Assert the cell equals NEURON's sections: names, parents, connection x, 3-D points,
    nseg, per-segment area and ri."""
    data = cell._data
    names = neuron_names(cell)
    assert sorted(names) == sorted(secs), "dendrax branches and NEURON sections differ"
    area = compartment_area(cell)
    ri = neuron_ri(cell)
    for b, name in enumerate(names):
        sec = secs[name]
        sec.nseg = int(data.ncomp[b])
        parent_seg = sec.parentseg()
        if data.parent[b] < 0:
            assert parent_seg is None, f"{name} has a parent in NEURON"
        else:
            assert parent_seg is not None, f"{name} has no parent in NEURON"
            assert parent_seg.sec.name() == names[data.parent[b]], f"{name}: parent differs"
            assert parent_seg.x == data.parent_x[b], f"{name}: connection x differs"
        pts = data.points[b]
        theirs = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for i in range(sec.n3d())])
        ours = neuron_round(np.column_stack([pts[:, :3], 2.0 * pts[:, 3]]))
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{name}: 3-D points differ")
    for b, name in enumerate(names):
        start = data.comp_start[b]
        for k, seg in enumerate(secs[name]):
            c = start + k
            np.testing.assert_allclose(
                area[c], seg.area(), rtol=GEOMETRY_RTOL, err_msg=f"{name}({seg.x}) area"
            )
            np.testing.assert_allclose(ri[c], seg.ri(), rtol=GEOMETRY_RTOL, err_msg=f"{name}({seg.x}) ri")


@pytest.mark.parametrize("name, ncomp", CASES)
def test_hand_written_files_match_neuron(neuron_h, name, ncomp):
    secs = load_neuron(neuron_h, hand_file(name))
    cell = dx.read_swc(hand_file(name), ncomp=ncomp)
    compare_geometry(neuron_h, cell, secs)


@pytest.mark.parametrize("name", REAL_FILES)
@pytest.mark.parametrize("ncomp", [1, 2, 5])
def test_real_morphologies_match_neuron(neuron_h, name, ncomp):
    path = real_file(name)
    secs = load_neuron(neuron_h, path)
    compare_geometry(neuron_h, dx.read_swc(path, ncomp=ncomp), secs)


LAMBDA_F = """
func lambda_f() { local i, x1, x2, d1, d2, lam
    if (n3d() < 2) {
        return 1e5*sqrt(diam/(4*PI*$1*Ra*cm))
    }
    x1 = arc3d(0)
    d1 = diam3d(0)
    lam = 0
    for i=1, n3d()-1 {
        x2 = arc3d(i)
        d2 = diam3d(i)
        lam += (x2 - x1)/sqrt(d1 + d2)
        x1 = x2   d1 = d2
    }
    lam *= sqrt(2) * 1e-5*sqrt(4*PI*$1*Ra*cm)
    return L/lam
}
"""


def neuron_d_lambda(h, secs, names, d_lambda, frequency, ra, cm):
    """nseg of each section from NEURON's standard d_lambda code (fixnseg.hoc)."""
    if not hasattr(h, "lambda_f"):
        h(LAMBDA_F)
    out = []
    for name in names:
        sec = secs[name]
        sec.Ra = ra
        sec.cm = cm
        out.append(int((sec.L / (d_lambda * h.lambda_f(frequency, sec=sec)) + 0.9) / 2) * 2 + 1)
    return np.array(out)


@pytest.mark.parametrize(
    "name", REAL_FILES + ["soma_cylinders.swc", "soma_single_point.swc", "duplicates.swc"]
)
@pytest.mark.parametrize(
    "rule",
    [
        dx.DLambda(0.1),
        dx.DLambda(0.03),
        dx.DLambda(0.3, frequency=500.0, axial_resistivity=150.0, capacitance=2.0),
    ],
)
def test_d_lambda_gives_neurons_nseg(neuron_h, name, rule):
    path = path_of(name)
    secs = load_neuron(neuron_h, path)
    cell = dx.read_swc(path, discretization=rule)
    expected = neuron_d_lambda(
        neuron_h,
        secs,
        neuron_names(cell),
        rule.d_lambda,
        rule.frequency,
        rule.axial_resistivity,
        rule.capacitance,
    )
    np.testing.assert_array_equal(cell.ncomp, expected)


def test_d_lambda_geometry_matches_neuron(neuron_h):
    path = real_file("l5pc_with_axon.swc")
    secs = load_neuron(neuron_h, path)
    compare_geometry(neuron_h, dx.read_swc(path, discretization=dx.DLambda(0.1)), secs)


# ----------------------------------------------------------------------------- simulation
def distal_dendrite(cell):
    """(branch, x) of the compartment farthest from the soma along the cell, outside the axon."""
    dist = dx.path_distance(cell) if "soma" in cell.groups else dx.path_distance(cell, origin=(0, 0.5))
    if "axon" in cell.groups:
        dist = np.where(cell._data.groups["axon"], -1.0, dist)
    c = int(np.argmax(dist))
    b = int(cell._data.comp_branch[c])
    k = c - int(cell._data.comp_start[b])
    return b, (k + 0.5) / int(cell.ncomp[b])


def simulate_both(h, path, discretization, mechanism, amplitude):
    secs = load_neuron(h, path)
    cell = dx.read_swc(path, discretization=discretization)
    names = neuron_names(cell)
    for b, name in enumerate(names):
        secs[name].nseg = int(cell.ncomp[b])
        secs[name].insert("hh" if mechanism == "hh" else "pas")
    cell.insert(HH() if mechanism == "hh" else Leak())
    far_b, far_x = distal_dendrite(cell)
    soma = secs[names[0]]
    clamp = h.IClamp(soma(0.5))
    clamp.delay, clamp.dur, clamp.amp = 2.0, 5.0, amplitude
    recs = [h.Vector().record(soma(0.5)._ref_v), h.Vector().record(secs[names[far_b]](far_x)._ref_v)]
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    h.finitialize(-65.0)
    h.continuerun(T_MAX)
    reference = np.array([r.as_numpy().copy() for r in recs])
    cell.branch(0).loc(0.5).stimulate(dx.step_current(2.0, 5.0, amplitude, DT, T_MAX))
    cell.branch(0).loc(0.5).record("v")
    cell.branch(far_b).loc(far_x).record("v")
    ours = np.asarray(dx.integrate(cell, t_max=T_MAX, delta_t=DT))
    return ours, reference


SIM_CASES = [(name, 3) for name in NEURON_READABLE] + [(name, "dlambda") for name in REAL_FILES]


@pytest.mark.parametrize("name, ncomp", SIM_CASES)
def test_hh_simulation_matches_neuron(neuron_h, name, ncomp):
    path = path_of(name)
    rule = dx.DLambda(0.1) if ncomp == "dlambda" else dx.FixedNcomp(ncomp)
    amplitude = 2.0 if name in REAL_FILES else 1.0
    ours, reference = simulate_both(neuron_h, path, rule, "hh", amplitude)
    assert ours.shape == reference.shape
    spikes_ref = spike_times(reference[0], DT)
    assert len(spikes_ref) >= 1, "the stimulus should make the soma spike (else the test is weak)"
    assert np.max(np.abs(ours - reference)) < SIM_MV
    for row_ours, row_ref in zip(ours, reference):
        s_ours, s_ref = spike_times(row_ours, DT), spike_times(row_ref, DT)
        assert len(s_ours) == len(s_ref)
        np.testing.assert_allclose(s_ours, s_ref, atol=SIM_SPIKE_MS)


@pytest.mark.parametrize(
    "name, ncomp",
    [
        ("soma_single_point.swc", 2),
        ("soma_cylinders.swc", 2),
        ("zero_radius.swc", 3),
        ("soma_branched.swc", 2),
    ]
    + [(name, 1) for name in REAL_FILES],
)
def test_passive_simulation_matches_neuron(neuron_h, name, ncomp):
    ours, reference = simulate_both(neuron_h, path_of(name), dx.FixedNcomp(ncomp), "pas", 0.5)
    assert np.max(np.abs(reference[0] - reference[0, 0])) > 1.0, "the soma should respond"
    assert np.max(np.abs(ours - reference)) < SIM_MV


# ----------------------------------------------------------------------------- where we differ
def test_unsorted_ids_are_sorted_like_neuron_intends(neuron_h, tmp_path):
    """NEURON 9.0.2 fails on files whose ids are not increasing (its check_pid sorts the
    diameters with ``d.sortindex(diam, ...)``, a section variable, and then crashes);
    dendrax sorts them, as NEURON means to. Compare with NEURON on the same samples written in id order."""
    text = hand_file("unsorted_gaps.swc").read_text().splitlines()
    lines = [ln for ln in text if ln.strip() and not ln.lstrip().startswith("#")]
    rows = sorted((ln.split("#")[0].split() for ln in lines), key=lambda r: int(r[0]))
    sorted_path = tmp_path / "sorted.swc"
    sorted_path.write_text("\n".join(" ".join(r) for r in rows) + "\n")
    secs = load_neuron(neuron_h, sorted_path)
    cell = dx.read_swc(hand_file("unsorted_gaps.swc"), ncomp=3)
    compare_geometry(neuron_h, cell, secs)


def test_crlf_and_blank_lines(tmp_path):
    """NEURON reports a parse error on blank lines with Windows line ends (and goes on);
    dendrax skips them."""
    text = hand_file("soma_cylinders.swc").read_text()
    crlf = tmp_path / "crlf.swc"
    crlf.write_bytes(("\r\n\r\n" + text.replace("\n", "\r\n")).encode())
    a = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=2)
    b = dx.read_swc(crlf, ncomp=2)
    np.testing.assert_array_equal(compartment_area(a), compartment_area(b))


def test_float64_coordinates_option():
    """neuron_precision=False keeps the file's float64 coordinates. On the CA1 cell (points
    given to 0.01 µm, often under 1 µm apart) areas and resistances then differ from
    NEURON's by up to ~5e-6 relative: more than the 1e-6 asked for, which is why the
    default repeats NEURON's rounding."""
    path = real_file("ca1_n120.swc")
    exact = dx.read_swc(path, ncomp=3)
    plain = dx.read_swc(path, ncomp=3, neuron_precision=False)
    rel = np.abs(compartment_area(plain) / compartment_area(exact) - 1.0)
    assert 1e-6 < rel.max() < 1e-4
    np.testing.assert_array_equal(plain.ncomp, exact.ncomp)


def test_groups_from_swc_types():
    cell = dx.read_swc(hand_file("type_change.swc"))
    assert cell.groups == ["soma", "basal", "apical", "custom0", "custom5", "custom7"]
    # soma: one section; apical: the run after the type change, then its two children.
    assert len(cell.soma.comps) == 1 and len(cell.apical.comps) == 3
    assert len(cell.group("custom5").comps) == 1 and len(cell.group("custom0").comps) == 1
    with pytest.raises(KeyError, match="no group named 'axon'"):
        _ = cell.axon
    cell.apical.insert(HH())
    cell.apical.set("HH_gNa", 0.05)
    assert cell.apical.get("HH_gNa").tolist() == [0.05] * 3
    assert np.isnan(cell.basal.get("HH_gNa")).all()


def test_radius_varies_along_a_branch():
    """A tapering branch is a chain of frustums, for areas and resistances alike."""
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=1)
    assert not np.allclose(cell._data.shape["area_factor"], 1.0)
    assert not np.allclose(cell._data.shape["resistance_factor_left"], 1.0)


def test_volumes_are_those_of_the_frusta(tmp_path):
    """Compartment volumes (what `diffuse` divides by) of a read cell are the frusta between
    its points, as for `dx.Branch(points=...)`: read cells used cylinders of the mean
    diameter (volume factor 1), 3 % and 13 % too small on this cone."""
    path = tmp_path / "cone.swc"
    path.write_text("1 3 0 0 0 4.0 -1\n2 3 100 0 0 0.5 1\n")  # one cone, diameter 8 -> 1 µm
    cell = dx.read_swc(path, ncomp=2, neuron_precision=False)
    data = cell._data
    r, length = data.columns["radius"], data.columns["length"]
    volume = np.pi * r**2 * length * data.shape["volume_factor"]
    d = np.array([8.0, 4.5, 1.0])  # µm, at 0, 50 and 100 µm
    frusta = np.pi / 12.0 * 50.0 * (d[:-1] ** 2 + d[:-1] * d[1:] + d[1:] ** 2)
    np.testing.assert_allclose(volume, frusta, rtol=1e-12)  # exact up to round-off
    points = dx.Branch(points=np.array([[0.0, 0.0, 0.0, 4.0], [100.0, 0.0, 0.0, 0.5]]), ncomp=2)
    np.testing.assert_allclose(data.shape["volume_factor"], points._data.shape["volume_factor"], rtol=1e-12)


def test_a_call_time_radius_and_set_keep_shape_are_the_same_model(tmp_path):
    """A radius passed as ``params=`` (or trained) scales each traced compartment's shape;
    ``set(..., keep_shape=True)`` writes it back as the same model (to round-off), while a
    plain ``set`` makes cylinders, a different model (0.85 mV apart here): the reviewer's
    case of writing a fitted radius back."""
    path = tmp_path / "taper.swc"
    path.write_text("1 1 0 0 0 7 -1\n2 3 0 8 0 2.0 1\n3 3 0 33 0 1.8 2\n4 3 0 33 0 1.0 3\n5 3 0 108 0 0.3 4\n")
    cell = dx.read_swc(path, ncomp=3)
    cell.insert(HH())
    cell.branch(0).loc(0.5).stimulate(dx.step_current(1.0, 3.0, 0.5, 0.025, 10.0))
    cell.branch(1).loc(0.9).record("v")
    via_params = np.asarray(dx.integrate(cell, t_max=10.0, params={"radius": 1.0}))
    kept, cylinders = cell.copy(), cell.copy()
    kept.set("radius", 1.0, keep_shape=True)
    cylinders.set("radius", 1.0)
    np.testing.assert_allclose(np.asarray(dx.integrate(kept, t_max=10.0)), via_params, rtol=0, atol=1e-10)
    assert np.abs(np.asarray(dx.integrate(cylinders, t_max=10.0)) - via_params).max() > 0.1  # mV
    with pytest.raises(ValueError, match="keep_shape=True is for 'length' and 'radius'"):
        cell.set("HH_gNa", 0.1, keep_shape=True)
