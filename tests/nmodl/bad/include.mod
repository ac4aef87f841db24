NEURON { SUFFIX bad_include }
INCLUDE "other.inc"
BREAKPOINT { }
