COMMENT
Transient sodium current, somatic: Hay E, Hill S, Schurmann F, Markram H, Segev I (2011).
Models of neocortical layer 5b pyramidal cells capturing a wide range of dendritic and
perisomatic active properties. PLoS Comput Biol 7:e1002107 (kinetics after Colbert & Pan
2002). Written for dendrax's tests in the style of the published model files: the parameter
is gNaTs2_tbar, the temperature factor is fixed at the model's 34 degC, and the removable
singularities of the rates are stepped over by shifting v by 0.0001 mV.
ENDCOMMENT

NEURON {
    SUFFIX nx_NaTs2_t
    USEION na READ ena WRITE ina
    RANGE gNaTs2_tbar, gNaTs2_t, ina
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gNaTs2_tbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ina (mA/cm2)
    gNaTs2_t (S/cm2)
    mInf
    mTau
    mAlpha
    mBeta
    hInf
    hTau
    hAlpha
    hBeta
}

STATE {
    m
    h
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gNaTs2_t = gNaTs2_tbar*m*m*m*h
    ina = gNaTs2_t*(v-ena)
}

DERIVATIVE states {
    rates()
    m' = (mInf-m)/mTau
    h' = (hInf-h)/hTau
}

INITIAL {
    rates()
    m = mInf
    h = hInf
}

PROCEDURE rates() {
    LOCAL qt
    qt = 2.3^((34-21)/10)

    UNITSOFF
    if (v == -32) {
        v = v+0.0001
    }
    mAlpha = (0.182 * (v- -32))/(1-(exp(-(v- -32)/6)))
    mBeta  = (0.124 * (-v -32))/(1-(exp(-(-v -32)/6)))
    mInf = mAlpha/(mAlpha + mBeta)
    mTau = (1/(mAlpha + mBeta))/qt

    if (v == -60) {
        v = v + 0.0001
    }
    hAlpha = (-0.015 * (v- -60))/(1-(exp((v- -60)/6)))
    hBeta  = (-0.015 * (-v -60))/(1-(exp((-v -60)/6)))
    hInf = hAlpha/(hAlpha + hBeta)
    hTau = (1/(hAlpha + hBeta))/qt
    UNITSON
}
