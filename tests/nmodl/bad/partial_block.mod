NEURON { SUFFIX bad_partial }
STATE { c }
BREAKPOINT { SOLVE diff }
PARTIAL diff {
    ~ c' = DEL2(c)
}
