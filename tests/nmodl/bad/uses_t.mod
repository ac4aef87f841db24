NEURON { SUFFIX bad_t NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    i = 0.001 * sin(t) * (v + 70)
}
