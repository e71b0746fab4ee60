"""The board on which one product's views are contracted (``views.solve``): the views by id
and the index maps, kept up to date as views are replaced and merged.

Input: views (``views.View``: a chain with a row and a column index, either may be None) and
the product's summed indices. Output: the next step to take, in the order a left-to-right scan
would take it: a view reducible alone (``next_lone``), a summed index two views share once each
(``next_pair``), an index where Einstein counting fails (``next_crowded``).
Invariants: each is kept in a heap keyed by where a scan of the views by id first meets it,
pushed when a change may have made it actionable and checked when popped (stale entries are
dropped), so one step costs time proportional to the views it touches, not to the product.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from einderiv.ir import index_ir as T

if TYPE_CHECKING:
    from einderiv.notation.views import View


def ends(v: View) -> list:
    """The row and column indices of a view that are not None."""
    row, col = v.row, v.col
    if row is None:
        return [] if col is None else [col]
    return [row] if col is None else [row, col]


class Board:
    """The views of one product by id (ids grow; a view changed in place keeps its id, so id
    order is the order a list of the views would have), and the index maps kept up to date."""

    def __init__(self, views, summed: set):
        self.summed = summed
        self.views: dict[int, View] = {}
        self.holders: dict[T.Index, dict[int, None]] = {}  # index -> ids of views that hold it
        self.lone: list[int] = []  # heap of ids that may be reducible on their own
        self.pairs: list[tuple] = []  # heap of (first met, tiebreak, index) that may multiply
        self.crowd: list[tuple] = []  # the same, of indices that may be crowded (_combine_one)
        self.next_id = 0
        self.tiebreak = 0
        for v in views:
            self._put(v)
        self.lone = [at for at in self.views if self._reducible(at)]  # ids ascend: a heap
        for i in self.holders:
            if i in summed and self._pairable(i):
                self._push_pair(i)
            if self.crowded(i):
                self._push_crowded(i)

    # -- the index maps --------------------------------------------------------------------

    def _put(self, v: View, at: int | None = None) -> int:
        if at is None:
            at, self.next_id = self.next_id, self.next_id + 1
        self.views[at] = v
        for i in dict.fromkeys(ends(v)):
            self.holders.setdefault(i, {})[at] = None
        return at

    def _take(self, at: int, keep_slot: bool = False) -> list:
        v = self.views[at] if keep_slot else self.views.pop(at)
        for i in dict.fromkeys(ends(v)):
            del self.holders[i][at]
        return ends(v)

    def replace(self, at: int, v: View) -> None:
        """The view ``at`` becomes ``v`` in the same place."""
        touched = self._take(at, keep_slot=True)
        self._put(v, at)
        self._changed(dict.fromkeys(touched + ends(v)), at)

    def merge(self, gone, v: View) -> None:
        """The views ``gone`` are combined into ``v``, which goes last."""
        touched = []
        for at in gone:
            touched += self._take(at)
        at = self._put(v)
        self._changed(dict.fromkeys(touched + ends(v)), at)

    def _changed(self, indices, at) -> None:
        """Record the views and indices that may have become actionable (after a change)."""
        if self._reducible(at):
            heapq.heappush(self.lone, at)
        summed, all_holders = self.summed, self.holders
        for i in indices:
            if self.crowded(i):
                self._push_crowded(i)
            if i not in summed:
                continue
            holders = all_holders[i]
            if len(holders) == 1:
                (other,) = holders
                if other != at:
                    heapq.heappush(self.lone, other)
            elif len(holders) == 2 and self._pairable(i):
                self._push_pair(i)

    def _push_pair(self, i) -> None:
        self.tiebreak += 1
        heapq.heappush(self.pairs, (self._first_met(i), self.tiebreak, i))

    def _push_crowded(self, i) -> None:
        self.tiebreak += 1
        heapq.heappush(self.crowd, (self._first_met(i), self.tiebreak, i))

    def crowded(self, i) -> bool:
        """Whether Einstein counting fails at ``i``: more than two ends if summed, more than
        one if free, held by two views or more (one view's ``a[i,i]`` alone combines with
        nothing)."""
        users = self.holders.get(i, ())
        if len(users) < 2:
            return False
        n = sum([ends(self.views[k]).count(i) for k in users])
        return n > 2 or (n > 1 and i not in self.summed)

    def next_crowded(self, looked: list):
        """The next crowded index in the order a scan of the views (by id, row before column)
        would meet them, or None: from a heap kept up to date by ``_changed`` (stale entries
        dropped); the entries returned are added to ``looked``, for ``put_back``."""
        while self.crowd:
            entry = heapq.heappop(self.crowd)
            met, _, i = entry
            if any(e[2] == i for e in looked) or not self.crowded(i) or self._first_met(i) != met:
                continue
            looked.append(entry)
            return i
        return None

    def put_back(self, looked: list) -> None:
        for entry in looked:
            heapq.heappush(self.crowd, entry)

    def _first_met(self, i) -> tuple[int, int]:
        first = min(self.holders[i])
        return first, ends(self.views[first]).index(i)

    def _reducible(self, at: int) -> bool:
        v = self.views.get(at)
        if v is None:
            return False
        return any(i in self.summed and len(self.holders[i]) == 1 for i in ends(v))

    def _pairable(self, i) -> bool:
        holders = self.holders.get(i, ())
        if len(holders) != 2:
            return False
        return all(ends(self.views[at]).count(i) == 1 for at in holders)

    # -- the steps -------------------------------------------------------------------------

    def next_lone(self) -> int | None:
        """The earliest view that can be reduced on its own."""
        while self.lone:
            at = self.lone[0]
            if self._reducible(at):
                return at
            heapq.heappop(self.lone)
        return None

    def next_pair(self):
        """The earliest-met summed index that exactly two views share (once each)."""
        while self.pairs:
            met, _, i = self.pairs[0]
            if not self._pairable(i):
                heapq.heappop(self.pairs)
                continue
            if self._first_met(i) != met:
                heapq.heappop(self.pairs)
                self._push_pair(i)
                continue
            return i
        return None

    def ordered(self) -> list[tuple[int, View]]:
        return sorted(self.views.items())
