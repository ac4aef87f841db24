COMMENT
Reference for dendrax.channels.Ih: hyperpolarisation-activated cation current (Kole et al.
2006) of Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_Ih
    NONSPECIFIC_CURRENT i
    RANGE gbar, ehcn
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-5 (S/cm2)
    ehcn = -45 (mV)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
    mtau (ms)
}

STATE { m }

INITIAL {
    rates(v)
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * (v - ehcn)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b
    a = 0.00643 * vtrap(v + 154.9, 11.9)
    b = 0.193 * exp(v / 33.1)
    minf = a / (a + b)
    mtau = 1 / (a + b)
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
