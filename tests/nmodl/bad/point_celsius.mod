NEURON { POINT_PROCESS bad_celsius NONSPECIFIC_CURRENT i }
PARAMETER { tau = 2 (ms) }
ASSIGNED { v i celsius }
STATE { g }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = g * v
}
DERIVATIVE states {
    g' = -g / tau * 3 ^ ((celsius - 22) / 10)
}
