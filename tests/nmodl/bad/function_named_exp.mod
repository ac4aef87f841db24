NEURON { SUFFIX function_named_exp  RANGE x }
ASSIGNED { x }
BREAKPOINT { x = exp(0.5) }
FUNCTION exp(a) {
  exp = a * 0.5
}
