"""Geometry of neurons: frustum areas and axial resistances (SWC reading comes later)."""

from .frustum import branch_geometry as branch_geometry
