NEURON { SUFFIX bad_discrete }
STATE { m }
BREAKPOINT { SOLVE step }
DISCRETE step {
    m = 0.5 * m@1
}
