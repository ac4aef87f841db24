COMMENT
Reference for dendrax.channels.NaTa_t: transient sodium current (Colbert & Pan 2002).
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests; the Q10 factor
is fixed at 34 degC, as in the published files.
ENDCOMMENT

NEURON {
    SUFFIX dx_NaTa_t
    USEION na READ ena WRITE ina
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
    celsius (degC)
    ena (mV)
    ina (mA/cm2)
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
    i = gbar * m * m * m * h * (v - ena)
    ina = i
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b, qt
    qt = 2.3 ^ ((34 - 21) / 10)
    a = 0.182 * vtrap(-(v + 38), 6)
    b = 0.124 * vtrap(v + 38, 6)
    minf = a / (a + b)
    mtau = 1 / ((a + b) * qt)
    a = 0.015 * vtrap(v + 66, 6)
    b = 0.015 * vtrap(-(v + 66), 6)
    hinf = a / (a + b)
    htau = 1 / ((a + b) * qt)
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
