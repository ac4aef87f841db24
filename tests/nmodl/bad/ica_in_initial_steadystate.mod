NEURON { SUFFIX bad_ica_ss USEION ca READ ica, cai WRITE cai }
ASSIGNED { ica (mA/cm2) }
STATE { cai (mM) }
INITIAL { SOLVE pump STEADYSTATE derivimplicit }
BREAKPOINT { SOLVE pump METHOD derivimplicit }
DERIVATIVE pump { cai' = -ica * 0.05 - (cai - 5e-5) / 20 }
