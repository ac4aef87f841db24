NEURON {
    POINT_PROCESS bad_pointer
    POINTER vpre
}
BREAKPOINT { }
