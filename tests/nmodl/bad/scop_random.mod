NEURON { SUFFIX bad_scop_random }
ASSIGNED { x }
BREAKPOINT { }
INITIAL {
    x = scop_random()
}
