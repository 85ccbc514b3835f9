"""The local assistance policy (issue 13): 低保 and 特困 standards, the 临时救助 bands, and the
arithmetic of the expected entitlement. `entitlement` is pure (no Flask, no database): the policy
tables and their services will call it."""
