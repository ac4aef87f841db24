NEURON { SUFFIX unitzero NONSPECIFIC_CURRENT i }
UNITS {
    (mA) = (milliamp)
    K = (faraday) (0 coulomb)
}
ASSIGNED { v (mV) i (mA/cm2) }
BREAKPOINT { i = 0 }
