"""The run store and the adapters that fill it from what trainers write.

```python
from proctor.runs import Ingestor, RunStore

with RunStore("runs/r1") as store:
    Ingestor(store, "verl").run([Path("rollout_data"), Path("metrics.jsonl")])
    print(store.counts())
```
"""

from proctor.runs._ingest import SOURCES, Ingestor, IngestReport, Source
from proctor.runs._records import Batch, Checkpoint, Scalar
from proctor.runs._store import RunStore, StoreError
from proctor.runs._tasks import TaskResolver
from proctor.runs._watch import watch

__all__ = [
    "SOURCES",
    "Batch",
    "Checkpoint",
    "IngestReport",
    "Ingestor",
    "RunStore",
    "Scalar",
    "Source",
    "StoreError",
    "TaskResolver",
    "watch",
]
