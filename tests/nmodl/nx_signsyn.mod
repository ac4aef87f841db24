COMMENT
One point process for excitatory and inhibitory inputs, told apart by the sign of the
NetCon weight (a common ModelDB pattern; each conductance decays as an exponential
synapse: Destexhe A, Mainen ZF, Sejnowski TJ (1994) J Comput Neurosci 1:195-230).
Written for dendrax's tests: NEURON allows negative weights, and NET_RECEIVE gives them
their meaning.
ENDCOMMENT

NEURON {
    POINT_PROCESS nx_signsyn
    RANGE taue, taui, ee, ei, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    taue = 2 (ms) <1e-9, 1e9>
    taui = 10 (ms) <1e-9, 1e9>
    ee = 0 (mV)
    ei = -80 (mV)
}

ASSIGNED {
    v (mV)
    i (nA)
}

STATE {
    ge (uS)
    gi (uS)
}

INITIAL {
    ge = 0
    gi = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = ge * (v - ee) + gi * (v - ei)
}

DERIVATIVE state {
    ge' = -ge / taue
    gi' = -gi / taui
}

NET_RECEIVE(weight (uS)) {
    if (weight > 0) {
        ge = ge + weight
    } else {
        gi = gi - weight
    }
}
