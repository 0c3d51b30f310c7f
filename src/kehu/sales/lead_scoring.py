"""The lead score in Kehu (issue 7 §3): the probability that a lead converts, with its reasons.

- ``load_features``: one query reads every lead's features (its fields, its referrer's tier, and
  engagement counted *before the cut-off* by correlated subqueries: the close for history, now
  for open leads — so nothing that happened after a lead was decided leaks into its label).
- ``train_lead_score``: closed leads (converted = 1, disqualified = 0) with a time-based holdout
  (train on the older 80 % by creation, test on the newest 20 %): AUC, Brier and ten calibration
  bins of the model, and the AUC of Odoo's naive-Bayes frequency table on the same holdout. The
  model kept is then refitted on the whole history (today's leads look most like the newest ones)
  and stored as JSON in ``LeadScoreModel.parameters``. Too little history (fewer than
  ``MIN_CLOSED`` closed leads or ``MIN_PER_CLASS`` of either outcome) gives the transparent rule
  score instead (``kind=rules``), which says so.
- ``score_open_leads``: every open lead scored at once (numpy), reasons included, written back with
  chunked ``bulk_update`` — a fixed number of queries whatever the number of leads.
- ``describe_reasons``: "+ referral from a VIP customer", "− no phone", in the reader's language.

The maths is in ``kehu.analytics.lead_score`` (no Django).
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, DateTimeField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from kehu.analytics import lead_score as ls
from kehu.customers.models import Customer, Interaction
from kehu.db import aware_datetime
from kehu.privacy import audit
from kehu.sales.models import Activity, Lead, LeadScoreModel, LeadSource
from kehu.sales.referrals import REFERRAL_SOURCES

logger = logging.getLogger(__name__)

TRAIN_PERMISSION = "sales.train_lead_score"
MIN_CLOSED = 200  # closed leads needed to learn from
MIN_PER_CLASS = 20  # … of which at least this many converted and this many disqualified
HOLDOUT_SHARE = 0.2
ECE_THRESHOLD = 0.05  # expected calibration error on the holdout above which the model is recalibrated
TOP_REASONS = 3
MIN_REASON = {LeadScoreModel.Kind.MODEL: 0.05, LeadScoreModel.Kind.RULES: 1.0}  # log-odds / points
CHUNK = 500
OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED)
CLOSED_STATUSES = (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED)
# Stored untranslated (LeadScoreModel.note is for the admin and the API); pages translate.
NOTE_THIN = gettext_noop("Too little history to learn from: %(closed)s closed leads (%(converted)s converted, "
                         "%(disqualified)s disqualified); a model needs %(min_closed)s, with at least "
                         "%(min_class)s of each. Leads are scored by the rule score meanwhile.")
NOTE_ONE_CLASS = gettext_noop("The older part of the history holds only one outcome, so nothing can be learned "
                              "from it yet; leads are scored by the rule score meanwhile.")
NOTE_MODEL = gettext_noop("Logistic regression on %(n_train)s older closed leads, checked on the %(n_holdout)s "
                          "newest, then refitted on all %(n)s.")
NOTE_CALIBRATED = gettext_noop("Its probabilities were off on the holdout, so they are recalibrated (sigmoid).")


class Features:
    """Columns of the leads read by ``load_features`` (numpy arrays, one row per lead)."""

    def __init__(self, ids, raw: dict, created: np.ndarray, status: np.ndarray):
        self.ids, self.raw, self.created, self.status = ids, raw, created, status

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> dict:
        return {k: v[mask] for k, v in self.raw.items()}


def _count(queryset, key: str):
    """A correlated COUNT(*) of ``queryset`` per outer row (0 when none)."""
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def load_features(leads, *, now: dt.datetime) -> Features:
    """The features of ``leads`` (a Lead queryset) in one query. The cut-off is the lead's close
    (history) or ``now`` (open leads): engagement counts only what happened before it, and the age
    is measured at it."""
    qs = leads.annotate(cutoff=Coalesce("closed_at", Value(now, output_field=DateTimeField())))
    activities = Activity.objects.filter(lead=OuterRef("pk"), done_at__isnull=False, done_at__lt=OuterRef("cutoff"))
    interactions = Interaction.objects.filter(customer=OuterRef("customer"), occurred_at__lt=OuterRef("cutoff"))
    emails_in = interactions.filter(channel=Interaction.Channel.EMAIL, direction=Interaction.Direction.INBOUND)
    # A converted lead's customer is the outcome itself (the link is made when it converts): its
    # interactions would tell the model the label (only converted leads would have any). They
    # count only for a lead linked to a customer some other way.
    linked_before = Q(converted_at__isnull=True)
    qs = qs.annotate(n_activities=_count(activities, "lead"),
                     n_interactions=Case(When(linked_before, then=_count(interactions, "customer")), default=0),
                     n_emails=Case(When(linked_before, then=_count(emails_in, "customer")), default=0))
    rows = list(qs.order_by("pk").values_list(
        "pk", "source__code", "channel", "region", "company_size", "nature", "phone", "email", "wechat", "company",
        "referrer_customer_id", "referrer_contact_id", "referrer_customer__tier", "n_activities", "n_interactions",
        "n_emails", "created_at", "cutoff", "status"))
    if not rows:
        empty = {name: np.zeros(0) for name in ls.RAW_FIELDS}
        return Features(np.zeros(0, int), empty, np.zeros(0), np.zeros(0, str))
    (ids, source, channel, region, size, nature, phone, email, wechat, company, ref_customer, ref_contact, ref_tier,
     n_act, n_int, n_mail, created, cutoff, status) = zip(*rows, strict=True)
    created_s = np.array([c.timestamp() for c in created])
    cutoff_s = np.array([_timestamp(c) for c in cutoff])

    def text(values):
        return np.array([(v or "").strip() for v in values], dtype=object).astype(str)

    raw = {
        "source": text(source), "channel": text(channel), "region": text(region), "company_size": text(size),
        "nature": text(nature),
        "has_phone": (text(phone) != "").astype(int), "has_email": (text(email) != "").astype(int),
        "has_wechat": (text(wechat) != "").astype(int), "has_company": (text(company) != "").astype(int),
        "referred": np.array([a is not None or b is not None for a, b in zip(ref_customer, ref_contact, strict=True)],
                             dtype=int),
        "referrer_tier_a": (text(ref_tier) == Customer.Tier.A).astype(int),
        "activities": np.array(n_act, dtype=float), "interactions": np.array(n_int, dtype=float),
        "email_replies": np.array(n_mail, dtype=float),
        "age_days": np.clip((cutoff_s - created_s) / 86400.0, 0, None),
    }
    return Features(np.array(ids), raw, created_s, np.array(status))


def _timestamp(value) -> float:
    return aware_datetime(value).timestamp()  # SQLite may hand back COALESCE's result as text


# --- training -------------------------------------------------------------------------------

def _check_permission(actor) -> None:
    if actor is None:  # the scheduled retraining
        return
    if not actor.is_authenticated or not actor.is_active or not actor.has_perm(TRAIN_PERMISSION):
        raise PermissionDenied


def active_model() -> LeadScoreModel | None:
    return LeadScoreModel.objects.filter(is_active=True).order_by("-trained_at", "-id").first()


def scorer_for(model: LeadScoreModel):
    if model.kind == LeadScoreModel.Kind.RULES:
        return ls.RuleScore(tuple(model.parameters.get("referral_sources", REFERRAL_SOURCES)))
    return ls.LeadScorer.from_params(model.parameters)


def _epoch(value: float | None) -> dt.datetime | None:
    if value is None or np.isnan(value):
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def train_lead_score(actor, *, now: dt.datetime | None = None, rescore: bool = True) -> LeadScoreModel:
    """Train on the closed leads, store and activate the result (model or rules), audit it, and
    rescore every open lead. ``actor`` None is the scheduled job."""
    _check_permission(actor)
    now = now or timezone.now()
    history = load_features(Lead.objects.filter(status__in=CLOSED_STATUSES, closed_at__isnull=False), now=now)
    y = (history.status == Lead.Status.CONVERTED).astype(int)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    fields = {"positives": positives, "history_from": _epoch(history.created.min()) if len(history) else None}
    if len(history) < MIN_CLOSED or min(positives, negatives) < MIN_PER_CLASS:
        fields.update(_rules(history, y, note=NOTE_THIN, counts={
            "closed": len(history), "converted": positives, "disqualified": negatives,
            "min_closed": MIN_CLOSED, "min_class": MIN_PER_CLASS}))
    else:
        fields.update(_model(history, y))
    with transaction.atomic():
        LeadScoreModel.objects.filter(is_active=True).update(is_active=False)
        model = LeadScoreModel.objects.create(trained_by=actor if actor is not None else None, is_active=True,
                                              **fields)
        audit.record(actor, "create", model, changes={
            "kind": [None, model.kind], "auc": [None, model.auc], "baseline_auc": [None, model.baseline_auc],
            "n_train": [None, model.n_train], "n_holdout": [None, model.n_holdout]})
    if rescore:
        score_open_leads(model, now=now)
    return model


def _rules(history: Features, y: np.ndarray, *, note: str, counts: dict) -> dict:
    """The rule "model": nothing learned; its quality is still measured on whatever history there
    is (every closed lead is unseen by rules)."""
    rules = ls.RuleScore(REFERRAL_SOURCES)
    p = rules.predict_proba(history.raw) if len(history) else np.zeros(0)
    return {"kind": LeadScoreModel.Kind.RULES, "n_train": 0, "n_holdout": len(history),
            "auc": ls.auc(y, p), "brier": ls.brier(y, p), "baseline_auc": None,
            "calibration": ls.calibration_bins(y, p) if len(history) else [],
            "parameters": {"kind": "rules", "rules": rules.describe(), "referral_sources": list(REFERRAL_SOURCES),
                           "note": {"text": note, **counts}},
            "note": note % counts}


def _model(history: Features, y: np.ndarray) -> dict:
    holdout, cut = ls.time_split(history.created, holdout_share=HOLDOUT_SHARE)
    train, test = history.subset(~holdout), history.subset(holdout)
    y_train, y_test = y[~holdout], y[holdout]
    if y_train.min() == y_train.max():
        counts = {"closed": len(history), "converted": int(y.sum()), "disqualified": int(len(y) - y.sum())}
        return _rules(history, y, note=NOTE_ONE_CLASS, counts=counts)
    plain = ls.LeadScorer(calibration="none").fit(train, y_train)
    p = plain.predict_proba(test)
    bins = ls.calibration_bins(y_test, p)
    ece_plain = ls.expected_calibration_error(bins)
    calibrate = bool(ece_plain is not None and ece_plain > ECE_THRESHOLD
                     and min(y_train.sum(), len(y_train) - y_train.sum()) >= 2)
    if calibrate:
        p = ls.LeadScorer().fit(train, y_train, calibrate=True).predict_proba(test)
        bins = ls.calibration_bins(y_test, p)
    baseline = ls.FrequencyBaseline().fit(train, y_train).predict_proba(test)
    final = ls.LeadScorer().fit(history.raw, y, calibrate=calibrate)
    counts = {"n_train": int((~holdout).sum()), "n_holdout": int(holdout.sum()), "n": len(history)}
    note = NOTE_MODEL % counts + (" " + NOTE_CALIBRATED if calibrate else "")
    return {"kind": LeadScoreModel.Kind.MODEL, "n_train": counts["n_train"], "n_holdout": counts["n_holdout"],
            "holdout_from": _epoch(cut), "auc": ls.auc(y_test, p), "brier": ls.brier(y_test, p),
            "baseline_auc": ls.auc(y_test, baseline), "calibration": bins,
            "parameters": {**final.params_, "ece_plain": ece_plain, "ece": ls.expected_calibration_error(bins),
                           "calibrated": calibrate, "baseline_brier": ls.brier(y_test, baseline),
                           "note": {"text": NOTE_MODEL, **counts, "calibrated": calibrate}},
            "note": note}


# --- scoring --------------------------------------------------------------------------------

def score_open_leads(model: LeadScoreModel | None = None, *, now: dt.datetime | None = None,
                     lead_ids=None) -> int:
    """Score every open lead (or those of ``lead_ids`` that are open) with ``model`` (default: the
    active one; none yet: train first). Returns how many were scored. Queries: one read, then one
    UPDATE per ``CHUNK`` leads."""
    now = now or timezone.now()
    if model is None:
        model = active_model()
        if model is None:
            model = train_lead_score(None, now=now, rescore=False)
    qs = Lead.objects.filter(status__in=OPEN_STATUSES)
    if lead_ids is not None:
        qs = qs.filter(pk__in=list(lead_ids))
    features = load_features(qs, now=now)
    if not len(features):
        return 0
    scorer = scorer_for(model)
    probability = scorer.predict_proba(features.raw)
    which, values = ls.top_reasons(scorer.contributions(features.raw), k=TOP_REASONS,
                                   min_abs=MIN_REASON.get(model.kind, 0.05))
    categories = (model.parameters.get("encoding") or {}).get("categories", {})
    leads = []
    for row, pk in enumerate(features.ids.tolist()):
        reasons = [{"feature": ls.GROUPS[g], "value": _reason_value(features.raw, ls.GROUPS[g], row, categories),
                    "contribution": round(float(v), 3)}
                   for g, v in zip(which[row].tolist(), values[row].tolist(), strict=True) if g >= 0]
        leads.append(Lead(pk=pk, score=round(float(probability[row]), 4), score_reasons=reasons,
                          score_model_id=model.pk, scored_at=now))
    for start in range(0, len(leads), CHUNK):
        with transaction.atomic():
            Lead.objects.bulk_update(leads[start:start + CHUNK], ["score", "score_reasons", "score_model",
                                                                  "scored_at"], batch_size=CHUNK)
    return len(leads)


def _reason_value(raw: dict, group: str, row: int, categories: dict):
    """What the lead has for ``group``: the category (as the model saw it: "other" for one it
    does not know), 0/1, or a whole count (days for the age)."""
    value = raw[group][row]
    if group not in ls.CATEGORICAL:
        return int(value)
    known = categories.get(group)
    if known and str(value) not in known and ls.OTHER in known:
        return ls.OTHER
    return str(value)


# --- reasons in words -----------------------------------------------------------------------

def source_labels() -> dict[str, str]:
    """Lead source code → label in the active language (one query; pass it to describe_reasons
    when describing many leads)."""
    return {s.code: s.label() for s in LeadSource.objects.all()}


def _choice(choices, value: str) -> str:
    return str(dict(choices).get(value, value))


def reason_label(feature: str, value, *, sources: dict | None = None) -> str:
    """The feature of a reason in words, for its value ("no phone", "source: Chain referral")."""
    present = bool(value) if not isinstance(value, str) else value != ""
    if value == ls.OTHER:
        return {"source": _("a less common source"), "channel": _("a less common channel"),
                "region": _("a less common region"), "company_size": _("a less common company size"),
                "nature": _("a less common nature")}.get(feature, feature)
    if feature == "source":
        label = (sources if sources is not None else source_labels()).get(value, value)
        return _("source: %(source)s") % {"source": label}
    if feature == "channel":
        return _("channel: %(channel)s") % {"channel": _choice(Lead.Channel.choices, value)} if present \
            else _("channel unknown")
    if feature == "region":
        return _("region: %(region)s") % {"region": value} if present else _("region unknown")
    if feature == "company_size":
        return _("company size: %(size)s") % {"size": _choice(Lead.CompanySize.choices, value)} if present \
            else _("company size unknown")
    if feature == "nature":
        return _("nature: %(nature)s") % {"nature": _choice(Customer.Nature.choices, value)} if present \
            else _("nature unknown")
    yes_no = {
        "has_phone": (_("has a phone number"), _("no phone")),
        "has_email": (_("has an email address"), _("no email")),
        "has_wechat": (_("has a WeChat ID"), _("no WeChat ID")),
        "has_company": (_("company given"), _("no company given")),
        "referred": (_("referred by a customer or contact"), _("not referred")),
        "referrer_tier_a": (_("referral from a VIP customer"), _("not referred by a VIP customer")),
    }
    if feature in yes_no:
        return yes_no[feature][0 if present else 1]
    n = int(value or 0)
    if feature == "activities":
        return ngettext("%(n)s activity done", "%(n)s activities done", n) % {"n": n} if n \
            else _("no activities done yet")
    if feature == "interactions":
        return ngettext("%(n)s interaction", "%(n)s interactions", n) % {"n": n} if n else _("no interactions yet")
    if feature == "email_replies":
        return ngettext("%(n)s email reply", "%(n)s email replies", n) % {"n": n} if n else _("no email replies")
    if feature == ls.AGE:
        return ngettext("%(n)s day old", "%(n)s days old", n) % {"n": n}
    return feature


def reason_text(reason: dict, *, sources: dict | None = None) -> str:
    """"+ referral from a VIP customer" / "− no phone"."""
    sign = "+" if reason.get("contribution", 0) >= 0 else "\u2212"
    return f"{sign} {reason_label(reason['feature'], reason.get('value'), sources=sources)}"


def describe_reasons(reasons: list[dict], *, sources: dict | None = None) -> list[str]:
    """A lead's ``score_reasons`` in words, strongest first."""
    if not reasons:
        return []
    sources = sources if sources is not None else source_labels()
    return [reason_text(r, sources=sources) for r in reasons]


