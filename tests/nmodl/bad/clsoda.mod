NEURON { SUFFIX bad_clsoda }
STATE { m }
BREAKPOINT {
    SOLVE states METHOD clsoda
}
DERIVATIVE states { m' = -m }
