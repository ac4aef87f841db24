COMMENT
A gate advanced by a PROCEDURE that BREAKPOINT SOLVEs without a METHOD, written for
dendrax's tests: the procedure writes its own exponential step and reads dt (older ModelDB
files do this). dendrax refused dt there ("only available in SOLVEd blocks").
ENDCOMMENT

NEURON {
    SUFFIX nx_procdt
    NONSPECIFIC_CURRENT i
    RANGE g
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    g = 1e-3 (S/cm2)
    e = -20 (mV)
    tau = 3 (ms)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { z }

INITIAL { z = 0.1 }

BREAKPOINT {
    SOLVE update
    i = g*z*(v - e)
}

PROCEDURE update() {
    z = z + (1 - exp(-dt/tau))*(1/(1 + exp(-(v + 45)/5)) - z)
}
