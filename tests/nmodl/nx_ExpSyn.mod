COMMENT
A synaptic conductance that jumps by the connection's weight at each spike and decays
exponentially with time constant tau: NEURON's ExpSyn (Hines ML, Carnevale NT, The NEURON
Book, 2006, ch. 10), written for dendrax's tests from its equations.
    i = g (v - e),   g' = -g / tau,   on a spike: g = g + weight
ENDCOMMENT

NEURON {
    POINT_PROCESS nx_ExpSyn
    RANGE tau, e, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 0.1 (ms) <1e-9, 1e9>
    e = 0 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
}

STATE { g (uS) }

INITIAL { g = 0 }

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g * (v - e)
}

DERIVATIVE state {
    g' = -g / tau
}

NET_RECEIVE(weight (uS)) {
    g = g + weight
}
