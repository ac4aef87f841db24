NEURON { SUFFIX bad_while }
ASSIGNED { x }
BREAKPOINT { }
INITIAL {
    x = 0
    while (x < 3) { x = x + 1 }
}
