NEURON { SUFFIX bad_carry USEION ca READ eca WRITE ica }
PARAMETER { g = 0.001 }
ASSIGNED { v eca ica gate }
STATE { c }
BREAKPOINT {
    SOLVE states METHOD cnexp
    gate = 1 / (1 + exp(-v))
    ica = g * gate * (v - eca)
}
DERIVATIVE states {
    c' = gate - c
}
