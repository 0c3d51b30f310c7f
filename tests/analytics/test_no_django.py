"""kehu.analytics is a plain library: importing and using it must not pull in Django or pandas."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    import kehu.analytics.summary, kehu.analytics.bgnbd, kehu.analytics.gamma_gamma
    import kehu.analytics.clv
    assert "django" not in sys.modules, "importing kehu.analytics imported Django"
    assert "pandas" not in sys.modules, "importing kehu.analytics imported pandas"

    import numpy as np
    from kehu.analytics.bgnbd import BetaGeoModel
    from kehu.analytics.clv import customer_lifetime_value
    from kehu.analytics.gamma_gamma import GammaGammaModel
    from kehu.analytics.summary import calibration_holdout_split, summarize_transactions

    # 1,000 customers, each making a geometric number of purchases ~20 days apart, then gone
    rng = np.random.default_rng(0)
    n_purchases = rng.geometric(rng.beta(2.0, 5.0, 1000))
    ids = np.repeat(np.arange(1000), n_purchases)
    elapsed = np.cumsum(rng.exponential(20.0, len(ids)))
    first = np.cumsum(n_purchases) - n_purchases
    days = rng.uniform(0, 200, 1000)[ids] + elapsed - np.repeat(elapsed[first], n_purchases)
    times = np.datetime64("2024-01-01", "s") + (days * 86400).astype(np.int64)
    amounts = rng.gamma(2.0, 20.0, len(ids)) * rng.gamma(4.0, 0.25, 1000)[ids]
    out = summarize_transactions(ids, times, amounts, observation_end="2024-12-31")
    calibration_holdout_split(ids, times, amounts, calibration_end="2024-09-30",
                              observation_end="2024-12-31")
    x, t_x, T, m = (out[c].to_numpy().astype(float)
                    for c in ("frequency", "recency", "T", "monetary_value"))
    purchase = BetaGeoModel().fit(x, t_x, T)
    spend = GammaGammaModel().fit(x, m)
    customer_lifetime_value(purchase, spend, x, t_x, T, m)
    assert "django" not in sys.modules, "using kehu.analytics imported Django"
    assert "pandas" not in sys.modules, "numpy inputs made kehu.analytics import pandas"
    print("ok")
""")


def test_no_django_nor_pandas():
    """Reference: sys.modules of a fresh interpreter that imports the modules and runs a
    summary, the fits and CLV on numpy inputs."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
