COMMENT
Intracellular sodium that accumulates from the compartment's sodium current in a shell of
``depth``, and a state that relaxes to the sodium reversal potential. Written for dendrax's
tests of when a concentration writer sees which reversal potential: ena computed from the
ion's concentrations before INITIAL (e1 starts at it), and in the DERIVATIVE block the
value of the step's start (NEURON computes ena with the currents, not after the update).

    dnai/dt = -10^4 ina / (F depth),    de1/dt = (ena - e1) / tau
ENDCOMMENT

NEURON {
    SUFFIX nx_naacc
    USEION na READ ina, ena WRITE nai
    RANGE depth, tau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um)
    tau = 0.5 (ms)
}

ASSIGNED {
    ina (mA/cm2)
    ena (mV)
}

STATE {
    nai (mM)
    e1 (mV)
}

INITIAL {
    e1 = ena
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    nai' = -ina * (10000) / (FARADAY * depth)
    e1' = (ena - e1) / tau
}
