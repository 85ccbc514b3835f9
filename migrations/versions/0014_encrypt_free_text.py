"""typed free text encrypted at rest

Every free-text column that holds what a social worker, donor or NGO typed about a person is
stored as a Fernet token under the app's PII_ENCRYPTION_KEY (the first key encrypts); only the
scrubbed public text stays in clear, in its own column:

- cases.summary (public_summary stays clear), cases.return_reason, cases.outcome_note (it held
  the scrubbed note: that text moves to the new clear column public_outcome_note and is kept,
  encrypted, as the typed note), new cases.withdraw_reason (it was kept only in the audit log);
- need_lines.description (public_description stays clear);
- case_follow_ups: new note (the answer as typed; existing rows get their scrubbed public_note);
- disbursements.purpose and reason (payee_name was encrypted already);
- referrals.decline_reason.

The audit log keeps no reason text any more (case.return / case.approve / case.withdraw), and a
rejected disbursement's notification no longer quotes the reason.

Runs inside the Flask app context (``flask db upgrade``). On SQLite the changed tables are
copied (batch mode), which needs foreign keys off: pending work is committed first because
SQLite ignores that pragma inside a transaction. The downgrade decrypts and puts the withdraw
reason and the latest return reason of each case back into the audit log.

Revision ID: 0014_encrypt_free_text
Revises: 0013
Create Date: 2026-11-30 23:30:00.000000

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0014_encrypt_free_text'
down_revision = '0013'
branch_labels = None
depends_on = None

#: (table, column, length before) whose type changes from VARCHAR(n) to TEXT
RETYPED = (
    ('need_lines', 'description', 500, False),
    ('disbursements', 'purpose', 300, False),
    ('disbursements', 'reason', 500, False),
    ('referrals', 'decline_reason', 500, True),
)
#: columns encrypted in place (table, key, columns)
ENCRYPTED = (
    ('cases', 'id', ('summary', 'return_reason')),
    ('need_lines', 'id', ('description',)),
    ('disbursements', 'id', ('purpose', 'reason')),
    ('referrals', 'id', ('decline_reason',)),
)
REASON_ACTIONS = ('case.return', 'case.approve', 'case.withdraw')


def _fernet():
    keys = current_app.config['PII_ENCRYPTION_KEY']
    return MultiFernet([Fernet(k.strip()) for k in keys.split(',') if k.strip()])


def _encrypt(fernet, value):
    return None if value is None else fernet.encrypt(value.encode()).decode()


def _decrypt(fernet, value):
    return None if value is None else fernet.decrypt(value.encode()).decode()


@contextmanager
def _sqlite_foreign_keys_off():
    """Batch mode drops and renames tables; SQLite must not enforce foreign keys meanwhile."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute('PRAGMA foreign_keys=OFF')
    try:
        yield
        broken = raw.execute('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the migration: {broken[:5]}')
        raw.commit()
    finally:
        raw.execute('PRAGMA foreign_keys=ON')


def _table(name, *columns):
    return sa.table(name, *(sa.column(c) for c in columns))


def _convert(bind, table, key, columns, convert):
    t = _table(table, key, *columns)
    rows = bind.execute(sa.select(*t.c)).all()
    for row in rows:
        bind.execute(
            t.update()
            .where(t.c[key] == row[0])
            .values({c: convert(v) for c, v in zip(columns, row[1:])})
        )


def _audit():
    return sa.table(
        'audit_events',
        sa.column('id', sa.Integer),
        sa.column('action', sa.String),
        sa.column('object_id', sa.String),
        sa.column('data', sa.JSON),
    )