def column_label(column: dict, *, sources: dict | None = None) -> str:
    """A model column in words, for the coefficients table."""
    group = column["group"]
    if group in ls.CATEGORICAL:
        return reason_label(group, column.get("value", ""), sources=sources)
    if group in ls.BINARY:
        return reason_label(group, 1)
    return {"activities": _("activities done (log scale)"), "interactions": _("interactions (log scale)"),
            "email_replies": _("email replies (log scale)"), ls.AGE: _("age of the lead (log scale)")}.get(group, group)


def model_note(model: LeadScoreModel) -> str:
    """The model's note in the reader's language."""
    note = (model.parameters or {}).get("note") or {}
    text = note.get("text")
    if not text:
        return model.note
    out = _(text) % {k: v for k, v in note.items() if k != "text"}
    if note.get("calibrated"):
        out += " " + _(NOTE_CALIBRATED)
    return out


# --- the retrain button ---------------------------------------------------------------------

def request_retraining(actor) -> None:
    """Queue a retraining for the worker (the page's button); the training is audited under the
    actor who asked."""
    if actor is None:
        raise PermissionDenied
    _check_permission(actor)
    from kehu.sales.tasks import retrain_lead_score

    actor_id = actor.pk
    transaction.on_commit(lambda: retrain_lead_score.enqueue(actor_id))
