"""proctor's proving ground: what proctor is measured against, apart from the product.

- `proctor.bench.attacks`: hostile programs run against every grader (``proctor attack``).
- `proctor.bench.corpus`: the labelled corpus the detectors are scored on.
- `proctor.bench.demo`: the small suites ``proctor demo`` grades (function tasks and
  repository tasks, with honest and hacked rollouts).
- `proctor.bench.detectors`: the detector benchmark (``proctor bench detectors``).
- `proctor.bench.lab`: simulated training runs that drift into hacking (``proctor lab``).
- `proctor.bench.mitigations`: reward estimators compared under hacking
  (``proctor bench mitigations``).

The product (every other subpackage but the command line) never imports this
package; a test enforces it.
"""
