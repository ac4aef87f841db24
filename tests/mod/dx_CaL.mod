COMMENT
Reference for dendrax.channels.CaL: high-threshold (L-type) calcium current of Pospischil
et al. (2008), Biol Cybern 99:427-441 (Reuveni et al. 1993 kinetics). Written for dendrax's
tests. The reversal potential is the ion's eca.
ENDCOMMENT

NEURON {
    SUFFIX dx_CaL
    USEION ca READ eca WRITE ica
    RANGE gbar, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-4 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    i (mA/cm2)
    qinf
    rinf
    qtau (ms)
    rtau (ms)
}

STATE { q r }

INITIAL {
    rates(v)
    q = qinf
    r = rinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * q * q * r * (v - eca)
    ica = i
}

DERIVATIVE states {
    rates(v)
    q' = (qinf - q) / qtau
    r' = (rinf - r) / rtau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b
    a = 0.055 * vtrap(-27 - v, 3.8)
    b = 0.94 * exp((-75 - v) / 17)
    qinf = a / (a + b)
    qtau = 1 / (a + b)
    a = 0.000457 * exp((-13 - v) / 50)
    b = 0.0065 / (exp((-15 - v) / 28) + 1)
    rinf = a / (a + b)
    rtau = 1 / (a + b)
}

FUNCTION vtrap(x, y) { LOCAL r
    r = x / y
    if (fabs(r) < 1e-2) {
        vtrap = y * (1 - r / 2 + r * r / 12 - r * r * r * r / 720)
    } else {
        vtrap = x / (exp(r) - 1)
    }
}
UNITSON
