NEURON { SUFFIX bad_at_time NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    if (at_time(5)) { i = 0 } else { i = 0.001 * (v + 70) }
}
