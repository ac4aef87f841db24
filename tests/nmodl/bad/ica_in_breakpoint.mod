NEURON { SUFFIX bad_ica USEION ca READ ica NONSPECIFIC_CURRENT i }
ASSIGNED { v ica i }
BREAKPOINT {
    i = -0.1 * ica
}
