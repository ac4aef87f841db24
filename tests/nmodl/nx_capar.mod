COMMENT
A calcium current whose reversal potential is the mechanism's own PARAMETER: USEION does not
READ eca, so NEURON keeps eca_nx_capar (120 mV) apart from the ion's eca (Nernst from cai,
which it READs). dendrax let the ion's value shadow it (then refused the file).
ENDCOMMENT

NEURON {
    SUFFIX nx_capar
    USEION ca READ cai WRITE ica
    RANGE gbar, eca
}

UNITS { (mA) = (milliamp) (mV) = (millivolt) (mM) = (milli/liter) }

PARAMETER {
    gbar = 0.001 (S/cm2)
    eca = 120 (mV)
}

ASSIGNED { v (mV) ica (mA/cm2) cai (mM) }

BREAKPOINT {
    ica = gbar * (v - eca)
}
