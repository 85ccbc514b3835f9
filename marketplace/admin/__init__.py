"""The auditor and admin screens: the ledger explorer, the audit log of private views, and the
management of organizations, users and API tokens. The rules live in the services of accounts,
ngos, audit and ledger; this package only shows and asks."""
