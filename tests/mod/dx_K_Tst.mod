COMMENT
Reference for dendrax.channels.K_Tst: transient potassium current (Korngreen & Sakmann 2000), shifted by -10 mV.
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests; the Q10 factor
is fixed at 34 degC, as in the published files.
ENDCOMMENT

NEURON {
    SUFFIX dx_K_Tst
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
    i = gbar * m * m * m * m * h * (v - ek)
    ik = i
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL qt, w
    qt = 2.3 ^ ((34 - 21) / 10)
    w = v + 10
    minf = 1 / (1 + exp(-w / 19))
    mtau = (0.34 + 0.92 * exp(-((w + 71) / 59) ^ 2)) / qt
    hinf = 1 / (1 + exp((w + 66) / 10))
    htau = (8 + 49 * exp(-((w + 73) / 23) ^ 2)) / qt
}

UNITSON
