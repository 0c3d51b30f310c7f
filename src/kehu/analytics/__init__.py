"""Customer value analytics: repeat-buying models, lifetime value, RFM, the ABCD pyramid, loyalty.

A plain library (numpy, scipy, polars; never Django). See ``docs/analytics.md``.
"""

from kehu.analytics._base import ConvergenceError, NotFittedError
from kehu.analytics.loyalty import LOYALTY_CLASSES, attitude_score, behaviour_score, loyalty_class
from kehu.analytics.paretonbd import ParetoNBDModel
from kehu.analytics.pyramid import TIERS, pyramid_summary, pyramid_tiers
from kehu.analytics.rfm import SEGMENTS, rfm_scores, segment_for

__all__ = [
    "ConvergenceError", "LOYALTY_CLASSES", "NotFittedError", "ParetoNBDModel", "SEGMENTS", "TIERS",
    "attitude_score", "behaviour_score", "loyalty_class", "pyramid_summary", "pyramid_tiers",
    "rfm_scores", "segment_for",
]
