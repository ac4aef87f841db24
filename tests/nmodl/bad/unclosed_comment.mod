NEURON { SUFFIX bad_comment }
COMMENT
    this comment never ends
BREAKPOINT { }
