"""`uninsert`: a mechanism taken out of some compartments simulates as if it had never been
inserted there (against NEURON's ``sec.uninsert`` and against the same model built directly),
and a refused call changes nothing."""

import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak, NaTa_t

from .neuron_reference import build

T_MAX = 20.0  # ms


def tree():
    cell = dx.Cell(
        [dx.Branch(length=200.0, radius=1.0, ncomp=4), dx.Branch(length=150.0, radius=0.6, ncomp=3),
         dx.Branch(length=120.0, radius=0.5, ncomp=5)],
        parents=[-1, 0, 0],
    )
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 15.0, 0.3, 0.025, T_MAX))
    cell.branch(1).loc(1.0).record("v")
    cell.branch(2).loc(1.0).record("v")
    return cell


def test_an_uninserted_branch_matches_neurons_uninsert(neuron_h):
    h = neuron_h
    cell = tree()
    cell.insert(HH())
    sections, *_, recorders = build(h, cell)  # HH everywhere, as the description was
    sections[1].uninsert("hh")
    sections[1].insert("pas")
    for seg in sections[1]:
        seg.g_pas, seg.e_pas = 2e-4, -65.0
    h.finitialize(-65.0)
    h.continuerun(T_MAX)
    ref = np.array([r.as_numpy() for r in recorders])

    cell.branch(1).uninsert("HH")
    cell.branch(1).insert(Leak())
    cell.branch(1).set("Leak_gLeak", 2e-4)  # S/cm²
    cell.branch(1).set("Leak_eLeak", -65.0)  # mV
    v = np.asarray(dx.integrate(cell, t_max=T_MAX))
    assert ref.max() > 0.0  # the stimulated tree spikes: HH is still in branches 0 and 2
    # float64, NEURON's discretisation and update order: round-off (as test_against_neuron).
    assert np.abs(v - ref).mean() < 1e-6
    assert np.abs(v - ref).max() < 1e-4


def test_uninsert_from_some_compartments_equals_never_inserting_there():
    mask = np.zeros(12, dtype=bool)
    mask[[1, 5, 6, 11]] = True
    taken = tree()
    taken.insert(HH())
    taken.branch(0).set("HH_gNa", 0.2)  # S/cm²
    taken.select(mask).uninsert(HH())  # an instance works as well as the name
    direct = tree()
    direct.select(~mask).insert(HH())
    direct.select(~mask & (np.arange(12) < 4)).set("HH_gNa", 0.2)
    assert np.array_equal(taken.get("HH_gNa"), direct.get("HH_gNa"), equal_nan=True)
    assert np.isnan(taken.get("HH_gNa")[mask]).all()
    np.testing.assert_array_equal(dx.integrate(taken, t_max=T_MAX), dx.integrate(direct, t_max=T_MAX))

    # Taken out everywhere: the mechanism and its values are gone; inserting it again starts
    # from its defaults.
    taken.uninsert("HH")
    assert "HH" not in taken._mechanisms and "HH_gNa" not in taken._data.columns
    with pytest.raises(KeyError, match="HH_gNa"):
        taken.get("HH_gNa")
    passive = tree()
    np.testing.assert_array_equal(dx.integrate(taken, t_max=T_MAX), dx.integrate(passive, t_max=T_MAX))
    taken.insert(HH())
    assert np.all(taken.get("HH_gNa") == HH.params["gNa"])


def test_a_refused_uninsert_changes_nothing():
    cell = tree()
    cell.branch([0, 1]).insert(HH())
    cell.branch(1).make_trainable("HH_gK")
    cell.branch(0).comp(1).record("HH_m")
    cell.branch(0).comp(2).clamp("HH_h", np.full(801, 0.5))
    before = (dict(cell._mechanisms), {k: v.copy() for k, v in cell._data.columns.items()}, cell._version)

    with pytest.raises(ValueError, match=r"HH is not inserted in any of the 5 selected compartments \(it is in 7"):
        cell.branch(2).uninsert("HH")
    with pytest.raises(ValueError, match=r"no mechanism named 'Leak' is inserted; inserted: \['HH'\]"):
        cell.uninsert("Leak")
    with pytest.raises(TypeError, match="uninsert\\(\\) takes a mechanism or its name"):
        cell.uninsert(3)
    with pytest.raises(ValueError, match="HH_gK is trainable in compartments HH would leave .*delete_trainables"):
        cell.branch(1).uninsert("HH")
    with pytest.raises(ValueError, match="HH_m is recorded at compartment 1, which HH would leave.*delete_recordings"):
        cell.branch(0).comp(1).uninsert("HH")
    with pytest.raises(ValueError, match="HH_h is clamped at compartment 2, which HH would leave.*delete_clamps"):
        cell.branch(0).comp(2).uninsert("HH")
    # An ion's current where nothing else carries the ion would be a row of zeros, which
    # record() refuses (a review): refused too; where another mechanism carries it, allowed.
    sodium = tree()
    sodium.insert(HH())
    sodium.branch(1).comp(0).record("ina")
    with pytest.raises(ValueError, match="ina is recorded at compartment 4, which HH would leave"):
        sodium.branch(1).uninsert("HH")
    sodium.branch(1).insert(NaTa_t())
    sodium.branch(1).uninsert("HH")  # NaTa_t carries sodium there
    assert not sodium._mechanisms["HH"][1][4:7].any()
    with pytest.raises(ValueError, match="the inserted HH is a different mechanism"):
        cell.uninsert(type("HH", (Leak,), {})())

    mechanisms, columns, version = before
    assert cell._version == version and cell._mechanisms.keys() == mechanisms.keys()
    assert all(np.array_equal(cell._mechanisms[k][1], mechanisms[k][1]) for k in mechanisms)
    assert all(np.array_equal(cell._data.columns[k], v, equal_nan=True) for k, v in columns.items())
    # Where nothing uses it, the same call goes through.
    cell.branch(0).comp(3).uninsert("HH")
    assert np.isnan(cell.get("HH_gNa")[3]) and cell.get("HH_gNa")[2] == HH.params["gNa"]
