NEURON { POINT_PROCESS bad_statebp_syn NONSPECIFIC_CURRENT i }
PARAMETER { tau = 2 }
ASSIGNED { v i }
STATE { g u }
BREAKPOINT {
    SOLVE states METHOD cnexp
    u = 1 / (1 + exp(-v))
    i = g * v
}
DERIVATIVE states { g' = -g / tau }
NET_RECEIVE(weight) { g = g + weight * u }
