"""Payment gateways: Stripe Checkout in production, a local fake for development and tests."""
