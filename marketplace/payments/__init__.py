"""Payment gateways: Stripe Checkout in production, a local fake for development and tests.

A domain-free adapter: the gateway interface and factory (``gateway``), the Stripe and fake
gateways, webhook signature verification, and the ``PaymentEvent`` record with the functions that
write it (``services``). It imports no domain package; what is paid for and what an event means
for it belong to the donors domain (``marketplace.donors.checkout``, ``.webhooks`` and
``.fake_checkout``), which calls in here.
"""
