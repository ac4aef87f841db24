"""dendrax's library of channels (each cites the paper it comes from).

- `HH`: Hodgkin & Huxley (1952); `Leak`: a passive current (NEURON's ``pas``).
- Pospischil et al. (2008), Biol Cybern 99:427-441: `Na`, `K`, `Km`, `CaL`, `CaT` (module
  `pospischil`; their leak is `Leak`).
- Hay et al. (2011), PLoS Comput Biol 7:e1002107: `NaTa_t`, `NaTs2_t`, `Nap_Et2`
  (`hay_sodium`); `K_Pst`, `K_Tst`, `SKv3_1`, `SK_E2`, `Im` (`hay_potassium`); `Ca_HVA`,
  `Ca_LVAst` and the calcium buffer `CaDynamics_E2` (`hay_calcium`); `Ih` (`hay_ih`).

To write a new channel, see `dendrax.Channel` and examples/user_channel.py.
"""

from .hay_calcium import Ca_HVA as Ca_HVA
from .hay_calcium import Ca_LVAst as Ca_LVAst
from .hay_calcium import CaDynamics_E2 as CaDynamics_E2
from .hay_ih import Ih as Ih
from .hay_potassium import SK_E2 as SK_E2
from .hay_potassium import Im as Im
from .hay_potassium import K_Pst as K_Pst
from .hay_potassium import K_Tst as K_Tst
from .hay_potassium import SKv3_1 as SKv3_1
from .hay_sodium import Nap_Et2 as Nap_Et2
from .hay_sodium import NaTa_t as NaTa_t
from .hay_sodium import NaTs2_t as NaTs2_t
from .hh import HH as HH
from .leak import Leak as Leak
from .pospischil import CaL as CaL
from .pospischil import CaT as CaT
from .pospischil import K as K
from .pospischil import Km as Km
from .pospischil import Na as Na

# The public names: what help() and `import *` list.
__all__ = [
    "Ca_HVA",
    "Ca_LVAst",
    "CaDynamics_E2",
    "CaL",
    "CaT",
    "HH",
    "Ih",
    "Im",
    "K",
    "K_Pst",
    "K_Tst",
    "Km",
    "Leak",
    "Na",
    "Nap_Et2",
    "NaTa_t",
    "NaTs2_t",
    "SK_E2",
    "SKv3_1",
]
