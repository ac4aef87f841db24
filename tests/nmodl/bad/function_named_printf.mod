NEURON { SUFFIX function_named_printf  NONSPECIFIC_CURRENT i }
ASSIGNED { i (mA/cm2) }
BREAKPOINT { i = printf(0.001) }
FUNCTION printf(a) {
  printf = a
}
