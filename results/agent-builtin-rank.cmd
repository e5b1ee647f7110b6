forethought eval --suite builtin --agents reactive:gate-off --proposals rank --out results/agent-builtin-rank
