"""The web page: members without git read, vote and propose from a browser.

Everything here calls the same use cases as the command line; starlette, jinja2 and uvicorn are
imported only in this package, by `assemblee serve` and `assemblee site`."""
