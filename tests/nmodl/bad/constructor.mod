NEURON { POINT_PROCESS bad_constructor }
BREAKPOINT { }
CONSTRUCTOR {
VERBATIM
    _p_rng = (double*)0;
ENDVERBATIM
}
