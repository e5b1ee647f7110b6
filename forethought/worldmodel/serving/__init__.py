"""Serving models: the embedded llama.cpp server, the managed subprocess, and vLLM."""
