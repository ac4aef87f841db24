NEURON { SUFFIX bad_diam USEION ca READ ica WRITE cai }
STATE { cai (mM) }
ASSIGNED { ica (mA/cm2) }
BREAKPOINT { SOLVE states METHOD cnexp }
DERIVATIVE states {
    cai' = -ica * 4 / diam
}
