NEURON { SUFFIX bad_dt_through_procedure USEION k READ ek WRITE ik }
PARAMETER { g = 0.01 (S/cm2) }
ASSIGNED { v (mV) ek (mV) ik (mA/cm2) ninf nexp }
STATE { n }
INITIAL {
    rates(v)
    n = ninf
}
BREAKPOINT {
    SOLVE states
    ik = g * n * (v - ek)
}
PROCEDURE states() {
    rates(v)
    n = n + nexp * (ninf - n)
}
PROCEDURE rates(v (mV)) {
    ninf = 1 / (1 + exp(-(v + 30) / 10))
    nexp = 1 - exp(-dt / 5)
}
