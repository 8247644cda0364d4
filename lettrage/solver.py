"""CP-SAT, and only here: enumerate the subsets of amounts whose sum falls in a range.

One worker and a fixed seed per solve, and a limit in CP-SAT's *deterministic* time per
solve: the same search ends at the same point on any machine, so results never depend on it. Results use
the project's own :class:`SearchStatus`, never solver types.
"""
from __future__ import annotations

import enum

import numpy as np


class SearchStatus(enum.Enum):
    COMPLETE = "complete"  # every solution found
    LIMIT = "limit"  # more solutions than asked for
    TIMEOUT = "timeout"  # the time limit ended the search


def enumerate_subsets(
    amounts: np.ndarray, low: int, high: int, max_pick: int, limit: int, time_limit: float
) -> tuple[list[tuple[int, ...]], SearchStatus]:
    """Subsets (1 to ``max_pick`` positions) whose amounts sum into ``[low, high]``."""
    from ortools.sat.python import cp_model  # heavy import: only when a search needs it

    model = cp_model.CpModel()
    picks = [model.NewBoolVar(f"x{i}") for i in range(len(amounts))]
    # The group nets to the target within the tolerance.
    model.AddLinearConstraint(
        sum(int(a) * x for a, x in zip(amounts.tolist(), picks)), int(low), int(high)
    )
    # A group has at least one line besides its anchor, and a bounded size.
    model.AddLinearConstraint(sum(picks), 1, int(max_pick))

    class Collector(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[int, ...]] = []
            self.stopped = False

        def on_solution_callback(self) -> None:
            self.found.append(tuple(i for i, x in enumerate(picks) if self.Value(x)))
            if len(self.found) > limit:
                self.stopped = True
                self.StopSearch()

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.enumerate_all_solutions = True
    # Deterministic time, not wall-clock: the same search stops at the same point on every
    # machine and in every process, so the letters never depend on the load.
    solver.parameters.max_deterministic_time = float(time_limit)
    collector = Collector()
    status = solver.Solve(model, collector)
    found = sorted(set(collector.found))
    if collector.stopped:
        return found[:limit], SearchStatus.LIMIT
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return found, SearchStatus.COMPLETE
    return found, SearchStatus.TIMEOUT
