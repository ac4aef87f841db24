NEURON { SUFFIX longdiff USEION ca READ cai WRITE cai }
PARAMETER { D = 0.6 }
STATE { cai (mM) }
BREAKPOINT { SOLVE state METHOD sparse }
KINETIC state {
    LONGITUDINAL_DIFFUSION D {cai}
    ~ cai << (0)
}
