NEURON { SUFFIX bad_undeclared NONSPECIFIC_CURRENT i }
PARAMETER { g = 0.001 }
ASSIGNED { v i }
BREAKPOINT {
    i = gmax * (v + 70)
}
