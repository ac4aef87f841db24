COMMENT
L-type calcium current with the Goldman-Hodgkin-Katz flux equation: Jaffe DB, Ross WN,
Lisman JE, Lasser-Ross N, Miyakawa H, Johnston D (1994) A model for dendritic Ca2+
accumulation in hippocampal pyramidal neurons based on fluorescence imaging measurements.
J Neurophysiol 71:1065-1077 (cal2.mod of ModelDB 3263, as used by Migliore et al. 1995).
Written for dendrax's tests from the published equations: GHK with the guarded efun,
thermal voltage from the factors R = (k-mole) (joule/degC) and FARADAY = (faraday)
(coulomb) with the conversion (1000) from V to mV, calcium-dependent inactivation h2.
ENDCOMMENT

NEURON {
    SUFFIX nx_cal
    USEION ca READ cai, cao WRITE ica
    RANGE gcalbar
    GLOBAL minf, tau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (molar) = (1/liter)
    (mM) = (millimolar)
    FARADAY = (faraday) (coulomb)
    R = (k-mole) (joule/degC)
}

PARAMETER {
    gcalbar = 0.003 (mho/cm2)
    ki = 0.001 (mM)
    tfa = 5
}

STATE { m }

ASSIGNED {
    v (mV)
    celsius (degC)
    ica (mA/cm2)
    cai (mM)
    cao (mM)
    minf
    tau (ms)
}

INITIAL {
    rates(v)
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gcalbar * m * m * h2(cai) * ghk(v, cai, cao)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / tau
}

FUNCTION h2(cai (mM)) {
    h2 = ki / (ki + cai)
}

FUNCTION ghk(v (mV), ci (mM), co (mM)) (mV) { LOCAL nu, f
    f = KTF(celsius) / 2
    nu = v / f
    ghk = -f * (1. - (ci / co) * exp(nu)) * efun(nu)
}

FUNCTION KTF(celsius (degC)) (mV) {
    KTF = (1000) * R * (celsius + 273.15) / FARADAY
}

FUNCTION efun(z) {
    if (fabs(z) < 1e-4) {
        efun = 1 - z / 2
    } else {
        efun = z / (exp(z) - 1)
    }
}

FUNCTION alp(v (mV)) (1/ms) {
    alp = 15.69 * (-1.0 * v + 81.5) / (exp((-1.0 * v + 81.5) / 10.0) - 1.0)
}

FUNCTION bet(v (mV)) (1/ms) {
    bet = 0.29 * exp(-v / 10.86)
}

PROCEDURE rates(v (mV)) { LOCAL a
    a = alp(v)
    tau = 1 / (tfa * (a + bet(v)))
    minf = tfa * a * tau
}
