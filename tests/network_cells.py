"""The branched HH cell the network tests connect, in dendrax and in NEURON."""

import dendrax as dx
from dendrax.channels import HH


def hh_cell():
    cell = dx.Cell(
        [dx.Branch(length=20.0, radius=10.0, ncomp=1), dx.Branch(length=150.0, radius=1.0, ncomp=5),
         dx.Branch(length=100.0, radius=0.6, ncomp=3)],
        parents=[-1, 0, 1],
    )
    cell.insert(HH())
    return cell


def neuron_cell(h, i):
    soma, d1, d2 = (h.Section(name=f"{n}{i}") for n in ("soma", "dend", "tip"))
    soma.L, soma.diam = 20.0, 20.0
    d1.L, d1.diam, d1.nseg = 150.0, 2.0, 5
    d2.L, d2.diam, d2.nseg = 100.0, 1.2, 3
    d1.connect(soma(1.0))
    d2.connect(d1(1.0))
    for s in (soma, d1, d2):
        s.insert("hh")
    return soma, d1, d2
