COMMENT
A synaptic conductance with rise time tau1 and decay time tau2, normalised so that a spike
of weight w gives a peak conductance w: NEURON's Exp2Syn (Hines ML, Carnevale NT, The
NEURON Book, 2006, ch. 10), written for dendrax's tests from its equations.
    g = B - A,  A' = -A / tau1,  B' = -B / tau2,  i = g (v - e)
    on a spike: A = A + w factor, B = B + w factor, factor = 1 / (exp(-tp/tau2) - exp(-tp/tau1))
    at the peak time tp = tau1 tau2 / (tau2 - tau1) log(tau2 / tau1); tau1 is kept below
    0.9999 tau2.
ENDCOMMENT

NEURON {
    POINT_PROCESS nx_Exp2Syn
    RANGE tau1, tau2, e, i
    NONSPECIFIC_CURRENT i
    RANGE g
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau1 = 0.1 (ms) <1e-9, 1e9>
    tau2 = 10 (ms) <1e-9, 1e9>
    e = 0 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor
}

STATE {
    A (uS)
    B (uS)
}

INITIAL { LOCAL tp
    if (tau1 / tau2 > 0.9999) {
        tau1 = 0.9999 * tau2
    }
    if (tau1 / tau2 < 1e-9) {
        tau1 = tau2 * 1e-9
    }
    A = 0
    B = 0
    tp = (tau1 * tau2) / (tau2 - tau1) * log(tau2 / tau1)
    factor = -exp(-tp / tau1) + exp(-tp / tau2)
    factor = 1 / factor
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = B - A
    i = g * (v - e)
}

DERIVATIVE state {
    A' = -A / tau1
    B' = -B / tau2
}

NET_RECEIVE(weight (uS)) {
    A = A + weight * factor
    B = B + weight * factor
}
