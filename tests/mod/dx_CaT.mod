COMMENT
Reference for dendrax.channels.CaT: low-threshold (T-type) calcium current of Pospischil
et al. (2008), Biol Cybern 99:427-441 (Destexhe et al. 1998 kinetics). Activation is
instantaneous; inactivation has a Q10 of 3 from 24 degC. Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_CaT
    USEION ca READ eca WRITE ica
    RANGE gbar, vx, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 4e-4 (S/cm2)
    vx = 2 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    eca (mV)
    ica (mA/cm2)
    i (mA/cm2)
    uinf
    utau (ms)
}

STATE { u }

INITIAL {
    rates(v)
    u = uinf
}

BREAKPOINT { LOCAL s
    SOLVE states METHOD cnexp
    s = 1 / (1 + exp(-(v + vx + 57) / 6.2))
    i = gbar * s * s * u * (v - eca)
    ica = i
}

DERIVATIVE states {
    rates(v)
    u' = (uinf - u) / utau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL w
    w = v + vx
    uinf = 1 / (1 + exp((w + 81) / 4))
    utau = (30.8 + (211.4 + exp((w + 113.2) / 5)) / (1 + exp((w + 84) / 3.2))) / 3 ^ ((celsius - 24) / 10)
}
UNITSON
