COMMENT
Exponential synapse with facilitation: each spike adds weight * F to the conductance, then
raises the facilitation F by f, which relaxes back to 1 with time constant tauF (the
facilitation term of Varela JA, Sen K, Gibson J, Fost J, Abbott LF, Nelson SB (1997) A
quantitative description of short-term plasticity at excitatory synapses in layer 2/3 of
rat primary visual cortex. J Neurosci 17:7926-7940). Written for dendrax's tests: its
NET_RECEIVE is not linear in the weight, so two spikes in one time step are not one spike
of twice the weight.
ENDCOMMENT

NEURON {
    POINT_PROCESS nx_facsyn
    RANGE tau, e, f, tauF, i
    NONSPECIFIC_CURRENT i
}

UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }

PARAMETER {
    tau = 3 (ms)
    e = 0 (mV)
    f = 0.5
    tauF = 50 (ms)
}

ASSIGNED { v (mV) i (nA) }

STATE { g (uS) F }

INITIAL { g = 0  F = 1 }

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g * (v - e)
}

DERIVATIVE state {
    g' = -g / tau
    F' = (1 - F) / tauF
}

NET_RECEIVE(weight (uS)) {
    g = g + weight * F
    F = F + f
}
