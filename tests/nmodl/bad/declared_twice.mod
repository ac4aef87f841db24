NEURON { SUFFIX bad_declared_twice NONSPECIFIC_CURRENT i RANGE g }
PARAMETER { g = 0.001 (S/cm2) celsius (degC) }
ASSIGNED { v (mV) i (mA/cm2) celsius (degC) }
BREAKPOINT {
    i = g * (v + 70)
}
