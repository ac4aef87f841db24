COMMENT
Reference for dendrax.channels.K_Pst: persistent potassium current (Korngreen & Sakmann 2000), shifted by -10 mV.
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests; the Q10 factor
is fixed at 34 degC, as in the published files.
ENDCOMMENT

NEURON {
    SUFFIX dx_K_Pst
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
    i = gbar * m * m * h * (v - ek)
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
    minf = 1 / (1 + exp(-(w + 1) / 12))
    if (w < -50) {
        mtau = (1.25 + 175.03 * exp(0.026 * w)) / qt
    } else {
        mtau = (1.25 + 13 * exp(-0.026 * w)) / qt
    }
    hinf = 1 / (1 + exp((w + 54) / 11))
    htau = (360 + (1010 + 24 * (w + 55)) * exp(-((w + 75) / 48) ^ 2)) / qt
}

UNITSON
