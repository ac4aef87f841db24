"""What dendrax translates of NMODL, and what it refuses (with the message it gives).

The parser and the analysis read these tables; docs/nmodl.md lists the same coverage.
"""

from __future__ import annotations

__all__ = [
    "BUILTINS", "BUILTIN_ARITY", "FORBIDDEN", "IGNORED_CALLS", "SPECIALS", "UNSUPPORTED_BLOCKS", "UNSUPPORTED_CALLS",
    "UNSUPPORTED_NEURON", "UNSUPPORTED_STATEMENTS",
]  # fmt: skip

# Constructs NMODL has and dendrax does not translate, with what to say about them.
UNSUPPORTED_BLOCKS = {
    "LINEAR": "LINEAR blocks (simultaneous linear equations) are not supported",
    "NONLINEAR": "NONLINEAR blocks (algebraic equations) are not supported",
    "DISCRETE": "DISCRETE blocks are not supported",
    "PARTIAL": "PARTIAL blocks are not supported",
    "FUNCTION_TABLE": "FUNCTION_TABLE (tables filled from hoc) is not supported; write the function in NMODL",
    "BEFORE": "BEFORE blocks are not supported",
    "AFTER": "AFTER blocks are not supported",
    "CONSTRUCTOR": "CONSTRUCTOR blocks (C code run at creation) are not supported",
    "DESTRUCTOR": "DESTRUCTOR blocks are not supported",
    "TERMINAL": "TERMINAL blocks are not supported",
    "INCLUDE": "INCLUDE is not supported; paste the included file into this one",
    "PLOT": "PLOT is not supported",
    "MATCH": "MATCH blocks are not supported",
    "SENS": "SENS is not supported",
    "LAG": "LAG is not supported",
    "RESET": "RESET is not supported",
}
UNSUPPORTED_NEURON = {
    "POINTER": "POINTER variables (references to other mechanisms' variables) are not supported",
    "BBCOREPOINTER": "BBCOREPOINTER variables are not supported",
    "EXTERNAL": "EXTERNAL variables (other mechanisms' globals) are not supported",
    "ELECTRODE_CURRENT": "ELECTRODE_CURRENT is not supported; write a NONSPECIFIC_CURRENT (outward positive)",
    "ARTIFICIAL_CELL": "ARTIFICIAL_CELL is not supported; dendrax's point neurons are dendrax.PointNeuron classes",
    "RANDOM": "RANDOM variables (random number streams) are not supported",
}
UNSUPPORTED_STATEMENTS = {
    "while": "while loops are not supported; write the iterations out or use a closed form",
    "FROM": "FROM ... TO loops are not supported",
    "FOR_NETCONS": "FOR_NETCONS is not supported",
    "WATCH": "WATCH statements (threshold events) are not supported",
    "LAG": "LAG is not supported",
    "RESET": "RESET is not supported",
    "SENS": "SENS is not supported",
    "MATCH": "MATCH is not supported",
    "SWEEP": "SWEEP is not supported",
    "LONGITUDINAL_DIFFUSION": "LONGITUDINAL_DIFFUSION is not supported; use Module.diffuse on the concentration",
    "INITIAL": "an INITIAL block inside NET_RECEIVE (per-connection state) is not supported",
}
# NMODL's mathematical functions -> the jax.numpy expression (a format string of the arguments).
BUILTINS = {
    "exp": "nm.exp({0})", "log": "jnp.log({0})", "log10": "jnp.log10({0})", "sqrt": "jnp.sqrt({0})",
    "fabs": "jnp.abs({0})", "pow": "jnp.power({0}, {1})", "sin": "jnp.sin({0})", "cos": "jnp.cos({0})",
    "tan": "jnp.tan({0})", "asin": "jnp.arcsin({0})", "acos": "jnp.arccos({0})", "atan": "jnp.arctan({0})",
    "atan2": "jnp.arctan2({0}, {1})", "sinh": "jnp.sinh({0})", "cosh": "jnp.cosh({0})", "tanh": "jnp.tanh({0})",
    "floor": "jnp.floor({0})", "ceil": "jnp.ceil({0})", "fmod": "jnp.fmod({0}, {1})", "fmin": "jnp.minimum({0}, {1})",
    "fmax": "jnp.maximum({0}, {1})", "erf": "jax.scipy.special.erf({0})", "erfc": "jax.scipy.special.erfc({0})",
}  # fmt: skip
BUILTIN_ARITY = {name: code.count("{") for name, code in BUILTINS.items()}
UNSUPPORTED_CALLS = {
    "net_send": "net_send (self-events) is not supported",
    "net_event": "net_event (a point process that spikes) is not supported",
    "net_move": "net_move is not supported",
    "at_time": "at_time is not supported (dendrax mechanisms do not see the time t)",
    "nrn_ghk": "nrn_ghk is not supported; write the GHK equation as a FUNCTION",
    "state_discontinuity": "state_discontinuity is not supported; assign the state directly",
    "exprand": "random numbers (exprand) are not supported", "normrand": "random numbers (normrand) are not supported",
    "unirand": "random numbers (unirand) are not supported", "scop_random": "random numbers (scop_random) are not supported",
    "poisrand": "random numbers (poisrand) are not supported", "set_seed": "random numbers (set_seed) are not supported",
}  # fmt: skip
IGNORED_CALLS = {"printf", "prterr"}
SPECIALS = {"v", "celsius", "dt"}
FORBIDDEN = {
    "t": "the time t is not available to dendrax mechanisms (they must not depend on absolute time)",
    "area": "area is not available to dendrax mechanisms",
    "diam": "diam is not available to dendrax mechanisms",
    "secondorder": "secondorder is not available to dendrax mechanisms",
    "f_flux": "f_flux is not supported", "b_flux": "b_flux is not supported",
}  # fmt: skip
