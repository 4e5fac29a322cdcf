"""The SimPy world of capsim and its components."""
