NEURON { SUFFIX bad_runge }
STATE { m }
BREAKPOINT {
    SOLVE states METHOD runge
}
DERIVATIVE states { m' = -m }