def upgrade():
    fernet = _fernet()
    bind = op.get_bind()
    with _sqlite_foreign_keys_off():
        with op.batch_alter_table('cases', schema=None) as batch_op:
            batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('public_outcome_note', sa.Text(), nullable=True))
        with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
            batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        for table, column, length, nullable in RETYPED:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=length),
                    type_=sa.Text(),
                    existing_nullable=nullable,
                )

        # reasons out of the audit log; a withdrawn case keeps its reason in its own row
        audit = _audit()
        cases = _table('cases', 'id', 'ref', 'withdraw_reason', 'outcome_note',
                       'public_outcome_note')
        events = bind.execute(
            sa.select(audit.c.id, audit.c.action, audit.c.object_id, audit.c.data)
            .where(audit.c.action.in_(REASON_ACTIONS))
            .order_by(audit.c.id)
        ).all()
        for event_id, action, ref, data in events:
            data = dict(data or {})
            reason = data.pop('reason', None)
            if action == 'case.withdraw' and reason:
                bind.execute(
                    cases.update().where(cases.c.ref == ref)
                    .values(withdraw_reason=_encrypt(fernet, reason))
                )
            elif action != 'case.withdraw':
                data['reason'] = bool(reason)
            bind.execute(audit.update().where(audit.c.id == event_id).values(data=data))

        # a rejection notification quoted the reason
        notes = _table('notifications', 'id', 'key', 'text')
        payouts = _table('disbursements', 'id', 'reason')
        reasons = dict(bind.execute(sa.select(payouts.c.id, payouts.c.reason)).all())
        for note_id, key, text in bind.execute(
            sa.select(notes.c.id, notes.c.key, notes.c.text)
            .where(notes.c.key.like('disbursement:%:rejected'))
        ).all():
            reason = reasons.get(int(key.split(':')[1]))
            if reason and reason in text:
                cleaned = text.replace(reason, '').rstrip(' ::')
                bind.execute(notes.update().where(notes.c.id == note_id).values(text=cleaned))

        # outcome notes and follow-up answers: the stored (scrubbed) text becomes the public
        # column; the typed column keeps it encrypted (the original typing was not kept)
        for case_id, note in bind.execute(sa.select(cases.c.id, cases.c.outcome_note)).all():
            bind.execute(
                cases.update().where(cases.c.id == case_id).values(
                    public_outcome_note=note or '', outcome_note=_encrypt(fernet, note or '')
                )
            )
        follow_ups = _table('case_follow_ups', 'id', 'public_note', 'note')
        for row_id, public in bind.execute(
            sa.select(follow_ups.c.id, follow_ups.c.public_note)
        ).all():
            bind.execute(
                follow_ups.update().where(follow_ups.c.id == row_id)
                .values(note=_encrypt(fernet, public or ''))
            )
        for table, key, columns in ENCRYPTED:
            _convert(bind, table, key, columns, lambda v: _encrypt(fernet, v))

        with op.batch_alter_table('cases', schema=None) as batch_op:
            batch_op.alter_column('public_outcome_note', existing_type=sa.Text(), nullable=False)
            # '' is no token: a row written without the app must fail, not become unreadable
            batch_op.alter_column(
                'outcome_note', existing_type=sa.Text(), existing_nullable=False,
                server_default=None,
            )
        with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
            batch_op.alter_column('note', existing_type=sa.Text(), nullable=False)


def downgrade():
    fernet = _fernet()
    bind = op.get_bind()
    with _sqlite_foreign_keys_off():
        for table, key, columns in ENCRYPTED:
            _convert(bind, table, key, columns, lambda v: _decrypt(fernet, v))
        # the old outcome_note held the scrubbed note; withdraw reasons go back to the audit
        cases = _table('cases', 'id', 'ref', 'withdraw_reason', 'outcome_note',
                       'public_outcome_note')
        audit = _audit()
        returned = _table('cases', 'id', 'return_reason')
        last_return = dict(bind.execute(sa.select(returned.c.id, returned.c.return_reason)).all())
        for case_id, ref, reason, public in bind.execute(
            sa.select(cases.c.id, cases.c.ref, cases.c.withdraw_reason,
                      cases.c.public_outcome_note)
        ).all():
            bind.execute(
                cases.update().where(cases.c.id == case_id).values(outcome_note=public or '')
            )
            # the audit's reason: the withdraw reason, and the latest return reason (earlier
            # return reasons were not kept anywhere else)
            for action, text in (
                ('case.withdraw', _decrypt(fernet, reason)),
                ('case.return', last_return.get(case_id)),
            ):
                if not text:
                    continue
                event = bind.execute(
                    sa.select(audit.c.id, audit.c.data)
                    .where(audit.c.action == action, audit.c.object_id == ref)
                    .order_by(audit.c.id.desc())
                    .limit(1)
                ).first()
                if event is not None:
                    data = {**(event[1] or {}), 'reason': text}
                    bind.execute(audit.update().where(audit.c.id == event[0]).values(data=data))

        for table, column, length, nullable in RETYPED:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length=length),
                    existing_nullable=nullable,
                )
        with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
            batch_op.drop_column('note')
        with op.batch_alter_table('cases', schema=None) as batch_op:
            batch_op.alter_column(
                'outcome_note', existing_type=sa.Text(), existing_nullable=False,
                server_default='',
            )
            batch_op.drop_column('public_outcome_note')
            batch_op.drop_column('withdraw_reason')
