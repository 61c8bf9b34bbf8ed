"""Trust: model cards now; fairness and explanation reports as the gates record them."""
