NEURON { SUFFIX bad_arity }
ASSIGNED { v x }
BREAKPOINT {
    x = vtrap(v)
}
FUNCTION vtrap(x, y) { vtrap = x / (exp(x / y) - 1) }
