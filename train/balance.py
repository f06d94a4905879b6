"""The book's rebalancing advice as a feature: notice when the discriminator dominates.

"If the discriminator loss goes to zero while the adversarial loss rises, the discriminator is
winning": over consecutive windows of steps, we compare the mean losses of the latest window with
the one before. Pure Python, so it is tested without TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Balancer:
    window: int = 100
    d_floor: float = 0.2  # a mean D loss under this counts as collapsed (noise keeps it > ~0.1)
    climb: float = 1.2  # the adversarial loss must have grown by this factor window on window
    g_floor: float = 2.0  # ... and be at least this high
    _d: list[float] = field(default_factory=list)
    _g: list[float] = field(default_factory=list)
    _previous: tuple[float, float] | None = None

    def update(self, d_loss: float, g_loss: float) -> dict | None:
        """Feed one step's losses; returns a description when the window just closed shows the
        discriminator dominating, else None."""
        self._d.append(d_loss)
        self._g.append(g_loss)
        if len(self._d) < self.window:
            return None
        current = (sum(self._d) / len(self._d), sum(self._g) / len(self._g))
        self._d.clear()
        self._g.clear()
        previous, self._previous = self._previous, current
        if previous is None:
            return None
        d_now, g_now = current
        d_before, g_before = previous
        d_collapsing = d_now < self.d_floor or d_now < 0.5 * d_before
        g_climbing = g_now > self.climb * g_before and g_now > self.g_floor
        if d_collapsing and g_climbing:
            return {
                "d_loss_mean": d_now,
                "d_loss_mean_before": d_before,
                "g_loss_mean": g_now,
                "g_loss_mean_before": g_before,
            }
        return None

    def state(self) -> dict:
        """What the monitor has seen of the open window and the window before it, for the
        checkpoint: a resumed run must notice (and rebalance) exactly when the uninterrupted run
        would have. Plain floats, for the checkpoint's JSON."""
        return {"d": list(self._d), "g": list(self._g), "previous": self._previous}

    def load_state(self, state: dict) -> None:
        self._d[:] = [float(value) for value in state.get("d", [])]
        self._g[:] = [float(value) for value in state.get("g", [])]
        previous = state.get("previous")
        self._previous = None if previous is None else (float(previous[0]), float(previous[1]))
