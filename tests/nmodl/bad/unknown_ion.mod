NEURON {
    SUFFIX bad_ion
    USEION cl READ ecl WRITE icl VALENCE -1
}
ASSIGNED { v ecl icl }
BREAKPOINT { icl = 0.001 * (v - ecl) }
