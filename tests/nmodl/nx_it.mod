COMMENT
Low-threshold (T-type) calcium current of thalamic relay neurons: Destexhe A, Bal T,
McCormick DA, Sejnowski TJ (1996) Ionic mechanisms underlying synchronized oscillations and
propagating waves in a model of ferret thalamic slices. J Neurophysiol 76:2049-2070, with
the kinetics of Huguenard JR, McCormick DA (1992) J Neurophysiol 68:1373-1383. Written for
dendrax's tests in the style of the published IT.mod (ModelDB 3343): activation is
instantaneous, and m_inf, computed with the rates in the DERIVATIVE block, is used by
BREAKPOINT one step later (NEURON keeps it between blocks; dendrax carries it as a state).
ENDCOMMENT

NEURON {
    SUFFIX nx_it
    USEION ca READ eca WRITE ica
    RANGE gcabar, m_inf, tau_h, h_inf, shift
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gcabar = 0.002 (mho/cm2)
    shift = 2 (mV)
}

STATE { h }

ASSIGNED {
    v (mV)
    celsius (degC)
    eca (mV)
    ica (mA/cm2)
    m_inf
    h_inf
    tau_h (ms)
    phi_h
}

BREAKPOINT {
    SOLVE castate METHOD cnexp
    ica = gcabar * m_inf * m_inf * h * (v - eca)
}

DERIVATIVE castate {
    evaluate_fct(v)
    h' = (h_inf - h) / tau_h
}

INITIAL {
    phi_h = 3.0 ^ ((celsius - 24) / 10)
    evaluate_fct(v)
    h = h_inf
}

UNITSOFF
PROCEDURE evaluate_fct(v (mV)) {
    m_inf = 1.0 / (1 + exp(-(v + shift + 57) / 6.2))
    h_inf = 1.0 / (1 + exp((v + shift + 81) / 4.0))
    tau_h = (30.8 + (211.4 + exp((v + shift + 113.2) / 5)) / (1 + exp((v + shift + 84) / 3.2))) / phi_h
}
UNITSON
