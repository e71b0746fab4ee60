"""``einderiv serve``: a local web page and JSON API for einderiv (SPEC section 10).

``results`` builds the JSON objects (the ``--json`` object of one derivative, the verdict on a
claim) from the public API only; ``workers`` runs them in worker processes with a time limit;
``server`` is the HTTP server (standard library ``http.server``) and ``static/`` the page, its
script and style, and the vendored KaTeX (MIT, see ``static/katex/LICENSE``).
Importing this package starts nothing.
"""
