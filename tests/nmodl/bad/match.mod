NEURON { SUFFIX bad_match }
PARAMETER { k = 1 }
STATE { m }
INITIAL { m = 0 }
BREAKPOINT { }
MATCH { m(0) = 1 }
