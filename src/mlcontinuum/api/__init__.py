"""REST API adapter: parse, call one service function, shape the answer."""
