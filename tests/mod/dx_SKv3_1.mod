COMMENT
Reference for dendrax.channels.SKv3_1: Kv3.1 potassium current (Rettig et al. 1992); no temperature dependence.
Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for dendrax's tests.
ENDCOMMENT

NEURON {
    SUFFIX dx_SKv3_1
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
PROCEDURE rates(v (mV)) { 
    minf = 1 / (1 + exp((v - 18.7) / -9.7))
    mtau = 4 / (1 + exp((v + 46.56) / -44.14))
}

UNITSON
