"""Change control: change requests opened from alerts or by people, with evidence and options,
decided on the record by the ML team and the customer, each decision creating its follow-up.
See docs/change-control.md."""
