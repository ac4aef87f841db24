COMMENT
Reference for dendrax.channels.CaDynamics_E2: calcium in a submembrane shell with buffering
and first-order removal, of Hay et al. (2011), PLoS Comput Biol 7:e1002107. Written for
dendrax's tests. No INITIAL block: cai starts at the ion's cai0_ca_ion.
ENDCOMMENT

NEURON {
    SUFFIX dx_CaDynamics_E2
    USEION ca READ ica WRITE cai
    RANGE gamma, decay, depth, minCai
}

UNITS {
    (mA) = (milliamp)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulombs)
}

PARAMETER {
    gamma = 0.05
    decay = 80 (ms)
    depth = 0.1 (um)
    minCai = 1e-4 (mM)
}

ASSIGNED {
    ica (mA/cm2)
}

STATE { cai (mM) }

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    cai' = -(10000) * ica * gamma / (2 * FARADAY * depth) - (cai - minCai) / decay
}
