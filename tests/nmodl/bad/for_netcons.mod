NEURON { POINT_PROCESS bad_for_netcons NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
STATE { g }
BREAKPOINT { i = g * v }
NET_RECEIVE(w) {
    g = g + w
    FOR_NETCONS(x) { g = g + x }
}
