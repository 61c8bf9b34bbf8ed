"""The client kit: what every slice's client part (`<slice>/client.py`) builds on.

`base.ApiBase` holds the HTTP connection (headers, timeouts, retried monitoring writes),
`errors` the exceptions refusals become, `paging` the walk through paged listings. The kit knows
nothing of the slices; `mlcontinuum.sdk.Client` composes the slices' parts into one client.
"""
