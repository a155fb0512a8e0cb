"""Houqin core: the tenant-aware kernel every module stands on.

Plugins import from ``core.sdk``; everything else here is the kernel's own business.
"""

__version__ = "0.1.0"
