"""The run monitor: per-step signals, onset detection, alerts, forecasts, report, sinks.

Signals come in four kinds (`SignalKind`): ``oracle`` (proxy, gold, their gap,
detected hack rate, detector confidence), ``behavioural`` (length, truncation,
reward–length correlation, zero-variance groups, reward shares), ``geometry``
(KL, entropy, advantage statistics) and ``internal`` (model-internal: a probe's
score of every rollout, `probe_score`, when the run carries one). Only
oracle-adjacent signals may raise a *hack* alert. Start with `analyse` (records),
``proctor monitor report RUN_DIR`` (a run directory) or `OnlineMonitor` (the same
rules fed step by step from a trainer hook); see docs/monitor.md.
"""

from proctor.monitor._alerts import Alert, AlertEvidence, ExampleRollout, episodes
from proctor.monitor._analyse import EXIT_CODES, Analysis, Status, analyse, analyse_table
from proctor.monitor._changepoint import ChangePoint, cusum, offline_segments, page_hinkley
from proctor.monitor._config import (
    AlertConfig,
    BehaviourRule,
    ForecastConfig,
    GapChangeRule,
    GoldProxyRule,
    HackRateRule,
    MonitorConfig,
    ProbeRule,
    Severity,
)
from proctor.monitor._forecast import Forecast, forecast
from proctor.monitor._online import OnlineMonitor
from proctor.monitor._presets import monitor_preset, preset_names
from proctor.monitor._probe import ProbeScorer, add_probe_scores
from proctor.monitor._report import render_report, write_report
from proctor.monitor._report_data import ReportRun, stored_verdicts
from proctor.monitor._run import RunError, RunRecords, analyse_records, load_run
from proctor.monitor._signals import (
    SIGNALS,
    SignalKind,
    SignalTable,
    build_signals,
    probe_score,
    scalar_kind,
)
from proctor.monitor._sinks import Sink, SinkName, log_analysis, metrics_by_step, open_sink, tag

__all__ = [
    "EXIT_CODES",
    "SIGNALS",
    "Alert",
    "AlertConfig",
    "AlertEvidence",
    "Analysis",
    "BehaviourRule",
    "ChangePoint",
    "ExampleRollout",
    "Forecast",
    "ForecastConfig",
    "GapChangeRule",
    "GoldProxyRule",
    "HackRateRule",
    "MonitorConfig",
    "OnlineMonitor",
    "ProbeRule",
    "ProbeScorer",
    "ReportRun",
    "RunError",
    "RunRecords",
    "Severity",
    "SignalKind",
    "SignalTable",
    "Sink",
    "SinkName",
    "Status",
    "add_probe_scores",
    "analyse",
    "analyse_records",
    "analyse_table",
    "build_signals",
    "cusum",
    "episodes",
    "forecast",
    "load_run",
    "log_analysis",
    "metrics_by_step",
    "monitor_preset",
    "offline_segments",
    "open_sink",
    "page_hinkley",
    "preset_names",
    "probe_score",
    "render_report",
    "scalar_kind",
    "stored_verdicts",
    "tag",
    "write_report",
]
