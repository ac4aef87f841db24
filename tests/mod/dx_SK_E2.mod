COMMENT
Reference for dendrax.channels.SK_E2: small-conductance calcium-activated potassium current
(Kohler et al. 1996) of Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for
dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_SK_E2
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE gbar, zTau, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (mM) = (milli/liter)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-6 (S/cm2)
    zTau = 1 (ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    cai (mM)
    ik (mA/cm2)
    i (mA/cm2)
    zinf
}

STATE { z }

INITIAL {
    rates(cai)
    z = zinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * z * (v - ek)
    ik = i
}

DERIVATIVE states {
    rates(cai)
    z' = (zinf - z) / zTau
}

UNITSOFF
PROCEDURE rates(ca (mM)) { LOCAL c
    c = ca
    if (c < 1e-7) {
        c = c + 1e-7
    }
    zinf = 1 / (1 + (0.00043 / c) ^ 4.8)
}
UNITSON
