COMMENT
Reference for dendrax.channels.Ca_HVA: high-voltage-activated calcium current (Reuveni et al. 1993); no temperature dependence.
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_Ca_HVA
    USEION ca READ eca WRITE ica
    RANGE gbar, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-5 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    i (mA/cm2)
    minf
    mtau (ms)
    hinf
    htau (ms)
}

STATE { m h }

INITIAL {
    rates(v)
    m = minf
    h = hinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * m * h * (v - eca)
    ica = i
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b
    a = 0.055 * vtrap(-27 - v, 3.8)
    b = 0.94 * exp((-75 - v) / 17)
    minf = a / (a + b)
    mtau = 1 / (a + b)
    a = 0.000457 * exp((-13 - v) / 50)
    b = 0.0065 / (exp((-15 - v) / 28) + 1)
    hinf = a / (a + b)
    htau = 1 / (a + b)
}

FUNCTION vtrap(x, y) { LOCAL r
    : x / (exp(x / y) - 1), continued by its Taylor series at x = 0
    r = x / y
    if (fabs(r) < 1e-2) {
        vtrap = y * (1 - r / 2 + r * r / 12 - r * r * r * r / 720)
    } else {
        vtrap = x / (exp(r) - 1)
    }
}
UNITSON
