NEURON { SUFFIX bad_lag }
ASSIGNED { v x }
BREAKPOINT {
    x = v
    LAG x BY 2
}
