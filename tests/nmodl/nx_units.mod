COMMENT
Unit conversion factors, for dendrax's tests: each constant below is computed by nocmodl
from NEURON's units table (nrnunits.lib) into the generated C file; the test reads them
there and compares them with dendrax.nmodl.units, bit for bit. The mechanism itself does
nothing (a zero nonspecific current).
ENDCOMMENT

NEURON {
    SUFFIX nx_units
    NONSPECIFIC_CURRENT i
    RANGE x
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (molar) = (1/liter)
    (mM) = (millimolar)
    (uM) = (micromolar)
    (um) = (micron)
    (nA) = (nanoamp)
    (uS) = (microsiemens)
    (pS) = (picosiemens)
    (S) = (siemens)
    (msM) = (ms mM)
    FARADAY = (faraday) (coulomb)
    FARADAYk = (faraday) (kilocoulombs)
    R = (k-mole) (joule/degC)
    Rm = (k-mole) (millijoule/degC)
    KB = (k) (joule/degC)
    Q = (e) (coulomb)
    NA = (mole) (1)
    PI = (pi) (1)
    HBAR = (hbar) (joule-sec)
    mV2V = (mV) (volt)
    um2cm = (um) (cm)
    um2cm2 = (um2) (cm2)
    mA2nA = (mA) (nA)
    dens = (mA/cm2) (amp/m2)
    mM2uM = (mM) (uM)
    perms = (1/ms) (/sec)
    pS2S = (pS/um2) (S/cm2)
    uS2S = (uS) (S)
    mho = (mho/cm2) (S/cm2)
    liter2cc = (liter) (cc)
    hz = (hz) (/ms)
    minute = (minute) (ms)
    angs = (angstrom) (um)
    calj = (cal) (joule)
    ergj = (erg) (joule)
    ohmcm = (ohm-cm) (megohm-um)
    msM = (msM) (ms uM)
    gasc = (gasconstant) (joule/degC)
    FoverR = (faraday/k-mole) (degC/volt)
    x2 = 2.5 (mV)
}

PARAMETER { x = 0 }
ASSIGNED { i (mA/cm2) }

BREAKPOINT {
    i = 0 * x * (FARADAY + FARADAYk + R + Rm + KB + Q + NA + PI + HBAR + mV2V + um2cm + um2cm2 + mA2nA + dens)
    i = i * (mM2uM + perms + pS2S + uS2S + mho + liter2cc + hz + minute + angs + calj + ergj + ohmcm + msM + gasc + FoverR + x2)
}
