NEURON { SUFFIX bad_recursion }
ASSIGNED { x }
BREAKPOINT { x = fact(3) }
FUNCTION fact(n) {
    if (n <= 1) { fact = 1 } else { fact = n * fact(n - 1) }
}
