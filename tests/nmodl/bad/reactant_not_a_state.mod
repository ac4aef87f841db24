NEURON { SUFFIX bad_reactant }
PARAMETER { GenVes = 1 }
STATE { Ves }
BREAKPOINT { SOLVE kin METHOD sparse }
KINETIC kin {
    ~ GenVes <-> Ves (1, 2)
}
