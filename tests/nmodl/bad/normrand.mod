NEURON { SUFFIX bad_normrand NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    i = 0.001 * normrand(0, 1)
}
