"""Reading results: milestones, claims and bottlenecks."""
