NEURON { SUFFIX bad_array }
STATE {
    ca[4] (mM)
}
BREAKPOINT { }
