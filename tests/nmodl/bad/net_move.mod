NEURON { POINT_PROCESS bad_net_move NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
STATE { g }
BREAKPOINT { i = g * v }
NET_RECEIVE(w) {
    g = g + w
    net_move(2)
}
