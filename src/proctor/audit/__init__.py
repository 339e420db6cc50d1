"""Audits of learned scorers (reward models, PRMs, judges): report cards from scores they
already produced, calibrated PRM prefix values, and live stress tests.

```python
from proctor.audit import audit_scores
cards = audit_scores("rewardmath", Path("../shared/data/rewardmath"), Path("audit/rm"))
```

- `audit_scores` / `build_card`: 1-vs-rest accuracy, best-of-n with over-optimisation,
  agreement with gold, bias probes with intervals, PRM first-error F1, reward to wrong
  answers, aggregations, suggested transforms (`suggest`, `run_suggestion`);
- `calibrate_prefixes`: step scores -> P(no wrong step so far), cross-fitted by problem;
- `run_live`: perturbation stress tests against a callable scorer.

See docs/audit.md.
"""

from proctor.audit._accuracy import agreement, best_of_n_curve, one_vs_rest, pairwise_accuracy
from proctor.audit._bestofn import best_of_n, best_of_n_pools
from proctor.audit._bias import bias_probes
from proctor.audit._calibrate import METHODS, calibrate_prefixes
from proctor.audit._card import FORMAT, build_card, summary_row
from proctor.audit._html import render_card, render_index
from proctor.audit._live import live_markdown, run_live
from proctor.audit._mitigate import TRANSFORMS, apply_suggestions, run_suggestion, suggest
from proctor.audit._perturb import PERTURBATIONS, LiveItem, arithmetic_items, perturb
from proctor.audit._prm import (
    aggregate,
    aggregations,
    first_below,
    first_error_report,
    first_error_scores,
)
from proctor.audit._processbench import processbench_tables
from proctor.audit._rewardmath import (
    SOLUTIONS,
    RewardMathFile,
    pad_steps,
    read_rewardmath_file,
    rewardmath_table,
    rewardmath_tables,
    scorer_files,
    step_lists,
)
from proctor.audit._rewardmath import default_dir as rewardmath_dir
from proctor.audit._run import SOURCES, audit_scores, load_tables
from proctor.audit._runstore import runstore_table
from proctor.audit._scorers import (
    KINDS,
    CallableScorer,
    CausalPRMScorer,
    ImplicitRewardScorer,
    LogprobJudgeScorer,
    OpenAIJudgeScorer,
    Scorer,
    SequenceClassifierScorer,
    build_scorer,
    load_causal_lm,
)
from proctor.audit._stats import cluster_bootstrap, ece
from proctor.audit._table import ScoreTable

__all__ = [
    "FORMAT",
    "KINDS",
    "METHODS",
    "PERTURBATIONS",
    "SOLUTIONS",
    "SOURCES",
    "TRANSFORMS",
    "CallableScorer",
    "CausalPRMScorer",
    "ImplicitRewardScorer",
    "LiveItem",
    "LogprobJudgeScorer",
    "OpenAIJudgeScorer",
    "RewardMathFile",
    "ScoreTable",
    "Scorer",
    "SequenceClassifierScorer",
    "aggregate",
    "aggregations",
    "agreement",
    "apply_suggestions",
    "arithmetic_items",
    "audit_scores",
    "best_of_n",
    "best_of_n_curve",
    "best_of_n_pools",
    "bias_probes",
    "build_card",
    "build_scorer",
    "calibrate_prefixes",
    "cluster_bootstrap",
    "ece",
    "first_below",
    "first_error_report",
    "first_error_scores",
    "live_markdown",
    "load_causal_lm",
    "load_tables",
    "one_vs_rest",
    "pad_steps",
    "pairwise_accuracy",
    "perturb",
    "processbench_tables",
    "read_rewardmath_file",
    "render_card",
    "render_index",
    "rewardmath_dir",
    "rewardmath_table",
    "rewardmath_tables",
    "run_live",
    "run_suggestion",
    "runstore_table",
    "scorer_files",
    "step_lists",
    "suggest",
    "summary_row",
]
