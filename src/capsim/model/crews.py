"""A pool of identical installation crews: c servers over one FIFO queue.

A thin wrapper over :class:`simpy.Resource` that also records how long each job
waited for a crew, so that the pool can be checked against M/M/c queueing theory.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy
from simpy.events import Event


class CrewPool:
    """*crews* identical crews serving jobs first come, first served.

    Parameters
    ----------
    env : simpy.Environment
        The environment; its clock is in months.
    crews : int
        Number of crews (servers), >= 1.
    """

    def __init__(self, env: simpy.Environment, crews: int):
        if isinstance(crews, bool) or not isinstance(crews, int) or crews < 1:
            raise ValueError(f'"crews" must be an integer >= 1, got {crews!r}.')
        self.env = env
        self.resource = simpy.Resource(env, capacity=crews)
        """The underlying SimPy resource."""
        self.waits: list[float] = []
        """Time each job waited for a crew [month], in order of service start."""

    @property
    def crews(self) -> int:
        """Number of crews."""
        return self.resource.capacity

    def serve(
        self, work: float, service_time: Callable[[float], float]
    ) -> Generator[Event, Any, float]:
        """Process: wait for a crew, hold it for ``service_time(work)``, release it.

        Run it with ``env.process(pool.serve(work, service_time))``.

        Parameters
        ----------
        work : float
            Size of the job, in the unit *service_time* expects (e.g. racks).
        service_time : callable
            Maps *work* to the time a crew is busy with it [month].

        Returns
        -------
        float
            Time the job waited for a crew [month] (also appended to :attr:`waits`).
        """
        arrived = self.env.now
        with self.resource.request() as request:
            yield request
            wait = self.env.now - arrived
            self.waits.append(wait)
            yield self.env.timeout(service_time(work))
        return wait
