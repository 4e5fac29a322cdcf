"""Running a plan's chunks on a Dask distributed cluster (same chunks, same results)."""

from __future__ import annotations

from collections.abc import Iterator

from capsim.sweep.runner import Execution, run_plan_chunk

#: A local cluster's housekeeping. By default the scheduler, nannies and workers wake
#: every 10-500 ms (sampling profiler, event-loop ticks, memory and system monitors),
#: which takes 7-17 % of the CPU from the tasks when the workers fill every core.
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def execute_on_dask(text: str, plan, pending: list[int], execution: Execution) -> Iterator:
    """Yield (chunk index, result, rows) as the cluster finishes chunks."""
    import dask
    from distributed import Client, LocalCluster, as_completed

    if execution.scheduler is not None:
        client, cluster = Client(execution.scheduler), None
    else:
        with dask.config.set(QUIET):
            cluster = LocalCluster(
                n_workers=execution.dask_local,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    try:
        scenario = client.scatter(text, broadcast=True)
        shared_plan = client.scatter(plan, broadcast=True)
        limit = 2 * max(1, len(client.scheduler_info()["workers"]))
        queue = list(pending)
        running = as_completed()
        index_of = {}

        def submit() -> None:
            index = queue.pop(0)
            future = client.submit(
                run_plan_chunk, scenario, shared_plan, index, execution.chunk, pure=False
            )
            index_of[future.key] = index
            running.add(future)

        for _ in range(min(limit, len(queue))):
            submit()
        for future in running:
            result, rows = future.result()
            yield index_of.pop(future.key), result, rows
            if queue:
                submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
