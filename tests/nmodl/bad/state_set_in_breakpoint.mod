NEURON { SUFFIX bad_statebp USEION na READ ena WRITE ina }
PARAMETER { g = 0.02 }
ASSIGNED { v ena ina }
STATE { m h }
BREAKPOINT {
    SOLVE states METHOD cnexp
    m = 1 / (1 + exp(-(v + 38) / 6))
    ina = g * m * h * (v - ena)
}
DERIVATIVE states { h' = (1 - h) * (1 + 3 * m) }
