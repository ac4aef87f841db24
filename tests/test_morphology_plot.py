"""dx.plot: morphologies coloured per compartment (2-D projections and 3-D) and traces."""

import subprocess
import sys

import numpy as np
import pytest

import dendrax as dx

from .swc_helpers import hand_file

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_importing_dendrax_does_not_import_matplotlib():
    code = "import sys, dendrax; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_morphology_coloured_by_values():
    cell = dx.read_swc(hand_file("soma_cylinders.swc"), ncomp=3)
    values = dx.path_distance(cell)
    ax = dx.plot.morphology(cell, color=values, label="distance (µm)")
    (coll,) = ax.collections
    segments = coll.get_segments()
    assert len(segments) == cell.n_comps
    np.testing.assert_array_equal(coll.get_array(), values)
    # Each compartment's line runs between its ends on the branch; x-y projection.
    centres = dx.compartment_centers(cell)
    for seg, centre in zip(segments, centres):
        lo, hi = seg.min(axis=0), seg.max(axis=0)
        assert np.all(lo - 1e-9 <= centre[:2]) and np.all(centre[:2] <= hi + 1e-9)
    assert ax.get_xlabel() == "x (µm)" and ax.get_ylabel() == "y (µm)"
    assert len(ax.figure.axes) == 2  # with a colour bar


def test_projections_and_3d():
    cell = dx.read_swc(hand_file("soma_contour.swc"), ncomp=2)
    ax = dx.plot.morphology(cell, dims=(0, 2), color="tab:red", linewidth=2.0)
    assert ax.get_ylabel() == "z (µm)"
    ax3 = dx.plot.morphology(cell, dims=(0, 1, 2), color=np.arange(cell.n_comps))
    assert ax3.name == "3d"
    rgba = np.tile([0.1, 0.2, 0.3, 1.0], (cell.n_comps, 1))
    dx.plot.morphology(cell, color=rgba)


def test_hand_built_cell_can_be_plotted():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
    ax = dx.plot.morphology(cell)
    assert len(ax.collections[0].get_segments()) == 12


def test_bad_plot_arguments():
    cell = dx.read_swc(hand_file("soma_contour.swc"))
    with pytest.raises(ValueError, match="one number per compartment"):
        dx.plot.morphology(cell, color=np.zeros(cell.n_comps + 1))
    with pytest.raises(ValueError, match="dims must be"):
        dx.plot.morphology(cell, dims=(0, 0))
    # Was a raw "'Axes' object has no attribute 'set_zlim'".
    _, flat = plt.subplots()
    with pytest.raises(ValueError, match=r"dims=\(0, 1, 2\) needs a 3-D Axes; got a 2-D one"):
        dx.plot.morphology(cell, dims=(0, 1, 2), ax=flat)
    plt.close("all")
    with pytest.raises(ValueError, match="delta_t must be > 0"):
        dx.plot.traces(np.zeros(3), delta_t=0.0)
    with pytest.raises(ValueError, match="labels has 1 entries for 2"):
        dx.plot.traces(np.zeros((2, 3)), delta_t=0.1, labels=["a"])


def test_traces_in_ms():
    from dendrax.channels import HH

    cell = dx.read_swc(hand_file("soma_single_point.swc"), ncomp=1)
    cell.insert(HH())
    cell.branch(0).loc(0.5).record("v")
    v = dx.integrate(cell, t_max=2.0, delta_t=0.025)
    ax = dx.plot.traces(v, delta_t=0.025, labels=["soma"])
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_xdata(), np.arange(81) * 0.025)
    np.testing.assert_array_equal(line.get_ydata(), np.asarray(v)[0])
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "v (mV)"
    assert ax.get_legend() is not None


def test_a_selection_colours_and_bad_input():
    # Found by review: a selection raised a bare AttributeError; an RGB tuple was refused
    # although the docs accept "one matplotlib colour"; labels="soma" labelled four rows
    # "s", "o", "m", "a"; a negative line width and all-NaN colours passed silently.
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.add_group("apical", cell.branch([1, 2]))
    distance = dx.path_distance(cell, origin=(0, 0.0))  # µm: [25, 75, 125, 175, 125, 175]
    ax = dx.plot.morphology(cell.apical, color=distance)
    assert len(ax.collections[0].get_segments()) == 4
    np.testing.assert_array_equal(ax.collections[0].get_array(), distance[2:])
    ax = dx.plot.morphology(cell, color=tuple(distance))  # a tuple of n values: one per compartment
    np.testing.assert_array_equal(ax.collections[0].get_array(), distance)
    ax = dx.plot.morphology(cell, color=(1.0, 0.0, 0.0))
    np.testing.assert_array_equal(ax.collections[0].get_colors(), np.tile([1.0, 0.0, 0.0, 1.0], (6, 1)))
    with pytest.raises(ValueError, match="linewidth must be > 0"):
        dx.plot.morphology(cell, linewidth=-1)
    with pytest.raises(ValueError, match="no finite value"):
        dx.plot.morphology(cell, color=np.full(6, np.nan))
    with pytest.raises(ValueError, match="one string per recording"):
        dx.plot.traces(np.zeros((4, 10)), 0.025, labels="soma")
    assert dx.plot.traces(np.zeros(10), 0.025, labels="soma").lines[0].get_label() == "soma"


def test_selection_order_infinite_and_empty_colours_and_a_3d_view_to_scale():
    # Found by review: values given for branch([2, 1]) were drawn in sorted order (each
    # branch in the other's colour); one inf value mapped every compartment to one colour;
    # an empty selection raised NumPy's "zero-size array"; the 3-D box was not to scale.
    cell = dx.Cell(
        [dx.Branch(length=100.0, radius=1.0, ncomp=1), dx.Branch(length=100.0, radius=0.5, ncomp=1),
         dx.Branch(length=100.0, radius=2.0, ncomp=1)],
        parents=[-1, 0, 0],
    )
    selection = cell.branch([2, 1])
    ax = dx.plot.morphology(selection, color=selection.get("radius"))
    segments, values = ax.collections[0].get_segments(), ax.collections[0].get_array()
    widths = ax.collections[0].get_linewidths()
    assert list(values) == [2.0, 0.5] and list(widths) == [4.0, 1.0]  # each branch its own radius (µm)
    np.testing.assert_allclose(segments[0], dx.plot.morphology(cell.branch(2)).collections[0].get_segments()[0])
    twice = cell.branch([1, 1])
    np.testing.assert_array_equal(dx.plot.morphology(twice, color=twice.get("radius")).collections[0].get_array(), [0.5])
    with pytest.raises(ValueError, match=r"color value 1 \(of the compartments drawn\) is inf"):
        dx.plot.morphology(cell, color=np.array([1.0, np.inf, 2.0]))
    with pytest.raises(ValueError, match=r"vmin \(5.0\) is above vmax \(1.0\)"):
        dx.plot.morphology(cell, color=np.array([1.0, 2.0, 3.0]), vmin=5.0, vmax=1.0)
    with pytest.raises(ValueError, match="morphology\\(\\) of an empty selection"):
        dx.plot.morphology(cell.select(np.zeros(3, dtype=bool)), color=np.zeros(0))
    ax3 = dx.plot.morphology(cell, dims=(0, 1, 2))
    spans = np.array([np.ptp(ax3.get_xlim()), np.ptp(ax3.get_ylim()), np.ptp(ax3.get_zlim())])
    box = np.asarray(ax3.get_box_aspect())
    np.testing.assert_allclose(box / box[0], spans / spans[0], rtol=1e-9)  # to scale
