NEURON { SUFFIX bad_ghk USEION ca READ cai, cao WRITE ica }
PARAMETER { p = 1e-4 }
ASSIGNED { v cai cao ica }
BREAKPOINT {
    ica = p * nrn_ghk(v, cai, cao, 2)
}
