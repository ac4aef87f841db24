COMMENT
Hodgkin-Huxley sodium channel as an eight-state Markov scheme. Rates: Hodgkin AL, Huxley
AF (1952) J Physiol 117:500-544 (shifted to a resting potential of -65 mV, as NEURON's hh),
with a Q10 of 3 from 6.3 degC. Three independent activation particles and one inactivation
particle give the scheme below (Armstrong CM (1981) Physiol Rev 61:644-683; Hille B (2001)
Ion Channels of Excitable Membranes, ch. 18), whose open state is m^3 h. Written for
dendrax's tests: KINETIC with CONSERVE, SOLVE ... STEADYSTATE sparse in INITIAL, and
rate FUNCTIONs with guards (vtrap and exptrap).

    C3 <-> C2 <-> C1 <-> O        (3am, bm), (2am, 2bm), (am, 3bm)
    |      |      |      |        (bh, ah) down / up
    I3 <-> I2 <-> I1 <-> I
ENDCOMMENT

NEURON {
    SUFFIX nx_na8st
    USEION na READ ena WRITE ina
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.12 (S/cm2) <0, 1e9>
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ena (mV)
    ina (mA/cm2)
    am (/ms)
    bm (/ms)
    ah (/ms)
    bh (/ms)
}

STATE { C3 C2 C1 O I3 I2 I1 I }

INITIAL {
    SOLVE kin STEADYSTATE sparse
}

BREAKPOINT {
    SOLVE kin METHOD sparse
    ina = gbar * O * (v - ena)
}

KINETIC kin {
    rates(v)
    ~ C3 <-> C2 (3 * am, bm)
    ~ C2 <-> C1 (2 * am, 2 * bm)
    ~ C1 <-> O (am, 3 * bm)
    ~ I3 <-> I2 (3 * am, bm)
    ~ I2 <-> I1 (2 * am, 2 * bm)
    ~ I1 <-> I (am, 3 * bm)
    ~ C3 <-> I3 (bh, ah)
    ~ C2 <-> I2 (bh, ah)
    ~ C1 <-> I1 (bh, ah)
    ~ O <-> I (bh, ah)
    CONSERVE C3 + C2 + C1 + O + I3 + I2 + I1 + I = 1
}

PROCEDURE rates(v (mV)) { LOCAL q
    q = 3 ^ ((celsius - 6.3) / 10)
    am = q * 0.1 * vtrap(-(v + 40), 10)
    bm = q * 4 * exptrap(-(v + 65) / 18)
    ah = q * 0.07 * exptrap(-(v + 65) / 20)
    bh = q / (exptrap(-(v + 35) / 10) + 1)
}

FUNCTION vtrap(x (mV), y (mV)) (mV) {
    : x / (exp(x / y) - 1), continued by its limit y at x = 0
    if (fabs(x / y) < 1e-6) {
        vtrap = y * (1 - x / y / 2)
    } else {
        vtrap = x / (exp(x / y) - 1)
    }
}

FUNCTION exptrap(x) {
    : exp(x) without overflow (Traub et al. 2005)
    if (x >= 700) {
        exptrap = exp(700)
    } else {
        exptrap = exp(x)
    }
}
