"""What stays fixed during a simulation, computed once from the parameters (differentiable).

`prepare` turns a compiled `System` and parameter values into a `Prepared`: node
capacitances and membrane areas, the axial coupling in the solver's form, each mechanism's
and synapse's parameters, the diffusion operators. `dendrax.simulate.step` then reads it at
every time step.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .compile.system import Placement, System
from .mechanisms.ions import names as ion_names
from .solve.hines import CouplingWeights, couple
from .solve.steppers import BackwardEuler, Stepper
from .synaptic import delay_steps

__all__ = ["CAPACITANCE_TO_NODE", "DENSITY_TO_NODE", "Prepared", "RESISTANCE_TO_MOHM", "prepare"]

# Unit conversions. Areas µm², capacitance µF/cm², current density mA/cm², conductance
# density S/cm², resistivity Ω·cm, voltage mV, time ms; node currents nA, conductances µS.
DENSITY_TO_NODE = 1e-2  # (mA/cm²)·µm² -> nA and (S/cm²)·µm² -> µS
CAPACITANCE_TO_NODE = 1e-5  # (µF/cm²)·µm² -> nF
RESISTANCE_TO_MOHM = 1e-2  # Ω·cm · µm / µm² -> MΩ


class Prepared(eqx.Module):
    """Quantities that are constant during a simulation, computed once from the parameters.

    Attributes:
        clamp_conductance: axial conductance (µS) of each edge touching a voltage-clamped node.
        syn_params, syn_weights, syn_lags, syn_initial: per synapse type, its parameters,
            connection weights (µS), delays in steps, and set initial states (NaN: default).
        gap_explicit: conductance (µS) of each gap junction that closes a loop (a row of
            ``network.gaps_explicit``; part of the solve, `solve.loops`).
        dt: time step, ms.
        capacitance: node capacitance, nF (0 at zero-area nodes).
        area: compartment membrane area, µm².
        coupling: axial coupling in the solver's form (negative conductances, µS).
        coupling_sum: total axial conductance at each node, µS.
        v_init: initial membrane potential at each node, mV.
        mech_params: for each mechanism, its parameters over its compartments (and
            ``celsius``).
        ion_params: reversal potentials and concentrations as parameters, per compartment.
        initial_states: explicitly set initial states per mechanism (see ``initial_set``).
        trained_states: whether trainable initial states are written into ``initial_states``
            (and ``syn_initial``) and apply where their trainables drive (`Layout.is_set`).
        celsius: temperature, °C.
        volume: compartment volume, µm³.
        diffusion: for each diffusing concentration, its coupling in the solver's form
            (µm³/ms between neighbouring nodes) and the total coupling of each node.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.prepared import prepare
        >>> prepared = prepare(dx.Compartment(length=20.0, radius=10.0).compile(), delta_t=0.025)
        >>> float(prepared.dt), round(float(prepared.area[0]), 1)       # ms, µm²: 2π r L
        (0.025, 1256.6)
    """

    clamp_conductance: Array
    syn_params: tuple[dict[str, Array], ...]
    syn_weights: tuple[Array, ...]
    syn_lags: tuple[Array, ...]
    syn_initial: tuple[dict[str, Array], ...]
    gap_explicit: Array
    dt: Array
    capacitance: Array
    area: Array
    coupling: CouplingWeights
    coupling_sum: Array
    v_init: Array
    mech_params: tuple[dict[str, Array], ...]
    ion_params: dict[str, Array]
    initial_states: tuple[dict[str, Array], ...]
    celsius: Array
    volume: Array
    diffusion: tuple[tuple[CouplingWeights, Array], ...]
    trained_states: bool = eqx.field(default=False, static=True)


def _mechanism_params(placement: Placement, params: Mapping[str, Array]) -> dict[str, Array]:
    """A mechanism's own parameters (short names) and ``celsius``, over its compartments."""
    comps = placement.comps
    out = {k: params[f"{placement.name}_{k}"][comps] for k in placement.mechanism.params}
    out["celsius"] = params["celsius"]  # a scalar: temperature factors are computed once
    return out


