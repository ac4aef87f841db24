"""The README's examples run as written (the first thing a newcomer tries)."""

import re
from pathlib import Path

import jax
import numpy as np

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    with jax.numpy_dtype_promotion("standard"):  # as a user's session (optax mixes dtypes)
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert namespace["v"].shape == (2, 801)
    assert float(np.max(namespace["v"])) > 0.0  # the cell spikes
    grads = namespace["grads"]
    assert set(grads) == {"HH_gNa", "radius", "axial_resistivity"}
    # 50 Adam steps reduce the loss at least tenfold.
    loss, bounds = namespace["loss"], namespace["bounds"]
    start = bounds.inverse(namespace["cell"].get_parameters())
    assert float(loss(namespace["u"])) < 0.1 * float(loss(start))
