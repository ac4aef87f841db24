COMMENT
Sodium channel of Mainen ZF, Sejnowski TJ (1996) Influence of dendritic structure on
firing pattern in model neocortical neurons. Nature 382:363-366 (after Huguenard et al.
1988). Written for dendrax's tests from the published equations, in the style of the
published file (ModelDB 2488): conductance in pS/um2 converted with the factor (1e-4),
rate tables (TABLE ... DEPEND celsius), a guarded rate function trap0, a temperature
factor tadj = q10^((celsius - temp)/10) and a voltage shift.
ENDCOMMENT

NEURON {
    SUFFIX nx_na_ms
    USEION na READ ena WRITE ina
    RANGE m, h, gna, gbar
    GLOBAL tha, thi1, thi2, qa, qi, qinf, thinf
    GLOBAL minf, hinf, mtau, htau
    GLOBAL Ra, Rb, Rd, Rg
    GLOBAL q10, temp, tadj, vmin, vmax, vshift
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (pS) = (picosiemens)
    (um) = (micron)
}

PARAMETER {
    gbar = 1000 (pS/um2)
    vshift = -5 (mV)
    tha = -35 (mV)
    qa = 9 (mV)
    Ra = 0.182 (/ms)
    Rb = 0.124 (/ms)
    thi1 = -50 (mV)
    thi2 = -75 (mV)
    qi = 5 (mV)
    thinf = -65 (mV)
    qinf = 6.2 (mV)
    Rg = 0.0091 (/ms)
    Rd = 0.024 (/ms)
    temp = 23 (degC)
    q10 = 2.3
    vmin = -120 (mV)
    vmax = 100 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ina (mA/cm2)
    gna (pS/um2)
    ena (mV)
    minf
    hinf
    mtau (ms)
    htau (ms)
    tadj
}

STATE { m h }

INITIAL {
    trates(v + vshift)
    m = minf
    h = hinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gna = tadj * gbar * m * m * m * h
    ina = (1e-4) * gna * (v - ena)
}

DERIVATIVE states {
    trates(v + vshift)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

PROCEDURE trates(v (mV)) {
    TABLE minf, hinf, mtau, htau
    DEPEND celsius, temp, Ra, Rb, Rd, Rg, tha, thi1, thi2, qa, qi, qinf
    FROM vmin TO vmax WITH 199
    rates(v)
}

PROCEDURE rates(vm (mV)) { LOCAL a, b
    a = trap0(vm, tha, Ra, qa)
    b = trap0(-vm, -tha, Rb, qa)
    tadj = q10 ^ ((celsius - temp) / 10)
    mtau = 1 / tadj / (a + b)
    minf = a / (a + b)

    a = trap0(vm, thi1, Rd, qi)
    b = trap0(-vm, -thi2, Rg, qi)
    htau = 1 / tadj / (a + b)
    hinf = 1 / (1 + exp((vm - thinf) / qinf))
}

FUNCTION trap0(v (mV), th (mV), a (/ms), q (mV)) (/ms) {
    if (fabs(v - th) > 1e-6) {
        trap0 = a * (v - th) / (1 - exp(-(v - th) / q))
    } else {
        trap0 = a * q
    }
}