def prepare(
    system: System,
    params: Mapping[str, Array] | None = None,
    delta_t: float | Array = 0.025,
    solver: Stepper = BackwardEuler(),
    initial_states: Mapping[str, Array] | None = None,
    trained_states: bool = False,
) -> Prepared:
    """Compute conductances, capacitances and per-mechanism parameters (differentiable).

    Args:
        system: the compiled model.
        params: overrides for ``system.params`` (see `integrate`); already validated.
        delta_t: time step, ms.
        solver: the time stepper.
        initial_states: overrides for ``system.initial_states`` (used where
            ``system.layout.initial_set`` says a value is set).
        trained_states: ``True`` where ``initial_states`` (and ``params``) hold the values of
            trainable initial states (`apply_trainables`): they then apply where their
            trainables drive, not only where the description sets a value.

    Example:
        Overrides are per compartment, already in the compiled model's shapes:

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.prepared import prepare
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> system = cell.compile()
        >>> prepared = prepare(system, delta_t=0.025)                  # ms
        >>> faster = prepare(system, {"HH_gNa": jnp.full(1, 0.24)})      # S/cm²
        >>> float(faster.mech_params[0]["gNa"][0]), float(prepared.mech_params[0]["gNa"][0])
        (0.24, 0.12)
    """
    layout = system.layout
    dtype = jnp.result_type(float)  # float64 with jax_enable_x64, else float32
    p = dict(system.params)
    if params:
        p.update(params)
    p = {k: jnp.asarray(v, dtype) for k, v in p.items()}
    shape = {k: jnp.asarray(v, dtype) for k, v in system.shape.items()}
    nc = layout.node_comp
    length, radius = p["length"], p["radius"]
    area_desc = 2.0 * jnp.pi * radius * length * shape["area_factor"]
    half = RESISTANCE_TO_MOHM * p["axial_resistivity"] * (length / 2.0) / (jnp.pi * radius * radius)
    halves = jnp.stack(
        [half * shape["resistance_factor_left"], half * shape["resistance_factor_right"]], axis=1
    ).reshape(-1)
    halves = jnp.concatenate([halves, jnp.zeros((1,), halves.dtype)])
    r_edge = halves[layout.edge_halves[:, 0]] + halves[layout.edge_halves[:, 1]]
    g_edge = 1.0 / r_edge
    diffusion = tuple(
        _diffusion_operator(layout, p[f"{var}_diffusion"], length, radius, shape) for var, _ in layout.diffusions
    )
    network = layout.network
    g_gap = p.get("GapJunction_gGap", jnp.zeros((0,), dtype))
    gaps = network.gaps_implicit
    g_implicit = g_gap[gaps[:, 2]] if len(gaps) else jnp.zeros((0,), dtype)
    if len(network.gaps_merged):  # junctions in parallel with an implicit one: conductances add
        merged = network.gaps_merged
        g_implicit = g_implicit.at[merged[:, 0]].add(g_gap[merged[:, 1]])
    loops = network.gaps_explicit
    g_loops = g_gap[loops[:, 2]] if len(loops) else jnp.zeros((0,), dtype)
    # Implicit gap junctions are extra edges of the tree solve, loop-closing ones a low-rank
    # correction to it (`solve.loops`); edges at clamped nodes act through rhs instead.
    g_all = jnp.concatenate([g_edge, g_implicit, g_loops])
    clamped = layout.clamped_edges
    g_tree = g_all[: len(g_edge) + len(g_implicit)]
    if len(clamped):
        g_tree = g_all.at[clamped[:, 0]].set(0.0)[: len(g_tree)]
    coupling = couple(layout.solver, -g_tree)
    coupling_sum = jnp.zeros((layout.n_nodes,), g_edge.dtype)
    if len(layout.edge_nodes):
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 0]].add(g_edge)
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 1]].add(g_edge)
    if len(gaps):
        coupling_sum = coupling_sum.at[gaps[:, 0]].add(g_implicit).at[gaps[:, 1]].add(g_implicit)
    if len(loops):
        coupling_sum = coupling_sum.at[loops[:, 0]].add(g_loops).at[loops[:, 1]].add(g_loops)
    dt_value = jnp.asarray(delta_t, dtype)
    syn_params, syn_weights, syn_lags, syn_initial = [], [], [], []
    for group in network.groups:
        mech, name = group.mechanism, group.name
        syn_params.append({k: p[f"{name}_{k}"] for k in mech.params})
        syn_initial.append({k: p[f"{name}_init_{k}"] for k in mech.states})
        if mech.event_driven:
            syn_weights.append(p[f"{name}_weight"])
            syn_lags.append(delay_steps(p[f"{name}_delay"], dt_value))
        else:
            syn_weights.append(jnp.zeros((0,), dtype))
            syn_lags.append(jnp.zeros((0,), jnp.int32))
    area = area_desc[nc]
    capacitance = p["capacitance"][nc] * area * CAPACITANCE_TO_NODE
    v_comp = p["v"][nc]
    v_init = jnp.concatenate([v_comp, v_comp[layout.junction_source]])
    mech_params = tuple(_mechanism_params(pl, p) for pl in layout.placements)
    ion_params = {var: p[var][nc] for ion in layout.ions for var in ion_names(ion)[:3]}
    explicit = dict(system.initial_states)
    if initial_states:
        explicit.update(initial_states)
    initial_states = tuple(
        {k: jnp.asarray(explicit[f"{pl.name}_{k}"], dtype)[pl.comps] for k in pl.mechanism.states}
        for pl in layout.placements
    )
    return Prepared(
        clamp_conductance=g_all[clamped[:, 0]] if len(clamped) else jnp.zeros((0,), dtype),
        syn_params=tuple(syn_params),
        syn_weights=tuple(syn_weights),
        syn_lags=tuple(syn_lags),
        syn_initial=tuple(syn_initial),
        gap_explicit=g_loops,
        dt=jnp.asarray(delta_t, dtype),
        capacitance=capacitance,
        area=area,
        coupling=coupling,
        coupling_sum=coupling_sum,
        v_init=v_init,
        mech_params=mech_params,
        ion_params=ion_params,
        initial_states=initial_states,
        trained_states=trained_states,
        celsius=p["celsius"],
        volume=(jnp.pi * radius * radius * length * shape.get("volume_factor", 1.0))[nc],
        diffusion=diffusion,
    )


