NEURON { SUFFIX bad_area NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    i = 0.001 * (v + 70) / area
}
