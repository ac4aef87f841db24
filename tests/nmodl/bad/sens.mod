NEURON { SUFFIX bad_sens }
PARAMETER { k = 1 }
STATE { m }
BREAKPOINT { SOLVE states METHOD cnexp }
DERIVATIVE states {
    SENS k
    m' = -k * m
}
