NEURON {
    SUFFIX bad_external
    EXTERNAL gbar_other
}
BREAKPOINT { }
