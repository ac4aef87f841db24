COMMENT
Reference for dendrax.channels.K: delayed-rectifier potassium current of Pospischil et al.
(2008), Biol Cybern 99:427-441 (Traub & Miles 1991 kinetics). Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_K
    USEION k READ ek WRITE ik
    RANGE gbar, vt, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.005 (S/cm2)
    vt = -55 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ek (mV)
    ik (mA/cm2)
    i (mA/cm2)
    ninf
    ntau (ms)
}

STATE { n }

INITIAL {
    rates(v)
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * n * n * n * n * (v - ek)
    ik = i
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b, q, u
    q = 3 ^ ((celsius - 36) / 10)
    u = v - vt
    a = 0.032 * vtrap(15 - u, 5)
    b = 0.5 * exp((10 - u) / 40)
    ninf = a / (a + b)
    ntau = 1 / ((a + b) * q)
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
