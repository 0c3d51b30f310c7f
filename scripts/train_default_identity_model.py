"""Train the match model Kehu ships (``kehu/identity/default_model.json``).

It scores records typed in before the first duplicate scan has learned weights from the
customer file itself. Trained on 100,000 synthetic records from ``bench/identity_data.py``;
the term-frequency tables keep the 5,000 most common name and city keys (Faker's zh_CN surname
frequencies make them realistic), rarer values use the frequency of the rarest one kept.

    .venv/bin/python scripts/train_default_identity_model.py
"""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("identity_data", ROOT / "bench" / "identity_data.py")
identity_data = importlib.util.module_from_spec(spec)
spec.loader.exec_module(identity_data)

from kehu.identity import features, pipeline  # noqa: E402

records = identity_data.generate(100_000, seed=11)
feats = features.prepare(records.drop("entity_id"))
result = pipeline.link(feats)
model = result.model
for name, table in model.tf.items():
    if len(table) > 5000:
        model.tf[name] = dict(list(table.items())[:5000])
        model.tf_floor[name] = min(model.tf[name].values())  # as pipeline._frequencies does
model.trained_on["source"] = "synthetic: bench/identity_data.py, 100,000 records, seed 11"
out = ROOT / "src" / "kehu" / "identity" / "default_model.json"
out.write_text(json.dumps(json.loads(model.to_json()), ensure_ascii=False, indent=0) + "\n", "utf-8")
print(f"wrote {out} ({out.stat().st_size:,} bytes); prior {model.prior:.3g}")
