NEURON { SUFFIX bad_unclosed NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
BREAKPOINT {
    i = 0.001 * (v + 70)
PROCEDURE p() { }
