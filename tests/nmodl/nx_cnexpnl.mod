COMMENT
A potassium-like gate with a quadratic loss term, written for dendrax's tests: the
equation m' = (minf - m)/tau - kq*m*m is not linear in m, yet SOLVE ... METHOD cnexp.
nocmodl (NEURON 9) then applies its exponential formula with b = df/dm taken at the old m
(not exact); dendrax must do the same to match NEURON.
ENDCOMMENT

NEURON {
    SUFFIX nx_cnexpnl
    USEION k READ ek WRITE ik
    RANGE gbar, kq
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gbar = 0.02 (S/cm2)
    tau = 3 (ms)
    kq = 0.8 (/ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    minf
}

STATE { m }

INITIAL {
    minf = 1/(1 + exp(-(v + 30)/8))
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar*m*(v - ek)
}

DERIVATIVE states {
    minf = 1/(1 + exp(-(v + 30)/8))
    m' = (minf - m)/tau - kq*m*m
}