def _diffusion_operator(layout, coefficient, length, radius, shape):
    """Coupling (µm³/ms) between neighbouring nodes for a diffusion coefficient (µm²/ms).

    The same geometry as the axial conductance: the integral of dx / (pi r²) over the two
    half compartments between the nodes, with 1 / coefficient in place of the resistivity.

    1e-20 µm²/ms is added to the coefficient: a zero-volume node (a branch point) then holds
    the weighted mean of its neighbours for every coefficient >= 0, the limit of a vanishing
    one, instead of 0 mM at exactly 0, where the gradient with respect to the coefficient
    saw it as a sink (wrong, even in sign). Its flux is 1e-22 of the amount per step: none
    in float64 or float32.
    """
    half = (length / 2.0) / (jnp.pi * radius * radius)
    halves = jnp.stack(
        [half * shape["resistance_factor_left"], half * shape["resistance_factor_right"]], axis=1
    ).reshape(-1)
    halves = jnp.concatenate([halves, jnp.zeros((1,), halves.dtype)])
    k_edge = (coefficient + 1e-20) / (halves[layout.edge_halves[:, 0]] + halves[layout.edge_halves[:, 1]])
    total = jnp.zeros((layout.n_nodes,), k_edge.dtype)
    if len(layout.edge_nodes):
        total = total.at[layout.edge_nodes[:, 0]].add(k_edge).at[layout.edge_nodes[:, 1]].add(k_edge)
    return couple(layout.solver, -k_edge), total


def warn_float32_capacitance(system: System, delta_t: float) -> None:
    """Warn where, in float32, a compartment's C/dt is lost in the axial conductances it is
    added to in the voltage equation (float32 resolves their sum to 6e-8 of it): very short
    compartments, e.g. 0.05 µm at 0.025 ms, whose voltages are then tenths of a mV off
    (a review of float32). The estimate takes two neighbours like the compartment itself."""
    p = system.params
    if jnp.result_type(float) != jnp.float32 or any(not hasattr(p[k], "__array__") or isinstance(p[k], jax.core.Tracer) for k in _GEOMETRY):
        return
    length, radius, ra, cm = (np.asarray(p[k], np.float64) for k in _GEOMETRY)
    if length.ndim == 0 or len(length) < 2:
        return  # one compartment: no axial conductance
    half = RESISTANCE_TO_MOHM * ra * (length / 2.0) / (np.pi * radius * radius)  # MΩ
    cap = cm * 2.0 * np.pi * radius * length * CAPACITANCE_TO_NODE / delta_t  # µS
    error = np.finfo(np.float32).eps * (1.0 / half) / cap  # two edges of 1 / (2 half) each
    worst = int(np.argmax(error))
    if error[worst] > 0.1:
        warnings.warn(
            f"in float32, compartment {worst} ({length[worst]:.3g} µm long) is so short for dt = {delta_t:g} ms that "
            f"its capacitance is resolved only to {error[worst]:.0%} in the voltage equation ({int(np.sum(error > 0.1))} "
            "compartments beyond 10 %): voltages may be tenths of a mV off float64. Use float64, fewer "
            "compartments on the short branches, or a longer dt",
            stacklevel=3,
        )


_GEOMETRY = ("length", "radius", "axial_resistivity", "capacitance")
