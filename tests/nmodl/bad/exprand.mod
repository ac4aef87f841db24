NEURON { SUFFIX bad_exprand }
ASSIGNED { x }
BREAKPOINT { }
INITIAL {
    x = exprand(1)
}
