COMMENT
A calcium current whose reversal potential is fixed at its start: e0 = eca in INITIAL,
where eca follows from cai and cao (the file READs cai: NEURON's ion_style then computes
eca by the Nernst equation before INITIAL, even with no mechanism writing cai). Written
for dendrax's tests.

    ica = gbar (v - e0)
ENDCOMMENT

NEURON {
    SUFFIX nx_rdeca
    USEION ca READ cai, eca WRITE ica
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
}

PARAMETER {
    gbar = 1e-4 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    cai (mM)
    ica (mA/cm2)
}

STATE {
    e0 (mV)
}

INITIAL {
    e0 = eca
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar * (v - e0)
}

DERIVATIVE states {
    e0' = 0
}
