COMMENT
A made-up gate, for dendrax's tests only: its derivative reads dt, and it is solved by
derivimplicit (m*m makes it nonlinear). Under NEURON's secondorder (Crank–Nicolson) the
solve runs on half a step, and dt inside the block is that half step; dendrax's must be
too.
ENDCOMMENT

NEURON { SUFFIX nx_dtread NONSPECIFIC_CURRENT i RANGE gbar }
UNITS { (mA) = (milliamp) (mV) = (millivolt) }
PARAMETER { gbar = 1e-3 (S/cm2) }
ASSIGNED { v (mV) i (mA/cm2) }
STATE { m }
INITIAL { m = 0.1 }
BREAKPOINT {
    SOLVE states METHOD derivimplicit
    i = gbar * m * (v + 20)
}
DERIVATIVE states {
    m' = (1 / (1 + exp(-(v + 40) / 5)) - m * m) / (2 + 40 * dt)
}
