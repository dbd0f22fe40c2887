"""Progressive training: schedule, losses, EMA, checkpoints, distributed data parallel, the loop."""
