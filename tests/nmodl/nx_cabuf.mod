COMMENT
Calcium in a submembrane shell with a mobile buffer, as a kinetic scheme: the single-shell
case of the calcium diffusion and buffering model of Carnevale NT, Hines ML (2006) The
NEURON Book, ch. 9 (cdp), without radial diffusion; recovery to cainf with time constant
taur as in Destexhe et al. (1993). Written for dendrax's tests: a nonlinear KINETIC scheme
(cai + B <-> CaB), influx and recovery as << fluxes, COMPARTMENT and CONSERVE (which, in
NEURON, weighs each state by its COMPARTMENT volume: the buffer's amount per unit area).
ENDCOMMENT

NEURON {
    SUFFIX nx_cabuf
    USEION ca READ ica WRITE cai
    RANGE depth, Btot, kf, kb, taur, cainf
}

UNITS {
    (mA) = (milliamp)
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um)
    Btot = 0.05 (mM)
    kf = 100 (/mM-ms)
    kb = 0.1 (/ms)
    taur = 20 (ms)
    cainf = 5e-5 (mM)
}

STATE {
    cai (mM)
    B (mM)
    CaB (mM)
}

ASSIGNED {
    ica (mA/cm2)
}

INITIAL {
    cai = cainf
    CaB = Btot * kf * cai / (kf * cai + kb)
    B = Btot - CaB
}

BREAKPOINT {
    SOLVE scheme METHOD sparse
}

KINETIC scheme {
    COMPARTMENT depth { cai B CaB }
    ~ cai << (-(10000) * ica / (2 * FARADAY))
    ~ cai << (-depth * (cai - cainf) / taur)
    ~ cai + B <-> CaB (kf, kb)
    CONSERVE B + CaB = Btot * depth  : as in nocmodl, each state counts times its COMPARTMENT volume
}
