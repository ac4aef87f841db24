NEURON {
    SUFFIX bad_two_useion
    USEION k READ ek WRITE ik
    USEION k READ ko
}
PARAMETER { g = 0.001 (S/cm2) }
ASSIGNED { v (mV) ek (mV) ik (mA/cm2) ko (mM) }
BREAKPOINT {
    ik = g * (v - ek)
}
