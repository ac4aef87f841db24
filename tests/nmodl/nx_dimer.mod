COMMENT
A dimerisation scheme, written for dendrax's tests: two monomers M bind into a dimer D that
conducts. CONSERVE writes the coefficient before the state (M + 2D), nocmodl's syntax for
stoichiometry (dendrax refused it as a parse error).
ENDCOMMENT

NEURON {
    SUFFIX nx_dimer
    NONSPECIFIC_CURRENT i
    RANGE g, kf, kb
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    g = 1e-3 (S/cm2)
    e = -10 (mV)
    kf = 0.5 (/ms)
    kb = 0.1 (/ms)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
}

STATE { M D }

INITIAL {
    M = 1
    D = 0
}

BREAKPOINT {
    SOLVE kin METHOD sparse
    i = g*D*(v - e)
}

KINETIC kin {
    ~ 2 M <-> D (kf*exp((v + 50)/30), kb)
    CONSERVE M + 2D = 1
}
