"""Malformed SWC files raise SwcError naming the file and the line; odd but valid ones
(zero radii, duplicated points) are read as NEURON reads them."""

import re
import warnings

import numpy as np
import pytest

import dendrax as dx

from .swc_helpers import hand_file, load_neuron

SOMA = "1 1 0 0 0 5 -1\n"


def write(tmp_path, text, name="bad.swc"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, line, pattern",
    [
        (SOMA + "2 3 0 10 0 1 7\n", 2, "parent id 7 of sample 2 is not in the file"),
        (SOMA + "2 3 0 10 0 1 3\n3 3 0 20 0 1 2\n", 2, "cycle: 2 -> 3 -> 2|cycle: 3 -> 2 -> 3"),
        (SOMA + "2 3 0 10 0 1 2\n", 2, "its own parent"),
        (SOMA + "2 3 0 10 0 1 1\n2 3 0 20 0 1 1\n", 2, "duplicate id 2"),
        (SOMA + "2 3 0 10 0 -1 1\n", 2, "radius must be >= 0"),
        (SOMA + "2 3 0 ten 0 1 1\n", 2, "the y field 'ten' is not a number"),
        (SOMA + "2 3 0 10 0 1\n", 2, "expected 7 fields"),
        (SOMA + "2.5 3 0 10 0 1 1\n", 2, "the id field must be an integer"),
        (SOMA + "2 3 0 nan 0 1 1\n", 2, "must be finite"),
        (SOMA + "2 3 0 10 0 1 3\n3 3 0 20 0 1 1\n", 2, "has parent 3, a larger id"),
        (SOMA + "2 3 0 10 0 1 -1\n", None, "2 root samples"),
        # Any negative parent is a root (NEURON's rule); the message said "(parent -1)".
        (SOMA + "2 3 0 10 0 1 -2\n", None, r"2 root samples \(a negative parent id, e.g. -1\)"),
        (SOMA + "2 3 0 0 0 1 1\n3 3 0 0 0 2 2\n4 3 0 0 0 1 3\n", 2, "zero length"),
        # A root with parent 0 (some tools write it): the message says what a root needs.
        ("1 1 0 0 0 5 0\n2 3 0 10 0 1 1\n", 1, "a root's parent id must be negative.*give it parent -1"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, text, line, pattern):
    path = write(tmp_path, "# header\n" + text)
    with pytest.raises(dx.SwcError, match=pattern) as err:
        dx.read_swc(path)
    assert "bad.swc" in str(err.value)
    if line is not None:
        assert re.search(rf"lines? (\d+-)?{line + 1}\b", str(err.value)), str(err.value)  # +1: the header


def test_swc_error_is_a_value_error():
    assert issubclass(dx.SwcError, ValueError)


def test_empty_file(tmp_path):
    with pytest.raises(dx.SwcError, match="no SWC samples"):
        dx.read_swc(write(tmp_path, "# only a comment\n\n"))


def test_no_soma_where_one_is_required(tmp_path):
    path = write(tmp_path, "1 3 0 0 0 1 -1\n2 3 0 10 0 1 1\n")
    assert dx.read_swc(path).n_branches == 1  # NEURON reads it too
    with pytest.raises(dx.SwcError, match="no soma sample"):
        dx.read_swc(path, require_soma=True)
    with pytest.raises(ValueError, match="no 'soma' group"):
        dx.path_distance(dx.read_swc(path))


def test_binary_file(tmp_path):
    path = tmp_path / "bad.swc"
    path.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(dx.SwcError, match="not a text file"):
        dx.read_swc(path)


def test_samples_neuron_would_misread(tmp_path):
    """Sample 4 hangs on the first sample (3) of a dendrite attached to the soma and is not
    next to it; sample 3 has no other child, so NEURON's Import3d would join 3 with the
    unrelated sample 4 into one section. dendrax refuses with an explanation."""
    text = "1 1 0 0 0 5 -1\n2 1 0 5 0 5 1\n3 3 0 10 0 1 2\n4 3 20 0 0 1 1\n5 3 40 10 0 1 3\n"
    with pytest.raises(dx.SwcError, match="not a child of sample"):
        dx.read_swc(write(tmp_path, text))


def test_zero_area_compartment(neuron_h, tmp_path):
    """Radius 0 over a whole compartment: NEURON's area is 0 there too (and it would divide
    by it), dendrax raises."""
    path = hand_file("zero_radius.swc")
    dx.read_swc(path, ncomp=3)  # fine
    with pytest.raises(dx.SwcError, match="zero membrane area"):
        dx.read_swc(path, ncomp=12)
    secs = load_neuron(neuron_h, path)
    secs["apic[0]"].nseg = 12
    assert secs["apic[0]"](1 / 24).area() == 0.0  # its first 5 µm have diameter 0


def test_zero_radius_is_read_like_neuron(neuron_h):
    """Radius-0 samples are valid, as in NEURON: its 1e15 floor on 1/d² makes a piece with a
    zero diameter at an end a near-infinite resistance, and a tip of radius 0 is a cone."""
    cell = dx.read_swc(hand_file("zero_radius.swc"), ncomp=3)
    secs = load_neuron(neuron_h, hand_file("zero_radius.swc"))
    for sec in secs.values():
        sec.nseg = 3
    ri = secs["dend[0]"](0.5).ri()
    assert ri > 1e10  # the interior zero radius cuts the dendrite electrically
    starts = cell._data.comp_start
    from .swc_helpers import neuron_ri

    np.testing.assert_allclose(neuron_ri(cell)[starts[1] + 1], ri, rtol=1e-12)


def test_bad_arguments(tmp_path):
    path = hand_file("soma_cylinders.swc")
    with pytest.raises(ValueError, match="either ncomp or discretization"):
        dx.read_swc(path, ncomp=2, discretization=dx.FixedNcomp(2))
    with pytest.raises(TypeError, match="discretization must be"):
        dx.read_swc(path, discretization="d_lambda")
    with pytest.raises(ValueError, match="positive integer"):
        dx.read_swc(path, ncomp=0)
    with pytest.raises(FileNotFoundError):
        dx.read_swc(tmp_path / "missing.swc")


def test_non_utf8_comments_and_a_byte_order_mark_are_read(tmp_path):
    # Bug: a Latin-1 author name in a comment made the file "not a text file", and a UTF-8
    # byte-order mark made the first id '\ufeff1'; NEURON reads both files.
    body = "1 1 0 0 0 5 -1\n2 3 0 10 0 1 1\n3 3 0 30 0 0.8 2\n"
    reference = dx.read_swc(_write(tmp_path / "plain.swc", body.encode()), ncomp=1)
    latin1 = _write(tmp_path / "latin1.swc", "# Jos\xe9 M\xfcller, \xb5m\n".encode("latin-1") + body.encode())
    bom = _write(tmp_path / "bom.swc", b"\xef\xbb\xbf" + body.encode())
    for path in (latin1, bom):
        cell = dx.read_swc(path, ncomp=1)
        np.testing.assert_array_equal(cell._data.columns["length"], reference._data.columns["length"])
        assert cell.n_branches == reference.n_branches == 2


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_a_file_in_millimetres_draws_a_warning(tmp_path):
    """SWC is in µm. A file written in millimetres (a 10 µm soma as 0.005) reads as a cell
    about 1 µm across whose every radius is below 0.05 µm; nothing else would flag it, and
    it would simulate a cell 1000 times too small. The same file in µm reads silently."""
    rows = [(1, 1, 0, 0, 0, 5, -1), (2, 3, 0, -5, 0, 1, 1), (3, 3, 0, -300, 0, 0.5, 2), (4, 4, 0, 400, 0, 1.5, 1)]
    in_um, in_mm = tmp_path / "um.swc", tmp_path / "mm.swc"
    in_um.write_text("".join(f"{i} {t} {x} {y} {z} {r} {p}\n" for i, t, x, y, z, r, p in rows))
    in_mm.write_text("".join(f"{i} {t} {x / 1e3} {y / 1e3} {z / 1e3} {r / 1e3} {p}\n" for i, t, x, y, z, r, p in rows))
    with pytest.warns(UserWarning, match=r"every radius is below 0\.05 µm \(the largest 0\.005 µm\).*millimetres"):
        dx.read_swc(in_mm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.read_swc(in_um)


def test_removed_zero_length_section_is_announced(tmp_path, neuron_h):
    """NEURON's Import3d removes a two-sample section whose samples coincide and prints
    which line it ended on; dendrax removes it the same way and warns, naming that line
    (it used to say nothing, and a whole SWC type could vanish from ``cell.groups``)."""
    text = SOMA + "2 3 5 0 0 1 1\n3 3 40 0 0 1 2\n4 3 40 0 0 1 3\n5 3 80 0 0 1 3\n6 3 40 40 0 1 4\n"
    path = write(tmp_path, text, "zero.swc")
    with pytest.warns(UserWarning, match=r"zero.swc: 1 section\(s\) of two samples at one place .*ending at line 4\b"):
        cell = dx.read_swc(path, ncomp=1)
    secs = load_neuron(neuron_h, path)
    assert cell.n_branches == len(secs) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.read_swc(write(tmp_path, SOMA + "2 3 5 0 0 1 1\n3 3 40 0 0 1 2\n", "fine.swc"))


def test_a_discretization_of_billions_of_compartments_is_refused_before_it_allocates():
    # read_swc(ncomp=1e7) on a 324-branch cell tried to build 3.2e9 compartments and
    # exhausted the machine's memory (review of error handling); a Branch likewise.
    from .swc_helpers import real_file

    with pytest.raises(ValueError, match="3,240,000,000 compartments, more than dendrax builds"):
        dx.read_swc(real_file("l5pc_with_axon.swc"), ncomp=10_000_000)
    with pytest.raises(ValueError, match="more compartments than dendrax builds"):
        dx.Branch(ncomp=10**9)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("1 1 0 0 0 10 -1\n2 3 10 0 0 1 1\n3 3 1e12 0 0 1 2\n", "length 1e\\+12 µm"),  # a mistyped x
        ("1 1 0 0 0 10 -1\n2 3 10 0 0 1e-12 1\n3 3 20 0 0 1e-12 2\n", "radius 1e-12 µm"),
    ],
)
def test_compartments_outside_the_range_set_takes_are_refused(tmp_path, text, what):
    """Found by review: read_swc built a 1e12 µm compartment that the cell's own
    ``set("length", cell.get("length"))`` then refused. The file is refused instead, naming
    its lines, the compartment and the value."""
    with pytest.raises(dx.SwcError, match=f"lines 2-3: compartment 1 \\(branch 1\\) has {what}"):
        dx.read_swc(write(tmp_path, text))


def test_write_swc_writes_utf8_in_any_locale_and_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    # Found by review: under a locale that cannot encode the header's "µm" (C/ASCII, CJK
    # Windows code pages) write_swc raised UnicodeEncodeError and left the target empty.
    import os
    import subprocess
    import sys

    target = tmp_path / "cell.swc"
    target.write_text("1 1 0 0 0 5 -1\n")
    code = (
        "import dendrax as dx; c = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0]); "
        f"dx.write_swc(c, {str(target)!r})"
    )
    env = dict(os.environ, PYTHONUTF8="0", PYTHONCOERCECLOCALE="0", LC_ALL="C", LANG="C")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "(µm)" in target.read_text(encoding="utf-8")
    assert dx.read_swc(target, ncomp=2).n_comps == 6
    before = target.read_bytes()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        dx.write_swc(dx.Compartment(), target)
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["cell.swc"]
    monkeypatch.undo()
    # Through a symbolic link, the file it names is written (the link stays), with its permissions.
    os.chmod(target, 0o640)
    link = tmp_path / "link.swc"
    link.symlink_to(target)
    dx.write_swc(dx.Compartment(), link)
    assert link.is_symlink() and dx.read_swc(target, ncomp=1).n_comps == 1
    assert target.stat().st_mode & 0o777 == 0o640
