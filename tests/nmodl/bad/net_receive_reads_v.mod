NEURON { POINT_PROCESS vrecv NONSPECIFIC_CURRENT i }
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
BREAKPOINT { i = g * v }
NET_RECEIVE(weight (uS)) {
    g = g + weight * v
}
