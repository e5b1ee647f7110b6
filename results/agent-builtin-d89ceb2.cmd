forethought eval --suite builtin --agents reactive:gate-off --out results/agent-builtin-d89ceb2
