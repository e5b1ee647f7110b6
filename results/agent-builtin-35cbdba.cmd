forethought eval --suite builtin --agents reactive:gate-off --out results/agent-builtin-35cbdba
