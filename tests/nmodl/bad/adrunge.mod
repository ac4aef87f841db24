NEURON { SUFFIX bad_adrunge }
STATE { m }
BREAKPOINT {
    SOLVE states METHOD adrunge
}
DERIVATIVE states { m' = -m }
