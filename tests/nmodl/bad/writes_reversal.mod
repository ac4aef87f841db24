NEURON {
    SUFFIX bad_erev
    USEION na READ nai, nao WRITE ena
}
BREAKPOINT { }
