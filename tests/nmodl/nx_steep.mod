COMMENT
A deliberately steep activation (slope factor 0.05 mV), written for dendrax's tests: the
Boltzmann term exp((v - vh)/k) passes a double's range (exp(709.8)) 35.5 mV above vh.
NEURON compiles exp as hoc_Exp, which returns exp(700) for larger arguments (with a
warning) and 0 below -700, so m saturates at 1 instead of becoming inf/inf = NaN.
ENDCOMMENT

NEURON {
    SUFFIX nx_steep
    NONSPECIFIC_CURRENT i
    RANGE g, k, vh
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    g = 1e-4 (S/cm2)
    k = 0.05 (mV)
    vh = -40 (mV)
    e = 0 (mV)
    tau = 1 (ms)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
}

STATE { m }

INITIAL {
    minf = steep(v)
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = g*m*(v - e)
}

DERIVATIVE states {
    minf = steep(v)
    m' = (minf - m)/tau
}

FUNCTION steep(v (mV)) {
    LOCAL x
    x = exp((v - vh)/k)
    steep = x/(1 + x)
}
