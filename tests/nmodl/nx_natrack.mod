COMMENT
States that follow the sodium reversal potential and concentration with time constant
``tau``: a reader of both (no current). Written for dendrax's tests: in NEURON a reader's
DERIVATIVE block sees the concentration its writer has just updated, but the reversal
potential of the step's start.

    dx/dt = (ena - x) / tau,    dcy/dt = (nai - cy) / tau
ENDCOMMENT

NEURON {
    SUFFIX nx_natrack
    USEION na READ ena, nai
    RANGE tau
}

UNITS {
    (mV) = (millivolt)
    (mM) = (milli/liter)
}

PARAMETER {
    tau = 0.5 (ms)
}

ASSIGNED {
    ena (mV)
    nai (mM)
}

STATE {
    x (mV)
    cy (mM)
}

INITIAL {
    x = ena
    cy = nai
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    x' = (ena - x) / tau
    cy' = (nai - cy) / tau
}
