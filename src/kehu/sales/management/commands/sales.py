"""``kehu sales``: the sales app's commands.

    kehu sales train-lead-score     train the lead score on the closed leads and rescore open leads
    kehu sales score-leads          rescore every open lead with the model in use
"""

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Sales. train-lead-score: train the lead score on the converted and disqualified leads (a "
            "logistic regression checked on the newest fifth, or the rule score when history is thin) and "
            "rescore every open lead; --enqueue hands it to `kehu worker`. score-leads: rescore every open "
            "lead with the model in use.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train-lead-score", help="Train the lead score and rescore open leads.")
        train.add_argument("--enqueue", action="store_true", help="Queue it for `kehu worker` instead.")
        sub.add_parser("score-leads", help="Rescore every open lead with the lead score in use.")

    def handle(self, *args, action, **options):
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _train_lead_score(self, *, enqueue=False, **_):
        if enqueue:
            from kehu.sales.tasks import retrain_lead_score

            result = retrain_lead_score.enqueue()
            self.stdout.write(f"Lead score training queued ({result.id}); `kehu worker` will run it.")
            return
        from kehu.sales.lead_scoring import train_lead_score

        started = time.perf_counter()
        model = train_lead_score(None)
        seconds = time.perf_counter() - started
        if model.kind == model.Kind.RULES:
            self.stdout.write(self.style.WARNING(f"Lead score #{model.pk}: rule score. {model.note}"))
        else:
            baseline = f"{model.baseline_auc:.3f}" if model.baseline_auc is not None else "—"
            auc = f"{model.auc:.3f}" if model.auc is not None else "—"
            brier = f"{model.brier:.3f}" if model.brier is not None else "—"
            self.stdout.write(self.style.SUCCESS(
                f"Lead score #{model.pk}: trained on {model.n_train:,} leads, checked on {model.n_holdout:,}: "
                f"AUC {auc} (source-frequency baseline {baseline}), Brier {brier}."))
        self.stdout.write(f"Open leads rescored ({seconds:.1f} s in all).")

    def _score_leads(self, **_):
        from kehu.sales.lead_scoring import score_open_leads

        started = time.perf_counter()
        n = score_open_leads()
        self.stdout.write(self.style.SUCCESS(f"{n:,} open leads scored in {time.perf_counter() - started:.1f} s."))
