NEURON { SUFFIX bad_linear }
STATE { a b }
BREAKPOINT { SOLVE eqs }
LINEAR eqs {
    ~ a + b = 1
    ~ a - b = 0
}
