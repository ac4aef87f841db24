NEURON { SUFFIX bad_after_cvode }
STATE { m }
BREAKPOINT {
    SOLVE states METHOD after_cvode
}
DERIVATIVE states { m' = -m }
