NEURON { SUFFIX bad_from }
LOCAL i
ASSIGNED { x }
BREAKPOINT { }
INITIAL {
    x = 0
    FROM i = 1 TO 3 { x = x + i }
}
