"""Which job functions exist, who owns them, and which run on a schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from croniter import croniter


class JobNotRegistered(LookupError):
    pass


@dataclass(frozen=True)
class Schedule:
    """A job run for every active school that has its module on, at ``cron`` school time."""

    name: str
    func: Callable
    cron: str
    description: str = ""

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"schedule {self.name}: {self.cron!r} is not a cron expression")


def func_path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


class JobRegistry:
    def __init__(self) -> None:
        self._funcs: dict[str, tuple[Callable, str | None]] = {}
        self.schedules: list[tuple[Schedule, str | None]] = []

    def register(self, func: Callable, owner: str | None) -> None:
        self._funcs[func_path(func)] = (func, owner)

    def add_schedule(self, schedule: Schedule, owner: str | None) -> None:
        if any(s.name == schedule.name for s, _ in self.schedules):
            raise ValueError(f"two schedules are named {schedule.name!r}")
        self.register(schedule.func, owner)
        self.schedules.append((schedule, owner))

    def resolve(self, path: str) -> tuple[Callable, str | None]:
        try:
            return self._funcs[path]
        except KeyError:
            raise JobNotRegistered(
                f"{path} is not a registered job; return it from a plugin's houqin_jobs hook"
            ) from None

    def owner_of(self, func: Callable) -> str | None:
        return self.resolve(func_path(func))[1]
