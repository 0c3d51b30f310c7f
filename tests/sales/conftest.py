"""Fixtures shared by the sales tests: leads (sources, referrals, qualifying) and the pipeline
(stages, people, products, opportunities). They live in their own modules by area; importing
them here makes them fixtures for every module in this folder without re-importing names."""

from tests.sales.conftest_leads import fresh_rate_limits, make_lead, qualify, referral, source  # noqa: F401
from tests.sales.conftest_pipeline import (  # noqa: F401
    client_for,
    make_opportunity,
    people,
    price,
    products,
    stage_codes,
    stages,
)
