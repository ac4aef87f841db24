NEURON { SUFFIX bad_method }
STATE { c o }
BREAKPOINT {
    SOLVE kin METHOD cnexp
}
KINETIC kin {
    ~ c <-> o (1, 2)
}
