"""Many runs: sampling uncertain inputs, designs, parallel execution and storage."""
