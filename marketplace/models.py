"""Import every domain's models so that metadata (migrations, tests) sees all tables."""

from marketplace.accounts import models as accounts  # noqa: F401
from marketplace.audit import models as audit  # noqa: F401
from marketplace.cases import models as cases  # noqa: F401
from marketplace.disbursements import models as disbursements  # noqa: F401
from marketplace.donors import models as donors  # noqa: F401
from marketplace.ledger import models as ledger  # noqa: F401
from marketplace.ngos import models as ngos  # noqa: F401
from marketplace.notifications import models as notifications  # noqa: F401
from marketplace.payments import models as payments  # noqa: F401
from marketplace.plans import models as plans  # noqa: F401
from marketplace.policy import models as policy  # noqa: F401
from marketplace.reports import models as reports  # noqa: F401
