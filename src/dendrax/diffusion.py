"""Longitudinal diffusion of ion concentrations (``cell.diffuse("cai", D)``) over one time
step: the part of `simulate.advance` after the mechanisms have updated their states."""

from __future__ import annotations

import jax.numpy as jnp

from .prepared import Prepared
from .solve.hines import edge_currents, solve_voltage_system

__all__ = ["diffuse"]


def diffuse(layout, prepared: Prepared, states):
    """Implicit-Euler diffusion of each diffusing concentration over the cell's tree.

    Solved for the change, ``A delta = -(net outflux at c)``, not for the new values
    (``A c' = V c / dt``): the solve's round-off is then relative to the change, not to the
    concentration, and the outflux, taken from differences, sums to zero. In float32 the
    amount of ion drifted by 5e-4 in 40,000 steps solved for the values.
    """
    if not layout.diffusions:
        return states
    out = [dict(s) for s in states]
    c = layout.n_comps
    for (var, k), (coupling, total) in zip(layout.diffusions, prepared.diffusion):
        conc = out[k][var]
        capacity = prepared.volume / prepared.dt
        pad = jnp.zeros((layout.n_nodes - c,), conc.dtype)
        # Zero-area nodes hold no ion: their rows are the neighbours' weighted mean (every
        # edge's coupling is > 0, even at coefficient 0: `prepared._diffusion_operator`).
        diag = jnp.concatenate([capacity, pad]) + total
        # Those nodes start from that mean (exact unless two of them are neighbours; the
        # solve corrects whatever start it is given).
        nodes = jnp.concatenate([conc, pad])
        nodes = nodes.at[c:].set(-edge_currents(layout.solver, coupling, nodes)[c:] / total[c:])
        change = solve_voltage_system(layout.solver, coupling, diag, -edge_currents(layout.solver, coupling, nodes))
        out[k][var] = conc + change[:c]
    return tuple(out)
