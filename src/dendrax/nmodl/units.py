"""Unit names and conversion factors, as nocmodl computes them from NEURON's units table.

In NMODL, units change numbers in one place only: a UNITS block entry ``name = (from)
(to)`` defines the constant ``name`` as the factor from one unit to the other (e.g.
``FARADAY = (faraday) (coulomb)`` is 96485.33212331001, NEURON 9's CODATA 2018 value,
and ``R = (k-mole) (joule/degC)`` is 8.31446261815324). Elsewhere units are annotations:
nocmodl does not convert ``(mV)`` into ``(V)`` in an expression, so neither do we.

This module holds the units that mod files use (SI base units, prefixes, electrical and
chemical units, the physical constants of NEURON 9's ``nrnunits.lib``), written here from
their SI definitions, and computes factors in floating point in the same order as nocmodl
(the tests check every factor of the test files against nocmodl's generated C, to the last
bit). As in ``nrnunits.lib``, a mole is a number (6.02214076e23), so ``(mM) = (milli/liter)``
is a concentration of "things per litre".

Unit text: factors separated by spaces or ``-`` multiply (``k-mole``), everything after a
``/`` divides (``kg/m2-sec2``), trailing digits are powers (``cm2``), names resolve exactly,
then without a plural ``s``, then as a prefix and a unit (``millivolt``, ``mV``).

Example:
    >>> from dendrax.nmodl.units import UnitTable
    >>> table = UnitTable()
    >>> table.factor("faraday", "coulomb")
    96485.33212331001
    >>> table.define("mV", "millivolt")
    >>> table.factor("mV", "volt")
    0.001
"""

from __future__ import annotations

import re

__all__ = ["UnitError", "UnitTable"]

# Dimensions: exponents of (metre, kilogram, second, coulomb, kelvin).
Dims = tuple[int, int, int, int, int]
_ONE: Dims = (0, 0, 0, 0, 0)

_PREFIXES = {
    "yotta": 1e24, "zetta": 1e21, "exa": 1e18, "peta": 1e15, "tera": 1e12, "giga": 1e9, "mega": 1e6,
    "myria": 1e4, "meg": 1e6, "kilo": 1e3, "hecto": 1e2, "hecta": 1e2, "deka": 1e1, "deci": 1e-1, "centi": 1e-2, "milli": 1e-3,
    "micro": 1e-6, "nano": 1e-9, "pico": 1e-12, "femto": 1e-15, "atto": 1e-18, "zepto": 1e-21, "zopto": 1e-21,
    "yocto": 1e-24, "semi": 0.5, "demi": 0.5,
    "Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "h": 1e2,
    "da": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15, "a": 1e-18,
    "z": 1e-21, "y": 1e-24,
}  # fmt: skip

# name -> definition (unit text) or (value, dims). Order matters: definitions refer back.
_BASE: dict[str, str | tuple[float, Dims]] = {
    "m": (1.0, (1, 0, 0, 0, 0)),
    "kg": (1.0, (0, 1, 0, 0, 0)),
    "sec": (1.0, (0, 0, 1, 0, 0)),
    "coul": (1.0, (0, 0, 0, 1, 0)),
    "K": (1.0, (0, 0, 0, 0, 1)),
    "fuzz": (1.0, _ONE),
    "two": (2.0, _ONE),
    "pi": (3.14159265358979323846, _ONE),
    "mole": (6.02214076e23, _ONE),
    "e": "1.602176634e-19 coul",
    "c": "2.99792458e8 m/sec",
    "g": "9.80665 m/sec2",
    "radian": "0.5 / pi",
    "meter": "m", "metre": "m", "cm": "centimeter", "mm": "millimeter", "km": "kilometer", "nm": "nanometer",
    "micron": "micrometer", "angstrom": "decinanometer", "cc": "cm3", "liter": "kilocc",
    "second": "sec", "s": "sec", "minute": "60 sec", "min": "minute", "hour": "60 min", "hr": "hour",
    "day": "24 hr", "ms": "millisec", "us": "microsec",
    "gram": "millikg", "gm": "gram", "mg": "milligram",
    "newton": "kg-m/sec2", "nt": "newton", "joule": "nt-m", "cal": "4.1868 joule", "calorie": "cal",
    "erg": "cm2-gm/sec2", "dyne": "cm-gm/sec2",
    "coulomb": "coul", "C": "coul", "ampere": "coul/sec", "amp": "ampere", "A": "ampere", "watt": "joule/sec",
    "volt": "watt/amp", "V": "volt", "ohm": "volt/amp", "mho": "/ohm", "siemens": "/ohm", "S": "siemens",
    "farad": "coul/volt", "henry": "sec2/farad", "weber": "volt-sec", "tesla": "weber/m2",
    "hertz": "/sec", "Hz": "hertz", "hz": "/sec",
    "faraday": "e-mole", "boltzmann": "1.380649e-23 joule/K", "k": "boltzmann", "gasconstant": "k-mole",
    "R": "gasconstant", "planck": "6.62607015e-34 joule-sec", "hbar": "planck/two-pi",
    "degC": "K", "kelvin": "K", "degK": "K", "degF": "0.5555555555555556 degC",
    "atmosphere": "1.01325e5 nt/m2", "atm": "atmosphere", "avogadro": "mole",
    "percent": "0.01", "%": "percent", "degree": "0.002777777777777778",  # 1/360 of a turn (radian: 1/2 pi)
}  # fmt: skip


