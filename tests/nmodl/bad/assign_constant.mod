NEURON { SUFFIX bad_const }
UNITS { FARADAY = (faraday) (coulomb) }
BREAKPOINT { }
INITIAL {
    FARADAY = 96485
}
