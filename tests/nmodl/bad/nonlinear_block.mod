NEURON { SUFFIX bad_nonlinear }
STATE { a b }
BREAKPOINT { SOLVE eqs }
NONLINEAR eqs {
    ~ a * a + b = 1
    ~ a - b = 0
}
