NEURON { POINT_PROCESS bad_flag NONSPECIFIC_CURRENT i }
ASSIGNED { v i }
STATE { g }
BREAKPOINT { i = g * v }
NET_RECEIVE(w, flag) {
    g = g + w
}
