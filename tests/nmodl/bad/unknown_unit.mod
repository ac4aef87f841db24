NEURON { SUFFIX bad_unit }
UNITS {
    (mV) = (millivolt)
    FURLONG = (furlong) (meter)
}
BREAKPOINT { }
