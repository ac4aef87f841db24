NEURON { SUFFIX bad_verbatim }
BREAKPOINT { rates() }
PROCEDURE rates() {
VERBATIM
    return 0;
ENDVERBATIM
}
