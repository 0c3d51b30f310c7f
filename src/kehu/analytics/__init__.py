"""Customer value analytics: repeat-buying models, lifetime value, RFM, the ABCD pyramid, loyalty.

A plain library (numpy, scipy, polars; never Django): ``kehu.scoring`` hands it columns read from
the database and stores what it returns, and analysts use it directly on their own data. The
definitions, formulas and references are in ``docs/analytics.md``.

>>> from kehu.analytics import BetaGeoModel, summarize_transactions  # doctest: +SKIP
"""

from kehu.analytics._base import ConvergenceError, NotFittedError
from kehu.analytics.bgnbd import BetaGeoModel
from kehu.analytics.clv import customer_lifetime_value, simple_lifetime_value
from kehu.analytics.gamma_gamma import GammaGammaModel
from kehu.analytics.loyalty import LOYALTY_CLASSES, attitude_score, behaviour_score, loyalty_class
from kehu.analytics.paretonbd import ParetoNBDModel
from kehu.analytics.pyramid import TIERS, pyramid_summary, pyramid_tiers
from kehu.analytics.rfm import SEGMENTS, rfm_scores, segment_for
from kehu.analytics.summary import calibration_holdout_split, summarize_transactions

__all__ = [
    "BetaGeoModel", "ConvergenceError", "GammaGammaModel", "LOYALTY_CLASSES", "NotFittedError",
    "ParetoNBDModel", "SEGMENTS", "TIERS", "attitude_score", "behaviour_score",
    "calibration_holdout_split", "customer_lifetime_value", "loyalty_class", "pyramid_summary",
    "pyramid_tiers", "rfm_scores", "segment_for", "simple_lifetime_value", "summarize_transactions",
]
