COMMENT
A two-state potassium-like channel, written for dendrax's tests in a common ModelDB style:
INITIAL sets the states to constants, then SOLVE ... STEADYSTATE sparse replaces them by
the steady state at v (the constants only start Newton's method). The constants are
scalars, the equations per compartment (dendrax's Newton iteration crashed on that).
ENDCOMMENT

NEURON {
    SUFFIX nx_kinss
    USEION k READ ek WRITE ik
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gbar = 0.01 (S/cm2)
    a0 = 0.05 (/ms)
    b0 = 0.2 (/ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    a (/ms)
    b (/ms)
}

STATE { C O }

INITIAL {
    C = 1
    O = 0
    SOLVE kin STEADYSTATE sparse
}

BREAKPOINT {
    SOLVE kin METHOD sparse
    ik = gbar*O*(v - ek)
}

KINETIC kin {
    rates(v)
    ~ C <-> O (a, b)
    CONSERVE C + O = 1
}

PROCEDURE rates(v (mV)) {
    a = a0*exp((v + 40)/15)
    b = b0*exp(-(v + 40)/30)
}
