COMMENT
A high-voltage-activated calcium current that keeps its own submembrane calcium pool:
m^2 activation (Reuveni I, Friedman A, Amitai Y, Gutnick MJ (1993) J Neurosci 13:4609-4621)
and first-order recovery of the pool (Destexhe A, Babloyantz A, Sejnowski TJ (1993)
Biophys J 65:1538-1552). Written for dendrax's tests: the file both WRITEs ica (its
current, in BREAKPOINT) and READs it (the compartment's total calcium current, in the
DERIVATIVE block), as NEURON allows.

    dcai/dt = -10^4 ica / (2 F depth) + (cainf - cai) / taur
ENDCOMMENT

NEURON {
    SUFFIX nx_caself
    USEION ca READ cao, ica WRITE ica, cai
    RANGE gbar, depth, taur, cainf
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    gbar = 1e-3 (S/cm2)
    depth = 0.2 (um)
    taur = 80 (ms)
    cainf = 5e-5 (mM)
}

ASSIGNED {
    v (mV)
    ica (mA/cm2)
    cao (mM)
}

STATE { m cai (mM) }

INITIAL {
    m = minf(v)
    cai = cainf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar * m * m * (v - 120)
}

DERIVATIVE states {
    m' = (minf(v) - m) / 1.5
    cai' = -(10000) * ica / (2 * FARADAY * depth) + (cainf - cai) / taur
}

FUNCTION minf(v (mV)) {
    minf = 1 / (1 + exp(-(v + 20) / 6))
}
