COMMENT
Reference for dendrax.channels.Km: slow non-inactivating potassium (M) current of
Pospischil et al. (2008), Biol Cybern 99:427-441. Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_Km
    USEION k READ ek WRITE ik
    RANGE gbar, taumax, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
    (S) = (siemens)
}

PARAMETER {
    gbar = 7e-5 (S/cm2)
    taumax = 1000 (ms)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ek (mV)
    ik (mA/cm2)
    i (mA/cm2)
    pinf
    ptau (ms)
}

STATE { p }

INITIAL {
    rates(v)
    p = pinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * p * (v - ek)
    ik = i
}

DERIVATIVE states {
    rates(v)
    p' = (pinf - p) / ptau
}

UNITSOFF
PROCEDURE rates(v (mV)) { LOCAL q
    q = 2.3 ^ ((celsius - 36) / 10)
    pinf = 1 / (1 + exp(-(v + 35) / 10))
    ptau = taumax / (3.3 * exp((v + 35) / 20) + exp(-(v + 35) / 20)) / q
}
UNITSON
