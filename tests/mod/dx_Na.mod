COMMENT
Reference for dendrax.channels.Na: fast sodium current of Pospischil et al. (2008),
Biol Cybern 99:427-441 (Traub & Miles 1991 kinetics). Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_Na
    USEION na READ ena WRITE ina
    RANGE gbar, vt, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.05 (S/cm2)
    vt = -55 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ena (mV)
    ina (mA/cm2)
    i (mA/cm2)
    minf
    hinf
    mtau (ms)
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
PROCEDURE rates(v (mV)) { LOCAL a, b, q, u
    q = 3 ^ ((celsius - 36) / 10)
    u = v - vt
    a = 0.32 * vtrap(13 - u, 4)
    b = 0.28 * vtrap(u - 40, 5)
    minf = a / (a + b)
    mtau = 1 / ((a + b) * q)
    a = 0.128 * exp((17 - u) / 18)
    b = 4 / (1 + exp((40 - u) / 5))
    hinf = a / (a + b)
    htau = 1 / ((a + b) * q)
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
