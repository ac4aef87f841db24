COMMENT
Graded chemical synapse with sigmoidal release (Prinz, Bucher & Marder 2004): the
reference for dendrax.synapses.Ionotropic, written from the published equations.
    s' = (sinf(vpre) - s) / tau_s,  sinf = 1 / (1 + exp((vTh - vpre) / delta)),
    tau_s = (1 - sinf) / kMinus,    i = gS s (v - eS)
ENDCOMMENT

NEURON {
    POINT_PROCESS dx_GradedSyn
    RANGE gS, eS, vTh, delta, kMinus, i
    NONSPECIFIC_CURRENT i
    POINTER vpre
}

UNITS {
    (mV) = (millivolt)
    (nA) = (nanoamp)
    (uS) = (microsiemens)
}

PARAMETER {
    gS = 1e-4 (uS)
    eS = 0 (mV)
    vTh = -35 (mV)
    delta = 10 (mV)
    kMinus = 0.025 (/ms)
}

ASSIGNED {
    v (mV)
    vpre (mV)
    i (nA)
}

STATE { s }

INITIAL { s = sinf(vpre) }

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gS * s * (v - eS)
}

DERIVATIVE states {
    s' = (sinf(vpre) - s) * kMinus / (1 - sinf(vpre))
}

FUNCTION sinf(x (mV)) {
    sinf = 1 / (1 + exp((vTh - x) / delta))
}
