NEURON {
    POINT_PROCESS bad_random
    RANDOM rng
    NONSPECIFIC_CURRENT i
}
ASSIGNED { v i }
BREAKPOINT { i = 0.001 * random_normal(rng) }
