COMMENT
Intracellular calcium in a submembrane shell with a Michaelis-Menten pump and first-order
recovery: Destexhe A, Babloyantz A, Sejnowski TJ (1993) Ionic mechanisms for intrinsic slow
oscillations in thalamic relay neurons. Biophys J 65:1538-1552 (cad.mod of ModelDB 3343).
Written for dendrax's tests from the published equations: the pump term is nonlinear in
cai, so the file uses derivimplicit; the influx uses the factor FARADAY = (faraday)
(coulomb) and the unit (msM) = (ms mM).

    dcai/dt = max(0, -10^4 ica / (2 F depth)) - kt cai / (cai + kd) + (cainf - cai) / taur
ENDCOMMENT

NEURON {
    SUFFIX nx_cad
    USEION ca READ ica, cai WRITE cai
    RANGE depth, kt, kd, cainf, taur
}

UNITS {
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    (mA) = (milliamp)
    (msM) = (ms mM)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um)
    taur = 5 (ms)
    cainf = 2.4e-4 (mM)
    kt = 1e-4 (mM/ms)
    kd = 1e-4 (mM)
}

STATE { cai (mM) <1e-5> }

ASSIGNED {
    ica (mA/cm2)
    drive_channel (mM/ms)
    drive_pump (mM/ms)
}

INITIAL {
    cai = cainf
}

BREAKPOINT {
    SOLVE state METHOD derivimplicit
}

DERIVATIVE state {
    drive_channel = -(10000) * ica / (2 * FARADAY * depth)
    if (drive_channel <= 0.) { drive_channel = 0. }   : the channel cannot pump calcium out
    drive_pump = -kt * cai / (cai + kd)
    cai' = drive_channel + drive_pump + (cainf - cai) / taur
}
