"""The command line: argument parsing only; the logic lives in the rooms."""
