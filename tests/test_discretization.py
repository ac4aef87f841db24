"""Discretisation policies: fixed ncomp, maximum compartment length, NEURON's d_lambda rule
(checked against NEURON in test_swc.py), per-branch overrides; NEURON's rounding of points."""

import warnings

import numpy as np
import pytest

import dendrax as dx
from dendrax.morphology.neuron_geometry import neuron_round

from .swc_helpers import hand_file, real_file


def test_ncomp_is_fixed_ncomp():
    a = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=3)
    b = dx.read_swc(hand_file("soma_cylinders.swc"), discretization=dx.FixedNcomp(3))
    assert (a.ncomp == 3).all() and (b.ncomp == 3).all()
    np.testing.assert_array_equal(a.get("length"), b.get("length"))
    assert (dx.read_swc(hand_file("soma_cylinders.swc")).ncomp == 1).all()


@pytest.mark.parametrize("max_length", [5.0, 20.0, 1000.0])
def test_max_length(max_length):
    cell = dx.read_swc(real_file("ca1_n120.swc"), discretization=dx.MaxLength(max_length))
    data = cell._data
    lengths = np.bincount(data.comp_branch, weights=data.columns["length"])
    # Fewest compartments: each at most max_length, one fewer would be longer.
    assert np.all(data.columns["length"] <= max_length * (1 + 1e-12))
    fewer = cell.ncomp - 1
    assert np.all((fewer == 0) | (lengths / np.maximum(fewer, 1) > max_length))
    odd = dx.read_swc(real_file("ca1_n120.swc"), discretization=dx.MaxLength(max_length, odd=True))
    assert np.all(odd.ncomp % 2 == 1) and np.all(odd.ncomp - cell.ncomp <= 1)


def test_per_branch_overrides():
    path = hand_file("soma_cylinders.swc")
    base = dx.read_swc(path, discretization=dx.DLambda(0.01))
    rule = dx.PerBranch(
        dx.DLambda(0.01), {"soma": dx.FixedNcomp(1), "apical": dx.MaxLength(10.0), 3: dx.FixedNcomp(7)}
    )
    cell = dx.read_swc(path, discretization=rule)
    soma_branches = np.unique(cell._data.comp_branch[cell._data.groups["soma"]])
    apical_branches = np.unique(cell._data.comp_branch[cell._data.groups["apical"]])
    assert (cell.ncomp[soma_branches] == 1).all()
    assert np.all(
        cell.ncomp[apical_branches]
        == dx.read_swc(path, discretization=dx.MaxLength(10.0)).ncomp[apical_branches]
    )
    assert cell.ncomp[3] == 7  # a branch index wins over its group
    others = np.setdiff1d(np.arange(cell.n_branches), np.concatenate([soma_branches, apical_branches, [3]]))
    np.testing.assert_array_equal(cell.ncomp[others], base.ncomp[others])
    # A negative index counts from the end, as cell.branch(-1) does (it was "out of range").
    last = dx.read_swc(path, discretization=dx.PerBranch(dx.FixedNcomp(1), {-1: dx.FixedNcomp(3)}))
    assert last.ncomp[-1] == 3 and (last.ncomp[:-1] == 1).all()
    # Nested under a group, a branch index is still the cell's: -1 counted the group's
    # branches and gave the rule to another branch of the group (a review).
    basal = [int(b) for b in np.unique(cell._data.comp_branch[cell._data.groups["basal"]])]
    assert len(basal) > 1 and basal[-1] < cell.n_branches - 1  # -k means different branches in each
    key = basal[-1] - cell.n_branches  # the last basal branch, counted from the cell's end
    nested = dx.read_swc(
        path, discretization=dx.PerBranch(dx.FixedNcomp(1), {"basal": dx.PerBranch(dx.FixedNcomp(2), {key: dx.FixedNcomp(7)})})
    )
    flat = dx.read_swc(
        path, discretization=dx.PerBranch(dx.FixedNcomp(1), {"basal": dx.FixedNcomp(2), basal[-1]: dx.FixedNcomp(7)})
    )
    assert nested.ncomp[basal[-1]] == 7
    np.testing.assert_array_equal(nested.ncomp, flat.ncomp)
    outside = int(soma_branches[0])  # a valid branch, but not basal: named, not "out of range"
    with pytest.raises(IndexError, match=f"branch {outside} is not among the branches this rule covers"):
        dx.read_swc(
            path, discretization=dx.PerBranch(dx.FixedNcomp(1), {"basal": dx.PerBranch(dx.FixedNcomp(2), {outside: dx.FixedNcomp(7)})})
        )


def test_policy_errors():
    path = hand_file("soma_cylinders.swc")
    with pytest.raises(ValueError, match="positive integer"):
        dx.FixedNcomp(0)
    with pytest.raises(ValueError, match="max_length > 0"):
        dx.MaxLength(-1.0)
    with pytest.raises(ValueError, match="d_lambda must be"):
        dx.DLambda(0.0)
    with pytest.raises(TypeError, match="discretisation objects"):
        dx.PerBranch(dx.DLambda(), {"soma": 3})
    with pytest.raises(KeyError, match="no branch is in group 'axonal'"):
        dx.read_swc(path, discretization=dx.PerBranch(dx.DLambda(), {"axonal": dx.FixedNcomp(1)}))
    with pytest.raises(IndexError, match="out of range"):
        dx.read_swc(path, discretization=dx.PerBranch(dx.DLambda(), {99: dx.FixedNcomp(1)}))


def test_d_lambda_with_zero_diameters():
    """NEURON's lambda_f divides by zero on a piece with zero diameter at both ends."""
    with pytest.raises(ValueError, match="zero diameter at both ends"):
        dx.read_swc(hand_file("zero_radius.swc"), discretization=dx.DLambda())
    rule = dx.PerBranch(dx.DLambda(), {"apical": dx.FixedNcomp(3)})
    assert dx.read_swc(hand_file("zero_radius.swc"), discretization=rule).n_comps > 3


def test_neuron_round_matches_printf():
    """%.8g then float32, as NEURON stores Import3d's points, for awkward values too."""
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.uniform(-1e3, 1e3, 20000),
            10.0 ** rng.uniform(-30, 30, 5000) * rng.choice([-1, 1], 5000),
            np.array([0.0, -0.0, 1.0, 10.0, 1e7, 99999999.5, 0.123456785, 263.248016357, 5e-324, 3e38]),
            np.round(rng.uniform(-500, 500, 5000), 4),
        ]
    )
    expected = np.array([float(np.float32(float(f"{v:.8g}"))) for v in values])
    np.testing.assert_array_equal(neuron_round(values), expected)


def test_discretization_is_an_option_object():
    assert dx.DLambda(0.1) == dx.DLambda(0.1)
    assert isinstance(dx.MaxLength(10.0), dx.Discretization)
    with pytest.raises(TypeError):
        dx.Discretization()


def test_a_discretisation_far_too_fine_warns(monkeypatch):
    """MaxLength(1e-3) on CA1 built 11.9 million compartments without a word (a review):
    beyond MANY_COMPARTMENTS (a million; lowered here to keep the test small) it warns."""
    from dendrax.morphology import swc

    monkeypatch.setattr(swc, "MANY_COMPARTMENTS", 20)
    with pytest.warns(UserWarning, match="compartments .*check the rule's units"):
        dx.read_swc(hand_file("soma_cylinders.swc"), discretization=dx.MaxLength(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=1)  # few compartments: silent
