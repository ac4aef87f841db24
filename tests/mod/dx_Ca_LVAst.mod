COMMENT
Reference for dendrax.channels.Ca_LVAst: low-voltage-activated calcium current (Avery & Johnston 1996), shifted by -10 mV.
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests; the Q10 factor
is fixed at 34 degC, as in the published files.
ENDCOMMENT

NEURON {
    SUFFIX dx_Ca_LVAst
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
    celsius (degC)
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
PROCEDURE rates(v (mV)) { LOCAL qt, w
    qt = 2.3 ^ ((34 - 21) / 10)
    w = v + 10
    minf = 1 / (1 + exp(-(w + 30) / 6))
    mtau = (5 + 20 / (1 + exp((w + 25) / 5))) / qt
    hinf = 1 / (1 + exp((w + 80) / 6.4))
    htau = (20 + 50 / (1 + exp((w + 40) / 7))) / qt
}

UNITSON
