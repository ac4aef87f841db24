NEURON { SUFFIX bad_prime }
STATE { m }
BREAKPOINT { }
PROCEDURE p() {
    m' = -m
}
