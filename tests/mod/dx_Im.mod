COMMENT
Reference for dendrax.channels.Im: muscarinic potassium current (Adams et al. 1982).
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests; the Q10 factor
is fixed at 34 degC, as in the published files.
ENDCOMMENT

NEURON {
    SUFFIX dx_Im
    USEION k READ ek WRITE ik
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
    ek (mV)
    ik (mA/cm2)
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
    i = gbar * m * (v - ek)
    ik = i
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL a, b, qt
    qt = 2.3 ^ ((34 - 21) / 10)
    a = 3.3e-3 * exp(0.1 * (v + 35))
    b = 3.3e-3 * exp(-0.1 * (v + 35))
    minf = a / (a + b)
    mtau = 1 / ((a + b) * qt)
}

UNITSON
