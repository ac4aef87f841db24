NEURON { SUFFIX procedure_named_pow  RANGE x }
ASSIGNED { x }
BREAKPOINT { pow(2, 3) }
PROCEDURE pow(a, b) {
  x = a + b
}
