NEURON { SUFFIX bad_after }
ASSIGNED { x }
BREAKPOINT { }
AFTER SOLVE {
    x = 1
}
