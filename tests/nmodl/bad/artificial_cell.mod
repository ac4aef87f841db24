NEURON { ARTIFICIAL_CELL bad_cell }
PARAMETER { tau = 10 (ms) }
STATE { m }
BREAKPOINT { SOLVE states METHOD cnexp }
DERIVATIVE states { m' = -m / tau }
