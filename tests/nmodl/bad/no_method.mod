NEURON { SUFFIX bad_nomethod }
STATE { m }
BREAKPOINT {
    SOLVE states
}
DERIVATIVE states { m' = -m }