class UnitError(ValueError):
    """A unit that cannot be resolved, or a factor between units of different dimensions."""


class UnitTable:
    """Unit names known to a file: NEURON's table plus the file's ``(name) = (unit)`` aliases."""

    def __init__(self) -> None:
        self._defs: dict[str, str | tuple[float, Dims]] = dict(_BASE)
        self._cache: dict[str, tuple[float, Dims]] = {}

    def define(self, name: str, definition: str) -> None:
        """Define unit ``name`` as the unit text ``definition`` (a UNITS block alias)."""
        self._defs[name] = self.value(definition)
        self._cache.clear()

    def factor(self, source: str, target: str) -> float:
        """The number that converts a quantity in ``source`` units into ``target`` units."""
        a, da = self.value(source)
        b, db = self.value(target)
        if da != db:
            raise UnitError(f"({source}) and ({target}) are not the same kind of quantity")
        if b == 0.0:
            raise UnitError(f"the unit ({target}) is zero")
        return a / b

    def value(self, text: str) -> tuple[float, Dims]:
        """Size (in SI, with a mole counted as a number) and dimensions of unit text."""
        text = text.strip()
        numerator, slash, denominator = text.partition("/")
        value, dims = 1.0, [0] * 5
        for size, d in self._parts(numerator, text):
            value *= size
            dims = [x + y for x, y in zip(dims, d)]
        for size, d in self._parts(denominator, text) if slash else ():
            if size == 0.0:
                raise UnitError(f"the unit ({text}) divides by zero")
            value /= size  # one factor at a time, as nocmodl: the same last bit
            dims = [x - y for x, y in zip(dims, d)]
        return value, tuple(dims)  # type: ignore[return-value]

    _PART = re.compile(
        r"\s*(?:([0-9.]+(?:[eE][+-]?\d+)?(?:\|[0-9.]+)?)|([A-Za-z_%]+?)(\d*)(?![A-Za-z_%]))\s*[-*]?"
    )

    def _parts(self, text: str, whole: str):
        pos, text = 0, text.strip()
        while pos < len(text):
            match = self._PART.match(text, pos)
            if match is None or match.end() == pos:
                raise UnitError(f"cannot read {text[pos:]!r} in the unit ({whole})")
            pos = match.end()
            number, name, power = match.groups()
            if number is not None:
                top, _, bottom = number.partition("|")
                try:
                    size = float(top) / float(bottom) if bottom else float(top)
                except (ValueError, ZeroDivisionError):
                    raise UnitError(f"{number!r} in the unit ({whole}) is not a number") from None
                yield size, _ONE
            else:
                yield self._named(name, power, whole)

    def _named(self, name: str, power: str, whole: str) -> tuple[float, Dims]:
        if power and (whole_name := self._lookup(name + power)) is not None:
            return whole_name
        found = self._lookup(name)
        if found is None:
            raise UnitError(
                f"unknown unit {name!r} in ({whole}); define it in the UNITS block, e.g. ({name}) = (...)"
            )
        size, dims = found
        n = int(power) if power else 1
        return size**n, tuple(x * n for x in dims)  # type: ignore[return-value]

    def _lookup(self, name: str) -> tuple[float, Dims] | None:
        if name in self._cache:
            return self._cache[name]
        found = self._resolve(name)
        if found is not None:
            self._cache[name] = found
        return found

    def _resolve(self, name: str) -> tuple[float, Dims] | None:
        if name in self._defs:
            d = self._defs[name]
            return self.value(d) if isinstance(d, str) else d
        if len(name) > 1 and name.endswith("s") and (found := self._lookup(name[:-1])) is not None:
            return found
        for prefix in sorted(_PREFIXES, key=len, reverse=True):
            if name.startswith(prefix) and len(name) > len(prefix):
                rest = self._lookup(name[len(prefix) :])
                if rest is not None:
                    return _PREFIXES[prefix] * rest[0], rest[1]
        if name in _PREFIXES:  # a prefix alone is a number: (milli/liter)
            return _PREFIXES[name], _ONE
        return None
