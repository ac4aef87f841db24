NEURON { SUFFIX bad_char NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    i = 0.001 * (v + 70) $
}
