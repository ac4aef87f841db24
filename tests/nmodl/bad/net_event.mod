NEURON { POINT_PROCESS bad_net_event NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
STATE { g }
BREAKPOINT { i = g * v }
NET_RECEIVE(w) {
    g = g + w
    net_event(t)
}
