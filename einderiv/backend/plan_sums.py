"""Running sums: a sum of many arrays is accumulated while its terms are made.

Input: the top-level steps of a plan (in order) and a maker of fresh step names.
Output: ``running_sums(steps, new_name)``: the same program in which each ``add`` step of at
least ``RUNNING_MIN`` full-size terms is a chain of two-term ``add`` steps, each placed right
after the later of its two inputs is made; a term that only the sum reads (a product) is made
as soon as its own inputs are. So a term is released as soon as it has been added, and its
inputs as soon as nothing else needs them -- the gradient of ``tr(A1 X ... AN X)`` no longer
holds its N leave-one-out products, nor its N suffix products, at once
(``benchmarks/bench_memory.py``).
Invariants:
- The value is unchanged up to the order of floating-point additions (terms are added in the
  order they are made); the last step of a chain keeps the original name and the constant.
- Only sums whose every term has all the axes of the result are rewritten (no broadcasting),
  and only at the top level (a loop body is left as it is).
- A step is only ever moved earlier, never before its inputs; only the sum's own terms and
  its partial sums move.
"""

from __future__ import annotations

from einderiv.backend.steps import Step

RUNNING_MIN = 8  # fewer terms: one n-ary sum (numpy adds into its unnamed partial sums)
MOVABLE = ("contract", "align")  # a term made by one of these, read only by the sum, is made
# as soon as its inputs are (and added, and released, right then)


def running_sums(steps, new_name) -> tuple:
    made = {step.name: k for k, step in enumerate(steps)}
    readers: dict = {}
    for step in steps:
        for name in step.deps:
            readers[name] = readers.get(name, 0) + 1
    after: dict = {}  # position -> the steps placed right after it
    moved = set()
    for step in steps:
        if not _long_full_sum(step):
            continue
        items, order, constant = step.params
        terms = []
        for arg, item in zip(step.args, items):
            term = steps[made[arg]] if arg in made else None
            if term is not None and term.op in MOVABLE and readers[arg] == 1:
                ready = max((made.get(d, -1) for d in term.deps), default=-1)
                terms.append((ready, arg, item, term))  # made as soon as it can be
            else:
                terms.append((made.get(arg, -1), arg, item, None))
        terms.sort(key=lambda t: t[0])
        acc, acc_item, acc_at = None, None, -1
        for k, (ready, arg, item, term) in enumerate(terms):
            if term is not None:
                after.setdefault(ready, []).append(term)
                moved.add(arg)
            at = max(acc_at, ready)
            if acc is None:
                acc, acc_item, acc_at = arg, item, at
                continue
            last = k == len(terms) - 1
            name = step.name if last else new_name()
            params = ((acc_item, item), order, constant if last else 0.0)
            after.setdefault(at, []).append(Step(name, "add", (acc, arg), params))
            acc, acc_item, acc_at = name, (order, 1.0), at
        moved.add(step.name)
    if not moved:
        return tuple(steps)
    out = list(after.get(-1, []))
    for k, step in enumerate(steps):
        if step.name not in moved:
            out.append(step)
        out += after.get(k, [])
    return tuple(out)


def _long_full_sum(step) -> bool:
    if step.op != "add" or len(step.args) < RUNNING_MIN:
        return False
    items, order, _ = step.params
    return all(isinstance(a, str) for a in step.args) and all(
        len(own) == len(order) and set(own) == set(order) for own, _ in items
    )
