NEURON { POINT_PROCESS bad_watch NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
STATE { g }
BREAKPOINT { i = g * v }
NET_RECEIVE(w) {
    g = g + w
    WATCH (v > -20) 2
}
