NEURON { SUFFIX misspelt NONSPECIFIC_CURRENT i }
PARAMETER { g = 1e-3 (S/cm2) }
ASSIGNED { v (mV) i (mA/cm2) }
BREAKPONT { i = g * (v + 70) }
