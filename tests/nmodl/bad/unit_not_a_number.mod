NEURON { SUFFIX unitdot NONSPECIFIC_CURRENT i }
UNITS {
    (mA) = (milliamp)
    (mM) = (milli./liter)
}
ASSIGNED { v (mV) i (mA/cm2) }
BREAKPOINT { i = 0 }
