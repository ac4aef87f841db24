COMMENT
Calcium pool below the membrane written as a first-order KINETIC scheme: influx from the
calcium current into a shell of depth `depth`, and first-order removal towards `cainf` with
time constant `taur`, both as << fluxes (the equations of Destexhe A, Babloyan A, Sejnowski
TJ (1993) Ionic mechanisms for intrinsic slow oscillations in thalamic relay neurons.
Biophys J 65:1538-1552, without the pump). Written for dendrax's tests: the removal flux
depends on the state, and NEURON solves a first-order scheme in one Newton step, taking the
flux at the step's start.
ENDCOMMENT

NEURON {
    SUFFIX nx_cakin
    USEION ca READ ica WRITE cai
    RANGE taur, depth, cainf
}

UNITS {
    (mA) = (milliamp)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    taur = 20 (ms)
    depth = 0.1 (um)
    cainf = 1e-4 (mM)
}

ASSIGNED { ica (mA/cm2) }

STATE { cai (mM) }

INITIAL { cai = cainf }

BREAKPOINT { SOLVE pool METHOD sparse }

KINETIC pool {
    ~ cai << (-(10000) * ica / (2 * FARADAY * depth))
    ~ cai << (-(cai - cainf) / taur)
}
